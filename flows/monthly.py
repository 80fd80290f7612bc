"""The monthly flow: discover -> read (one task per file) -> validate -> reconcile -> publish -> report.

Every task wraps one core function of `heza`; the flow holds the period's lock for the whole run
so that two runs of one period never interleave.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from heza.config import check_period, default_period, load_settings
from heza.pipeline import (
    Assessment, RunContext, check_period_claims, load_context, period_inputs, publish_period, reconcile_period,
    split_period, validate_period,
)
from heza.publish import period_lock
from heza.read import FileRead, ReadError, read_file
from heza.present.notify import build_message, deliver, smtp_settings
from heza.present.report import saved_charts, summary_markdown

_IN_MEMORY = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="discover-inputs", **_IN_MEMORY)
def discover_inputs(ctx: RunContext) -> list[Path]:
    """List the period's submitted files."""
    paths = period_inputs(ctx)
    get_run_logger().info("%s: %d files in %s", ctx.period, len(paths), ctx.period_folder)
    return paths


@task(name="read-workbook", task_run_name="read-{path.name}", retries=2, retry_delay_seconds=2, **_IN_MEMORY)
def read_workbook(path: Path, ctx: RunContext) -> FileRead:
    """Read one submitted file (a disk or share hiccup is worth a retry; a bad file is not)."""
    result = read_file(path, ctx.settings.limits, allowed_root=ctx.settings.raw)
    logger = get_run_logger()
    if result.error is not None:
        logger.warning("%s: %s", path.name, result.error.message_en)
    else:
        logger.info("%s: %d sheets read, %d skipped", path.name, len(result.tables), len(result.skipped))
    return result


def _file_or_failure(future, path: Path) -> FileRead:
    """A read that timed out or crashed becomes that file's error; the other files go on."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, FileRead):
        return result
    error = ReadError("failed", f"Đọc tệp thất bại hoặc quá thời gian: {result}",
                      f"Reading the file failed or timed out: {result}")
    return FileRead(file=path.name, path=path, size=path.stat().st_size, sha256="", format=path.suffix.lstrip("."),
                    error=error)


@task(name="validate-tables", **_IN_MEMORY)
def validate_tables(files: list[FileRead], ctx: RunContext) -> Assessment:
    """Type every sheet and run the pandera models in one lazy pass."""
    return validate_period(files, ctx)


@task(name="reconcile-tables", **_IN_MEMORY)
def reconcile_tables(assessment: Assessment, files: list[FileRead], ctx: RunContext) -> Assessment:
    """Check zones against enterprise rows and the last publication; split rows; completeness."""
    return split_period(reconcile_period(assessment, ctx), ctx, files)


@task(name="check-claims", **_IN_MEMORY)
def check_claims(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Check the draft release's figures against the rows about to be published, and each other."""
    return check_period_claims(assessment, ctx)


@task(name="publish-period", retries=1, retry_delay_seconds=2, **_IN_MEMORY)
def publish_outputs(assessment: Assessment, files: list[FileRead], ctx: RunContext,
                    lang: str) -> tuple[Path, dict]:
    """Write the release aside and swap it in (or keep the report only, if critical)."""
    folder, report = publish_period(assessment, files, ctx, lang)
    get_run_logger().info("%s: %s -> %s", ctx.period, report["status"], folder)
    return folder, report


@task(name="write-report", **_IN_MEMORY)
def write_report(report: dict, folder: Path, lang: str) -> str:
    """Publish the run's summary (markdown) and its claims (table) as Prefect artifacts."""
    markdown = summary_markdown(report, folder, lang)
    create_markdown_artifact(key=f"heza-{report['period']}-summary", markdown=markdown,
                             description=f"HEZA {report['period']}")
    if report["claims"]:
        columns = ("indicator", "scope", "reported", "recomputed", "lower", "upper", "status")
        create_table_artifact(key=f"heza-{report['period']}-claims",
                              table=[{c: claim[c] for c in columns} for claim in report["claims"]],
                              description=f"HEZA {report['period']}: claims")
    return markdown


@task(name="notify-staff", **_IN_MEMORY)
def notify_staff(report: dict, folder: Path, ctx: RunContext, lang: str) -> dict:
    """E-mail the report to staff, or leave it in the outbox; a failed send never undoes publishing."""
    smtp = smtp_settings(ctx.settings)
    message = build_message(report, folder, folder, saved_charts(folder), smtp, ctx.settings, lang)
    result = deliver(message, smtp, ctx.settings.outbox, f"heza-{ctx.period}-{ctx.run_id}")
    logger = get_run_logger()
    if result["status"] == "sent":
        logger.info("report sent to %d recipients", len(result["to"]))
    else:
        logger.warning("report not sent (%s); it is in %s", result.get("error", "no SMTP server configured"),
                       result["path"])
    return result


@flow(name="heza-monthly", log_prints=False)
def monthly_pipeline(period: str | None = None, raw: str | None = None, out: str | None = None,
                     send_email: bool = True, lang: str = "vi") -> dict:
    """Check and publish one month of HEZA submissions (by default the previous month)."""
    settings = load_settings()
    period = period or default_period(settings.schedule.get("timezone", "Asia/Ho_Chi_Minh"))
    settings = replace(settings, raw=Path(raw).resolve() if raw else settings.raw,
                       processed=Path(out).resolve() if out else settings.processed)
    ctx = load_context(settings, check_period(period))
    with period_lock(settings.processed, ctx.period, settings.limits["lock_wait_seconds"]):
        # read
        paths = discover_inputs(ctx)
        # Reads run in worker threads, where a timeout cannot interrupt a blocking read; the size,
        # unzip and row limits bound them instead (heza validate also applies max_read_seconds).
        files = [read_workbook.submit(path, ctx) for path in paths]
        files = [_file_or_failure(future, path) for future, path in zip(files, paths)]
        # validate and reconcile
        assessment = reconcile_tables(validate_tables(files, ctx), files, ctx)
        assessment = check_claims(assessment, ctx)
        # publish and report
        folder, report = publish_outputs(assessment, files, ctx, lang)
        write_report(report, folder, lang)
        # notify
        email = notify_staff(report, folder, ctx, lang) if send_email else None
    return {
        "period": ctx.period, "status": report["status"], "critical": report["critical"],
        "counts": report["counts"], "errors": report["summary"]["error"],
        "warnings": report["summary"]["warning"], "folder": str(folder), "email": email,
    }

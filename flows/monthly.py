"""The monthly flow: list the inputs -> assess each file (one task per file) -> the period's
stages -> publish -> report -> letters to the zones -> notify staff.

Every task wraps one function of `heza`; the flow only wires them. The tasks run in threads of
this process by default, or on a Dask cluster (`heza run --workers N` / `--scheduler ADDRESS`):
the same functions either way, so the outputs are the same byte for byte. The flow holds the
period's lock for the whole run so that two runs of one period never interleave.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import opaque, quote

from heza.assess.context import RunContext, period_inputs, prepare
from heza.assess.core import STAGES, FileAssessment, assess_file, failed_file, join_files
from heza.config import check_period, default_period, load_settings
from heza.present.charts import load_pyplot
from heza.present.notify import build_message, deliver, smtp_settings
from heza.present.publication import present_release
from heza.present.report import saved_charts, summary_markdown
from heza.present.zone_letters import send_zone_letters
from heza.release.folders import period_lock
from heza.release.publish import publish_period

_IN_MEMORY = {"cache_policy": NO_CACHE, "persist_result": False}
# Contexts `heza run` prepared, by run id, for the flow it starts (see run_prepared).
_PREPARED: dict[str, RunContext] = {}


@task(name="list-inputs", **_IN_MEMORY)
def list_inputs(ctx: RunContext) -> list[Path]:
    """The period's submitted files."""
    paths = period_inputs(ctx)
    get_run_logger().info("%s: %d files in %s", ctx.period, len(paths), ctx.period_folder)
    return paths


@task(name="assess-file", task_run_name="assess-{path.name}", **_IN_MEMORY)
def assess_one_file(path: Path, ctx: RunContext) -> FileAssessment:
    """Read and type one submitted file where the task runs (a bad file is a finding, not a failure);
    a link pointing out of the raw folder is not followed."""
    return assess_file(path, ctx, root=ctx.settings.raw)


def _file_or_failure(future, path: Path, ctx: RunContext) -> FileAssessment:
    """A file whose task crashed becomes that file's error; the other files go on."""
    result = future.result(raise_on_failure=False)
    return result if isinstance(result, FileAssessment) else failed_file(path, str(result), ctx)


def _assessed_files(paths: list, ctx: RunContext) -> list:
    """Each file's result, its task's future let go on return: a future keeps its result (every
    file's tables) for as long as it is referenced, and the flow runs on long after the join."""
    futures = [assess_one_file.submit(path, ctx) for path in paths]
    return [_file_or_failure(future, path, ctx) for future, path in zip(futures, paths)]


_JOIN = task(join_files, name="join-files", **_IN_MEMORY)
_STAGE_TASKS = [task(stage, name=stage.__name__.replace("_", "-"), **_IN_MEMORY) for stage in STAGES]


@task(name="publish-period", **_IN_MEMORY)
def publish_outputs(assessment, ctx: RunContext, lang: str) -> tuple[Path, dict]:
    """Write the release aside and swap it in (or keep the report only, if critical)."""
    folder, report = publish_period(assessment, ctx, lang, present=present_release)
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


@task(name="notify-submitters", **_IN_MEMORY)
def notify_submitters(report: dict, folder: Path, ctx: RunContext, lang: str) -> dict:
    """With [email] send_to_submitters, each zone's letter (its own marked copies) to its addresses,
    before the staff e-mail; returns the report, then listing what each zone was sent."""
    if not ctx.settings.email.get("send_to_submitters"):
        return report
    report = send_zone_letters(report, folder, ctx.settings, ctx.submitters, ctx.registry.names,
                               smtp_settings(ctx.settings), ctx.run_id, lang)
    get_run_logger().info("letters to zones: %s", ", ".join(f"{e['zone'] or '-'} {e['status']}"
                                                            for e in report["letters"]))
    return report


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


@flow(name="heza-monthly", log_prints=False, validate_parameters=False)
def monthly_pipeline(period: str | None = None, raw: str | None = None, out: str | None = None,
                     send_email: bool = True, lang: str = "vi", prepared: str | None = None) -> dict:
    """Check and publish one month of HEZA submissions (by default the previous month).

    `heza run` hands over the context it has already prepared (and checked) by its run id
    (`prepared`, see run_prepared); a scheduled run prepares it."""
    if prepared is None:
        settings = load_settings()
        period = check_period(period or default_period(settings.schedule.get("timezone", "Asia/Ho_Chi_Minh")))
        ctx = prepare(settings, period, raw, out)
    else:
        ctx = _PREPARED[prepared]
    with period_lock(ctx.settings.processed, ctx.period, ctx.settings.limits["lock_wait_seconds"]):
        paths = list_inputs(ctx)
        # opaque: Prefect walks a task's parameters for futures and upstream results, into lists and
        # dataclasses, every file's sheets and findings included, before each task after the files';
        # opaque links the task to the one it came from (the run's graph) and walks no further
        assessment = _JOIN([opaque(file) for file in _assessed_files(paths, ctx)], ctx)
        for stage in _STAGE_TASKS:
            assessment = stage(opaque(assessment), ctx)
        folder, report = publish_outputs(opaque(assessment), ctx, lang)
        # quote: Prefect would walk every finding and claim of the report (a million-row month's report
        # holds tens of thousands) looking for futures, twice per task: seconds between two tasks
        write_report(quote(report), folder, lang)
        if send_email:
            report = notify_submitters(quote(report), folder, ctx, lang)
        email = notify_staff(quote(report), folder, ctx, lang) if send_email else None
    return {
        "period": ctx.period, "status": report["status"], "critical": report["critical"],
        "missing_zones": report["missing_zones"],
        "wrong_figures": sum(1 for claim in report["claims"] if claim["status"] == "fail"),
        "unreadable": [{"file": f["file"], **{k: f["error"][k] for k in ("message_vi", "message_en")}}
                       for f in report["files"] if f["error"]],
        "counts": report["counts"], "errors": report["summary"]["error"],
        "warnings": report["summary"]["warning"], "tally": report["tally"], "folder": str(folder), "email": email,
        "letters": report.get("letters"),
    }


def run_prepared(flow, ctx: RunContext, **parameters) -> dict:
    """Run the flow (monthly_pipeline, or it with another task runner) on a context the caller
    prepared. The context travels by its run id, not as a parameter: Prefect stores a flow's
    parameters as JSON, and encoding a context deep-copies and walks the last publication's rows,
    only to give up (half a minute after a million-row month, before the flow could start)."""
    _PREPARED[ctx.run_id] = ctx
    try:
        return flow(period=ctx.period, prepared=ctx.run_id, **parameters)
    finally:
        del _PREPARED[ctx.run_id]


def load_late_imports() -> None:
    """Import what the flow would import only when it gets there: matplotlib (the report's charts)
    and pandera's built-in checks (the first validation). `heza run` calls it while the Prefect
    server comes up: the same seconds, spent waiting instead of after."""
    import pandera.backends.pandas.builtin_checks  # noqa: F401

    load_pyplot()


def dask_task_runner(workers: int | None = None, scheduler: str | None = None):
    """A Dask task runner: an existing cluster at `scheduler`, or a local one of `workers` processes."""
    from prefect_dask import DaskTaskRunner

    if not os.environ.get("HEZA_DEBUG"):  # the cluster's start and stop lines, in the workers too
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    if scheduler:
        return DaskTaskRunner(address=scheduler)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": ":0"})

"""`heza`: the one command staff use. Messages in Vietnamese first; --lang en for English.

Exit codes follow the run status (heza.assess.core.run_status), the first that applies:
2 not_published: nothing published (a critical run, or with [publish] require_complete /
  --require-complete an incomplete month), or nothing usable (unreadable input, bad arguments,
  bad configuration, an output folder that cannot be written, a period another run holds, files
  `heza sample` would overwrite);
4 published_incomplete: published, but an active zone of the registry has no readable row in the
  month (its files unreadable, missing or empty); the headline names the zones;
3 published, but the report e-mail could be neither written to the outbox nor sent;
1 published_with_errors with --strict (rows held back, a file unreadable, a rate missing), or
  errors found (validate);
0 published, or published_with_errors without --strict.
Every operator mistake is a message (Vietnamese, then English) naming the file, key or folder;
an unexpected error is one line too (HEZA_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path

import click

from heza.cli_rules import rules
from heza.cli_web import web
from heza.config import PERIOD_PATTERN, ConfigError, check_period, default_period, load_settings
from heza.ingest.numbers import format_number
from heza.present.words import (
    EMAIL_STATUS_WORDS, FILES, NO_DATA_ROW, NOT_FOUND, OUTPUT, PERIOD, PERIOD_FROM, REPORT_EMAIL,
    UNREADABLE_FILE, count_line, field, in_lang, pick, status_headline, table_label, tally_line,
)


def _fail(message: str, code: int = 2):
    click.echo(message, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """HEZA: kiểm tra và công bố số liệu khu công nghiệp, khu kinh tế Hải Phòng hằng tháng."""


def _settings():
    try:
        return load_settings()
    except ConfigError as exc:
        _fail(str(exc))


EXIT_EMAIL_NOT_KEPT = 3
EXIT_INCOMPLETE = 4


@main.command()
@click.option("--period", default=None, help="Kỳ báo cáo YYYY-MM (mặc định: tháng trước).")
@click.option("--raw", type=click.Path(path_type=Path), default=None, help="Thư mục chứa các thư mục kỳ.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Thư mục công bố.")
@click.option("--no-email", is_flag=True, help="Không gửi và không ghi thư báo cáo.")
@click.option("--strict", is_flag=True, help="Thoát với mã 1 nếu công bố nhưng còn lỗi.")
@click.option("--require-complete", is_flag=True,
              help="Không công bố (mã 2) nếu một khu đang hoạt động không có dòng nào đọc được "
                   "(như [publish] require_complete = true).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Kiểm tra các tệp song song trên một cụm Dask cục bộ gồm N tiến trình.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Kiểm tra các tệp trên cụm Dask đang chạy (vd. tcp://10.0.0.5:8786).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
def run(period, raw, out, no_email, strict, require_complete, workers, scheduler, lang):
    """Chạy quy trình tháng: đọc, kiểm tra, đối chiếu, công bố, báo cáo."""
    from heza.release.folders import PeriodLockedError, period_lock, writable_folder_message

    settings = _settings()
    period = _checked_period(settings, period)
    processed = Path(out).resolve() if out else settings.processed
    unwritable = writable_folder_message(processed)
    if unwritable:
        _fail(unwritable)
    # SIGTERM ends the run like Ctrl+C does (cleanup runs, the Prefect server stops) rather than
    # killing the process where it stands.
    previous_handler = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        # The lock is taken here, before Prefect starts, and held for the whole run: a second run of
        # the period stops with one message and no Prefect output; the flow takes it again inside.
        # The server starts next and comes up while the reference data are read and checked.
        with period_lock(processed, period, settings.limits["lock_wait_seconds"]), \
                _prefect_server(settings) as server_ready:
            ctx = _prepared(settings, period, raw, out, require_complete=True if require_complete else None)
            outcome = _run_flow(ctx, no_email, lang, workers, scheduler, server_ready)
    except PeriodLockedError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("Đã dừng; không có gì được công bố dở dang / stopped; nothing was left half-published", 130)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    _print_outcome(outcome, lang)
    if outcome["status"] == "not_published":
        sys.exit(2)
    if outcome["status"] == "published_incomplete":
        sys.exit(EXIT_INCOMPLETE)
    if outcome.get("email") and outcome["email"]["status"] == "not_kept":
        sys.exit(EXIT_EMAIL_NOT_KEPT)
    if strict and outcome["errors"]:
        sys.exit(1)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def _prefect_server(settings):
    """The Prefect API of the run: PREFECT_API_URL's server, else one started now (and stopped at the
    end) by flows.schedule.run_server; yields a function that waits for it and returns its URL."""
    from contextlib import nullcontext

    from flows.schedule import run_server

    startup = settings.prefect["startup_timeout_seconds"]
    prepare_prefect(settings.root, startup)
    named = os.environ.get("PREFECT_API_URL")
    return nullcontext(lambda: named) if named else run_server(startup)


def _run_flow(ctx, no_email: bool, lang: str, workers: int | None, scheduler: str | None, server_ready) -> dict:
    """Run the flow once the Prefect server answers."""
    from heza.ingest.reference import ReferenceDataError
    from heza.release.folders import PublishError

    try:
        # imported while the server comes up, and only for `run`
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.monthly import dask_task_runner, load_late_imports, monthly_pipeline, run_prepared

        flow = monthly_pipeline.with_options(task_runner=dask_task_runner(workers, scheduler)) \
            if workers or scheduler else monthly_pipeline
        load_late_imports()  # while the server comes up
        with temporary_settings({PREFECT_API_URL: server_ready()}):
            try:
                return run_prepared(flow, ctx, send_email=not no_email, lang=lang)
            finally:
                _drain_prefect_workers()
    except (PublishError, ReferenceDataError, ConfigError, RuntimeError) as exc:
        _fail(str(exc))
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _fail(f"Không đọc/ghi được{where} ({exc.strerror or exc}) / cannot read or write{where} "
              f"({exc.strerror or exc})")
    except Exception as exc:  # noqa: BLE001 - one line for the operator; HEZA_DEBUG=1 for the traceback
        if _caused_by_a_stop_signal(exc):
            raise KeyboardInterrupt from exc
        if os.environ.get("HEZA_DEBUG"):
            raise
        _fail(f"Lần chạy dừng vì lỗi không lường trước / the run stopped on an unexpected error: "
              f"{type(exc).__name__}: {exc} (HEZA_DEBUG=1 để xem chi tiết / for details)")


def _caused_by_a_stop_signal(exc: BaseException) -> bool:
    """Prefect turns SIGTERM into its own TerminationSignal while a flow runs; when the signal lands
    while a task is being set up, Prefect's crash handling raises a second error on top of it. The
    run was still stopped on purpose, so it ends as a stop, not as an unexpected error."""
    from prefect.exceptions import TerminationSignal

    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (TerminationSignal, KeyboardInterrupt)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _checked_period(settings, period: str | None) -> str:
    """The period asked for (by default the previous month), or one message and exit 2."""
    try:
        return check_period(period or default_period(settings.schedule["timezone"]))
    except ConfigError as exc:
        _fail(str(exc))


def _prepared(settings, period: str, raw: Path | None = None, out: Path | None = None, **options):
    """The period's run context (zone registry, exchange rate, indicator catalogue, last
    publication), or one message saying why the reference data cannot be used."""
    from heza.assess.catalogue import CatalogueError
    from heza.assess.context import prepare
    from heza.assess.filters import FilterError
    from heza.ingest.reference import ReferenceDataError

    try:
        return prepare(settings, period, raw, out, **options)
    except (ReferenceDataError, CatalogueError, FilterError, ValueError, OSError) as exc:
        _fail(f"Dữ liệu tham chiếu không dùng được / reference data cannot be used: {exc}")


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events while its server still runs (not at exit, when it is gone)."""
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)
        EventsWorker.drain_all(timeout=10)
    except Exception:  # noqa: BLE001 - losing a log line must not turn a finished run into a failure
        pass


def prepare_prefect(root: Path, startup_timeout: float = 120) -> None:
    """Keep Prefect's home inside the project, without telemetry, quiet unless asked otherwise;
    give any server Prefect starts itself the same start-up time as heza's own (not 20 s)."""
    os.environ.setdefault("PREFECT_HOME", str(root / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(max(1, round(startup_timeout))))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's own lines stay hidden (heza prints the outcome and each error as one message; Prefect
    # would log a crash with its traceback); PREFECT_LOGGING_LEVEL=INFO or HEZA_DEBUG=1 shows them.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING" if os.environ.get("HEZA_DEBUG") else "CRITICAL")


def _print_outcome(outcome: dict, lang: str) -> None:
    headline = status_headline(lang, outcome["status"], [z["zone_name"] for z in outcome.get("missing_zones", [])],
                               outcome.get("wrong_figures", 0))
    click.echo(f"{pick(lang, PERIOD)} {outcome['period']}: {headline}")
    for file in outcome.get("unreadable", []):
        click.echo("  ! " + pick(lang, UNREADABLE_FILE).format(file=file["file"], message=file[field("message", lang)]))
    for reason in outcome.get("critical", []):
        click.echo(f"  ! {in_lang(reason, lang)}")
    for table, counts in outcome.get("counts", {}).items():
        click.echo("  " + count_line(lang, table_label(table, lang),
                                     *(format_number(counts[k], lang) for k in ("rows_read", "rows_published",
                                                                                 "rows_quarantined"))))
    click.echo("  " + tally_line(lang, outcome["tally"]))
    click.echo(f"  {pick(lang, OUTPUT)}: {outcome['folder']}")
    email = outcome.get("email")
    if email:
        where = ", ".join(email["to"]) if email["status"] == "sent" else email["path"]
        line = f"  {pick(lang, REPORT_EMAIL)}: {pick(lang, EMAIL_STATUS_WORDS[email['status']])} {where}"
        if email.get("outbox_error"):
            line += f" ({email['outbox_error']})"
        click.echo(line, err=email["status"] == "not_kept")
        if email["status"] == "not_kept":
            click.echo("  Kết quả đã công bố vẫn giữ nguyên; hãy sửa thư mục thư đi (paths.outbox) / "
                       "the publication stands; fix the outbox folder (paths.outbox)", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", default=None,
              help="Kỳ của tỷ giá và danh mục khu (mặc định: theo tên thư mục YYYY-MM hoặc tên tệp ..._2024-02, "
                   "nếu không có thì tháng trước).")
@click.option("--json", "as_json", is_flag=True, help="In các phát hiện dạng JSON.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
def validate(paths, period, as_json, lang):
    """Kiểm tra tệp hoặc thư mục, không công bố; in từng phát hiện (tệp, trang, dòng, cột)."""
    from heza.assess.core import assess_paths
    from heza.assess.subjects import with_subjects
    from heza.findings import tally
    from heza.present.finding_text import finding_line, submitter_headers
    from heza.ingest.discover import discover_inputs

    settings = _settings()
    if period:  # a bad --period is refused before anything else
        _checked_period(settings, period)
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(discover_inputs(path))
        elif path.exists():
            files.append(path)
        else:
            _fail(pick(lang, NOT_FOUND).format(path=path))
    period, source = _validated_period(settings, period, paths, lang)
    # Completeness (zones that did not report) belongs to a month: only a whole period folder has it.
    whole = len(paths) == 1 and paths[0].is_dir() and paths[0].resolve().name == period
    ctx = _prepared(settings, period, whole_period=whole)
    assessment = assess_paths(files, ctx)
    read = assessment.files
    findings = assessment.findings
    if as_json:
        records = findings.drop(columns="row_id").astype(object).where(findings.notna(), None)
        click.echo(json.dumps({"period": period, "period_from": source, "whole_period": whole,
                               "files": [str(p) for p in files], "summary": assessment.severity_counts,
                               "counts": {name: split.counts for name, split in assessment.splits.items()},
                               "ledger": assessment.ledger,
                               "skipped": [{"file": s.file, "sheet": s.sheet, "reason_vi": s.reason_vi,
                                            "reason_en": s.reason_en} for f in read for s in f.skipped],
                               "findings": records.drop(columns=[]).to_dict(orient="records")},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(f"{pick(lang, PERIOD)} {period} ({pick(lang, PERIOD_FROM[source])})")
        headers = submitter_headers((f.file, t.sheet, t.columns) for f in read for t in f.tables)
        shown = with_subjects(findings, assessment.tables, ctx.registry.names)
        for item in shown.astype(object).where(shown.notna(), None).to_dict(orient="records"):
            click.echo(finding_line(item, headers, lang))
        held = sum(split.counts["rows_quarantined"] for split in assessment.splits.values())
        click.echo(f"{len(files)} {pick(lang, FILES)}: {tally_line(lang, tally(findings, held))}")
    if not any(len(table.cells) for f in read for table in f.tables):
        click.echo(pick(lang, NO_DATA_ROW), err=True)
        sys.exit(2)
    sys.exit(1 if assessment.severity_counts["error"] else 0)


_PERIOD_IN_NAME = re.compile(r"(?<!\d)(\d{4}-(?:0[1-9]|1[0-2]))(?!\d)")


def _validated_period(settings, period: str | None, paths, lang: str) -> tuple[str, str]:
    """The period to check against and where it came from: --period; else the one period the paths
    name (a YYYY-MM folder, or a name ending _2024-02); else the previous month. Paths naming
    different periods without --period are one message and exit 2."""
    if period:
        return _checked_period(settings, period), "option"
    named = {}
    for path in paths:
        resolved = path.resolve()
        folder = resolved if path.is_dir() else resolved.parent
        if PERIOD_PATTERN.match(folder.name):
            named.setdefault(folder.name, "folder")
        elif not path.is_dir():
            found = _PERIOD_IN_NAME.findall(resolved.stem)
            if found:
                named.setdefault(found[-1], "file_name")
    if len(named) > 1:
        _fail(f"Các tệp thuộc nhiều kỳ ({', '.join(sorted(named))}); hãy ghi rõ --period / "
              f"the files belong to several periods ({', '.join(sorted(named))}); give --period")
    if named:
        (found, source), = named.items()
        return _checked_period(settings, found), source
    return _checked_period(settings, None), "default"


@main.command()
@click.option("--port", default=4200, show_default=True, help="Cổng của máy chủ Prefect cục bộ.")
def serve(port):
    """Chạy lịch hằng tháng (mặc định 07:00 ngày 5, cho tháng trước); Ctrl+C để dừng."""
    settings = _settings()
    prepare_prefect(settings.root)
    os.environ["PREFECT_LOGGING_LEVEL"] = os.environ.get("HEZA_SERVE_LOGGING_LEVEL", "INFO")
    from flows.schedule import local_server, serve_monthly

    schedule = f"{settings.schedule['cron']} ({settings.schedule['timezone']})"
    if os.environ.get("PREFECT_API_URL"):
        click.echo(f"Lịch {schedule} trên máy chủ Prefect {os.environ['PREFECT_API_URL']}")
        serve_monthly(settings)
        return
    try:
        with local_server(port) as api_url:
            os.environ["PREFECT_API_URL"] = api_url
            click.echo(f"Lịch {schedule}; giao diện Prefect: {api_url.removesuffix('/api')}")
            serve_monthly(settings)
    except RuntimeError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        click.echo("Đã dừng / stopped")


@main.command()
@click.option("--raw", type=click.Path(path_type=Path), default=None, help="Thư mục ghi dữ liệu mẫu.")
@click.option("--enterprises", type=int, default=None,
              help="Viết một tháng tổng hợp cỡ bất kỳ (cho đo hiệu năng) thay vì mẫu Hải Phòng.")
@click.option("--zones", type=int, default=400, show_default=True)
@click.option("--period", default="2024-02", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--bad-share", type=float, default=0.01, show_default=True, help="Tỷ lệ dòng lỗi, chia đều các loại.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/synthetic"), show_default=True)
@click.option("--force", is_flag=True, help="Thay các tệp đã có (mặc định: không ghi đè, thoát mã 2).")
def sample(raw, enterprises, zones, period, fmt, bad_share, out, force):
    """Ghi dữ liệu mẫu 2024-01 và 2024-02 (tất định), hoặc một tháng tổng hợp cỡ bất kỳ, vào thư mục
    chưa có tệp; --force để thay tệp đã có."""
    from heza.samples.sample import WouldOverwriteError

    settings = _settings()
    try:
        if enterprises:
            from heza.samples.synthetic import write_synthetic_month

            written = write_synthetic_month(out, check_period(period), enterprises, zones, fmt, bad_share,
                                            force=force)
            click.echo(json.dumps(written, ensure_ascii=False))
            return
        from heza.samples.sample import generate

        for path in generate(raw or settings.raw, settings.reference, force=force):
            click.echo(path)
    except (ConfigError, WouldOverwriteError) as exc:
        _fail(str(exc))
    except OSError as exc:
        where = exc.filename or (out if enterprises else raw or settings.raw)
        _fail(f"Không ghi được dữ liệu mẫu vào {where} ({exc.strerror or exc}) / "
              f"cannot write the sample to {where} ({exc.strerror or exc})")


main.add_command(rules)
main.add_command(web)

if __name__ == "__main__":
    main()

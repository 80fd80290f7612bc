"""Publish a checked period whole or not at all: every output is written into a new release
folder, the manifest last, and the folder is made live in one step unless the run is critical
(then it is kept as `.not-published` with its report). What people read (report.html, annotated
workbooks) is written by a `present` callable the caller passes in, so publishing never imports
the presentation layer."""

from __future__ import annotations

import platform
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from heza.assess.claims import indicators_table
from heza.assess.context import RunContext
from heza.assess.core import Assessment
from heza.findings import findings_frame
from heza.release.disclosure import Disclosure, disclose
from heza.release.ess import ESS_FILE, ess_event, write_ess_report
from heza.release.folders import discard_partial_releases, make_live, new_release_dir
from heza.assess.correct import CORRECTED_FIELDS
from heza.release.outputs import CORRECTIONS_FILE, data_package, file_sha256, resource, write_json
from heza.release.report_data import code_version, report_data
from heza.release.rule_history import record_history
from heza.release.tiers import corrections_for, redact_report, tier_fields, tier_files, write_tiers
from schemas import DATA_TABLES, SCHEMA_VERSION, TABLES, published_schema

# present(report, assessment, ctx, release folder, folder people will open, lang) -> output records
Present = Callable[[dict, Assessment, RunContext, Path, Path, str], list]


def publish_period(assessment: Assessment, ctx: RunContext, lang: str = "vi",
                   present: Present | None = None) -> tuple[Path, dict]:
    """Write every output into a new release folder; make it live unless the run is critical.

    Returns the folder written and report.json's content. A failed write (disk full, permissions)
    leaves the live publication untouched and says so in a `.not-published` report."""
    processed = ctx.settings.processed
    discard_partial_releases(processed, ctx.period)
    release = new_release_dir(processed, ctx.period, ctx.run_id)
    try:
        return _write_release(assessment, ctx, lang, release, present)
    except OSError as exc:
        shutil.rmtree(release, ignore_errors=True)
        failed = replace(assessment, critical=(*assessment.critical, {
            "vi": f"Ghi kết quả thất bại ({exc}); bản công bố trước giữ nguyên",
            "en": f"Writing the outputs failed ({exc}); the previous publication stands"}))
        folder, report = _not_published(release), report_data(failed, ctx)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_json(report, folder / "report.json")
        except OSError:
            pass
        return folder, report


def _not_published(release: Path) -> Path:
    return release.with_name(release.name.replace(".partial", ".not-published"))


def _write_release(assessment: Assessment, ctx: RunContext, lang: str, release: Path,
                   present: Present | None) -> tuple[Path, dict]:
    disclosure = None if assessment.critical else public_disclosure(assessment, ctx)
    if disclosure is not None:  # its findings (a table withheld, a release figure that discloses) are the run's
        assessment = replace(assessment, findings=findings_frame([assessment.findings, disclosure.findings]))
    outputs = [] if disclosure is None else _write_tables(assessment, ctx, release, disclosure)
    report = report_data(assessment, ctx)
    if disclosure is not None:
        report["disclosure"] = disclosure.summary
    write_json(report, release / "report.json")
    event = ess_event(ctx.started, f"heza {code_version()}", ctx.run_id, ctx.period)
    outputs.append(write_ess_report(release / ESS_FILE, assessment.findings, report["rule_summary"]["rules"], event,
                                    ctx.period, ctx.run_id))
    (release / "internal").mkdir(exist_ok=True)
    write_json(redact_report(report), release / "internal" / "report.json")
    outputs.append({"file": "internal/report.json", "rows": None,
                    "sha256": file_sha256(release / "internal" / "report.json")})
    shown = _not_published(release) if assessment.critical else ctx.settings.processed / ctx.period
    if present is not None:
        outputs += present(report, assessment, ctx, release, shown, lang)
    write_json(manifest(assessment, ctx, report, outputs), release / "manifest.json")
    if assessment.critical:
        release.rename(_not_published(release))
        return _not_published(release), report
    # the history line goes in just before the swap: a write that fails leaves both unchanged
    record_history(ctx.settings.processed, ctx.period, ctx.run_id, report["rule_summary"]["rules"])
    make_live(ctx.settings.processed, ctx.period, release)
    return ctx.settings.processed / ctx.period, report


def public_disclosure(assessment: Assessment, ctx: RunContext) -> Disclosure:
    """The public tier after disclosure control ([disclosure] in heza.toml)."""
    return disclose(assessment.splits["enterprises"].published, _indicators(assessment), ctx.catalogue,
                    ctx.registry, ctx.settings.disclosure)


def _indicators(assessment: Assessment):
    claims = assessment.claims
    return None if claims is None or claims.table.empty else indicators_table(claims)


def _write_tables(assessment: Assessment, ctx: RunContext, release: Path, disclosure: Disclosure) -> list:
    """Every tier's tables and data package, and, with `[publish] legacy_paths`, the tables where
    consumers read them before the tiers; every published table is checked against its published
    schema before anything is written."""
    for name in DATA_TABLES:
        published_schema(name, ctx.registry.codes).validate(
            assessment.splits[name].published.drop(columns=[CORRECTED_FIELDS], errors="ignore"), lazy=True)
    indicators, corrections = _indicators(assessment), assessment.corrections
    tiers = tier_files(assessment.splits, indicators, disclosure, corrections)
    if not ctx.settings.publish.get("legacy_paths", True):
        return write_tiers(tiers, release, ctx.period, ctx.registry.codes)
    (release / "quarantine").mkdir(exist_ok=True)
    legacy = {}
    for name in DATA_TABLES:
        split = assessment.splits[name]
        legacy[f"{name}.csv"], legacy[TABLES[name].quarantine_file] = split.published, split.quarantined
    if indicators is not None:
        legacy["indicators.csv"] = indicators
    extra = []
    if corrections is not None:  # the top level is the restricted tier's copy
        legacy[CORRECTIONS_FILE] = lines = corrections_for(corrections, "restricted")
        extra.append(resource(CORRECTIONS_FILE, tier_fields("restricted", CORRECTIONS_FILE, lines, ctx.registry.codes)))
    outputs = write_tiers(tiers, release, ctx.period, ctx.registry.codes, also=legacy)
    write_json(data_package(ctx.period, ctx.registry.codes, extra, corrected=corrections is not None),
               release / "datapackage.json")
    return outputs


def manifest(assessment: Assessment, ctx: RunContext, report: dict, outputs: list) -> dict:
    """manifest.json: what went in and out (with sha256), the code and schema, and the invariants."""
    return {
        "run_id": ctx.run_id, "period": ctx.period, "status": report["status"],
        "code_version": code_version(), "schema_version": SCHEMA_VERSION,
        "python": platform.python_version(), "started": ctx.started,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"file": f.file, "size": f.size, "sha256": f.sha256} for f in assessment.files],
        "outputs": outputs,
        "counts": report["counts"],
        "invariant_rows_read_equals_published_plus_quarantined": all(
            s.balanced for s in assessment.splits.values()),
        "invariant_source_rows_equal_published_quarantined_figures_and_non_data": assessment.ledger.get("balanced"),
    }

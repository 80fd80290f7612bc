"""The data's path as plain functions: read -> normalise/validate -> reconcile -> split -> publish.

`heza validate` calls these directly (no Prefect); flows/monthly.py wraps each one in a task.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from heza import __version__
from heza.claims import ClaimsResult, check_claims, implication_text, indicators_table, load_catalogue
from heza.config import Settings, previous_period
from heza.findings import count_by_severity, error_row_ids, findings_frame
from heza.ledger import imbalance_reason, source_ledger
from heza.normalise import NormalisedTable, normalise_period
from heza.publish import (
    Split, data_package, discard_partial_releases, file_sha256, make_live, new_release_dir, split_rows,
    write_csv, write_json,
)
from heza.read import FileRead, discover_inputs, read_file, set_aside_duplicates
from heza.reconcile import completeness, previous_cumulative, reconcile_zones
from heza.reference import ZoneRegistry, load_zone_registry, reference_rate
from heza.present.annotate import annotate_submissions
from heza.present.report import write_report_html
from heza.validate import validate_table
from schemas import SCHEMA_VERSION, published_schema

DATA_TABLES = ("enterprises", "zones")


@dataclass
class RunContext:
    """What every step of one period's run needs besides the data."""

    period: str
    settings: Settings
    registry: ZoneRegistry
    rate: float | None
    rate_source: str | None
    run_id: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-")
                        + uuid.uuid4().hex[:6])
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def period_folder(self) -> Path:
        return self.settings.raw / self.period


def load_context(settings: Settings, period: str) -> RunContext:
    band = (settings.limits.get("vnd_per_usd_min", 10_000), settings.limits.get("vnd_per_usd_max", 50_000))
    rate, source = reference_rate(settings.reference, period, band)
    return RunContext(period, settings, load_zone_registry(settings.reference), rate, source)


def read_inputs(paths, settings: Settings, root: Path | None = None) -> list[FileRead]:
    return [read_file(path, settings.limits, allowed_root=root) for path in paths]


@dataclass
class Assessment:
    """A period after the rules: tables, every finding, and the split of rows."""

    tables: dict
    findings: pd.DataFrame
    splits: dict = field(default_factory=dict)
    critical: list = field(default_factory=list)
    claims: ClaimsResult | None = None
    ledger: dict = field(default_factory=dict)

    @property
    def severity_counts(self) -> dict:
        return count_by_severity(self.findings)


def validate_period(files: list[FileRead], ctx: RunContext) -> Assessment:
    """Type every sheet and run each table's pandera model: all row-level findings."""
    copies = set_aside_duplicates(files)  # the same submission twice is read once, and named
    tables = normalise_period(files, ctx.registry, ctx.rate, ctx.settings.tolerances["total_row_absolute"],
                              int(ctx.settings.limits.get("max_cell_chars", 2000)))
    parts = [table.findings for table in tables.values()] + copies
    for name in DATA_TABLES:
        table: NormalisedTable = tables[name]
        parts.append(validate_table(name, table.typed, ctx.registry.codes, table.column_letters))
    return Assessment(tables, drop_echoes(findings_frame(parts)))


def drop_echoes(findings: pd.DataFrame) -> pd.DataFrame:
    """A cell that could not be typed is empty to the schema; its 'required' finding only echoes
    the parsing finding on the same cell, so it is dropped."""
    parsing = (findings["rule"].str.startswith("CELL_") | findings["rule"].eq("SHEET_MISSING_COLUMN")) \
        & findings["row_id"].notna()
    seen = set(zip(findings.loc[parsing, "row_id"], findings.loc[parsing, "column"]))
    required = findings["rule"].str.endswith("_REQUIRED")
    echo = required & pd.Series([(r, c) in seen for r, c in zip(findings["row_id"], findings["column"])],
                                index=findings.index)
    return findings[~echo].reset_index(drop=True)


def reconcile_period(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Zone rows against the enterprise rows that will be published, and the last published period:
    the published tables either agree with each other or say where they do not."""
    zones, enterprises = assessment.tables["zones"], assessment.tables["enterprises"]
    held_back = error_row_ids(assessment.findings[assessment.findings["table"] == "enterprises"])
    publishable = enterprises.typed[~enterprises.typed["row_id"].isin(held_back)]
    previous = previous_cumulative(ctx.settings.processed, previous_period(ctx.period))
    extra = reconcile_zones(zones.typed, publishable, previous, zones.column_letters)
    assessment.findings = findings_frame([assessment.findings, extra])
    return assessment


def split_period(assessment: Assessment, ctx: RunContext, files: list[FileRead]) -> Assessment:
    """Published and quarantined rows per table, completeness, and the critical conditions."""
    for name in DATA_TABLES:
        table = assessment.tables[name]
        assessment.splits[name] = split_rows(name, table.typed, table.submitted, assessment.findings)
    reported = assessment.tables["zones"].typed["zone_code"].dropna().unique()
    missing = completeness(assessment.splits["zones"].published, ctx.registry, ctx.period, reported)
    assessment.findings = findings_frame([assessment.findings, missing])
    assessment.ledger = source_ledger(files, assessment.splits, len(assessment.tables["claims"].typed))
    assessment.critical = critical_reasons(assessment, files)
    return assessment


def critical_reasons(assessment: Assessment, files: list[FileRead]) -> list:
    """Why nothing may be published, if anything: each reason in Vietnamese and English."""
    reasons = []
    if not files:
        reasons.append({"vi": "Thư mục kỳ không có tệp nào", "en": "The period folder holds no files"})
    elif all(f.error is not None or not f.tables for f in files):
        reasons.append({"vi": "Không đọc được tệp nào của kỳ", "en": "No file of the period could be read"})
    elif not any(len(s.published) for s in assessment.splits.values()):
        reasons.append({"vi": "Không còn dòng nào để công bố", "en": "No row is left to publish"})
    for split in assessment.splits.values():
        if not split.balanced:
            reasons.append({
                "vi": f"Bảng {split.table}: số dòng đọc {split.rows_read} ≠ công bố + giữ lại "
                      f"{len(split.published)} + {len(split.quarantined)}",
                "en": f"Table {split.table}: rows read {split.rows_read} ≠ published + quarantined "
                      f"{len(split.published)} + {len(split.quarantined)}",
            })
    unbalanced = imbalance_reason(assessment.ledger) if assessment.ledger else None
    if unbalanced:
        reasons.append(unbalanced)
    return reasons


def check_period_claims(assessment: Assessment, ctx: RunContext) -> Assessment:
    """The draft release's figures against the rows about to be published, and each other."""
    claims = assessment.tables["claims"].typed
    published = {name: split.published for name, split in assessment.splits.items()}
    assessment.claims = check_claims(claims, published, load_catalogue(ctx.settings.indicators), ctx.registry, ctx.rate,
                                     ctx.settings.tolerances["about_relative"])
    assessment.findings = findings_frame([assessment.findings, claim_cells(assessment.claims.findings,
                                                                        assessment.tables["claims"].column_letters)])
    return assessment


def claim_cells(findings: pd.DataFrame, letters: dict) -> pd.DataFrame:
    """A claim's findings point at the cell where its figure is written (the 'value' column)."""
    value_letter = {(file, sheet): letter for (file, sheet, column), letter in letters.items() if column == "value"}
    cells = [None if pd.isna(row) else (f"{value_letter[(file, sheet)]}{int(row)}" if (file, sheet) in value_letter
                                         else None)
             for file, sheet, row in zip(findings["source_file"], findings["source_sheet"], findings["source_row"])]
    findings["cell"] = findings["cell"].fillna(pd.Series(cells, index=findings.index, dtype="string"))
    return findings


def assess_paths(paths, ctx: RunContext, root: Path | None = None) -> tuple[list[FileRead], Assessment]:
    """The whole check without publishing: what `heza validate` runs."""
    files = read_inputs(paths, ctx.settings, root)
    assessment = reconcile_period(validate_period(files, ctx), ctx)
    return files, check_period_claims(split_period(assessment, ctx, files), ctx)


def status_of(assessment: Assessment) -> str:
    if assessment.critical:
        return "not_published"
    return "published_with_errors" if assessment.severity_counts["error"] else "published"


def code_version() -> str:
    """The package version and, where the code is a git checkout, its commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def report_data(assessment: Assessment, files: list[FileRead], ctx: RunContext) -> dict:
    """report.json: status, counts, every finding, claims, files read and sheets skipped."""
    findings = with_zones(assessment).astype(object)
    findings = findings.where(findings.notna(), None)
    return {
        "period": ctx.period,
        "status": status_of(assessment),
        "run_id": ctx.run_id,
        "critical": assessment.critical,
        "summary": assessment.severity_counts,
        "counts": {name: split.counts for name, split in assessment.splits.items()},
        "exchange_rate": {"vnd_per_usd": ctx.rate, "source": ctx.rate_source},
        "files": [_file_summary(f) for f in files],
        "skipped": [{"file": s.file, "sheet": s.sheet, "reason_vi": s.reason_vi, "reason_en": s.reason_en}
                    for f in files for s in f.skipped],
        "findings": findings.drop(columns="row_id").to_dict(orient="records"),
        "ledger": assessment.ledger,
        "claims": claims_records(assessment.claims),
        "filters": assessment.claims.filters if assessment.claims is not None else {},
    }


def with_zones(assessment: Assessment) -> pd.DataFrame:
    """Findings with the zone of the row they are about (for the per-zone chart and for calls)."""
    findings = assessment.findings.copy()
    zones = pd.Series(pd.NA, index=findings.index, dtype="string")
    for name in DATA_TABLES:
        typed = assessment.tables[name].typed
        lookup = pd.Series(typed["zone_code"].to_numpy(), index=typed["row_id"].to_numpy())
        mine = (findings["table"] == name) & findings["row_id"].notna()
        zones[mine] = findings.loc[mine, "row_id"].astype("int64").map(lookup).astype("string").to_numpy()
    findings["zone"] = zones
    return findings


def claims_records(claims: ClaimsResult | None) -> list:
    """report.json's claims: every column of indicators.csv, plus how each claim is written."""
    if claims is None or claims.table.empty:
        return []
    table = indicators_table(claims)
    ordered = claims.table.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    for column in ("unit", "scale", "decimals"):
        table[column] = ordered[column].to_numpy()
    for lang in ("vi", "en"):
        table[f"implied_{lang}"] = [implication_text(i, lang) if i else None for i in ordered["implied"]]
        table[f"definition_short_{lang}"] = ordered[f"definition_short_{lang}"].to_numpy()
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _file_summary(file: FileRead) -> dict:
    return {
        "file": file.file, "format": file.format, "size": file.size, "sha256": file.sha256,
        "encoding": file.encoding, "delimiter": file.delimiter,
        "error": None if file.error is None else {
            "reason": file.error.reason, "message_vi": file.error.message_vi, "message_en": file.error.message_en},
        "sheets": [{"sheet": t.sheet, "kind": t.kind, "header_rows": list(t.header_rows),
                    "rows": len(t.cells), "columns": t.columns, "ignored_columns": t.ignored_columns,
                    "rows_with_content": t.rows_with_content, "non_data_rows": len(t.non_data)}
                   for t in file.tables],
    }


def publish_period(assessment: Assessment, files: list[FileRead], ctx: RunContext,
                   lang: str = "vi") -> tuple[Path, dict]:
    """Write every output into a new release folder; make it live unless the run is critical.

    Returns the folder written and report.json's content. A critical run writes its report to a
    `.not-published` folder and leaves the live publication untouched.
    """
    processed = ctx.settings.processed
    discard_partial_releases(processed, ctx.period)
    release = new_release_dir(processed, ctx.period, ctx.run_id)
    try:
        return _write_release(assessment, files, ctx, lang, release)
    except OSError as exc:  # disk full, permissions: the live publication stays as it was
        shutil.rmtree(release, ignore_errors=True)
        assessment.critical.append({"vi": f"Ghi kết quả thất bại ({exc}); bản công bố trước giữ nguyên",
                                    "en": f"Writing the outputs failed ({exc}); the previous publication stands"})
        failed = release.with_name(release.name.replace(".partial", ".not-published"))
        report = report_data(assessment, files, ctx)
        try:
            failed.mkdir(parents=True, exist_ok=True)
            write_json(report, failed / "report.json")
        except OSError:
            pass
        return failed, report


def _write_release(assessment: Assessment, files: list[FileRead], ctx: RunContext, lang: str,
                   release: Path) -> tuple[Path, dict]:
    processed = ctx.settings.processed
    outputs = []
    if not assessment.critical:
        for name in DATA_TABLES:
            split: Split = assessment.splits[name]
            published_schema(name, ctx.registry.codes).validate(split.published, lazy=True)
            outputs.append(write_csv(split.published, release / f"{name}.csv"))
            (release / "quarantine").mkdir(exist_ok=True)
            quarantine = write_csv(split.quarantined, release / "quarantine" / f"{name}.csv")
            outputs.append({**quarantine, "file": f"quarantine/{name}.csv"})
        if assessment.claims is not None and not assessment.claims.table.empty:
            outputs.append(write_csv(indicators_table(assessment.claims), release / "indicators.csv"))
        write_json(data_package(ctx.period, ctx.registry.codes), release / "datapackage.json")
    report = report_data(assessment, files, ctx)
    write_json(report, release / "report.json")
    shown = release.with_name(release.name.replace(".partial", ".not-published")) if assessment.critical \
        else processed / ctx.period
    write_report_html(report, release, shown, lang)
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    for path in annotate_submissions(assessment.findings, files, letters, release / "annotated",
                                     ctx.settings.limits, lang):
        outputs.append({"file": f"annotated/{path.name}", "rows": None, "sha256": file_sha256(path)})
    manifest = {
        "run_id": ctx.run_id, "period": ctx.period, "status": report["status"],
        "code_version": code_version(), "schema_version": SCHEMA_VERSION,
        "python": platform.python_version(), "started": ctx.started,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"file": f.file, "size": f.size, "sha256": f.sha256} for f in files],
        "outputs": outputs,
        "counts": report["counts"],
        "invariant_rows_read_equals_published_plus_quarantined": all(
            s.balanced for s in assessment.splits.values()),
        "invariant_source_rows_equal_published_quarantined_figures_and_non_data": assessment.ledger.get("balanced"),
    }
    write_json(manifest, release / "manifest.json")
    if assessment.critical:
        final = release.with_name(release.name.replace(".partial", ".not-published"))
        release.rename(final)
        return final, report
    make_live(processed, ctx.period, release)
    return processed / ctx.period, report


def period_inputs(ctx: RunContext) -> list[Path]:
    return discover_inputs(ctx.period_folder) if ctx.period_folder.is_dir() else []

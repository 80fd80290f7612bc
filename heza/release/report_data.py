"""report.json: what a run found, in one document that the report, the e-mail, the Prefect
artifacts and any later tool read (status, counts, every finding, claims, files and the ledger)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from heza import __version__
from heza.assess.claims import ClaimsResult, indicators_table
from heza.assess.context import RunContext
from heza.assess.core import Assessment, publishable
from heza.assess.reconcile import doubtful_cells, held_back_by_zone
from heza.assess.selective import call_records
from heza.assess.subjects import with_subjects
from heza.findings import tally
from heza.ingest.files import FileRead
from heza.release.rule_history import rule_summary_section


def report_data(assessment: Assessment, ctx: RunContext) -> dict:
    """report.json: status, counts, every finding, claims, files read and sheets skipped."""
    findings = with_subjects(assessment.findings, assessment.tables, ctx.registry.names).astype(object)
    findings = findings.where(findings.notna(), None)
    return {
        "period": ctx.period,
        "status": assessment.status,
        "missing_zones": [{"zone_code": code, "zone_name": name} for code, name in assessment.missing_zones],
        "run_id": ctx.run_id,
        "critical": list(assessment.critical),
        "summary": assessment.severity_counts,
        "tally": tally(assessment.findings, sum(s.counts["rows_quarantined"] for s in assessment.splits.values())),
        "counts": {name: split.counts for name, split in assessment.splits.items()},
        "exchange_rate": {"vnd_per_usd": ctx.rate, "source": ctx.rate_source},
        "files": [_file_summary(f) for f in assessment.files],
        "skipped": [{"file": s.file, "sheet": s.sheet, "reason_vi": s.reason_vi, "reason_en": s.reason_en}
                    for f in assessment.files for s in f.skipped],
        "findings": findings.drop(columns="row_id").to_dict(orient="records"),
        "ledger": assessment.ledger,
        "held_back_by_zone": held_back_records(assessment, ctx),
        "claims": claims_records(assessment.claims),
        "filters": assessment.claims.filters if assessment.claims is not None else {},
        "calls": call_records(assessment.month_on_month, assessment.claims, ctx.registry.name_of),
        **rule_summary_section(assessment, ctx),
    }


def held_back_records(assessment: Assessment, ctx: RunContext) -> list:
    """Zones whose published sums are short of their report by rows held back (information)."""
    tables = assessment.tables
    enterprises = tables["enterprises"].typed
    held = held_back_by_zone(tables["zones"].typed, enterprises, publishable(assessment, "enterprises"),
                             doubtful_cells(assessment.findings, enterprises))
    return [{"zone_code": r.zone_code, "zone_name": ctx.registry.name_of(r.zone_code),
             "reported": None if pd.isna(r.reported) else int(r.reported),
             "submitted": int(r.submitted), "published": int(r.published), "not_compared": list(r.not_compared)}
            for r in held.itertuples()]


def claims_records(claims: ClaimsResult | None) -> list:
    """report.json's claims: every column of indicators.csv, plus how each claim is written."""
    if claims is None or claims.table.empty:
        return []
    table = indicators_table(claims)
    ordered = claims.table.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    for column in ("unit", "scale", "decimals"):
        table[column] = ordered[column].to_numpy()
    for lang in ("vi", "en"):
        for column in ("implied", "label", "sentence"):
            table[f"{column}_{lang}"] = ordered[f"{column}_{lang}"].to_numpy()
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


def code_version() -> str:
    """The package version and, where the code is a git checkout, its commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__

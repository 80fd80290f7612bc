"""report.json: what a run found, in one document that the report, the e-mail, the Prefect
artifacts and any later tool read (status, counts, every finding, claims, files and the ledger)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from heza import __version__
from heza.assess.claims import ClaimsResult, implication_text, indicators_table
from heza.assess.context import RunContext
from heza.assess.core import Assessment
from heza.ingest.files import FileRead
from heza.release.rule_history import rule_summary_section
from schemas import DATA_TABLES


def report_data(assessment: Assessment, ctx: RunContext) -> dict:
    """report.json: status, counts, every finding, claims, files read and sheets skipped."""
    findings = with_zones(assessment).astype(object)
    findings = findings.where(findings.notna(), None)
    return {
        "period": ctx.period,
        "status": assessment.status,
        "missing_zones": [{"zone_code": code, "zone_name": name} for code, name in assessment.missing_zones],
        "run_id": ctx.run_id,
        "critical": list(assessment.critical),
        "summary": assessment.severity_counts,
        "counts": {name: split.counts for name, split in assessment.splits.items()},
        "exchange_rate": {"vnd_per_usd": ctx.rate, "source": ctx.rate_source},
        "files": [_file_summary(f) for f in assessment.files],
        "skipped": [{"file": s.file, "sheet": s.sheet, "reason_vi": s.reason_vi, "reason_en": s.reason_en}
                    for f in assessment.files for s in f.skipped],
        "findings": findings.drop(columns="row_id").to_dict(orient="records"),
        "ledger": assessment.ledger,
        "claims": claims_records(assessment.claims),
        "filters": assessment.claims.filters if assessment.claims is not None else {},
        **rule_summary_section(assessment, ctx),
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


def code_version() -> str:
    """The package version and, where the code is a git checkout, its commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__

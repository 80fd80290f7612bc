"""Every rule of the catalogue with the units it checked this month, how many passed and how many
failed, and the change since last month: the summary the best report tools give, so that a rule
with no finding reads as "checked N, all passed", or as "did not apply", never as silence.

A unit is what a rule judges one at a time: an enterprise row, a zone report row, a zone, a
release figure, a cell, a sheet, a file. A unit fails when the rule has at least one finding on it
(a row with two ENT_REQUIRED cells is one failed row). Counted from the findings and the tables,
column by column and rule by rule, never row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heza.assess.context import RunContext
from heza.findings import is_text
from heza.ingest.arrow_text import blank
from schemas import CUMULATIVE_COLUMNS, DATA_TABLES, RULES, TABLE_OF_KIND
from schemas.columns import column_specs
from schemas.tables import PUBLIC_MEASURES

# The unit of each rule, where the rule's code prefix and table do not say it (see unit_of).
_UNIT_OF = {
    "ZONE_ENTERPRISES_MATCH": "zones", "ZONE_WORKERS_MATCH": "zones", "ZONE_CUMULATIVE_DECREASE": "zones",
    "PERIOD_ZONE_MISSING": "active_zones", "PERIOD_PREVIOUS_COLUMN_MISSING": "cumulative_columns",
    "PERIOD_NO_EXCHANGE_RATE": "periods", "SHEET_TOTAL_ROW_MISMATCH": "total_rows",
    "CELL_MIXED_CONVENTION": "number_columns", "CELL_MIXED_ENCODING": "csv_lines",
    "PERIOD_GONE_ENTERPRISE": "last_month_enterprises",  # it has no row this month: it is last month's
    "VALUE_CORRECTED": "cells",
}
_UNIT_OF_TABLE = {"enterprises": "enterprise_rows", "zones": "zone_rows", "claims": "figures", "files": "files",
                  "public": "public_tables"}
_UNIT_OF_PREFIX = {"CELL_": "cells", "SHEET_": "sheets", "FILE_": "files"}

# What makes two findings of a rule one unit: the same row, cell, sheet, file...
UNIT_KEYS = {
    "enterprise_rows": ["row_id"], "zone_rows": ["row_id"], "zones": ["row_id"], "figures": ["row_id"],
    "active_zones": ["value"], "cumulative_columns": ["column"], "periods": [],
    "files": ["source_file"], "sheets": ["source_file", "source_sheet"],
    "total_rows": ["source_file", "source_sheet", "source_row"],
    "cells": ["source_file", "source_sheet", "source_row", "column"],
    "number_columns": ["source_file", "source_sheet", "column"], "csv_lines": ["source_file", "source_row"],
    "public_tables": ["source_file"], "last_month_enterprises": ["value"],
}

# The cells each cell rule looks at (see _cell_populations).
_CELLS_OF = {
    "CELL_NOT_A_NUMBER": "number", "CELL_AMBIGUOUS_NUMBER": "number", "CELL_QUALIFIED": "number",
    "CELL_UNIT_MISMATCH": "number", "CELL_NO_EXCHANGE_RATE": "money", "CELL_NOT_WHOLE": "count",
    "CELL_NOT_BOOLEAN": "boolean", "CELL_LEGACY_ENCODING": "text", "CELL_TOO_LONG": "text",
    "CELL_ERROR_VALUE": "any", "CELL_LOOKALIKE_LETTERS": "identity", "CELL_UNBALANCED_QUOTE": "csv",
}

SUMMARY_COLUMNS = ["rule", "severity", "unit", "applied", "checked", "passed", "failed"]


def unit_of(code: str) -> str:
    """The unit a rule counts in: named for a few rules, else by its prefix (CELL_, SHEET_, FILE_),
    else by its table (enterprise rows, zone rows, release figures)."""
    if code in _UNIT_OF:
        return _UNIT_OF[code]
    prefix = next((unit for prefix, unit in _UNIT_OF_PREFIX.items() if code.startswith(prefix)), None)
    return prefix or _UNIT_OF_TABLE[RULES[code].table]


def rule_counts(assessment, ctx: RunContext) -> pd.DataFrame:
    """One row per rule of the catalogue: unit, units checked, passed, failed; `applied` is False
    for a rule that had nothing to check this month (no CSV file, no last publication...)."""
    codes = list(RULES)
    frame = pd.DataFrame({"rule": codes, "severity": [RULES[c].severity for c in codes],
                          "unit": [unit_of(c) for c in codes]})
    checked = _checked(assessment, ctx)
    frame["checked"] = [int(checked.get(code, checked.get(unit, 0))) for code, unit in zip(codes, frame["unit"])]
    frame["failed"] = frame["rule"].map(failed_units(assessment.findings)).fillna(0).astype("int64")
    frame["passed"] = frame["checked"] - frame["failed"]
    frame["applied"] = frame["checked"] > 0
    return frame[SUMMARY_COLUMNS]


def failed_units(findings: pd.DataFrame) -> pd.Series:
    """Per rule, how many distinct units its findings fall on."""
    units = findings["rule"].map({code: unit_of(code) for code in RULES})  # once per rule, not per finding
    counts = [findings[units == unit].drop_duplicates(["rule", *keys]).groupby("rule").size()
              for unit, keys in UNIT_KEYS.items() if (units == unit).any()]
    return pd.concat(counts) if counts else pd.Series(dtype="int64")


def _checked(assessment, ctx: RunContext) -> dict:
    """Units checked: by unit for most rules, by rule code where a rule looks at only some of them."""
    tables, files = assessment.tables, assessment.files
    sheets = [sheet for f in files for sheet in f.tables]
    zones = tables["zones"].typed
    claims = assessment.claims.table if assessment.claims is not None else pd.DataFrame()
    identities = assessment.claims.identities if assessment.claims is not None else pd.DataFrame()
    has_previous = bool(ctx.previous.attrs.get("path"))
    counts = {
        "enterprise_rows": len(tables["enterprises"].typed), "zone_rows": len(zones), "zones": len(zones),
        "figures": len(tables["claims"].typed), "files": len(files), "sheets": len(sheets), "periods": 1,
        "active_zones": len(ctx.registry.active_in(ctx.period)) if ctx.whole_period else 0,
        "cumulative_columns": len(CUMULATIVE_COLUMNS) if has_previous else 0,
        "total_rows": sum(1 for s in sheets for total in s.totals if total["closes"][0] <= total["closes"][1]),
        "number_columns": sum(1 for s in sheets for c in s.columns if c in _number_columns(s.kind)),
        "csv_lines": sum(s.rows_with_content for f in files if f.format == "csv" for s in f.tables),
        # cumulative figures are compared only for zones the last publication has
        "ZONE_CUMULATIVE_DECREASE": int(zones["zone_code"].isin(ctx.previous.index).sum()) if has_previous else 0,
        "CLAIM_FAILS_DATA": int(claims["recomputed"].notna().sum()) if "recomputed" in claims else 0,
        "CLAIM_IDENTITY_BROKEN": int(identities["row_id"].nunique()) if "row_id" in identities else 0,
        "SHEET_STRAY_CELL": len(sheets) + sum(1 for f in files for s in f.skipped if s.sheet),
        # every public table is checked for disclosure before a release that publishes anything
        "public_tables": 0 if assessment.critical else len(PUBLIC_MEASURES),
        # enterprises of last month's publication looked for this month (only when the whole month is read)
        "last_month_enterprises": len(ctx.last.enterprises) if ctx.last.exists and ctx.whole_period else 0,
        # [correct] apply: the cells it changed (each one a finding); not applied when correction is off
        "VALUE_CORRECTED": 0 if assessment.corrections is None else len(assessment.corrections),
    }
    cells = _cell_populations(assessment)
    counts.update({code: cells[population] for code, population in _CELLS_OF.items()})
    return counts


def _number_columns(kind: str) -> set:
    """The columns of a sheet kind written as numbers (a claim's figure is one too)."""
    if kind == "claims":
        return {"value"}
    return {name for name, spec in column_specs(kind).items() if spec.dtype in {"Int64", "Float64"}}


def _cell_populations(assessment) -> dict:
    """Non-empty submitted cells by what a cell rule looks at: numbers, counts, amounts of money (in
    USD or VND, converted when the header says the other), yes/no, text, zone and tax codes, any
    cell, any cell of a CSV file."""
    csv_files = {f.file for f in assessment.files if f.format == "csv"}
    totals = dict.fromkeys(("number", "count", "money", "boolean", "text", "identity", "any", "csv"), 0)
    for table in (*DATA_TABLES, "claims"):
        kind = next(k for k, name in TABLE_OF_KIND.items() if name == table)
        submitted = assessment.tables[table].submitted
        in_csv = submitted["source_file"].isin(csv_files) if len(submitted) else None
        for column, spec in column_specs(kind).items():
            if column not in submitted:
                continue
            filled = _filled(submitted[column])
            n = int(filled.sum())
            totals["any"] += n
            totals["csv"] += int((filled & in_csv).sum()) if in_csv is not None else 0
            if table == "claims":
                totals["text"] += n  # a claim's cells are text until the claim check reads them
                continue
            totals["number"] += n if spec.dtype in {"Int64", "Float64"} else 0
            totals["count"] += n if spec.dtype == "Int64" else 0
            totals["money"] += n if spec.unit in {"USD", "VND"} else 0
            totals["boolean"] += n if spec.dtype == "boolean" else 0
            totals["text"] += n if spec.dtype == "string" else 0
            totals["identity"] += n if column in {"zone_code", "tax_code"} else 0
    return totals


def _filled(values: pd.Series) -> pd.Series:
    """Which cells hold something: not empty and not only spaces (only text cells are looked at)."""
    filled = values.notna().to_numpy(dtype=bool, copy=True)
    text = is_text(values) & filled
    if text.any():  # on Arrow's kernels: no Python string per cell of a million-row table
        filled[np.flatnonzero(text)[blank(values[text])]] = False
    return pd.Series(filled, index=values.index)


def compare_with_previous(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """The summary with last month's failed units beside this month's: `failed_previous` is empty
    where last month had no run or did not apply the rule, `change` is failed minus it."""
    frame = current.copy()
    if previous is None or previous.empty:
        frame["failed_previous"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    else:
        applied = previous[previous["applied"].astype(str).str.lower().isin({"true", "1"})]
        last = applied.set_index("rule")["failed"].astype("Int64")
        frame["failed_previous"] = frame["rule"].map(last).astype("Int64")
    frame["change"] = (frame["failed"].astype("Int64") - frame["failed_previous"]).where(frame["applied"])
    return frame

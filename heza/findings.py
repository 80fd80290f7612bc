"""The finding model: one row per rule broken, for both severities, with where and why.

Every stage (read, normalise, validate, reconcile, claims) produces findings in this one shape,
so that quarantine, report.json, the HTML report and annotated workbooks read a single table.
display_value / display_column say how a submitted value is shown in a finding (12.0 as '12').
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas import rule

FINDING_COLUMNS = [
    "table", "rule", "severity", "source_file", "source_sheet", "source_row", "column", "cell",
    "value", "message_vi", "message_en", "suggested", "row_id",
    # error localisation (heza/assess/blame.py): the cell(s) to blame, how sure, and why
    "blamed", "cell_grade", "value_grade", "reason_vi", "reason_en",
]
SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2, "info": 3}
_DTYPES = {"source_row": "Int64", "row_id": "Int64"}


_FINDING_DTYPES = {column: pd.api.types.pandas_dtype(_DTYPES.get(column, "string")) for column in FINDING_COLUMNS}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The finding columns in order and type; only the columns not yet typed are cast (a cast of all
    eighteen cost ~5 ms per call, and every stage's findings are typed, then typed again once joined)."""
    frame = frame.reindex(columns=FINDING_COLUMNS)
    untyped = {column: dtype for column, dtype in _FINDING_DTYPES.items() if frame[column].dtype != dtype}
    return frame.astype(untyped) if untyped else frame


_EMPTY_FINDINGS = _typed(pd.DataFrame(columns=FINDING_COLUMNS))


def empty_findings() -> pd.DataFrame:
    """A new empty findings table (a copy: typing one column by column cost ~10 ms per call, and
    every file, sheet and stage asks for one)."""
    return _EMPTY_FINDINGS.copy()


def finding(code: str, *, table: str | None = None, detail_vi: str = "", detail_en: str = "",
            **where) -> dict:
    """One finding as a record, its severity and messages taken from the rule catalogue."""
    entry = rule(code)
    return {
        "table": table or entry.table,
        "rule": code,
        "severity": entry.severity,
        "message_vi": entry.message_vi + (f": {detail_vi}" if detail_vi else ""),
        "message_en": entry.message_en + (f": {detail_en}" if detail_en else ""),
        **where,
    }


def findings_frame(records) -> pd.DataFrame:
    """Records (dicts) or frames of findings as one typed, stably ordered table."""
    parts = [r for r in records if isinstance(r, pd.DataFrame) and len(r)]
    dicts = [r for r in records if isinstance(r, dict)]
    if dicts:
        parts.append(pd.DataFrame.from_records(dicts))
    if not parts:
        return empty_findings()
    frame = _typed(pd.concat([_typed(p) for p in parts], ignore_index=True))
    return sort_findings(frame)


def sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable order: table, file, sheet, row, rule, column: the same inputs give the same report."""
    order = frame["severity"].map(SEVERITY_ORDER).fillna(9)
    return (
        frame.assign(_order=order)
        .sort_values(["table", "source_file", "source_sheet", "source_row", "rule", "column", "_order"],
                     na_position="first", kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


SHEET_WIDE_RULES = ("SHEET_MISSING_COLUMN", "SHEET_DUPLICATE_COLUMN")  # one finding holding back a whole sheet


def row_errors(findings: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """The error findings that hold back rows of one table, one line per (row, finding), row_id
    typed int: those on a row, and each SHEET_WIDE_RULES finding spread over every row of its sheet
    (one finding for a missing column, not one per row, yet each row says why it is held back)."""
    errors = findings[findings["severity"] == "error"]
    on_rows = errors[errors["row_id"].notna()]
    wide = errors[errors["rule"].isin(SHEET_WIDE_RULES) & errors["row_id"].isna()].drop(columns="row_id")
    spread = wide.merge(typed[["row_id", "source_file", "source_sheet"]].astype({"source_file": "string",
                                                                                  "source_sheet": "string"}),
                        on=["source_file", "source_sheet"])
    both = pd.concat([on_rows, spread], ignore_index=True)
    return both.assign(row_id=both["row_id"].astype("int64"))


def error_row_ids(findings: pd.DataFrame, typed: pd.DataFrame) -> set:
    """row_ids that carry at least one error (on the row or on its whole sheet): the rows to quarantine."""
    return set(row_errors(findings, typed)["row_id"])


def count_by_severity(findings: pd.DataFrame) -> dict:
    counts = findings["severity"].value_counts()
    return {severity: int(counts.get(severity, 0)) for severity in ("critical", "error", "warning")}


ROW_KEY = ["table", "source_file", "source_sheet", "source_row"]


def tally(findings: pd.DataFrame, rows_held_back: int) -> dict:
    """What people count: rows held back (the split's count), release figures wrong, other rows with
    a warning, and warnings and errors about no data row (a file, a sheet, a public table, the period;
    never counted as rows); a row or figure with
    several findings is one. Raw findings double-count (a wrong figure breaks its data check and an
    identity; a missing column is one finding for many rows)."""
    on_row = findings["row_id"].notna()
    errors = findings["severity"].isin(["error", "critical"])
    claims = findings["table"].eq("claims")
    key = findings[ROW_KEY].astype("string").fillna("")
    rows = key[ROW_KEY[0]].str.cat([key[c] for c in ROW_KEY[1:]], sep="\x1f")
    held = set(rows[errors & on_row])
    wrong = set(rows[errors & on_row & claims])
    warned = set(rows[findings["severity"].eq("warning") & findings["source_row"].notna()]) - held
    loose = findings["severity"].eq("warning") & findings["source_row"].isna()
    return {"rows_held_back": rows_held_back, "figures_wrong": len(wrong), "rows_with_warnings": len(warned),
            "other_warnings": int(loose.sum()),
            "other_errors": int((errors & ~on_row & ~findings["rule"].isin(SHEET_WIDE_RULES)).sum()),
            "rows_corrected": len(set(rows[findings["rule"].eq("VALUE_CORRECTED")]) - held)}


# -- how a value is shown in a finding -----------------------------------------------------------

def display_value(value) -> str | None:
    """A cell as staff would read it back: 12.0 as '12', text as written, empty as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def by_distinct(values: pd.Series, function) -> np.ndarray:
    """function applied once per distinct value and spread back (object array; missing -> None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [function(u) for u in uniques]
    results[-1] = None
    return results[codes]


def is_text(values: pd.Series) -> np.ndarray:
    """Which cells are text; a column of only text or only numbers is known without looking at each."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        return values.notna().to_numpy()
    if kind in {"floating", "integer", "mixed-integer-float", "empty"}:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((isinstance(v, str) for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values))


def display_column(values: pd.Series) -> pd.Series:
    """display_value for a whole column: text stays as written (blank -> None), numbers without '.0'."""
    text = is_text(values)
    shown = np.empty(len(values), dtype=object)
    raw = values.to_numpy(dtype=object)
    if text.any():
        strings = pd.Series(raw[text], dtype="string")
        shown[text] = strings.mask(strings.str.strip() == "").to_numpy(dtype=object, na_value=None)
    if (~text).any():
        shown[~text] = by_distinct(values[~text], display_value)
    return pd.Series(shown, index=values.index, dtype=object)

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
SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2}
_DTYPES = {"source_row": "Int64", "row_id": "Int64"}


def empty_findings() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=FINDING_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=FINDING_COLUMNS)
    for column in FINDING_COLUMNS:
        frame[column] = frame[column].astype(_DTYPES.get(column, "string"))
    return frame


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


def error_row_ids(findings: pd.DataFrame) -> set:
    """row_ids that carry at least one error-level finding: the rows to quarantine."""
    errors = findings[(findings["severity"] == "error") & findings["row_id"].notna()]
    return set(errors["row_id"].astype(int))


def count_by_severity(findings: pd.DataFrame) -> dict:
    counts = findings["severity"].value_counts()
    return {severity: int(counts.get(severity, 0)) for severity in ("critical", "error", "warning")}


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

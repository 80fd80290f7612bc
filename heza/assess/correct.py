"""Optional correction ([correct] apply in heza.toml, never by default): a row whose every error is a
linear rule that the localiser pinned to one cell, with a value the rules determine ("determined") or,
with apply = "explained", also one a known slip explains, is published with that value instead of
being held back. Each changed cell gets a VALUE_CORRECTED finding (no value changes without one) and
a line in corrections.csv; the corrected row is checked again and stays held back if it still breaks
an error rule. Runs after validation and before reconciliation, so zone totals see corrected values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from heza.findings import FINDING_COLUMNS, display_column, findings_frame, row_errors
from heza.assess.validate import validate_table
from schemas.catalogue import rule
from schemas.tables import COLUMN_LABELS, DATA_TABLES

GRADES = {"none": (), "determined": ("determined",), "explained": ("determined", "explained")}
GRADE_WORDS = {"determined": ("các quy tắc xác định giá trị", "the rules determine the value"),
               "explained": ("giải thích bằng một lỗi gõ thường gặp", "explained by a common slip")}
CORRECTED_FIELDS = "corrected_fields"  # published column: the fields changed, in words, or empty
CORRECTION_COLUMNS = ["table", "source_file", "source_sheet", "source_row", "column", "cell", "original",
                      "corrected", "reason_vi", "reason_en", "grade", "rules"]
_KEY = ["row_id", "blamed"]
_INTERNAL = ["field", "value_grade", "cell_grade"]  # beside corrections.csv's columns, for the findings
_EMPTY = ("(trống)", "(empty)")  # an empty cell's original value, in words


def empty_corrections() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("source_row", "row_id") else "string") for c in
                         [*CORRECTION_COLUMNS, *_INTERNAL, "row_id"]})


def proposed(findings: pd.DataFrame, typed: pd.DataFrame, table: str, grades: tuple) -> pd.DataFrame:
    """One line per cell to correct: rows whose every error finding is localised to one field with a
    suggested value of an allowed grade, one value per cell, a whole number in a count column
    (row_id, blamed, suggested, value_grade, reasons, cell, rules)."""
    errors = row_errors(findings[findings["table"] == table], typed)
    one_field = ~errors["blamed"].fillna(",").str.contains("[,|]")
    allowed = errors["value_grade"].isin(grades) & errors["suggested"].notna() & one_field
    candidates = errors[allowed & ~errors["row_id"].isin(errors.loc[~allowed, "row_id"])]
    cells = candidates.groupby(_KEY, sort=True).agg(
        suggested=("suggested", "first"), values=("suggested", "nunique"), value_grade=("value_grade", "first"),
        cell_grade=("cell_grade", "first"), reason_vi=("reason_vi", "first"), reason_en=("reason_en", "first"),
        cell=("cell", "first"),
        rules=("rule", lambda s: "; ".join(dict.fromkeys(s)))).reset_index()
    number = pd.to_numeric(cells["suggested"], errors="coerce")
    whole = cells["blamed"].map({c: str(typed[c].dtype).startswith("Int") for c in cells["blamed"].unique()})
    unfit = (cells["values"] > 1) | number.isna() | (whole.astype(bool) & (number != number.round()))
    return cells[~cells["row_id"].isin(cells.loc[unfit, "row_id"])].drop(columns="values").reset_index(drop=True)


def with_values(typed: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """typed with each cell's suggested value written in, column by column (never row by row)."""
    fixed = typed.copy()
    position = pd.Index(typed["row_id"]).get_indexer(cells["row_id"])
    for column, group in cells.groupby("blamed"):
        values = pd.to_numeric(group["suggested"]).to_numpy(dtype=float)
        fixed.iloc[position[group.index], fixed.columns.get_loc(column)] = pd.array(values, dtype=fixed[column].dtype)
    return fixed


def correct_table(table: str, typed: pd.DataFrame, findings: pd.DataFrame, grades: tuple, zone_codes,
                  letters: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(typed with the corrections, the cells corrected, the corrected rows' findings checked again):
    a correction stands only when its row, checked again with its corrections in, breaks no error rule.
    Each row is checked on its own values (a correction never touches a key that links rows)."""
    cells = proposed(findings, typed, table, grades)
    fixed = with_values(typed, cells)
    again = validate_table(table, fixed[fixed["row_id"].isin(cells["row_id"])], zone_codes, letters)
    failing = again.loc[again["severity"] == "error", "row_id"]
    if len(failing):
        cells = cells[~cells["row_id"].isin(failing)].reset_index(drop=True)
        fixed, again = with_values(typed, cells), again[again["row_id"].isin(cells["row_id"])]
    return fixed, cells, again


def corrections_frame(table: str, typed: pd.DataFrame, cells: pd.DataFrame, headers: dict) -> pd.DataFrame:
    """corrections.csv's lines for one table: where (file, sheet, row, the header as the submitter wrote
    it, the cell), the original and corrected values, why and how sure, and the rules broken."""
    if cells.empty:
        return empty_corrections()
    rows = typed.set_index("row_id").loc[cells["row_id"]].reset_index()
    original = pd.Series(index=cells.index, dtype=object)
    for column, group in cells.groupby("blamed"):
        original[group.index] = rows.loc[group.index, column].to_numpy(dtype=object)
    files, sheets = rows["source_file"].to_numpy(), rows["source_sheet"].to_numpy()
    written = [headers.get((f, s, c), COLUMN_LABELS.get(c, (c,))[0]) for f, s, c in zip(files, sheets, cells["blamed"])]
    return pd.DataFrame({
        "table": table, "source_file": files, "source_sheet": sheets,
        "source_row": pd.array(rows["source_row"].to_numpy(), dtype="Int64"), "column": written,
        "cell": cells["cell"].to_numpy(), "original": display_column(original).to_numpy(),
        "corrected": cells["suggested"].to_numpy(), "reason_vi": cells["reason_vi"].to_numpy(),
        "reason_en": cells["reason_en"].to_numpy(),
        "grade": cells["value_grade"].map({k: v[0] for k, v in GRADE_WORDS.items()}).to_numpy(),
        "rules": cells["rules"].to_numpy(), "field": cells["blamed"].to_numpy(),
        "value_grade": cells["value_grade"].to_numpy(), "cell_grade": cells["cell_grade"].to_numpy(),
        "row_id": pd.array(cells["row_id"], dtype="Int64"),
    }).astype({c: "string" for c in [*CORRECTION_COLUMNS, *_INTERNAL] if c != "source_row"})


def corrected_findings(corrections: pd.DataFrame) -> pd.DataFrame:
    """One VALUE_CORRECTED finding (information) per corrected cell: the field in words, the value
    written, the value published and why."""
    if corrections.empty:
        return findings_frame([])
    entry = rule("VALUE_CORRECTED")
    fields = corrections["field"].astype(object)
    change = [corrections["original"].fillna(empty) + " → " + corrections["corrected"] for empty in _EMPTY]
    labels = [fields.map(lambda c: COLUMN_LABELS.get(c, (c, c))[lang]).astype("string") for lang in (0, 1)]
    return findings_frame([pd.DataFrame({
        "table": corrections["table"], "rule": "VALUE_CORRECTED", "severity": entry.severity,
        "source_file": corrections["source_file"], "source_sheet": corrections["source_sheet"],
        "source_row": corrections["source_row"], "column": corrections["field"], "cell": corrections["cell"],
        "value": corrections["original"], "suggested": corrections["corrected"],
        "message_vi": entry.message_vi + ": " + labels[0] + " " + change[0] + " (" + corrections["reason_vi"] + ")",
        "message_en": entry.message_en + ": " + labels[1] + " " + change[1] + " (" + corrections["reason_en"] + ")",
        "row_id": corrections["row_id"], "blamed": corrections["field"],
        "value_grade": corrections["value_grade"], "cell_grade": corrections["cell_grade"],
        "reason_vi": corrections["reason_vi"],
        "reason_en": corrections["reason_en"],
    }).reindex(columns=FINDING_COLUMNS)])


def corrected_fields(typed: pd.DataFrame, corrections: pd.DataFrame) -> pd.Series:
    """The published column: for each row the fields corrected, in words ("Lao động nữ (người)"),
    empty for a row published as written (heza/release/tiers.py drops restricted names below restricted)."""
    labels = {c: COLUMN_LABELS.get(c, (c,))[0] for c in corrections["field"].unique()}
    words = corrections["field"].map(labels).groupby(corrections["row_id"]).agg("; ".join)
    return typed["row_id"].map(words).astype("string")


def correct_period(tables: dict, findings: pd.DataFrame, files, apply: str, zone_codes) -> tuple:
    """(tables with corrected values and a corrected_fields column, findings, corrections) for every
    data table: the corrected rows' validation findings are those of their corrected values, plus one
    VALUE_CORRECTED per cell; reading findings (CELL_, SHEET_) stay as they were."""
    headers = {(t.file, t.sheet, c): h for f in files if f.error is None
               for t in f.tables for c, h in t.columns.items()}  # the headers as the submitters wrote them
    tables, parts, checked = dict(tables), [], []
    for name, table in list(tables.items()):
        if name not in DATA_TABLES:
            continue
        fixed, cells, again = correct_table(name, table.typed, findings, GRADES[apply], zone_codes,
                                            table.column_letters)
        corrections = corrections_frame(name, table.typed, cells, headers)
        tables[name] = replace(table, typed=fixed.assign(**{CORRECTED_FIELDS: corrected_fields(fixed, corrections)}))
        revalidated = findings["table"].eq(name) & findings["row_id"].isin(cells["row_id"]) \
            & ~findings["rule"].str.startswith(("CELL_", "SHEET_"))
        findings = findings[~revalidated]
        parts.append(corrections)
        checked += [again, corrected_findings(corrections)]
    corrections = pd.concat(parts, ignore_index=True) if parts else empty_corrections()
    return tables, findings_frame([findings, *checked]), corrections

"""Which cell of a failing row is wrong, how sure that is, and what it should be.

For every row that breaks a linear rule (or leaves empty a cell a rule would fill), the
localiser's least-weight sets are graded, for the cell and for the value apart:
- cell `certain`: one set; `explained`: several tie and exactly one is one slip away from the
  written values (heza/assess/slips.py); `ambiguous` otherwise (every alternative is named);
- value `determined`: the edits fix it once the other cells keep their values; `explained`: a
  slip gives it; `unknown` otherwise (nothing is suggested).
The grades, the blamed cells, the suggested value and the reason travel with the row's findings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heza.assess.localise import components, determined_values, minimal_sets, patterns, row_state
from heza.assess.slips import slip_words, slips
from heza.findings import display_value
from schemas.tables import COLUMN_LABELS, TABLES

BLAME_COLUMNS = ["blamed", "cell_grade", "value_grade", "suggested", "reason_vi", "reason_en"]
_FROM_OTHERS = ("tính từ các ô khác của dòng", "computed from the row's other cells")
_UNKNOWN = ("sửa ô này; chưa xác định được giá trị đúng", "fix this cell; its right value cannot be told")
_AMBIGUOUS = ("không xác định được ô nào sai, có thể là: ", "which cell is wrong cannot be told; it may be: ")
_OR = (" hoặc ", " or ")
_AND = (" và ", " and ")


def _label(column: str, lang: int) -> str:
    return COLUMN_LABELS.get(column, (column, column))[lang]


def _alternative(fields: list, solved, n: int, lang: int) -> pd.Series:
    """'Lao động nữ (người) = 480' for each of n rows (no value where the edits leave it open)."""
    text = None
    for i, field in enumerate(fields):
        part = pd.Series([_label(field, lang)] * n, dtype="string")
        if solved is not None:
            part = (part + " = " + pd.Series([display_value(v) for v in solved[:, i]], dtype="string")).fillna(part)
        text = part if text is None else text + _AND[lang] + part
    return text


def _grade_group(component, pattern, values: np.ndarray) -> pd.DataFrame:
    """The grades of the rows of one pattern (same least-weight sets), vectorised over its rows."""
    n = len(values)
    sets = [sorted(s) for s in minimal_sets(component, pattern)]
    if not sets:
        return pd.DataFrame(index=range(n))
    fixed = [determined_values(component, pattern.active, frozenset(s), values) for s in sets]
    explained = np.zeros((n, len(sets)), dtype=bool)
    slip_vi = np.full((n, len(sets)), None, dtype=object)
    slip_en = np.full((n, len(sets)), None, dtype=object)
    for k, (fields, solved) in enumerate(zip(sets, fixed)):
        written = [i for i, j in enumerate(fields) if not pattern.free[j]]
        if solved is None or not written:
            continue
        ok = np.isfinite(solved).all(axis=1)
        for i in written:  # a set is explained when each changed cell is one slip from its fixed value
            codes, digits = slips(values[:, fields[i]], solved[:, i])
            ok &= codes != None  # noqa: E711 (element-wise)
            slip_vi[:, k], slip_en[:, k] = slip_words(codes, digits, 0), slip_words(codes, digits, 1)
        explained[:, k] = ok & (len(written) == 1)
    single = len(sets) == 1
    chosen = np.zeros(n, dtype=int) if single else np.argmax(explained, axis=1)
    one_explained = explained.sum(axis=1) == 1
    cell = np.where(single, "certain", np.where(one_explained, "explained", "ambiguous")).astype(object)
    names = [[component.fields[j] for j in s] for s in sets]
    out = pd.DataFrame({"cell_grade": cell, "blamed": [",".join(names[c]) for c in chosen]})
    value = np.full(n, "unknown", dtype=object)
    suggested = np.full(n, None, dtype=object)
    reason_vi, reason_en = np.full(n, _UNKNOWN[0], dtype=object), np.full(n, _UNKNOWN[1], dtype=object)
    for k, (fields, solved) in enumerate(zip(sets, fixed)):
        mine = (chosen == k) & (cell != "ambiguous")
        if solved is None or len(fields) != 1 or not mine.any():
            continue
        known = mine & np.isfinite(solved[:, 0])
        value[known] = "determined" if single else "explained"
        suggested[known] = [display_value(float(v)) for v in solved[known, 0]]
        has_slip = known & (slip_vi[:, k] != None)  # noqa: E711
        reason_vi[known], reason_en[known] = _FROM_OTHERS
        reason_vi[has_slip], reason_en[has_slip] = slip_vi[has_slip, k], slip_en[has_slip, k]
    ambiguous = cell == "ambiguous"
    if ambiguous.any():
        out.loc[ambiguous, "blamed"] = "|".join(",".join(n_) for n_ in names)
        for lang, reason in ((0, reason_vi), (1, reason_en)):
            listed = [_alternative(names[k], fixed[k], n, lang) for k in range(len(sets))]
            text = listed[0]
            for part in listed[1:]:
                text = text + _OR[lang] + part
            reason[ambiguous] = (_AMBIGUOUS[lang] + text).to_numpy(dtype=object)[ambiguous]
    return out.assign(value_grade=value, suggested=suggested, reason_vi=reason_vi, reason_en=reason_en)


def localise_table(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (row_id, component) that breaks an edit or leaves a fillable cell empty:
    `component` (its first field) and BLAME_COLUMNS. Rows that pass never reach the solver."""
    parts = []
    for component in components(table):
        if not set(component.fields) <= set(frame.columns):
            continue
        state = row_state(component, frame, TABLES[table].kind)
        rows = np.flatnonzero(state.needs)
        if not len(rows):
            continue
        group, found = patterns(component, state, rows)
        for number, pattern in enumerate(found):
            members = rows[group == number]
            graded = _grade_group(component, pattern, state.values[members])
            if graded.empty:
                continue
            parts.append(graded.assign(row_id=frame["row_id"].to_numpy()[members], component=component.fields[0]))
    if not parts:
        return pd.DataFrame(columns=["row_id", "component", *BLAME_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def with_blame(findings: pd.DataFrame, frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The row's localisation on each of its findings about a field of an edit (the first such
    field of the finding's columns decides which component)."""
    if findings.empty:
        return findings
    # a row with no finding passes every edit (its checks are built from them) and fills every
    # required cell: only the rows with findings can need the localiser
    blame = localise_table(table, frame[frame["row_id"].isin(findings["row_id"].dropna().astype("int64"))])
    if blame.empty:
        return findings
    component_of = {field: c.fields[0] for c in components(table) for field in c.fields}
    first = findings["column"].fillna("").str.split(",").map(
        lambda columns: next((component_of[c] for c in columns if c in component_of), None))
    keyed = findings.assign(_component=first.astype(object), _row=findings["row_id"].astype("float"))
    blame = blame.assign(_row=blame["row_id"].astype(float)).rename(columns={"component": "_component"})
    merged = keyed.merge(blame.drop(columns="row_id"), on=["_row", "_component"], how="left",
                         suffixes=("", "_blame"))
    for column in BLAME_COLUMNS:
        merged[column] = merged[f"{column}_blame"].combine_first(merged[column]) \
            if f"{column}_blame" in merged else merged[column]
    return merged[findings.columns]

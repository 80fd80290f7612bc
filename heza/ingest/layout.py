"""Classify every row under a sheet's header: data, or a non-data row a person can see (total,
subheading, note, repeated header, hidden), each kept with its text and why, for the source ledger.

A row is never dropped for its words alone. Words only make a row a candidate; what decides is
what it carries: a row with a tax code is data, and a row that starts like a total ("Tổng công ty
…", "Cộng Hưng …") is a total only when it is the bare word ("Tổng cộng") or its figures equal the
sums of the rows it closes. Everything else stays data, so at worst it is quarantined and shown,
never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heza.ingest import headers
from heza.ingest.arrow_text import blank, flags
from heza.ingest.numbers import parse_figure

_HEADING = re.compile(r"^(?:[IVXLC]+|[A-Z]|\d{1,2})[.)]\s|:$|^(?:kcn|kkt|khu cong nghiep|khu kinh te|khu)\b",
                      re.IGNORECASE)
_TEXT_LIMIT = 200

# Why each kind of row is not data: the words people read in the ledger (Vietnamese, English).
REASONS = {
    "title": ("Dòng tiêu đề phía trên bảng", "Title line above the table"),
    "header": ("Dòng tên cột", "Column header row"),
    "numbering": ("Dòng đánh số cột (1), (2), …", "Column numbering row (1), (2), …"),
    "repeated_header": ("Dòng tên cột lặp lại giữa bảng", "Column header repeated inside the table"),
    "subheading": ("Dòng tiêu đề nhóm, không có số liệu", "Group subheading, no figures"),
    "total": ("Dòng tổng: bằng tổng các dòng {closes}", "Total row: equals the sum of rows {closes}"),
    "total_label": ("Dòng tổng (chỉ có chữ, không có số liệu doanh nghiệp)",
                    "Total row (a label, no enterprise data)"),
    "total_mismatch": ("Dòng tổng, nhưng khác tổng các dòng {closes} (xem cảnh báo)",
                       "Total row, but not the sum of rows {closes} (see the warning)"),
    "note": ("Ghi chú hoặc chữ ký dưới bảng: không có mã số thuế, không có số liệu",
             "Note or signature under the table: no tax code, no figures"),
    "outside_columns": ("Chỉ có nội dung ở cột ngoài mẫu (không có cột dữ liệu nào)",
                        "Content only in columns outside the template (no data column)"),
    "hidden": ("Dòng bị ẩn trong Excel: không đọc làm dữ liệu", "Row hidden in Excel: not read as data"),
}


def ledger_entry(row: int, kind: str, text: str, closes: str = "") -> dict:
    """One non-data row: where, which kind, what a person sees in it, and why it is not data."""
    vi, en = REASONS[kind]
    group = {"numbering": "header", "repeated_header": "header", "total_label": "total",
             "total_mismatch": "total", "outside_columns": "note"}.get(kind, kind)
    return {"row": int(row), "kind": group, "text": text[:_TEXT_LIMIT],
            "reason_vi": vi.format(closes=closes), "reason_en": en.format(closes=closes)}


def row_text(values) -> str:
    """The row as a person reads it: its non-empty cells joined, whole numbers without '.0'."""
    return " | ".join(_shown(v) for v in values if not _blank(v))


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value


@dataclass
class RowPlan:
    """The verdict on a sheet's body rows (positions 0..n-1 under the header)."""

    data: np.ndarray  # bool per body row
    non_data: list = field(default_factory=list)  # ledger entries
    totals: list = field(default_factory=list)  # {"source_row", "closes": (first, last), column: raw value}
    subheadings: pd.Series | None = None  # per body row: the subheading text above it, if any


@dataclass
class _Row:
    position: int
    values: list  # every cell of the row
    label: str  # first non-empty cell
    mapped: dict  # canonical column -> raw value, non-empty only
    figures: dict  # numeric canonical column -> float

    @property
    def first_column(self) -> int:
        return next((i for i, v in enumerate(self.values) if v is not None), 0)

    @property
    def single_cell(self) -> bool:
        return len({str(v).strip() for v in self.values if not _blank(v)}) == 1


def classify_body(frame: pd.DataFrame, rows: pd.DataFrame, empty: pd.DataFrame, key: str | None,
                  numeric: list, header_labels: dict, hidden_rows: set, left_edge: int = 0,
                  content: np.ndarray | None = None) -> RowPlan:
    """Decide for every body row whether it is data; `frame` holds the canonical columns and
    `source_row`, `rows` every cell, `empty` the emptiness of frame's columns, `content` which rows
    have any (when the caller knows it already: a pass over every cell of the sheet)."""
    count = len(frame)
    if content is None:
        content = _has_content(rows) if count else np.zeros(0, dtype=bool)
    data = content.copy()
    non_data: list = []
    source_rows = frame["source_row"].to_numpy()
    hidden = content & np.isin(source_rows, list(hidden_rows)) if hidden_rows else np.zeros(count, dtype=bool)
    if hidden.any() and hidden.sum() < content.sum():  # hidden rows are data only when they are all there is
        data &= ~hidden
        non_data += [ledger_entry(source_rows[p], "hidden", row_text(_values(rows, p))) for p in np.flatnonzero(hidden)]
    has_key = _identified(frame, empty, key)
    candidates = np.flatnonzero(data & ~has_key)
    if not len(candidates):
        return RowPlan(data, non_data)
    words = headers.row_words()
    looked = [_look(frame, rows, empty, numeric, p) for p in candidates]
    verdict: dict = {}
    for row in looked:
        verdict[row.position] = _first_verdict(row, words, header_labels)
    _mark_trailing_notes(looked, verdict, data)
    _mark_subheadings(looked, verdict, data, left_edge)
    totals = _resolve_totals(frame, looked, verdict, data, numeric, source_rows)
    for row in looked:
        kind = verdict[row.position]
        if kind in {"data", "total?"}:
            continue
        data[row.position] = False
        closes = next((t["closes_text"] for t in totals if t["source_row"] == source_rows[row.position]), "")
        non_data.append(ledger_entry(source_rows[row.position], kind, row_text(row.values), closes))
    subheading_text = pd.Series(pd.NA, index=frame.index, dtype="string")
    for row in looked:
        if verdict[row.position] == "subheading":
            subheading_text.iloc[row.position] = row.label.strip()
    subheading_text = subheading_text.ffill() if subheading_text.notna().any() else None
    for total in totals:
        total.pop("closes_text")
    non_data.sort(key=lambda entry: entry["row"])
    return RowPlan(data, non_data, totals, subheading_text)


def _identified(frame: pd.DataFrame, empty: pd.DataFrame, key: str | None) -> np.ndarray:
    """Rows that name what they are about, and so are data whatever their words: a tax code with a
    digit in it, or an indicator code on a claims sheet (zone names can be any words)."""
    if key not in frame:
        return np.zeros(len(frame), dtype=bool)
    if key == "tax_code":
        return frame[key].astype("string").str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    if key == "indicator":
        return ~empty[key].to_numpy(dtype=bool)
    return np.zeros(len(frame), dtype=bool)


def _has_content(rows: pd.DataFrame, empty: dict | None = None) -> np.ndarray:
    """Rows with at least one cell that is not empty or spaces, over every column of the sheet
    (`empty`: each column's empty_cells, when the caller has them already)."""
    content = np.zeros(len(rows), dtype=bool)
    for column in rows.columns:
        content |= ~(empty[column] if empty is not None else empty_cells(rows[column]))
    return content


_is_instance = np.frompyfunc(isinstance, 2, 1)
_NO_TEXT = {"floating", "integer", "mixed-integer-float", "boolean", "datetime", "date", "time", "empty"}


def empty_cells(values: pd.Series) -> np.ndarray:
    """Cells that are missing or text of white space only, for a column of any cells (a workbook's
    text, numbers, dates): missing and "" in one C pass each, the other text at once on Arrow's
    kernels, whose white space is Python's (str.strip), never a conversion of every cell to text."""
    if isinstance(values.dtype, pd.StringDtype):  # a CSV column: all of it at once, on Arrow
        return values.isna().to_numpy(dtype=bool) | blank(values)
    raw = values.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in _NO_TEXT:
        return pd.isna(raw)
    empty = pd.isna(raw) | (raw == "")
    others = np.flatnonzero(~empty)
    text = others if kind == "string" else others[_is_instance(raw[others], str).astype(bool)]
    if len(text):
        strings = pa.array(raw[text], type=pa.large_string())
        empty[text] = flags(pc.equal(pc.utf8_trim_whitespace(strings), ""))
    return empty


def _values(rows: pd.DataFrame, position: int) -> list:
    return [None if _blank(v) else v for v in rows.iloc[position].tolist()]


def _look(frame, rows, empty, numeric, position) -> _Row:
    values = _values(rows, position)
    label = next((str(v) for v in values if v is not None), "")
    mapped = {c: frame.iat[position, frame.columns.get_loc(c)] for c in empty.columns
              if not empty.iat[position, empty.columns.get_loc(c)]}
    figures = {c: number for c in numeric if c in mapped and (number := as_number(mapped[c])) is not None}
    return _Row(position, values, label, mapped, figures)


def as_number(value) -> float | None:
    """A cell as a number for comparing totals: real numbers as they are, text by the Vietnamese
    reading where the writing is ambiguous (this only decides whether a row is a total)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if value != value else float(value)
    figure = parse_figure(value)
    if figure.error or not figure.readings:
        return None
    reading = figure.readings.get("vi") or next(iter(figure.readings.values()))
    return reading.value * figure.scale


def column_numbers(values: pd.Series) -> np.ndarray:
    """as_number for a whole column: real numbers and plain digit strings at once, every other text
    once per distinct value."""
    raw = values.astype(object).to_numpy()
    is_text = np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=len(raw))
    result = np.full(len(raw), np.nan)
    if (~is_text).any():
        result[~is_text] = pd.to_numeric(pd.Series(raw[~is_text]), errors="coerce").to_numpy(dtype="float64",
                                                                                           na_value=np.nan)
    if is_text.any():
        text = pd.Series(raw[is_text], dtype="string").str.strip()
        plain = text.str.fullmatch(r"-?\d{1,15}").fillna(False).to_numpy(dtype=bool)
        numbers = np.full(len(text), np.nan)
        numbers[plain] = text[plain].astype("float64").to_numpy()
        codes, uniques = pd.factorize(text[~plain])
        parsed = np.array([as_number(u) for u in uniques] + [None], dtype="float64")
        numbers[~plain] = parsed[codes]
        result[is_text] = numbers
    return result


def _first_verdict(row: _Row, words: dict, header_labels: dict) -> str:
    """What a candidate row is from itself alone; totals and subheadings are settled later."""
    if not row.mapped:
        return "outside_columns"
    if sum(headers.fold(str(v)) == headers.fold(header_labels.get(c, "")) for c, v in row.mapped.items()) >= 2:
        return "repeated_header"
    if headers.starts_with_any(row.label, words["note"]) and not row.figures:
        return "note"
    if headers.starts_with_any(row.label, words["total"]):
        if row.figures:
            return "total?"
        return "total_label" if headers.fold(row.label) in words["total"] else "data"
    return "data"


def _plain(data: np.ndarray, verdict: dict, kinds=("data",)) -> np.ndarray:
    """Rows that are data so far: every row that was never a candidate, and candidates judged so."""
    plain = data.copy()
    for position, kind in verdict.items():
        plain[position] = data[position] and kind in kinds
    return plain


def _mark_trailing_notes(looked: list, verdict: dict, data: np.ndarray) -> None:
    """Rows under the table's last data or total row that carry no figures are its notes and
    signature block ("Người lập biểu", names, dates)."""
    anchors = data.copy()  # rows with a tax code, or with figures, hold the table down
    for row in looked:
        anchors[row.position] = data[row.position] and bool(row.figures) and verdict[row.position] in {"data", "total?"}
    last = np.flatnonzero(anchors).max() if anchors.any() else -1
    for row in looked:
        if row.position > last and verdict[row.position] in {"data", "outside_columns"} and not row.figures:
            verdict[row.position] = "note"


def _mark_subheadings(looked: list, verdict: dict, data: np.ndarray, left_edge: int) -> None:
    """A single label at the table's left edge, with no figures, above more data rows ("KCN Đình
    Vũ", "I. Doanh nghiệp FDI") heads a group; in a template column it must look like a heading."""
    settled = np.flatnonzero(_plain(data, verdict, ("data", "total?")))
    last = settled.max() if len(settled) else -1
    for row in looked:
        if verdict[row.position] not in {"data", "outside_columns"} or row.figures or not row.single_cell:
            continue
        if row.position >= last or row.first_column > left_edge:
            continue
        if verdict[row.position] == "outside_columns" or _HEADING.search(headers.fold(row.label)) \
                or _HEADING.search(row.label.strip()):
            verdict[row.position] = "subheading"


def _resolve_totals(frame, looked, verdict, data, numeric, source_rows) -> list:
    """Settle each 'total?' row top-down: a total when its figures equal the sums of the data rows
    it closes (those above it, or below it when it comes first), or when it is the bare word."""
    pending = [row for row in looked if verdict[row.position] == "total?"]
    if not pending:
        return []
    plain = _plain(data, verdict)
    values = {c: column_numbers(frame[c]) for c in numeric if c in frame}
    boundaries = {row.position for row in looked if verdict[row.position] in {"subheading", "repeated_header"}}
    boundaries |= {row.position for row in pending}
    positions = np.arange(len(frame))
    totals = []
    for row in pending:
        before = max((b for b in boundaries if b < row.position), default=-1)
        after = min((b for b in boundaries if b > row.position), default=len(frame))
        above = np.flatnonzero(plain & (positions > before) & (positions < row.position))
        below = np.flatnonzero(plain & (positions > row.position) & (positions < after))
        all_above = np.flatnonzero(plain & (positions < row.position))  # a grand total under subtotals
        all_below = np.flatnonzero(plain & (positions > row.position))
        bare = headers.fold(row.label) in headers.row_words()["total"]
        smallest = 1 if bare else 2  # "Tổng công ty X" equal to the one row above it is a coincidence
        block = next((b for b in (above, all_above, below, all_below)
                      if len(b) >= smallest and _sums_match(row.figures, values, b)), None)
        if block is None and not bare:
            verdict[row.position] = "data"
            boundaries.discard(row.position)
            continue
        closes = block if block is not None else (all_above if len(all_above) else all_below)
        verdict[row.position] = "total" if block is not None else "total_mismatch"
        first, last = (int(source_rows[closes[0]]), int(source_rows[closes[-1]])) if len(closes) else (0, -1)
        totals.append({"source_row": int(source_rows[row.position]), "closes": (first, last),
                       "closes_text": f"{first}–{last}" if len(closes) else "–", **row.mapped})
    return totals


def _sums_match(figures: dict, values: dict, block: np.ndarray) -> bool:
    if not len(block) or not figures:
        return False
    for column, figure in figures.items():
        total = float(np.nansum(values[column][block]))
        if abs(figure - total) > max(0.5, 0.005 * abs(total)):
            return False
    return True

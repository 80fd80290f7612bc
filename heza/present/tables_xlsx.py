"""The published tables as people open them: enterprises.xlsx and zones.xlsx beside the machine CSVs
(which stay as they are). Same rows in the same order as the CSV; headers in words (the column
labels declared in schemas/tables.py), tax codes and other text as text (a leading zero kept),
whole numbers with a thousands format, amounts with two decimals, yes/no as "Có"/"Không",
ownership in words, the header row frozen. Written with the streaming writer, a chunk of rows at a
time, so a million-row month stays within memory and time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heza.present.words import OWNERSHIP_WORDS, YES_NO, column_label, pick, table_label
from heza.present.xlsx_writer import AMOUNT, BOLD, INTEGER, TEXT, StreamingWorkbook
from heza.release.outputs import file_sha256

_CHUNK = 50_000
_PLAIN = ("source_row",)  # a row number, read as Excel shows it: no thousands separator


def _kind(name: str, series: pd.Series) -> str:
    dtype = str(series.dtype)
    if name in _PLAIN:
        return "plain"
    if dtype == "boolean" or dtype == "bool":
        return "yes_no"
    if dtype.startswith("Int") or dtype.startswith("int"):
        return "integer"
    if dtype.startswith("Float") or dtype.startswith("float"):
        return "amount"
    return "text"


def _values(name: str, kind: str, series: pd.Series, lang: str) -> list:
    """A column of a chunk as the cells people read: None for an empty cell."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if kind == "yes_no":
        return [None if v is None else pick(lang, YES_NO[bool(v)]) for v in values]
    if kind == "integer" or kind == "plain":
        return [None if v is None else int(v) for v in values]
    if kind == "amount":
        return [None if v is None else float(v) for v in values]
    if name == "ownership":
        return [None if v is None else pick(lang, OWNERSHIP_WORDS.get(v, (v, v))) for v in values]
    return [None if v is None else str(v) for v in values]


_STYLE = {"text": TEXT, "integer": INTEGER, "amount": AMOUNT, "plain": None, "yes_no": None}


def write_table_xlsx(frame: pd.DataFrame, table: str, path: Path, lang: str = "vi") -> dict:
    """One published table as an .xlsx (one sheet, named in words); its manifest output record."""
    columns = list(frame.columns)
    kinds = [_kind(c, frame[c]) for c in columns]
    labels = [column_label(c, lang) for c in columns]
    styles = {i: _STYLE[k] for i, k in enumerate(kinds) if _STYLE[k] is not None}
    widths = {i: min(max(len(label) + 2, 12), 45) for i, label in enumerate(labels)}
    book = StreamingWorkbook(path)
    sheet = book.add_sheet(table_label(table, lang)[:31], widths, freeze_header=True)
    sheet.append(labels, styles={i: BOLD for i in range(len(labels))})
    for start in range(0, len(frame), _CHUNK):
        chunk = frame.iloc[start:start + _CHUNK]
        cells = [_values(c, k, chunk[c], lang) for c, k in zip(columns, kinds)]
        for row in zip(*cells):
            sheet.append(list(row), styles=styles)
    book.close()
    return {"file": Path(path).name, "rows": len(frame), "sha256": file_sha256(path)}


def write_tables_xlsx(splits: dict, release: Path, lang: str = "vi") -> list:
    """enterprises.xlsx and zones.xlsx from the published rows of each table."""
    return [write_table_xlsx(split.published, name, Path(release) / f"{name}.xlsx", lang)
            for name, split in splits.items()]

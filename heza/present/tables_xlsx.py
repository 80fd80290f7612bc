"""The published tables as people open them: enterprises.xlsx and zones.xlsx beside the machine CSVs
(which stay as they are). Same rows in the same order as the CSV; headers in words (the column
labels declared in schemas/tables.py), tax codes and other text as text (a leading zero kept),
whole numbers with a thousands format, amounts with two decimals, yes/no as "Có"/"Không",
ownership in words, the header row frozen. Written with the streaming writer, a chunk of rows at a
time, each column's cells built at once by Arrow (xlsx_columns.py), so a million-row month stays
within memory and time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heza.present.words import OWNERSHIP_WORDS, YES_NO, column_label, pick, table_label
from heza.present.xlsx_columns import float_cells, number_cells, row_numbers, rows_xml, text_cells
from heza.present.xlsx_writer import AMOUNT, BOLD, INTEGER, TEXT, StreamingWorkbook, letters
from heza.release.outputs import file_sha256, write_behind

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


def _arrow(series: pd.Series, kind=None) -> pa.Array:
    """A column as one contiguous Arrow array, nulls for missing values (Arrow-backed columns come chunked)."""
    array = pa.array(series, kind, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _texts(name: str, series: pd.Series, lang: str) -> pa.Array:
    """A text column as Arrow strings (nulls empty); ownership in words."""
    if isinstance(series.dtype, pd.StringDtype) or pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        texts = _arrow(series, pa.large_string())
    else:  # dates and mixed objects, shown as str() shows them
        texts = pa.array([None if v is None else str(v) for v in series.astype(object).where(series.notna(), None)],
                         pa.large_string())
    if name != "ownership":
        return texts
    codes = pc.unique(texts).drop_null()  # a handful: worded in Python, then looked up per row
    words = pa.array([pick(lang, OWNERSHIP_WORDS.get(v, (v, v))) for v in codes.to_pylist()], pa.large_string())
    return pc.take(words, pc.index_in(texts, codes))


def _cells(name: str, kind: str, series: pd.Series, letter: str, rows: pa.Array, first: int, lang: str) -> list:
    """A column of a chunk, its first row numbered `first`, as the cells people read (parts, rows_xml)."""
    style = _STYLE[kind]
    if kind == "yes_no":
        answers = _arrow(series, pa.bool_())
        words = pc.if_else(answers, pick(lang, YES_NO[True]), pick(lang, YES_NO[False]))
        return text_cells(pc.cast(words, pa.large_string()), letter, rows, first, style)
    if kind in ("integer", "plain"):
        return number_cells(_arrow(series), letter, rows, style)
    if kind == "amount":
        return float_cells(series.to_numpy(np.float64, na_value=np.nan), letter, rows, first, style)
    return text_cells(_texts(name, series, lang), letter, rows, first, style)


_STYLE = {"text": TEXT, "integer": INTEGER, "amount": AMOUNT, "plain": None, "yes_no": None}


def write_table_xlsx(frame: pd.DataFrame, table: str, path: Path, lang: str = "vi") -> dict:
    """One published table as an .xlsx (one sheet, named in words); its manifest output record."""
    columns = list(frame.columns)
    kinds = [_kind(c, frame[c]) for c in columns]
    labels = [column_label(c, lang) for c in columns]
    widths = {i: min(max(len(label) + 2, 12), 45) for i, label in enumerate(labels)}
    book = StreamingWorkbook(path)
    sheet = book.add_sheet(table_label(table, lang)[:31], widths, freeze_header=True)
    sheet.append(labels, styles={i: BOLD for i in range(len(labels))})
    write_behind((sheet.write_rows, chunk) for chunk in _chunks_xml(frame, columns, kinds, lang))
    book.close()
    return {"file": Path(path).name, "rows": len(frame), "sha256": file_sha256(path)}


def _chunks_xml(frame: pd.DataFrame, columns: list, kinds: list, lang: str):
    """(rows' XML, the last row's number) of each chunk of rows, the header being row 1."""
    for start in range(0, len(frame), _CHUNK):
        chunk = frame.iloc[start:start + _CHUNK]
        rows = row_numbers(start + 2, len(chunk))
        cells = [_cells(name, kind, chunk[name], letters(i), rows, start + 2, lang)
                 for i, (name, kind) in enumerate(zip(columns, kinds))]
        yield rows_xml(rows, cells), start + 1 + len(chunk)


def write_tables_xlsx(splits: dict, release: Path, lang: str = "vi") -> list:
    """enterprises.xlsx and zones.xlsx from the published rows of each table."""
    return [write_table_xlsx(split.published, name, Path(release) / f"{name}.xlsx", lang)
            for name, split in splits.items()]

"""The bytes pandas' `to_csv(index=False, lineterminator="\\n")` writes (Python's csv module with
minimal quoting, floats as Python's repr, True/False, missing as nothing), built on Arrow's
kernels a block of rows at a time: a million rows in about the time Arrow's own CSV writer takes,
whose quoting and number formats differ. A column type it does not know goes through pandas.

Several tables are written in one pass (`csv_files`): the tiers and the legacy copies of a month
are the same rows in different column selections, so a column they share is turned into text once
per block, not once per file."""

from __future__ import annotations

import csv
import io
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

BLOCK_ROWS = 200_000  # bounds the memory of one block's text
_NEEDS_QUOTES = '[",\\n]'  # the csv module quotes a field holding the delimiter, the quote or the line end


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def csv_files(tables: list) -> Iterator[tuple[int, bytes | memoryview]]:
    """The CSV text of each table ({header: column}) as (its position in `tables`, a UTF-8 block),
    each table's blocks in order: its header line, then its rows. A column that tables of the same
    length share (the same Series object) is turned into text once per block, and the lines of
    tables of the very same columns (a tier's copy and the legacy copy) are joined once."""
    written = []
    for position, table in enumerate(tables):
        if len(table) < 2 or not all(_known(column) for column in table.values()):
            # one column: the csv module writes an empty row as '""'; other types: pandas' own formats
            frame = pd.DataFrame({name: column.array for name, column in table.items()})
            yield position, frame.to_csv(index=False, encoding="utf-8", lineterminator="\n").encode("utf-8")
            continue
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow([str(name) for name in table])
        yield position, header.getvalue().encode("utf-8")
        written.append(position)
    for rows in sorted({len(next(iter(tables[p].values()))) for p in written}):
        together = [p for p in written if len(next(iter(tables[p].values()))) == rows]
        for start in range(0, rows, BLOCK_ROWS):
            texts: dict = {}  # id of a column -> its block's text
            joined: dict = {}  # ids of a table's columns -> its block's lines
            for position in together:
                columns = list(tables[position].values())
                for column in columns:
                    if id(column) not in texts:
                        texts[id(column)] = _field_text(column.iloc[start:start + BLOCK_ROWS])
                key = tuple(id(column) for column in columns)
                if key not in joined:
                    fields = [texts[id(column)] for column in columns]
                    # the line end joined to the last field, so each line is written whole by one join
                    fields[-1] = pc.binary_join_element_wise(fields[-1], _text("\n"), _text(""))
                    joined[key] = _chunks(pc.binary_join_element_wise(*fields, _text(",")))
                for lines in joined[key]:
                    yield position, _values_bytes(lines)


def _known(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return True
    return dtype == object and pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}


def _chunks(lines: pa.Array | pa.ChunkedArray) -> list:
    return lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]


def _values_bytes(lines: pa.Array) -> memoryview | bytes:
    """The lines one after another, as they are in the array's values buffer."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]] if len(lines) else b""


def _field_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """One column as the csv module writes its fields: never missing, quoted where needed."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = pc.if_else(pa.Array.from_pandas(values), _text("True"), _text("False"))
    elif pd.api.types.is_integer_dtype(dtype):
        text = pc.cast(pa.Array.from_pandas(values), pa.large_string())
    elif pd.api.types.is_float_dtype(dtype):
        text = _float_text(values.to_numpy(dtype="float64", na_value=np.nan))
    else:
        text = pc.cast(pa.chunked_array([pa.array(values.astype("string").array)]), pa.large_string())
        needs = pc.fill_null(pc.match_substring_regex(text, _NEEDS_QUOTES), False)
        if pc.any(needs).as_py():  # '"a, ""b"""': the few fields with a comma, a quote or a line end
            quoted = pc.binary_join_element_wise(_text('"'), pc.replace_substring(text, '"', '""'), _text('"'),
                                                 _text(""))
            text = pc.if_else(needs, quoted, text)
    return pc.fill_null(text, _text(""))


def _float_text(numbers: np.ndarray) -> pa.ChunkedArray:
    """Python's repr of each float (pandas writes `astype(str)`), missing as null. Arrow prints the
    same shortest digits, in fixed notation for most; where it chose an exponent, or where Python
    would (below 1e-4, from 1e16), or for infinities, repr itself is used."""
    missing = np.isnan(numbers)
    text = pc.cast(pa.array(numbers, mask=missing), pa.large_string())
    size = np.abs(numbers)
    by_python = ~missing & ~((size >= 1e-4) & (size < 1e16) | (numbers == 0))
    by_python |= pc.fill_null(pc.match_substring(text, "e"), False).to_numpy(zero_copy_only=False)
    whole = pc.invert(pc.fill_null(pc.match_substring(text, "."), True))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, _text(".0"), _text("")), text)
    if by_python.any():
        positions = np.flatnonzero(by_python)
        python = pa.array([repr(number) for number in numbers[positions].tolist()], type=pa.large_string())
        text = pc.replace_with_mask(text, pa.array(by_python), python)
    return pa.chunked_array([text])

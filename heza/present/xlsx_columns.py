"""Sheet XML a whole column at a time, with Arrow's string kernels: the published tables' million
rows written without a Python call per cell (387 s at 1M rows row by row, issue 16).

The bytes are the row-by-row writer's (`xlsx_writer.cell_xml`), which stays the one definition of a
cell: the few values Arrow would spell otherwise (a float Python writes in exponent form, -0.0, an
infinity, a text longer than a cell holds) are written by `cell_xml` itself, selected by a mask.
"""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from heza.present.xlsx_writer import _ILLEGAL, _style, cell_xml

# xlsx_writer's characters an .xlsx cannot hold, in RE2's spelling (\x{fffe} for Python's \ufffe)
_ILLEGAL_RE2 = re.sub(r"\\u([0-9a-f]{4})", r"\\x{\1}", _ILLEGAL.pattern)
_TEXT_LIMIT = 32_767  # clean() cuts a longer text: left to cell_xml
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))  # xml.sax.saxutils.escape, & first
_NEEDS_CARE_RE2 = "[&<>" + _ILLEGAL_RE2.removeprefix("[")  # a character escaped or replaced, either
# repr() writes a float in fixed notation from 1e-4 up to 1e16; outside, in exponent form
_FIXED_LOW, _FIXED_HIGH = 1e-4, 1e16


def row_numbers(first: int, count: int) -> pa.Array:
    """Excel's row numbers first..first+count-1 as text: the second half of every cell reference."""
    return pc.cast(pa.array(np.arange(first, first + count, dtype=np.int64)), pa.large_string())


_NOTHING = pa.scalar("", pa.large_string())


def joined(parts: list) -> pa.Array:
    """The parts (arrays, or texts every row shares) joined row by row; neighbouring texts (a cell's
    end and the next one's start) are joined first: each part costs the kernel a pass over the rows."""
    if len(parts) == 1:
        return parts[0]
    merged = []
    for is_text, group in itertools.groupby(parts, lambda part: isinstance(part, str)):
        merged.extend([pa.scalar("".join(group), pa.large_string())] if is_text else group)
    return pc.binary_join_element_wise(*merged, _NOTHING)


def _assemble(letter: str, rows: pa.Array, present, head: str, body: pa.Array, tail: str, style) -> list:
    """A column's cells `<c r="B7"…>body</c>`: as parts to join with the row's other cells when every
    row has its cell (one join for the whole row, the common case); else one array, with the empty
    cell of `style` (nothing without one) where not `present`."""
    parts = [f'<c r="{letter}', rows, f'"{head}', body, tail]
    if pc.all(present).as_py():
        return parts
    empty = _NOTHING if style is None else joined([f'<c r="{letter}', rows, f'" s="{style}"/>'])
    return [pc.if_else(present, joined(parts), empty)]


def _with_python(cells: list, odd: np.ndarray, letter: str, first: int, values: list, style) -> list:
    """`cells` with the rows in `odd` (never `present`, so `cells` is one array) written by cell_xml."""
    if not odd.any():
        return cells
    written = [cell_xml(f"{letter}{first + i}", value, None, style)
               for value, i in zip(values, np.flatnonzero(odd))]
    return [pc.replace_with_mask(cells[0], pa.array(odd), pa.array(written, pa.large_string()))]


def _replaced(texts: pa.Array, pattern: str, replacement: str, regex: bool = False) -> pa.Array:
    """`texts` with `pattern` replaced, copied only when some text holds it (most hold no & < > at all)."""
    match, replace = ((pc.match_substring_regex, pc.replace_substring_regex) if regex
                      else (pc.match_substring, pc.replace_substring))
    return replace(texts, pattern, replacement) if pc.any(match(texts, pattern)).as_py() else texts


def number_cells(numbers: pa.Array, letter: str, rows: pa.Array, style) -> list:
    """Cells of whole numbers (int64, nulls empty): str(int) is Arrow's cast."""
    text = pc.cast(numbers, pa.large_string())
    return _assemble(letter, rows, pc.is_valid(numbers), f"{_style(style)}><v>", text, "</v></c>", style)


def float_cells(values: np.ndarray, letter: str, rows: pa.Array, first: int, style) -> list:
    """Cells of floats (NaN empty) spelt as repr() spells them. Arrow's cast gives the same shortest
    digits, so a fraction it writes without an exponent is repr's text; a whole number under 1e16 is
    its integer and ".0"; the rest (tiny, huge, -0.0, infinite, or a fraction Arrow wrote with an
    exponent) goes to cell_xml."""
    size = np.abs(values)
    fixed = (size >= _FIXED_LOW) & (size < _FIXED_HIGH)
    with np.errstate(invalid="ignore"):  # NaN and infinities are not whole
        whole = (values == np.trunc(values)) & (size < _FIXED_HIGH) & ~((values == 0) & np.signbit(values))
    arrow = pc.cast(pa.array(values), pa.large_string())
    fraction = fixed & ~whole & ~pc.match_substring(arrow, "e").to_numpy(zero_copy_only=False)
    integers = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.large_string())
    text = pc.if_else(pa.array(whole), joined([integers, ".0"]), arrow)
    present = pa.array(whole | fraction)
    cells = _assemble(letter, rows, present, f"{_style(style)}><v>", text, "</v></c>", style)
    odd = ~np.isnan(values) & ~(whole | fraction)
    return _with_python(cells, odd, letter, first, values[odd].tolist(), style)


def text_cells(texts: pa.Array, letter: str, rows: pa.Array, first: int, style) -> list:
    """Inline-string cells of texts (nulls and "" empty), cleaned and escaped as cell_xml does."""
    text = texts
    if pc.any(pc.match_substring_regex(texts, _NEEDS_CARE_RE2)).as_py():  # one pass where most columns need none
        text = _replaced(texts, _ILLEGAL_RE2, "\ufffd", regex=True)
        for raw, escaped in _ESCAPES:
            text = _replaced(text, raw, escaped)
    length = pc.utf8_length(texts)
    present = pc.fill_null(pc.and_(pc.greater(length, 0), pc.less_equal(length, _TEXT_LIMIT)), False)
    head = f' t="inlineStr"{_style(style)}><is><t xml:space="preserve">'
    cells = _assemble(letter, rows, present, head, text, "</t></is></c>", style)
    odd = pc.fill_null(pc.greater(length, _TEXT_LIMIT), False).to_numpy(zero_copy_only=False)
    return _with_python(cells, odd, letter, first, texts.filter(pa.array(odd)).to_pylist(), style)


def rows_xml(rows: pa.Array, columns: list) -> memoryview:
    """The <row> elements of a chunk, one after another, from its columns' cells: the bytes to write.
    A row with no cell is left out, as Sheet.append leaves it."""
    written = joined(['<row r="', rows, '">', *(part for cells in columns for part in cells), "</row>"])
    if all(len(cells) == 1 for cells in columns):  # only columns with empty rows: some rows may be bare
        present = functools.reduce(pc.or_, [pc.not_equal(cells[0], _NOTHING) for cells in columns],
                                   pa.array(np.zeros(len(rows), dtype=bool)))
        written = pc.if_else(present, written, _NOTHING)
    offsets = np.frombuffer(written.buffers()[1], dtype=np.int64)
    return memoryview(written.buffers()[2])[offsets[written.offset]:offsets[written.offset + len(written)]]

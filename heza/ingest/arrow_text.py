"""Text columns on Arrow's string kernels: what the readers ask of every cell of a million-row
sheet (blank or not, does it match, trimmed, NFC) in one pass each, without a Python value per
cell. Missing cells are never blank and never match."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(text: pd.Series) -> pa.ChunkedArray:
    """A text column's Arrow strings (shared, not copied, when it already is Arrow-backed)."""
    strings = text.astype("string").array.__arrow_array__()
    strings = strings if isinstance(strings, pa.ChunkedArray) else pa.chunked_array([strings])
    return strings if strings.type == pa.large_string() else strings.cast(pa.large_string())


def as_series(strings: pa.ChunkedArray, index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(strings), index=index, dtype="string")


def flags(result: pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow result as numpy, missing as False."""
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _cell_bytes(strings: pa.ChunkedArray):
    """(data buffer, start, end) of each chunk of a column as `arrow_text` gives it: where its
    cells' bytes lie, one after the other."""
    for chunk in strings.chunks:
        if len(chunk) and chunk.buffers()[2] is not None:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            yield chunk.buffers()[2], int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])


def may_match(strings: pa.ChunkedArray, pattern: str) -> bool:
    """False only when no cell matches the RE2 `pattern` (unanchored): one search over all the
    cells' bytes together (each chunk's as one cell on its own buffer, no copy) at the regex
    engine's pace, where a search per cell costs a tenth of a second per million cells. A match
    found may straddle two cells: then ask the cells."""
    joined = [pa.LargeStringArray.from_buffers(1, pa.array([start, end], pa.int64()).buffers()[1], data)
              for data, start, end in _cell_bytes(strings)]
    return bool(joined) and pc.any(pc.match_substring_regex(pa.chunked_array(joined), pattern)).as_py()


def may_contain(strings: pa.ChunkedArray, needle: bytes) -> bool:
    """False only when no cell holds the bytes `needle`: Python's byte search (memchr for one
    byte) over all the cells' bytes together; a find may straddle two cells."""
    return any(needle in data.slice(start, end - start).to_pybytes() for data, start, end in _cell_bytes(strings))


def blank_strings(strings: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty or white space only, as utf8_trim_whitespace(s) == "" says (the same white space,
    checked for every code point), without building the trimmed copy of every cell."""
    return pc.or_(pc.equal(pc.binary_length(strings), 0), pc.utf8_is_space(strings))


def blank(text: pd.Series) -> np.ndarray:
    """Cells of text that are empty or white space only (pandas' str.strip() == "")."""
    return flags(blank_strings(arrow_text(text)))


def matches(text: pd.Series, pattern: str) -> np.ndarray:
    """Cells that match an RE2 pattern anywhere."""
    return flags(pc.match_substring_regex(arrow_text(text), pattern))


# Letters and signs that are NFC wherever they stand (no canonical combining class, never composed
# with the character before, never changed by NFC): ASCII to the spacing modifiers, the precomposed
# Latin and Vietnamese letters (Latin Extended Additional), and most punctuation, currency and
# symbols of U+2002-U+20CF (tests/test_arrow_cells.py proves it for every code point)
_NFC_ANYWHERE = r"\x{0000}-\x{02FF}\x{1E00}-\x{1EFF}\x{2002}-\x{20CF}"


def nfc_as_it_stands(data: bytes) -> bool:
    """True when UTF-8 bytes hold only characters that are NFC wherever they stand (so every text
    cut from them is NFC): one search over all of them; False says only that a cell must be asked."""
    span = pa.array([0, len(data)], pa.int64()).buffers()[1]
    whole = pa.LargeStringArray.from_buffers(1, span, pa.py_buffer(data))
    return not pc.any(pc.match_substring_regex(whole, f"[^{_NFC_ANYWHERE}]")).as_py()


def is_nfc(strings: pa.ChunkedArray) -> bool:
    """Whether every cell is NFC, without normalising any: a column of ASCII or of characters that
    are NFC wherever they stand (Vietnamese letters composed, as every keyboard writes them) is,
    which one search over its bytes proves; any other is asked of Python's quick check of all its
    cells joined with line breaks (a break is a normalisation boundary, so the joined text is NFC
    exactly when every cell is)."""
    ascii_only = pc.string_is_ascii(strings)
    if pc.all(ascii_only).as_py() is not False:
        return True  # ASCII, or no cell at all
    beyond = pc.filter(strings, pc.invert(ascii_only))  # a column of figures: its header and a few odd cells
    if not may_match(beyond, f"[^{_NFC_ANYWHERE}]"):
        return True  # only characters NFC in any place
    present = beyond.combine_chunks()  # the filter dropped the missing cells
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(present)], pa.int64()), present),
                             pa.scalar("\n", pa.large_string()))
    return unicodedata.is_normalized("NFC", joined[0].as_py())


def nfc(strings: pa.ChunkedArray) -> pa.ChunkedArray:
    """Every cell in NFC. Arrow's utf8_normalize takes seconds over a million names even when
    nothing changes, and nearly every column already is NFC (`is_nfc` proves it at once): only a
    column that is not is normalised cell by cell."""
    return strings if is_nfc(strings) else pc.utf8_normalize(strings, form="NFC")

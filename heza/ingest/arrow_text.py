"""Text columns on Arrow's string kernels: what the readers ask of every cell of a million-row
sheet (blank or not, does it match, trimmed) in one pass each, without a Python value per cell.
Missing cells are never blank and never match."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(text: pd.Series) -> pa.ChunkedArray:
    """A text column's Arrow strings (shared, not copied, when it already is Arrow-backed)."""
    array = text.astype("string").array
    return pa.chunked_array(array.__arrow_array__()).cast(pa.large_string())


def as_series(strings: pa.ChunkedArray, index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(strings), index=index, dtype="string")


def flags(result: pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow result as numpy, missing as False."""
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def blank(text: pd.Series) -> np.ndarray:
    """Cells of text that are empty or white space only (pandas' str.strip() == "")."""
    return flags(pc.equal(pc.utf8_trim_whitespace(arrow_text(text)), ""))


def matches(text: pd.Series, pattern: str) -> np.ndarray:
    """Cells that match an RE2 pattern anywhere."""
    return flags(pc.match_substring_regex(arrow_text(text), pattern))

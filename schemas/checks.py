"""Vectorised check functions shared by the enterprise and zone models (one definition per rule shape)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def no_duplicates(series: pd.Series) -> pd.Series:
    """True where the value occurs once; every copy of a duplicated value fails."""
    return ~series.duplicated(keep=False) | series.isna()


def gender_sum_holds(frame: pd.DataFrame) -> pd.Series:
    """female + male = total; rows with a missing count are left to the required-value rule."""
    total = frame["workers_female"] + frame["workers_male"]
    return (total == frame["workers_total"]).fillna(True).astype(bool)


MST_WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3])


def _check_digit(digits: np.ndarray) -> np.ndarray:
    """Check digit of each row of 9 digits (10 means none exists): python-stdnum's stdnum.vn.mst
    weights and formula, for all rows at once; a test holds the two equal."""
    return 10 - (digits.astype(np.int64) @ MST_WEIGHTS) % 11


def check_digits(bodies) -> np.ndarray:
    """The check digit of each 9-digit body (text)."""
    return _check_digit(np.frombuffer(np.asarray(bodies, dtype="S9").tobytes(), dtype=np.uint8).reshape(-1, 9) - 48)


def tax_code_valid(series: pd.Series) -> pd.Series:
    """10 digits or 10-3 digits with a valid check digit: the python-stdnum (stdnum.vn.mst) rule,
    vectorised, since a Python call per row is the bottleneck at a million rows."""
    text = series.astype("string")
    shaped = text.str.fullmatch(r"[0-9]{10}(?:-[0-9]{3})?").fillna(False).astype(bool).to_numpy()
    valid = np.zeros(len(series), dtype=bool)
    if shaped.any():
        codes = np.char.ljust(text[shaped].to_numpy(dtype=str), 14).astype("S14")
        digits = np.frombuffer(codes.tobytes(), dtype=np.uint8).reshape(-1, 14)[:, :10].astype(np.int64) - 48
        valid[shaped] = _check_digit(digits[:, :9]) == digits[:, 9]
    return pd.Series(valid, index=series.index) | series.isna().to_numpy()

"""Vectorised check functions shared by the enterprise and zone models (one definition per rule shape)."""

from __future__ import annotations

import pandas as pd
from stdnum.vn import mst


def no_duplicates(series: pd.Series) -> pd.Series:
    """True where the value occurs once; every copy of a duplicated value fails."""
    return ~series.duplicated(keep=False) | series.isna()


def gender_sum_holds(frame: pd.DataFrame) -> pd.Series:
    """female + male = total; rows with a missing count are left to the required-value rule."""
    total = frame["workers_female"] + frame["workers_male"]
    return (total == frame["workers_total"]).fillna(True).astype(bool)


def tax_code_valid(series: pd.Series) -> pd.Series:
    """10 digits or 10-3 digits (format, vectorised) with a valid check digit (python-stdnum)."""
    shaped = series.str.fullmatch(r"\d{10}(-\d{3})?").fillna(False).astype(bool)
    candidates = series[shaped].unique()
    verdicts = {code: mst.is_valid(code) for code in candidates}
    return series.map(verdicts).fillna(False).astype(bool) | series.isna()

"""Indicator claims: the figures of a draft release, each against the data, and among themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.enterprise import SourceColumns, _field


def _inside(frame: pd.DataFrame, value: str) -> pd.Series:
    """value in [lower, upper] with each end open or closed as the claim's qualifier says."""
    above = np.where(frame["lower_inclusive"], frame[value] >= frame["lower"], frame[value] > frame["lower"])
    below = np.where(frame["upper_inclusive"], frame[value] <= frame["upper"], frame[value] < frame["upper"])
    return pd.Series(above & below, index=frame.index)


class ClaimsTable(SourceColumns):
    """One row per claim: what was written, the interval it implies, and what the data says."""

    indicator: Series[pd.StringDtype] = _field("Indicator code from the catalogue", nullable=True)
    scope: Series[pd.StringDtype] = _field("HP or a zone code", nullable=True)
    reported: Series[pd.StringDtype] = _field("The figure as written", nullable=True)
    known: Series[pd.BooleanDtype] = _field("The indicator is in the catalogue", nullable=False)
    scope_known: Series[pd.BooleanDtype] = _field("The scope is HP or a registry zone", nullable=False)
    parsed: Series[pd.BooleanDtype] = _field("The figure could be read", nullable=False)
    unit_ok: Series[pd.BooleanDtype] = _field("The written unit fits the indicator", nullable=False)
    lower: Series[pd.Float64Dtype] = _field("Lower end of the interval the writing implies", nullable=True)
    upper: Series[pd.Float64Dtype] = _field("Upper end", nullable=True)
    lower_inclusive: Series[pd.BooleanDtype] = _field("Whether lower itself is inside", nullable=False)
    upper_inclusive: Series[pd.BooleanDtype] = _field("Whether upper itself is inside", nullable=False)
    recomputed: Series[pd.Float64Dtype] = _field("The figure recomputed from published rows", nullable=True)
    identities_checked: Series[pd.Int64Dtype] = _field("Identities with other claims evaluated", nullable=False)

    class Config:
        name = "claims"
        strict = False

    @pa.check("known", name="CLAIM_UNKNOWN_INDICATOR")
    def _known(cls, series: Series[bool]) -> Series[bool]:
        return series

    @pa.check("scope_known", name="CLAIM_SCOPE_UNKNOWN")
    def _scope_known(cls, series: Series[bool]) -> Series[bool]:
        return series

    @pa.dataframe_check(name="CLAIM_UNPARSEABLE")
    def _parsed(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["parsed"] | ~frame["known"]

    @pa.dataframe_check(name="CLAIM_UNIT_MISMATCH")
    def _unit_fits(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["unit_ok"] | ~frame["parsed"]

    @pa.dataframe_check(name="CLAIM_FAILS_DATA")
    def _agrees_with_data(cls, frame: pd.DataFrame) -> Series[bool]:
        comparable = frame["recomputed"].notna() & frame["parsed"] & frame["unit_ok"]
        return (~comparable | _inside(frame, "recomputed").astype("boolean")).fillna(True).astype(bool)

    @pa.dataframe_check(name="CLAIM_NOT_CHECKABLE")
    def _checkable(cls, frame: pd.DataFrame) -> Series[bool]:
        valid = frame["known"] & frame["parsed"] & frame["unit_ok"] & frame["scope_known"]
        return (~valid | frame["recomputed"].notna() | (frame["identities_checked"] > 0)).astype(bool)


class ClaimIdentities(pa.DataFrameModel):
    """One row per identity among claims: the claimed interval of one figure against the interval
    the other claims imply for it (female + male = workers; share = part / whole; VND = USD × rate)."""

    identity: Series[pd.StringDtype] = _field("What must hold", nullable=False)
    claimed_lower: Series[pd.Float64Dtype] = _field("Claimed interval, lower end", nullable=False)
    claimed_upper: Series[pd.Float64Dtype] = _field("Claimed interval, upper end", nullable=False)
    implied_lower: Series[pd.Float64Dtype] = _field("Implied by the other claims, lower end", nullable=False)
    implied_upper: Series[pd.Float64Dtype] = _field("Implied by the other claims, upper end", nullable=False)

    class Config:
        name = "claim_identities"
        strict = False

    @pa.dataframe_check(name="CLAIM_IDENTITY_BROKEN")
    def _intervals_meet(cls, frame: pd.DataFrame) -> Series[bool]:
        return ((frame["claimed_lower"] <= frame["implied_upper"])
                & (frame["implied_lower"] <= frame["claimed_upper"])).fillna(True).astype(bool)

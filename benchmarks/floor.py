"""The floor: the same enterprise rules as hand-written vectorised pandas/numpy, returning the
failing row numbers per rule, with no report building. What a validator cannot beat."""

from __future__ import annotations

import numpy as np
import pandas as pd

REQUIRED = ["tax_code", "enterprise_name", "zone_code", "ownership", "has_party_org", "has_militia",
            "workers_total", "workers_female", "workers_male", "capital_usd"]
COUNTS = ["party_members", "workers_total", "workers_female", "workers_male", "workers_managerial"]
AMOUNTS = ["capital_usd", "export_usd", "import_usd"]
WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3])


def floor_checks(frame: pd.DataFrame, zone_codes) -> dict:
    """{rule: failing row positions} for the 14 enterprise rules."""
    fails = {}
    fails["required"] = np.flatnonzero(frame[REQUIRED].isna().to_numpy().any(axis=1))
    codes = frame["tax_code"].astype("string")
    shaped = codes.str.fullmatch(r"[0-9]{10}(?:-[0-9]{3})?").fillna(False).to_numpy(dtype=bool)
    valid = np.zeros(len(frame), dtype=bool)
    raw = np.char.ljust(codes[shaped].to_numpy(dtype=str), 14).astype("S14")
    digits = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, 14)[:, :10].astype(np.int64) - 48
    valid[shaped] = 10 - (digits[:, :9] @ WEIGHTS) % 11 == digits[:, 9]
    fails["tax_code_format"] = np.flatnonzero(~valid & codes.notna().to_numpy())
    fails["tax_code_duplicate"] = np.flatnonzero(codes.duplicated(keep=False).to_numpy() & codes.notna().to_numpy())
    fails["leading_zero"] = np.flatnonzero(frame["tax_code_restored"].to_numpy(dtype=bool, na_value=False))
    fails["zone_unknown"] = np.flatnonzero(~frame["zone_code"].isin(zone_codes).to_numpy() & frame["zone_code"].notna().to_numpy())
    fails["ownership_unknown"] = np.flatnonzero(~frame["ownership"].isin(["state", "domestic_private", "foreign_invested"]).to_numpy()
                                                & frame["ownership"].notna().to_numpy())
    counts = frame[COUNTS].to_numpy(dtype="float64", na_value=np.nan)
    fails["count_negative"] = np.flatnonzero((counts < 0).any(axis=1))
    amounts = frame[AMOUNTS].to_numpy(dtype="float64", na_value=np.nan)
    fails["amount_negative"] = np.flatnonzero((amounts < 0).any(axis=1))
    total, female, male, managerial, members = (frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in
                                                ("workers_total", "workers_female", "workers_male",
                                                 "workers_managerial", "party_members"))
    fails["gender_sum"] = np.flatnonzero((female + male != total) & ~np.isnan(female + male + total))
    fails["managerial_range"] = np.flatnonzero(managerial > total)
    party = frame["has_party_org"].to_numpy(dtype=bool, na_value=False)
    fails["party_cell_too_small"] = np.flatnonzero(party & (np.nan_to_num(members) < 3))
    fails["members_without_org"] = np.flatnonzero(~party & (members > 0))
    return fails

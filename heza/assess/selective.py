"""Selective editing: which suspicious rows to call first, by what they could do to the release.

Each row flagged month on month (heza/assess/plausibility.py) gets an expected value: last month's
times its group's median ratio. Every release figure (claim) is recomputed with that one value
replaced, for all flagged rows at once: how far the figure moves, relative to its tolerance, and
whether its status would flip. A row whose correction could flip a figure's status ranks first
(more figures flipped first), then by the largest move relative to a tolerance, then by its share of
the city's total of the variable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heza.assess.catalogue import Catalogue
from heza.assess.claims import ClaimsResult, Recomputer
from heza.assess.filters import apply_filter

@dataclass(frozen=True)
class MonthOnMonth:
    """The month-on-month check's result beside its findings: the flagged values, what correcting
    each would do to the release figures, and the call list."""

    found: pd.DataFrame
    moves: pd.DataFrame
    calls: pd.DataFrame


MOVE_COLUMNS = ["row_id", "variable", "claim_row", "indicator", "scope", "reported", "recomputed", "moved_to",
                "status", "status_if_corrected", "score"]


class Shifted:
    """Indicators recomputed once per flagged row, with that row's value replaced by its expected value."""

    def __init__(self, recomputer: Recomputer, catalogue: Catalogue, found: pd.DataFrame, rows: pd.DataFrame):
        self.recomputer, self.catalogue, self.found, self.rows = recomputer, catalogue, found, rows
        self.delta = (found["expected"] - found["current"]).fillna(0.0).to_numpy(dtype=float)

    def value(self, code: str, zones: list | None) -> np.ndarray:
        indicator = self.catalogue.indicators[code]
        base = self.recomputer.value(code, zones)
        size = len(self.found)
        if indicator.kind == "ratio":
            numerator, denominator = self.value(indicator.numerator, zones), self.value(indicator.denominator, zones)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(denominator != 0, 100.0 * numerator / denominator, np.nan)
        if indicator.kind == "convert":
            of, rate = self.value(indicator.of, zones), self.recomputer.rate
            return np.full(size, np.nan) if not rate else (of / rate if indicator.unit == "USD" else of * rate)
        if base is None:
            return np.full(size, np.nan)
        if indicator.kind == "sum" and indicator.table == "enterprises":
            scope = np.ones(size, bool) if zones is None else self.found["zone_code"].isin(zones).to_numpy()
            hit = (self.found["variable"].to_numpy() == indicator.column) & scope \
                & apply_filter(indicator.filter_tree, self.rows).to_numpy()
            return base + np.where(hit, self.delta, 0.0)
        return np.full(size, base)


def _inside(values: np.ndarray, claim) -> np.ndarray:
    lower, upper = float(claim["lower"]), float(claim["upper"])
    above = values >= lower if claim["lower_inclusive"] else values > lower
    below = values <= upper if claim["upper_inclusive"] else values < upper
    return above & below


def tolerance(claim) -> float:
    """How far a figure may move and keep its status: half its interval when both ends are finite
    (half a unit of its last written digit for an exact count such as '99.570'), else the distance
    from the recomputed figure to its one bound ('hơn 10,2 tỷ' at 10,23: 0,03 tỷ)."""
    lower, upper, value = float(claim["lower"]), float(claim["upper"]), float(claim["recomputed"])
    if math.isfinite(lower) and math.isfinite(upper):
        return (upper - lower) / 2 or 0.5 * 10.0 ** -int(claim["decimals"] or 0) * float(claim["scale"] or 1)
    bound = lower if math.isfinite(lower) else upper
    return abs(value - bound)


def release_moves(found: pd.DataFrame, rows: pd.DataFrame, claims: ClaimsResult | None, catalogue: Catalogue,
                  published: dict, rate: float | None) -> pd.DataFrame:
    """One row per (flagged row and variable, release figure) that its correction would move."""
    if found.empty or claims is None or claims.table.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    table = claims.table
    checked = table[table["recomputed"].notna() & table["status"].isin(["pass", "fail"])]
    shifted = Shifted(Recomputer(catalogue, published, rate), catalogue, found, rows)
    parts = []
    for _, claim in checked.iterrows():  # one pass per release figure, each over every flagged row
        moved_to = shifted.value(claim["indicator"], claim["zones"])
        inside = _inside(moved_to, claim)
        change = np.abs(moved_to - float(claim["recomputed"]))
        keep = np.isfinite(moved_to) & (change > 1e-9 * max(1.0, abs(float(claim["recomputed"]))))
        if not keep.any():
            continue
        room = tolerance(claim)
        parts.append(pd.DataFrame({
            "row_id": found["row_id"].to_numpy()[keep], "variable": found["variable"].to_numpy()[keep],
            "claim_row": int(claim["row_id"]), "indicator": claim["indicator"], "scope": claim["scope"],
            "reported": claim["reported"], "recomputed": float(claim["recomputed"]), "moved_to": moved_to[keep],
            "status": claim["status"], "status_if_corrected": np.where(inside[keep], "pass", "fail"),
            "score": change[keep] / room if room > 0 else np.inf,  # a figure sitting on its bound
        }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MOVE_COLUMNS)


def call_list(found: pd.DataFrame, moves: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """One row per flagged enterprise row, in the order to call: figures it could flip, then its
    largest move relative to a figure's tolerance, then its largest share of a city total."""
    if found.empty:
        return pd.DataFrame(columns=["rank", "row_id", "flips", "score", "share"])
    totals = {v: float(pd.to_numeric(published[v], errors="coerce").abs().sum()) for v in found["variable"].unique()}
    share = (found["expected"] - found["current"]).abs() / found["variable"].map(totals).replace(0, np.nan)
    per_row = found.assign(share=share.fillna(0.0)).groupby("row_id").agg(share=("share", "max"))
    flipped = moves[moves["status"] != moves["status_if_corrected"]]
    per_row["flips"] = flipped.groupby("row_id")["claim_row"].nunique().reindex(per_row.index).fillna(0).astype(int)
    per_row["score"] = moves.groupby("row_id")["score"].max().reindex(per_row.index).fillna(0.0).astype(float)
    ordered = per_row.reset_index().sort_values(["flips", "score", "share", "row_id"],
                                                ascending=[False, False, False, True], kind="stable")
    ordered.insert(0, "rank", np.arange(1, len(ordered) + 1))
    return ordered.reset_index(drop=True)


_PROBLEM_COLUMNS = ["variable", "previous", "current", "ratio", "median_ratio", "expected", "factor", "corrected"]
_SHAPE_COLUMNS = ["unit", "scale", "decimals", "qualifier", "label_vi", "label_en"]


def _plain(frame: pd.DataFrame) -> list:
    """Records for JSON: missing and infinite numbers as None."""
    frame = frame.replace([np.inf, -np.inf], np.nan).astype(object)
    return frame.where(frame.notna(), None).to_dict(orient="records")


def call_records(result: MonthOnMonth | None, claims: ClaimsResult | None, zone_name) -> list:
    """report.json's call list: per flagged row, in calling order, where it is, what looks wrong
    (each value against last month) and how each release figure would move if it were corrected."""
    if result is None or result.calls.empty:
        return []
    found = result.found.set_index("row_id")
    moves = result.moves
    if len(moves) and claims is not None and not claims.table.empty:
        shapes = claims.table.set_index("row_id")[_SHAPE_COLUMNS]
        moves = moves.join(shapes, on="claim_row")
    problems = {row_id: _plain(group[_PROBLEM_COLUMNS]) for row_id, group in found.groupby(level=0)}
    moved = {row_id: _plain(group.drop(columns=["row_id"])) for row_id, group in moves.groupby("row_id")}
    where = found[~found.index.duplicated()][["zone_code", "tax_code", "enterprise_name", "source_file",
                                              "source_sheet", "source_row"]].to_dict("index")
    names = {code: zone_name(code) for code in found["zone_code"].dropna().unique()}
    return [{  # one record per row on the call list
        "rank": int(call.rank), **where[call.row_id], "zone_name": names.get(where[call.row_id]["zone_code"]),
        "source_row": int(where[call.row_id]["source_row"]), "flips": int(call.flips),
        "score": float(call.score) if math.isfinite(call.score) else None,
        "problems": problems[call.row_id], "moves": moved.get(call.row_id, []),
    } for call in result.calls.itertuples(index=False)]

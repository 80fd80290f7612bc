"""Rows with planted slips and their true values: the yardstick for the error localiser
(tests/test_planted.py) and for the comparison with Statistics Canada's Banff
(benchmarks/banff_localise.py), which both read the same rows.

Each row is a correct enterprise or zone-report row into which exactly one slip of one kind is
planted in one field of the workers' edits: a keystroke (a digit added, dropped, doubled, two
neighbours swapped), a unit slip (x1 000, or x1 000 000 as triệu for tỷ), a sign, the female and
male counts swapped, or an empty cell. `truth` says, per row, which kind, which field, and its
true and written values. Seeded and vectorised: thousands of rows in milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYSTROKE_KINDS = ("digit_added", "digit_dropped", "digit_doubled", "digits_swapped")
SLIP_KINDS = (*KEYSTROKE_KINDS, "unit_thousand", "unit_million", "sign")  # slips.py can name these
PLANTED_KINDS = (*SLIP_KINDS, "female_male_swapped", "missing")
PLANTED_FIELDS = {"enterprises": ("workers_total", "workers_female", "workers_male", "workers_managerial"),
                  "zones": ("workers_total", "workers_female", "workers_male")}
_TRIES = 8  # fresh digit positions for a row where the first one cannot take the slip


def true_rows(table: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """n rows that pass every edit of the table, typed as the reader types them."""
    total = rng.integers(20, 3000, n)
    female = np.clip((total * rng.uniform(0.2, 0.8, n)).astype(np.int64), 5, total - 5)
    counts = {"workers_total": total, "workers_female": female, "workers_male": total - female}
    amounts = {"export_usd": rng.integers(0, 20_000, n) * 1e4, "import_usd": rng.integers(0, 15_000, n) * 1e4}
    if table == "enterprises":
        party = rng.random(n) < 0.08
        counts |= {"workers_managerial": np.maximum((total * rng.uniform(0.02, 0.3, n)).astype(np.int64), 1),
                   "party_members": np.where(party, rng.integers(3, 60, n), 0)}
        amounts |= {"capital_usd": rng.integers(100, 50_000, n) * 1e4}
        flags = {"has_party_org": pd.array(party, dtype="boolean")}
    else:
        counts |= {"enterprises": rng.integers(1, 200, n), "fdi_projects_cum": rng.integers(0, 300, n),
                   "di_projects_cum": rng.integers(0, 100, n)}
        amounts |= {"fdi_capital_usd_cum": rng.integers(1, 5_000, n) * 1e6,
                    "di_capital_vnd_cum": rng.integers(1, 50_000, n) * 1e9}
        flags = {}
    return pd.DataFrame({"row_id": np.arange(n), **flags,
                         **{k: pd.array(v, dtype="Int64") for k, v in counts.items()},
                         **{k: pd.array(v, dtype="Float64") for k, v in amounts.items()}})


def _digits(values: np.ndarray) -> np.ndarray:
    return np.char.str_len(values.astype(str))


def _keystroke(kind: str, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The values with one keystroke slip at a random digit position (counted from the right; the
    leading digit is kept so that no slip hides behind a leading zero); NaN where it cannot apply."""
    out = np.full(len(values), np.nan)
    for _ in range(_TRIES):
        todo = np.isnan(out)
        v = values[todo]
        width = _digits(v)
        top = width - (1 if kind in ("digit_added", "digit_doubled") else 2)  # highest position allowed
        position = np.floor(rng.random(len(v)) * (np.maximum(top, 0) + 1)).astype(np.int64)
        power = 10 ** position
        low, digit = v % power, (v // power) % 10
        if kind == "digit_added":
            above, below = digit, np.where(position > 0, (v // np.maximum(power // 10, 1)) % 10, -1)
            typed = rng.integers(0, 10, len(v))
            for _bump in range(2):  # a digit unlike both neighbours, or it would be a doubled one
                typed = np.where((typed == above) | (typed == below), (typed + 1) % 10, typed)
            slipped, ok = (v - low) * 10 + typed * power + low, np.ones(len(v), dtype=bool)
        elif kind == "digit_doubled":
            slipped, ok = (v - low) * 10 + digit * power + low, digit != 0
        elif kind == "digit_dropped":
            slipped, ok = (v // (power * 10)) * power + low, width >= 2
        else:  # digits_swapped: the digit at `position` and the one above it
            upper = (v // (power * 10)) % 10
            slipped = v + (upper - digit) * power + (digit - upper) * power * 10
            ok = (width >= 2) & (upper != digit) & ~((position + 2 == width) & (digit == 0))
        out[np.flatnonzero(todo)[ok]] = slipped[ok]
    return out


def slipped(kind: str, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a person who made slip `kind` would have written for each (whole, positive) value;
    NaN for an empty cell, and for a value that cannot take the slip (1111 has no swap)."""
    values = np.asarray(values, dtype=np.int64)
    if kind in KEYSTROKE_KINDS:
        return _keystroke(kind, values, rng)
    factor = {"unit_thousand": 1e3, "unit_million": 1e6, "sign": -1.0}.get(kind)
    if factor is not None:
        return values * factor
    return np.full(len(values), np.nan)  # "missing"


def planted_rows(table: str, n: int, seed: int = 13) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(written rows, truth): n rows with one planted slip each, kinds and fields drawn evenly;
    rows whose value cannot take their slip are left out, so every returned row carries one.
    truth: row_id, kind, field, true_value, written_value."""
    rng = np.random.default_rng(seed)
    true = true_rows(table, n, rng)
    kind = np.array(PLANTED_KINDS)[rng.permutation(np.arange(n) % len(PLANTED_KINDS))]
    field = rng.choice(np.array(PLANTED_FIELDS[table]), n)
    field[kind == "female_male_swapped"] = "workers_female"  # both change; the female count is named
    written = true.copy()
    truth = pd.DataFrame({"row_id": true["row_id"], "kind": kind, "field": field, "true_value": np.nan,
                          "written_value": np.nan})
    keep = np.ones(n, dtype=bool)
    for name in PLANTED_FIELDS[table]:
        for slip in PLANTED_KINDS:
            rows = np.flatnonzero((field == name) & (kind == slip))
            values = true[name].to_numpy(dtype=np.int64)[rows]
            truth.loc[rows, "true_value"] = values
            if slip == "female_male_swapped":
                other = true["workers_male"].to_numpy(dtype=np.int64)[rows]
                keep[rows[other == values]] = False
                written.loc[rows, "workers_male"] = values
                new = other.astype(float)
            else:
                new = slipped(slip, values, rng)
                keep[rows[np.isnan(new) & (slip != "missing")]] = False
            written.loc[rows, name] = pd.array(new, dtype="Float64").round()  # NaN: an empty cell
            truth.loc[rows, "written_value"] = new
    return written[keep].reset_index(drop=True), truth[keep].reset_index(drop=True)


def our_answers(found: pd.DataFrame) -> pd.DataFrame:
    """The localiser's findings (heza.assess.blame.localise_table) in the shape `score` reads:
    row_id, blamed (one field, or "" when it names alternatives), value (suggested, NaN if none),
    sure_cell (`certain`), sure_value (`determined`), explained_value (`explained`)."""
    named = found["cell_grade"] != "ambiguous"
    return pd.DataFrame({"row_id": found["row_id"].astype(np.int64),
                         "blamed": found["blamed"].where(named, "").fillna(""),
                         "value": pd.to_numeric(found["suggested"], errors="coerce").astype(float),
                         "sure_cell": found["cell_grade"] == "certain",
                         "sure_value": found["value_grade"] == "determined",
                         "explained_value": found["value_grade"] == "explained"})


def score(truth: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """Per planted row: whether the tool flagged the row, blamed the planted field, suggested the
    true value for it, and whether it vouched for a wrong cell or a wrong value (wrong with confidence)."""
    if answers["row_id"].duplicated().any():
        raise ValueError("one answer per planted row expected")
    rows = truth.merge(answers, on="row_id", how="left")
    detected = rows["blamed"].notna()
    blamed_right = rows["blamed"] == rows["field"]
    value_right = blamed_right & np.isclose(rows["value"], rows["true_value"], rtol=0, atol=1e-6)
    sure_cell, sure_value = rows["sure_cell"].fillna(False).astype(bool), rows["sure_value"].fillna(False).astype(bool)
    explained = rows["explained_value"].fillna(False).astype(bool)
    return pd.DataFrame({
        "row_id": rows["row_id"], "kind": rows["kind"], "field": rows["field"], "detected": detected,
        "blamed_right": blamed_right, "value_right": value_right,
        "sure_value": sure_value, "sure_value_right": sure_value & value_right,
        "explained": explained, "explained_right": explained & value_right,
        "wrong_with_confidence": (sure_cell & ~blamed_right) | (sure_value & ~value_right),
    })


def rates(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per slip kind (and all together): planted rows and, in %, how often the row was flagged, the
    planted field blamed, the true value suggested; how many answers were wrong with confidence."""
    by_kind = outcomes.groupby("kind", sort=False)
    shares = ["detected", "blamed_right", "value_right"]
    table = (by_kind[shares].mean() * 100).round(1)
    table.insert(0, "planted", by_kind.size())
    table["wrong_with_confidence"] = by_kind["wrong_with_confidence"].sum()
    overall = pd.DataFrame({"planted": [len(outcomes)], **{c: [round(outcomes[c].mean() * 100, 1)] for c in shares},
                            "wrong_with_confidence": [int(outcomes["wrong_with_confidence"].sum())]}, index=["all"])
    order = [k for k in PLANTED_KINDS if k in table.index]
    return pd.concat([table.loc[order], overall])

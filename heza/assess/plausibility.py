"""Month on month: each enterprise row against its row in the previous month's publication.

A slip that passes every balance rule (workers typed 12.000 for 1.200, capital in VND where USD
belongs) shows only against last month. These edits find such rows, as warnings (a change may be
real): the Hidiroglou-Berthelot edit per variable, a unit slip (a ratio near 1.000 or the VND/USD
rate), enterprises that appear or vanish, and zone totals that move by more than a set share. The
parameters are data (heza.toml [plausibility]); everything is computed on whole columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heza.findings import empty_findings, findings_frame
from heza.ingest.numbers import format_number
from schemas import rule

VARIABLES = ("workers_total", "capital_usd", "export_usd", "import_usd")
CURRENCY = {"capital_usd", "export_usd", "import_usd"}
ZONE_TOTALS = ("enterprises", "workers_total", "export_usd", "import_usd")


@dataclass(frozen=True)
class LastRelease:
    """The previous month's published tables (None when that month has no publication)."""

    period: str
    folder: Path
    enterprises: pd.DataFrame | None
    zones: pd.DataFrame | None

    @property
    def exists(self) -> bool:
        return self.enterprises is not None


def load_last_release(processed: Path, period: str) -> LastRelease:
    """enterprises.csv (the compared columns only) and zones.csv of `period`'s publication, if any;
    a file that cannot be read counts as no publication (PERIOD_NO_PREVIOUS then says so)."""
    folder = Path(processed) / period
    try:
        enterprises = pd.read_csv(folder / "enterprises.csv", encoding="utf-8",
                                  usecols=["tax_code", "enterprise_name", "zone_code", *VARIABLES],
                                  dtype={"tax_code": "string", "enterprise_name": "string", "zone_code": "string"})
        zones = pd.read_csv(folder / "zones.csv", encoding="utf-8", usecols=["zone_code", *ZONE_TOTALS],
                            dtype={"zone_code": "string"})
    except (OSError, ValueError, pd.errors.ParserError):  # missing, unreadable, not UTF-8, lacks a column
        return LastRelease(period, folder, None, None)
    return LastRelease(period, folder, enterprises.drop_duplicates("tax_code"), zones.drop_duplicates("zone_code"))


def match(codes: pd.Series, among: pd.Series) -> np.ndarray:
    """Each code's position in `among` (its last, if repeated), -1 where it is not there (or missing):
    both columns encoded together once, then plain integer arrays (Arrow strings' isin loops in Python)."""
    if codes.empty or among.empty:
        return np.full(len(codes), -1, dtype=np.intp)
    numbers, _ = pd.factorize(pd.concat([among, codes], ignore_index=True), use_na_sentinel=True)
    where = np.full(numbers.max() + 2, -1, dtype=np.intp)  # the last slot answers for missing codes (-1)
    where[numbers[:len(among)]] = np.arange(len(among))
    where[-1] = -1
    return where[numbers[len(among):]]


# -- the Hidiroglou-Berthelot edit ---------------------------------------------------------------

def _within(values: np.ndarray, groups: np.ndarray | None, quantiles: list) -> list:
    """Each unit's group quantiles (linear interpolation), spread back to the units; None: one group."""
    if groups is None:
        return [np.full(len(values), q) for q in np.quantile(values, quantiles)]
    table = pd.Series(values).groupby(_by_number(groups), observed=False).quantile(quantiles).unstack().to_numpy()
    return [table[groups, k] for k in range(len(quantiles))]


def _by_number(groups: np.ndarray) -> pd.Categorical:
    """Group numbers 0..k-1 as a categorical, so that each groupby uses them as they are (no re-encoding)."""
    return pd.Categorical.from_codes(groups, categories=np.arange(groups.max() + 1))


def _hb_in_groups(x: np.ndarray, y: np.ndarray, ratio: np.ndarray, groups: np.ndarray | None, u: float, a: float,
                  c: float) -> dict:
    """Median ratio, effect E and its bounds with every unit judged within its group (group numbers)."""
    median = np.full(len(ratio), np.median(ratio)) if groups is None \
        else pd.Series(ratio).groupby(_by_number(groups), observed=False).median().to_numpy()[groups]
    centred = np.where(ratio < median, 1 - median / ratio, ratio / median - 1)
    effect = centred * np.maximum(x, y) ** u
    q1, em, q3 = _within(effect, groups, [0.25, 0.5, 0.75])
    spread = np.maximum(np.maximum(em - q1, q3 - em), np.abs(a * em))
    return {"median_ratio": median, "effect": effect, "lower": em - c * spread, "upper": em + c * spread}


def hb_edit(current: pd.Series, previous: pd.Series, zones: pd.Series, u: float, a: float, c: float,
            min_group: int) -> pd.DataFrame:
    """The Hidiroglou-Berthelot edit of one variable for the units positive in both months:
    r = this / previous, s = 1 - r_M / r below the median ratio r_M and r / r_M - 1 above it,
    E = s * max(this, previous)^U, an outlier outside E_M -/+ C * max(E_M - E_Q1, E_Q3 - E_M, |A * E_M|).
    Per zone, or over all zones for a zone with fewer than `min_group` such units."""
    valid = ((current > 0) & (previous > 0)).to_numpy(dtype=bool, na_value=False)
    if not valid.any():
        return pd.DataFrame(columns=["median_ratio", "effect", "lower", "upper", "ratio", "outlier"], dtype=float)
    x, y = current.to_numpy(dtype=float)[valid], previous.to_numpy(dtype=float)[valid]
    ratio = x / y
    zones = zones[valid]
    codes = zones.to_numpy() if pd.api.types.is_integer_dtype(zones) and zones.min() >= 0 \
        else pd.factorize(zones, use_na_sentinel=False)[0]  # zone numbers (suspects numbers them once) or codes
    own = np.bincount(codes)[codes] >= min_group
    by_zone = _hb_in_groups(x, y, ratio, codes, u, a, c)
    if not own.all():  # only then is the whole city needed
        overall = _hb_in_groups(x, y, ratio, None, u, a, c)
        by_zone = {k: np.where(own, v, overall[k]) for k, v in by_zone.items()}
    result = pd.DataFrame(by_zone, index=current.index[valid])
    result["ratio"] = ratio
    result["outlier"] = (result["effect"] < result["lower"]) | (result["effect"] > result["upper"])
    return result


def unit_factor(ratio: pd.Series, currency: bool, rate: float | None, tolerance: float) -> pd.Series:
    """The slip a ratio is near (1000, 1/1000, and for money the VND/USD rate or its inverse), or NaN;
    only ratios at least that far from 1 are looked at."""
    factors = np.array([1000.0, 0.001] + ([rate, 1 / rate] if currency and rate else []))
    result = pd.Series(np.nan, index=ratio.index)
    logs = np.log(ratio.to_numpy(dtype=float))
    far = np.abs(logs) >= np.log(1000.0) - np.log1p(tolerance)
    if far.any():
        distance = np.abs(logs[far][:, None] - np.log(factors)[None, :])
        nearest = distance.argmin(axis=1)
        close = distance[np.arange(len(nearest)), nearest] <= np.log1p(tolerance)
        result[far] = np.where(close, factors[nearest], np.nan)
    return result


_FOUND_COLUMNS = ["row_id", "tax_code", "enterprise_name", "zone_code", "source_file", "source_sheet", "source_row",
                  "variable", "previous", "current", "ratio", "median_ratio", "effect", "lower", "upper", "factor",
                  "expected", "corrected"]


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def suspects(rows: pd.DataFrame, position: np.ndarray, last: pd.DataFrame, params: dict,
             rate: float | None) -> pd.DataFrame:
    """One row per (enterprise row, variable) that the HB edit or the unit-slip check flags, with
    last month's value, the expected value (last month x the median ratio of its group) and, for a
    slip, the likely corrected value. `rows` are this month's publishable rows (with row_id),
    `position` each one's row in `last` (-1: none; see match). Only flagged rows are copied."""
    have = np.flatnonzero(position >= 0)
    zones = pd.Series(pd.factorize(rows["zone_code"], use_na_sentinel=False)[0][have])  # once, not per variable
    parts = []
    for variable in VARIABLES:
        current = pd.Series(_numbers(rows[variable])[have])
        previous = pd.Series(_numbers(last[variable])[position[have]])
        edit = hb_edit(current, previous, zones,
                       *(float(params[f"{variable}_{k}"]) for k in "uac"), int(params["min_zone_enterprises"]))
        edit["factor"] = unit_factor(edit["ratio"], variable in CURRENCY, rate, float(params["unit_slip_tolerance"]))
        flagged = edit[edit["outlier"] | edit["factor"].notna()]
        if flagged.empty:
            continue
        picked = rows.iloc[have[flagged.index]]
        parts.append(pd.DataFrame({
            **{k: picked[k].to_numpy() for k in _FOUND_COLUMNS[:7]}, "variable": variable,
            "previous": previous[flagged.index].to_numpy(), "current": current[flagged.index].to_numpy(),
            **{k: flagged[k].to_numpy() for k in ("ratio", "median_ratio", "effect", "lower", "upper", "factor")},
        }))
    if not parts:
        return pd.DataFrame(columns=_FOUND_COLUMNS)
    found = pd.concat(parts, ignore_index=True)
    found["expected"] = found["previous"] * found["median_ratio"]
    found["corrected"] = found["current"] / found["factor"]
    return found


# -- findings ------------------------------------------------------------------------------------

def _n(values, lang: str) -> list:
    """Figures as people write them: whole numbers grouped, small ratios with two decimals."""
    return [format_number(v, lang, 0 if abs(v) >= 100 or float(v).is_integer() else 2) for v in values]


def _frame(code: str, where: pd.DataFrame, detail_vi, detail_en) -> pd.DataFrame:
    """Findings of one rule for many rows at once (where: the location columns)."""
    entry = rule(code)
    return where.assign(table=entry.table, rule=code, severity=entry.severity,
                        message_vi=[f"{entry.message_vi}: {d}" for d in detail_vi],
                        message_en=[f"{entry.message_en}: {d}" for d in detail_en])


SLIP_WORDS = {1000.0: ("gấp 1.000 lần", "1,000 times"), 0.001: ("bằng 1/1.000", "1/1,000 of")}


def _slip_words(factor: float, rate: float | None, lang: str) -> str:
    if factor in SLIP_WORDS:
        return SLIP_WORDS[factor][lang == "en"]
    shown = format_number(rate, lang)
    if factor > 1:
        return f"gấp tỷ giá {shown} VND/USD (ghi bằng đồng?)" if lang != "en" else \
            f"{shown} times, the VND/USD rate (written in VND?)"
    return f"bằng 1/{shown} (tỷ giá VND/USD)" if lang != "en" else f"1/{shown} of it (the VND/USD rate)"


def change_findings(found: pd.DataFrame, letters: dict, rate: float | None) -> pd.DataFrame:
    """PERIOD_UNIT_SLIP where the ratio is a slip (with the likely value), else PERIOD_CHANGE_OUTLIER."""
    if found.empty:
        return empty_findings()
    parts = []
    for code, chosen in (("PERIOD_UNIT_SLIP", found["factor"].notna()), ("PERIOD_CHANGE_OUTLIER", found["factor"].isna())):
        rows = found[chosen]
        if rows.empty:
            continue
        texts = {}
        for lang in ("vi", "en"):
            before, now = _n(rows["previous"], lang), _n(rows["current"], lang)
            ratio, median = ([format_number(v, lang, 2) for v in rows[k]] for k in ("ratio", "median_ratio"))
            if code == "PERIOD_UNIT_SLIP":
                likely = _n(rows["corrected"], lang)
                texts[lang] = [f"tháng trước {b}, tháng này {x}, {_slip_words(f, rate, lang)}; có lẽ đúng là {v}"
                               if lang != "en" else f"last month {b}, this month {x}, {_slip_words(f, rate, lang)}; "
                               f"likely {v}" for b, x, f, v in zip(before, now, rows["factor"], likely)]
            else:
                texts[lang] = [f"tháng trước {b}, tháng này {x} (gấp {r} lần; trung vị {m})" if lang != "en"
                               else f"last month {b}, this month {x} ({r} times; median {m})"
                               for b, x, r, m in zip(before, now, ratio, median)]
        where = pd.DataFrame({
            "source_file": rows["source_file"], "source_sheet": rows["source_sheet"], "source_row": rows["source_row"],
            "column": rows["variable"], "row_id": rows["row_id"],
            "cell": [f"{letters[(f, s, c)]}{int(r)}" if (f, s, c) in letters else None for f, s, c, r in
                     zip(rows["source_file"], rows["source_sheet"], rows["variable"], rows["source_row"])],
            "value": [f"{b} → {x}" for b, x in zip(_n(rows["previous"], "vi"), _n(rows["current"], "vi"))]})
        parts.append(_frame(code, where, texts["vi"], texts["en"]))
    return findings_frame(parts)


def membership_findings(rows: pd.DataFrame, position: np.ndarray, every_position: np.ndarray, last: pd.DataFrame,
                        whole_period: bool, registry) -> pd.DataFrame:
    """New enterprises (publishable this month, not published last month: `position` -1) and, for a
    whole month, enterprises published last month that no row read this month matched (`every_position`:
    each row read, held back or not, in `last`)."""
    new = rows[position < 0]
    found = [_frame("PERIOD_NEW_ENTERPRISE", pd.DataFrame({
        "source_file": new["source_file"], "source_sheet": new["source_sheet"], "source_row": new["source_row"],
        "column": "tax_code", "row_id": new["row_id"], "value": new["tax_code"]}),
        new["enterprise_name"].fillna(""), new["enterprise_name"].fillna(""))]
    if whole_period:
        seen = np.zeros(len(last), dtype=bool)
        seen[every_position[every_position >= 0]] = True
        gone = last[~seen]
        zone_names = gone["zone_code"].map(registry.name_of).fillna(gone["zone_code"])
        detail = (gone["enterprise_name"].fillna("") + ", " + zone_names.fillna("")).tolist()
        found.append(_frame("PERIOD_GONE_ENTERPRISE", pd.DataFrame({"column": "tax_code", "value": gone["tax_code"]}),
                            detail, detail))
    return findings_frame(found)


def zone_total_findings(zones: pd.DataFrame, last: pd.DataFrame, share: float, letters: dict) -> pd.DataFrame:
    """A zone report's total that moved by more than `share` of last month's (last month above 0)."""
    before = last.set_index("zone_code")
    parts = []
    for column in ZONE_TOTALS:
        previous = zones["zone_code"].map(before[column]).astype(float)
        current = pd.to_numeric(zones[column], errors="coerce").astype(float)
        moved = (current - previous) / previous
        rows = zones[(previous > 0) & (moved.abs() > share)]
        if rows.empty:
            continue
        pct = moved[rows.index] * 100
        b, x = _n(previous[rows.index], "vi"), _n(current[rows.index], "vi")
        where = pd.DataFrame({
            "source_file": rows["source_file"], "source_sheet": rows["source_sheet"], "source_row": rows["source_row"],
            "column": column, "row_id": rows["row_id"], "value": [f"{p} → {q}" for p, q in zip(b, x)],
            "cell": [f"{letters[(f, s, column)]}{int(r)}" if (f, s, column) in letters else None
                     for f, s, r in zip(rows["source_file"], rows["source_sheet"], rows["source_row"])]})
        parts.append(_frame("PERIOD_ZONE_TOTAL_CHANGE", where,
                            [f"{format_number(p, 'vi', 1)} % so với tháng trước" for p in pct],
                            [f"{format_number(p, 'en', 1)} % from last month" for p in pct]))
    return findings_frame(parts)


def no_previous(last: LastRelease, root: Path) -> pd.DataFrame:
    """The one finding of a month whose previous month has no publication; the folder is named from
    the release folders (`2024-01/`), so that runs publishing to different places find the same."""
    try:
        shown = last.folder.relative_to(root)
    except ValueError:
        shown = last.folder
    return _frame("PERIOD_NO_PREVIOUS", pd.DataFrame({"value": [last.period]}),
                  [f"không có hoặc không đọc được {shown}/enterprises.csv và zones.csv"],
                  [f"{shown}/enterprises.csv and zones.csv are missing or cannot be read"])

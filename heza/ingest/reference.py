"""Reference data kept by staff: the zone registry (zones.csv), who receives each zone's letter
(submitters.csv) and the VND/USD reference rates.

Both are checked against their pandera schema (schemas/reference.py) and for plausibility when
loaded, before any work: a problem stops the run with a message naming file, row, column, value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from heza.ingest.headers import confusable_letters, fold, skeleton, zone_keys
from heza.ingest.numbers import VI, column_convention, format_number, parse_figure, resolve_readings
from schemas.reference import PROBLEMS, exchange_rates_schema, submitters_schema, zones_schema

VND_PER_USD_BAND = (10_000.0, 50_000.0)  # heza.toml [limits] vnd_per_usd_min / vnd_per_usd_max override it


class ReferenceDataError(ValueError):
    """Raised when a reference file is missing or malformed; the message is Vietnamese / English."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []  # [(file, row, column, value, vi, en)]


@dataclass(frozen=True)
class ZoneRegistry:
    zones: pd.DataFrame  # zone_code, zone_name, zone_type, parent_zone_code, active_from, ...
    lookup: dict  # folded code or name -> zone_code

    @property
    def codes(self) -> list:
        return self.zones["zone_code"].tolist()

    def active_in(self, period: str) -> list:
        """Zones expected to report in the period: active_from on or before it."""
        return self.zones.loc[self.zones["active_from"] <= period, "zone_code"].tolist()

    def code_for(self, text) -> str | None:
        """The zone a code or name means; None for text with look-alike letters of another script
        (Cyrillic 'С' in 'KCN Đình Vũ'), which fold() must never map onto a real zone."""
        if text is None or confusable_letters(str(text)):
            return None
        return self.lookup.get(fold(text))

    def resembles(self, text) -> str | None:
        """The zone a text with look-alike letters would be, were they the Latin letters they imitate."""
        if text is None:
            return None
        return self.lookup.get(fold(skeleton(str(text))))

    @property
    def names(self) -> dict:
        """zone code -> the zone's name in the registry ("KCN Đồ Sơn")."""
        return dict(zip(self.zones["zone_code"], self.zones["zone_name"]))

    def name_of(self, code: str) -> str:
        match = self.zones.loc[self.zones["zone_code"] == code, "zone_name"]
        return match.iloc[0] if len(match) else code


def _read_csv(path: Path, what_vi: str, what_en: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Thiếu {what_vi} / {what_en} missing: {path}") from exc
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"{path}: không phải UTF-8 / not UTF-8 ({exc})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReferenceDataError(f"{path}: không đọc được / cannot be read ({exc})") from exc


def _raise_problems(path: Path, frame: pd.DataFrame, schema, hints=None, messages=None) -> None:
    """Validate lazily; every failure case becomes one line naming file, row (as a spreadsheet shows
    it: the header is row 1), column and value."""
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    problems = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check not in PROBLEMS or pd.isna(case.index):
            vi = en = check
        else:
            vi, en = {**PROBLEMS, **(messages or {})}[check]
        row = None if pd.isna(case.index) else int(case.index) + 2
        column = case.column
        value = frame.at[int(case.index), "_raw_" + column] if row and "_raw_" + column in frame else (
            frame.at[int(case.index), column] if row and column in frame else case.failure_case)
        value = "" if value is None or value is pd.NA else str(value)
        hint = (hints or {}).get((check, value))
        if hint:
            vi, en = f"{vi} (có phải {hint}?)", f"{en} (did you mean {hint}?)"
        problems.append((path.name, row, column, value, vi, en))
    problems.sort(key=lambda p: (p[1] or 0, str(p[2])))
    lines = [f"{file} dòng {row}, cột {column} = '{value}': {vi} / {file} row {row}, column {column} = "
             f"'{value}': {en}" for file, row, column, value, vi, en in problems[:20]]
    more = f"\n… (+{len(problems) - 20})" if len(problems) > 20 else ""
    raise ReferenceDataError(f"{path}:\n" + "\n".join(lines) + more, problems)


def _excel_month(text: str) -> str | None:
    """'Jun-23' (how Excel re-saves 2023-06) as '2023-06', for the message only."""
    for form in ("%b-%y", "%b %y", "%m/%Y", "%d/%m/%Y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), form).strftime("%Y-%m")
        except ValueError:
            continue
    return None


def load_zone_registry(reference_dir: Path) -> ZoneRegistry:
    path = Path(reference_dir) / "zones.csv"
    zones = _read_csv(path, "danh mục khu", "zone registry")
    missing = {"zone_code", "zone_name", "active_from"} - set(zones.columns)
    if missing:
        raise ReferenceDataError(f"{path}: thiếu cột / missing columns {sorted(missing)}")
    for column in zones.columns:
        zones[column] = zones[column].str.strip()
    hints = {("active_from_iso", value): month for value in zones["active_from"].unique()
             if (month := _excel_month(str(value)))}
    _raise_problems(path, zones, zones_schema(zones["zone_code"]), hints)
    zones = zones.astype(object)
    lookup: dict = {}
    for code, name in zip(zones["zone_code"], zones["zone_name"]):
        for key in {fold(code), *zone_keys(name)}:
            if lookup.setdefault(key, code) != code:
                raise ReferenceDataError(f"{path}: '{key}' khớp cả / matches both {lookup[key]} và/and {code}")
    return ZoneRegistry(zones=zones, lookup=lookup)


def load_submitters(reference_dir: Path, zone_codes) -> pd.DataFrame:
    """submitters.csv (zone_code, name, email; several rows for a zone with several addresses),
    checked against the zone registry: a bad row stops the run naming file, row, column and value."""
    path = Path(reference_dir) / "submitters.csv"
    submitters = _read_csv(path, "danh sách người nhận thư của các khu", "submitter registry")
    missing = {"zone_code", "name", "email"} - set(submitters.columns)
    if missing:
        raise ReferenceDataError(f"{path}: thiếu cột / missing columns {sorted(missing)}")
    for column in ("zone_code", "name", "email"):
        submitters[column] = submitters[column].str.strip()
    _raise_problems(path, submitters, submitters_schema(zone_codes, submitters["zone_code"]))
    return submitters[["zone_code", "name", "email"]].astype(object)


def parse_rates(texts: pd.Series) -> pd.Series:
    """Rates written by staff, read with the project's Vietnamese number rules: '23.996' and '23996'
    are 23 996 VND/USD; an ambiguous form follows the column's convention, Vietnamese if none."""
    figures = [parse_figure(text) for text in texts]
    convention, _ = column_convention(figures)
    values = []
    for figure in figures:
        reading = None if figure.error or figure.qualifier or figure.unit not in {None, "VND"} \
            else resolve_readings(figure, False, convention or VI)
        values.append(np.nan if reading is None else reading.value * figure.scale)
    return pd.Series(values, index=texts.index, dtype="Float64")


def load_exchange_rates(reference_dir: Path, band: tuple = VND_PER_USD_BAND) -> pd.DataFrame:
    """exchange_rates.csv checked whole: ISO periods, each once, a readable rate inside the band."""
    path = Path(reference_dir) / "exchange_rates.csv"
    rates = _read_csv(path, "bảng tỷ giá", "exchange rate table")
    missing = {"period", "vnd_per_usd"} - set(rates.columns)
    if missing:
        raise ReferenceDataError(f"{path}: thiếu cột / missing columns {sorted(missing)}")
    rates["period"] = rates["period"].str.strip()
    rates["_raw_vnd_per_usd"] = rates["vnd_per_usd"]
    rates["vnd_per_usd"] = parse_rates(rates["vnd_per_usd"])
    low, high = (float(v) for v in band)
    vi, en = PROBLEMS["rate_band"]
    band_text = f"{format_number(low)} … {format_number(high)}"
    messages = {"rate_band": (f"{vi} {band_text} (limits.vnd_per_usd_min/max trong heza.toml)",
                              f"{en} {band_text} (limits.vnd_per_usd_min/max in heza.toml)")}
    _raise_problems(path, rates, exchange_rates_schema(low, high), messages=messages)
    return rates


def reference_rate(reference_dir: Path, period: str, band: tuple = VND_PER_USD_BAND) -> tuple[float | None, str | None]:
    """(VND per USD, source) for the period, or (None, None) when staff have not entered one."""
    rates = load_exchange_rates(reference_dir, band)
    row = rates[rates["period"] == period]
    if row.empty:
        return None, None
    source = row["source"].iloc[0] if "source" in row else None
    return float(row["vnd_per_usd"].iloc[0]), None if source is None or source is pd.NA else str(source)

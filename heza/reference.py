"""Reference data kept by staff: the zone registry (zones.csv) and the VND/USD reference rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from heza.headers import fold, zone_keys


class ReferenceError(ValueError):
    """Raised when a reference file is missing or malformed."""


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
        return self.lookup.get(fold(text)) if text is not None else None

    def name_of(self, code: str) -> str:
        match = self.zones.loc[self.zones["zone_code"] == code, "zone_name"]
        return match.iloc[0] if len(match) else code


def load_zone_registry(reference_dir: Path) -> ZoneRegistry:
    path = Path(reference_dir) / "zones.csv"
    try:
        zones = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceError(f"Thiếu danh mục khu / zone registry missing: {path}") from exc
    missing = {"zone_code", "zone_name", "active_from"} - set(zones.columns)
    if missing:
        raise ReferenceError(f"{path}: thiếu cột / missing columns {sorted(missing)}")
    lookup: dict = {}
    for code, name in zip(zones["zone_code"], zones["zone_name"]):
        for key in {fold(code), *zone_keys(name)}:
            if lookup.setdefault(key, code) != code:
                raise ReferenceError(f"{path}: '{key}' matches both {lookup[key]} and {code}")
    return ZoneRegistry(zones=zones, lookup=lookup)


def reference_rate(reference_dir: Path, period: str) -> tuple[float | None, str | None]:
    """(VND per USD, source) for the period, or (None, None) when staff have not entered one."""
    path = Path(reference_dir) / "exchange_rates.csv"
    try:
        rates = pd.read_csv(path, dtype={"period": str, "source": str}, encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceError(f"Thiếu bảng tỷ giá / exchange rate table missing: {path}") from exc
    row = rates[rates["period"] == period]
    if row.empty:
        return None, None
    return float(row["vnd_per_usd"].iloc[0]), str(row["source"].iloc[0])

"""Check the figures about to be published (indicator claims) against the data and each other.

A claim's tolerance comes from how it is written: "7,5%" means [7,45; 7,55), "hơn 42%" means
above 42, "xấp xỉ 40%" within the configured relative tolerance. Claims are recomputed from the
period's published rows (scope HP or one zone), and checked among themselves without the data
(sum identities, shares against their numerator and denominator, VND against USD at the
reference rate). Both layers run as pandera checks, so their findings join the run's report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from heza.assess.catalogue import COUNT_UNITS, WHOLE_CITY, Catalogue, Indicator
from heza.assess.claim_text import describe_claim_findings, identity_text, implication_text
from heza.assess.filters import apply_filter
from heza.findings import empty_findings, finding, findings_frame
from heza.ingest.headers import fold
from heza.ingest.numbers import column_convention, format_number, parse_figure, resolve_readings
from heza.ingest.reference import ZoneRegistry
from heza.assess.validate import failure_cases, findings_from_cases
from schemas.claims import ClaimIdentities, ClaimsTable

def scope_zones(scope: str, registry: ZoneRegistry) -> list | None:
    """The zone codes a scope covers (a zone and the zones inside it); None for the whole city."""
    code = registry.code_for(scope)
    zones = registry.zones
    return [code, *zones.loc[zones.get("parent_zone_code", pd.Series(dtype=str)) == code, "zone_code"]]


def resolve_scope(text, registry: ZoneRegistry) -> tuple[bool, list | None]:
    """(known, zones): HP means every zone (None); a zone code or name means it and its children."""
    if text is None or fold(text) in WHOLE_CITY or not str(text).strip():
        return True, None
    if registry.code_for(text) is None:
        return False, None
    return True, scope_zones(text, registry)


class Recomputer:
    """Recompute indicators from the published tables, once per (indicator, scope)."""

    def __init__(self, catalogue: Catalogue, published: dict, rate: float | None):
        self.catalogue, self.published, self.rate = catalogue, published, rate
        self.memo: dict = {}

    def value(self, code: str, zones: list | None) -> float | None:
        key = (code, tuple(zones) if zones else None)
        if key not in self.memo:
            self.memo[key] = self._compute(self.catalogue.indicators[code], zones)
        return self.memo[key]

    def _compute(self, indicator: Indicator, zones: list | None) -> float | None:
        if indicator.kind in {"count", "sum"}:
            frame = self.published.get(indicator.table)
            if frame is None:
                return None
            if zones is not None:
                frame = frame[frame["zone_code"].isin(zones)]
            frame = frame[apply_filter(indicator.filter_tree, frame)]
            return float(len(frame)) if indicator.kind == "count" else float(frame[indicator.column].sum())
        if indicator.kind == "ratio":
            numerator = self.value(indicator.numerator, zones)
            denominator = self.value(indicator.denominator, zones)
            if numerator is None or not denominator:
                return None
            return 100.0 * numerator / denominator
        if indicator.kind == "convert":
            base = self.value(indicator.of, zones)
            if base is None or not self.rate:
                return None
            return base / self.rate if indicator.unit == "USD" else base * self.rate
        return None


# -- reading claims ------------------------------------------------------------------------------

def claim_interval(value: float, decimals: int, scale: float, qualifier: str | None, about: float,
                   whole: bool = False):
    """(lower, upper, lower inclusive, upper inclusive) that a written figure stands for; an exact
    count ("99.570") is exactly that number."""
    if qualifier is None and whole and scale == 1 and decimals == 0:
        return value, value, True, True
    if qualifier == "over":
        return value, math.inf, False, False
    if qualifier == "under":
        return -math.inf, value, False, False
    if qualifier == "about":
        return value * (1 - about), value * (1 + about), True, True
    half = 0.5 * 10.0 ** (-decimals) * scale
    return value - half, value + half, True, False


def _unit_fits(written: str | None, unit: str) -> bool:
    if written is None:
        return True
    if unit in COUNT_UNITS:
        return written in COUNT_UNITS
    return written == unit


def read_claims(claims: pd.DataFrame, catalogue: Catalogue, registry: ZoneRegistry, about: float):
    """The claims table typed for the checks: interval, unit fit, scope; plus any parsing warning."""
    figures = [parse_figure(v) for v in claims["value"]]
    convention, mixed = column_convention(figures)
    rows, warnings = [], []
    for (_, claim), figure in zip(claims.iterrows(), figures):
        indicator = catalogue.indicators.get(claim["indicator"]) if isinstance(claim["indicator"], str) else None
        scope_known, zones = resolve_scope(claim["scope"], registry)
        whole = indicator is not None and indicator.unit in COUNT_UNITS
        reading = None if figure.error else resolve_readings(figure, whole, convention)
        row = {
            "indicator": claim["indicator"], "scope": claim["scope"] if isinstance(claim["scope"], str) else "HP",
            "reported": claim["value"], "note": claim["note"], "known": indicator is not None,
            "scope_known": scope_known, "parsed": reading is not None, "unit_ok": True,
            "unit": indicator.unit if indicator else None, "qualifier": figure.qualifier,
            "reported_value": None, "lower": None, "upper": None, "lower_inclusive": True,
            "upper_inclusive": True, "zones": zones, "scale": 1.0, "decimals": 0,
            **{c: claim[c] for c in ("source_file", "source_sheet", "source_row", "row_id")},
        }
        if reading is not None and indicator is not None:
            row["unit_ok"] = _unit_fits(figure.unit, indicator.unit)
            value = reading.value * figure.scale
            lower, upper, low_in, up_in = claim_interval(value, reading.decimals, figure.scale, figure.qualifier,
                                                         about, whole)
            row.update(reported_value=value, lower=lower, upper=upper, lower_inclusive=low_in, upper_inclusive=up_in,
                       scale=figure.scale, decimals=reading.decimals)
            if figure.ambiguous and mixed and resolve_readings(figure, whole, None) is None:
                warnings.append(finding("CELL_MIXED_CONVENTION", table="claims", source_file=claim["source_file"],
                                        source_sheet=claim["source_sheet"], source_row=claim["source_row"],
                                        column="value", value=claim["value"], row_id=claim["row_id"]))
        rows.append(row)
    return pd.DataFrame(rows), warnings


# -- identities among claims ---------------------------------------------------------------------

def _interval(row) -> tuple:
    return float(row["lower"]), float(row["upper"])


def _ratio_interval(numerator: tuple, denominator: tuple) -> tuple:
    if denominator[0] <= 0:
        return -math.inf, math.inf
    return 100 * numerator[0] / denominator[1], 100 * numerator[1] / denominator[0]


def _implication(catalogue: Catalogue, name: str, low: float, high: float, central: float):
    """(name, low, high, central) that other claims imply, counts rounded inward; None if unbounded."""
    if not all(math.isfinite(v) for v in (low, high, central)):
        return None
    indicator = catalogue.indicators.get(name)
    if indicator is not None and indicator.unit in COUNT_UNITS:
        low, high, central = math.ceil(low - 1e-9), math.floor(high + 1e-9), round(central)
    return name, low, high, central


def _said(catalogue: Catalogue, rate: float | None, template: str, *codes) -> dict:
    """An identity in words, per language: '{0} = 100 × {1} / {2}' with the indicators' labels."""
    return {f"words_{lang}": template.format(*(catalogue.indicators[c].label(lang) for c in codes),
                                             rate=format_number(rate or 0, lang))
            for lang in ("vi", "en")}


def claim_identities(table: pd.DataFrame, catalogue: Catalogue, rate: float | None):
    """(identities frame, implications per claim row_id): every identity the claims allow."""
    usable = table[table["known"] & table["parsed"] & table["unit_ok"] & table["scope_known"]]
    by_scope = {scope: {r["indicator"]: r for _, r in group.iterrows()} for scope, group in usable.groupby("scope")}
    identities, implied = [], {}

    def add(target, name, implied_interval, others, words):
        identities.append({
            "identity": name, **words, "claimed_lower": target["lower"], "claimed_upper": target["upper"],
            "implied_lower": implied_interval[0], "implied_upper": implied_interval[1],
            "participants": [target["row_id"], *[o["row_id"] for o in others]],
            **{c: target[c] for c in ("source_file", "source_sheet", "source_row", "row_id")},
        })

    for scope, claims in by_scope.items():
        for code, indicator in catalogue.indicators.items():
            if indicator.kind == "ratio":
                share, part, whole = (claims.get(c) for c in (code, indicator.numerator, indicator.denominator))
                name = f"{code} = 100 × {indicator.numerator} / {indicator.denominator}"
                if share is not None and part is not None and whole is not None:
                    add(share, name, _ratio_interval(_interval(part), _interval(whole)), [part, whole],
                        _said(catalogue, rate, "{0} = 100 × {1} / {2}", code, indicator.numerator,
                              indicator.denominator))
                elif share is not None and part is not None and share["lower"] > 0:
                    low, high = _interval(share)
                    implied[share["row_id"]] = _implication(
                        catalogue, indicator.denominator, 100 * part["lower"] / high, 100 * part["upper"] / low,
                        100 * part["reported_value"] / share["reported_value"])
                elif share is not None and whole is not None:
                    low, high = _interval(share)
                    implied[share["row_id"]] = _implication(
                        catalogue, indicator.numerator, low * whole["lower"] / 100, high * whole["upper"] / 100,
                        share["reported_value"] * whole["reported_value"] / 100)
            if indicator.kind == "convert" and code in claims and indicator.of in claims:
                converted, base = claims[code], claims[indicator.of]
                low, high = _interval(base)
                if converted["lower"] > 0:
                    implied[converted["row_id"]] = _implication(
                        catalogue, "vnd_per_usd", low / converted["upper"], high / converted["lower"],
                        base["reported_value"] / converted["reported_value"])
                if rate:
                    scale = (1 / rate) if indicator.unit == "USD" else rate
                    sign = "÷" if indicator.unit == "USD" else "×"
                    add(converted, f"{code} = {indicator.of} {sign} {format_number(rate)} VND/USD",
                        (low * scale, high * scale), [base],
                        _said(catalogue, rate, f"{{0}} = {{1}} {sign} {{rate}} VND/USD", code, indicator.of))
        for name, identity in catalogue.identities.items():
            parts = [claims.get(p) for p in identity["parts"]]
            total = claims.get(identity["total"])
            if total is not None and all(p is not None for p in parts):
                add(total, f"{identity['total']} = {' + '.join(identity['parts'])}",
                    (sum(p["lower"] for p in parts), sum(p["upper"] for p in parts)), parts,
                    _said(catalogue, rate, "{0} = " + " + ".join(f"{{{i}}}" for i in range(1, len(parts) + 1)),
                         identity["total"], *identity["parts"]))
    implied = {row_id: value for row_id, value in implied.items() if value is not None}
    frame = pd.DataFrame(identities, columns=[
        "identity", "words_vi", "words_en", "claimed_lower", "claimed_upper", "implied_lower", "implied_upper", "participants",
        "source_file", "source_sheet", "source_row", "row_id"])
    return frame, implied


# -- the whole check -----------------------------------------------------------------------------

@dataclass
class ClaimsResult:
    table: pd.DataFrame  # one row per claim, with status
    identities: pd.DataFrame
    findings: pd.DataFrame
    filters: dict = field(default_factory=dict)


def _typed_claims(table: pd.DataFrame) -> pd.DataFrame:
    dtypes = {"indicator": "string", "scope": "string", "reported": "string", "known": "boolean",
              "scope_known": "boolean", "parsed": "boolean", "unit_ok": "boolean", "lower": "Float64",
              "upper": "Float64", "lower_inclusive": "boolean", "upper_inclusive": "boolean",
              "recomputed": "Float64", "identities_checked": "Int64", "source_file": "string",
              "source_sheet": "string", "source_row": "Int64"}
    return table.astype(dtypes)


def check_claims(claims: pd.DataFrame, published: dict, catalogue: Catalogue, registry: ZoneRegistry,
                 rate: float | None, about: float = 0.05) -> ClaimsResult:
    """Every claim's interval, recomputed figure, identities and status, and the findings."""
    if claims.empty:
        return ClaimsResult(pd.DataFrame(), pd.DataFrame(), empty_findings())
    table, warnings = read_claims(claims, catalogue, registry, about)
    recomputer = Recomputer(catalogue, published, rate)
    table["recomputed"] = [
        recomputer.value(row["indicator"], row["zones"]) if row["known"] and row["scope_known"] else None
        for _, row in table.iterrows()
    ]
    identities, implied = claim_identities(table, catalogue, rate)
    involved = pd.Series([r for ids in identities["participants"] for r in ids], dtype="int64")
    table["identities_checked"] = table["row_id"].map(involved.value_counts()).fillna(0).astype("int64")
    table = _typed_claims(table).set_index("row_id", drop=False).rename_axis(None)
    findings = findings_from_cases(failure_cases(ClaimsTable.to_schema(), table), table, "claims")
    if len(identities):
        identity_frame = identities.astype({"identity": "string", "claimed_lower": "Float64",
                                            "claimed_upper": "Float64", "implied_lower": "Float64",
                                            "implied_upper": "Float64"}).reset_index(drop=True)
        identity_cases = failure_cases(ClaimIdentities.to_schema(), identity_frame)
        broken = identity_frame.loc[identity_cases["index"].dropna().astype(int).unique()] \
            if len(identity_cases) else identity_frame.iloc[0:0]
        identity_findings = findings_from_cases(identity_cases, identity_frame, "claims")
        if len(identity_findings):
            identity_findings["row_id"] = broken["row_id"].to_numpy()
            identity_findings["value"] = broken["row_id"].map(table["reported"]).to_numpy()
            for lang in ("vi", "en"):
                identity_findings[f"message_{lang}"] += [": " + identity_text(r, table.loc[r["row_id"]], lang)
                                                       for _, r in broken.iterrows()]
        identities["holds"] = ~identities.index.isin(broken.index)
        findings = findings_frame([findings, identity_findings])
    else:
        identities["holds"] = pd.Series(dtype=bool)
    findings = findings_frame([findings, *warnings]) if warnings else findings
    table["status"] = claim_status(table, identities, findings)
    table["implied"] = table["row_id"].map(lambda r: implied.get(r))
    table["definition_vi"] = table["indicator"].map(lambda c: catalogue.indicators[c].definition("vi")
                                                    if c in catalogue.indicators else None)
    table["definition_en"] = table["indicator"].map(lambda c: catalogue.indicators[c].definition("en")
                                                    if c in catalogue.indicators else None)
    for lang in ("vi", "en"):
        known = table["indicator"].map(catalogue.indicators.get)
        table[f"label_{lang}"] = known.map(lambda i: i.label(lang) if i else None)
        table[f"sentence_{lang}"] = known.map(lambda i: i.sentence(lang) if i else None)
        table[f"implied_{lang}"] = table["implied"].map(lambda i: implication_text(i, lang, catalogue) if i else None)
    findings = describe_claim_findings(findings, table)
    return ClaimsResult(table.reset_index(drop=True), identities, findings, catalogue.filters)


def claim_status(table: pd.DataFrame, identities: pd.DataFrame, findings: pd.DataFrame) -> pd.Series:
    """pass/fail against the data; else consistent when every identity it takes part in holds,
    fail when one breaks; not_checkable when nothing bears on it. A claim that cannot be read fails."""
    data_failed = set(findings.loc[findings["rule"] == "CLAIM_FAILS_DATA", "row_id"].dropna().astype(int))
    broken = {r for ids, holds in zip(identities["participants"], identities["holds"]) if not holds for r in ids} \
        if len(identities) else set()
    valid = table["known"] & table["parsed"] & table["unit_ok"] & table["scope_known"]
    status = []
    for row_id, is_valid, recomputed, checked in zip(table["row_id"], valid, table["recomputed"],
                                                     table["identities_checked"]):
        if not is_valid:
            status.append("fail")
        elif pd.notna(recomputed):
            status.append("fail" if row_id in data_failed else "pass")
        elif checked:
            status.append("fail" if row_id in broken else "consistent")
        else:
            status.append("not_checkable")
    return pd.Series(status, index=table.index)


# the data contract's columns first (a reader by position keeps working), then ours: the indicator's
# unit from the catalogue (persons, enterprises, projects, USD, VND, %; empty for an unknown code)
INDICATOR_COLUMNS = ["indicator", "scope", "reported", "reported_value", "qualifier", "recomputed", "lower",
                     "upper", "status", "note", "unit", "definition_vi", "definition_en", "implied", "source_file",
                     "source_sheet", "source_row"]


def indicators_table(result: ClaimsResult) -> pd.DataFrame:
    """indicators.csv: one row per claim, the contract's columns first."""
    if result.table.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    table = result.table.copy()
    table["implied"] = table["implied_en"]
    table = table.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    for column in ("lower", "upper"):
        table[column] = table[column].astype("Float64").mask(table[column].astype("Float64").abs() == math.inf)
    return table[INDICATOR_COLUMNS].reset_index(drop=True)


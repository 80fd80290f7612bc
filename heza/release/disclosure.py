"""Disclosure control of the public tier, before anything in it is written.

The public tier publishes no enterprise row, only sums of the published enterprise rows by zone and
ownership with the zone, ownership and city totals (PUBLIC_MEASURES), and the release figures. A
cell is sensitive when fewer than `min_contributors` enterprises contribute to it, or when its
`dominance_top` largest contributors make more than `dominance_share` of it: either way one
enterprise could read another's figure from it. Sensitive cells are hidden with enough others that
none can be recomputed from the totals (heza/release/suppression.py); every hidden cell is left
empty and marked in the `flag` column. A table whose audit still finds a sensitive cell within reach
is not published (the gate), with one finding per such cell. A release figure summed from the
enterprise rows is held to the same two rules; one that would disclose gets a finding and is
published without its figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heza.assess.catalogue import Catalogue, Indicator
from heza.assess.claims import resolve_scope
from heza.assess.filters import apply_filter
from heza.findings import finding, findings_frame
from heza.ingest.numbers import format_number
from heza.ingest.reference import ZoneRegistry
from heza.release.suppression import protect
from schemas.enterprise import OWNERSHIP_VALUES
from schemas.tables import COLUMN_LABELS, OWNERSHIP_LABELS, PUBLIC_MEASURES, PUBLIC_PARTS

CITY = "HP"  # the city total's row, as claims name the whole city
TOTAL = "total"  # the total over ownership types
OWNERSHIP_AXIS = (*OWNERSHIP_VALUES, TOTAL)
SUPPRESSED = "DISCLOSURE_SUPPRESSED"  # the flag of a hidden cell (one flag: which cells were sensitive stays unsaid)
CLAIM_FLAG = "DISCLOSURE_CLAIM"
PUBLIC_CLAIM_COLUMNS = ["indicator", "scope", "reported", "reported_value", "qualifier", "recomputed", "lower",
                        "upper", "status", "unit", "definition_vi", "definition_en"]
_CLAIM_FIGURES = ["reported", "reported_value", "recomputed", "lower", "upper"]
_CITY_WORDS = ("toàn thành phố", "whole city")
_TOTAL_WORDS = ("mọi loại hình", "all ownership types")


@dataclass(frozen=True)
class PublicTable:
    """One measure by zone and ownership as the public tier would publish it, and what its audit found."""

    measure: str
    frame: pd.DataFrame  # zone_code, ownership, value (empty when hidden), flag
    sensitive: int  # cells hidden because they are sensitive themselves
    exposed: pd.DataFrame  # zone_code, ownership of sensitive cells the audit could still recompute

    @property
    def file(self) -> str:
        return f"{self.measure}_by_zone.csv"

    @property
    def published(self) -> bool:
        return self.exposed.empty

    @property
    def hidden(self) -> int:
        return int((self.frame["flag"] == SUPPRESSED).sum())


@dataclass(frozen=True)
class Disclosure:
    """The public tier after disclosure control: its tables, its release figures, and the findings."""

    tables: tuple
    indicators: pd.DataFrame | None
    findings: pd.DataFrame

    @property
    def summary(self) -> list:
        """report.json's `disclosure`: per public table, its cells, how many are hidden, published or not."""
        return [{"file": f"public/{t.file}", "measure": t.measure, "cells": len(t.frame), "hidden": t.hidden,
                 "published": t.published} for t in self.tables]


def cell_index(enterprises: pd.DataFrame, zones: list) -> np.ndarray:
    """The four cells each enterprise adds to, as positions in the grid of (zones, city) x (ownership
    types, total): its zone and ownership, its zone's total, its ownership's city total, the city total."""
    zone = pd.Index(zones).get_indexer(enterprises["zone_code"].astype(str))
    kind = pd.Index(OWNERSHIP_AXIS).get_indexer(enterprises["ownership"].astype(str))
    width, total = len(OWNERSHIP_AXIS), len(OWNERSHIP_AXIS) - 1
    city = np.full(len(zone), len(zones))
    return np.concatenate([zone * width + kind, zone * width + total, city * width + kind, city * width + total])


def _rank_in_cell(cells: np.ndarray, value: np.ndarray) -> tuple:
    """(order, rank): positions by cell, largest value first, and each one's rank within its cell.
    lexsort's order, in two stable sorts: by value, then by cell, whose few values sort by radix as
    small integers (half lexsort's time over a million enterprises, once per public measure)."""
    by_value = np.argsort(-value, kind="stable")
    small = cells.astype(np.int16) if len(cells) and cells.max() < np.iinfo(np.int16).max else cells
    order = by_value[np.argsort(small[by_value], kind="stable")]
    ranked = cells[order]
    return order, np.arange(len(order)) - np.searchsorted(ranked, ranked)


def cell_stats(enterprises: pd.DataFrame, measure: str, zones: list, cells: np.ndarray, top: int) -> pd.DataFrame:
    """Per cell of the grid: the sum, the contributing enterprises (value > 0) and the sum of the
    `top` largest of them; `cells` from cell_index. Every cell is a union of (zone, ownership) cells,
    so the `top` largest of any cell are among the `top` largest of those: the enterprises are ranked
    once in their (zone, ownership) cell, and only the few leaders again in every cell."""
    value = np.ones(len(enterprises)) if measure == "enterprises" else \
        enterprises[measure].astype("Float64").fillna(0).to_numpy(float)
    size = (len(zones) + 1) * len(OWNERSHIP_AXIS)
    order, rank = _rank_in_cell(cells[:len(value)], value)
    leaders = order[rank < top]
    leader_cells, leader_values = cells.reshape(4, len(value))[:, leaders].ravel(), np.tile(value[leaders], 4)
    order, rank = _rank_in_cell(leader_cells, leader_values)
    largest = np.where(rank < top, leader_values[order], 0.0)
    value = np.tile(value, 4)
    index = pd.MultiIndex.from_product([[*zones, CITY], OWNERSHIP_AXIS], names=["zone_code", "ownership"])
    return pd.DataFrame({"value": np.bincount(cells, weights=value, minlength=size),
                         "contributors": np.bincount(cells, weights=value > 0, minlength=size),
                         "largest": np.bincount(leader_cells[order], weights=largest, minlength=size)}, index=index)


def too_revealing(contributors, largest, total, rules: dict):
    """The two primary rules: too few contributors, or the largest one or two dominate."""
    few = (contributors > 0) & (contributors < rules["min_contributors"])
    dominated = (contributors > 0) & (largest > rules["dominance_share"] * total)
    return few | dominated


def aggregate_tables(enterprises: pd.DataFrame, rules: dict) -> list:
    """Every public measure by zone and ownership, suppressed group by group."""
    zones = sorted(enterprises["zone_code"].dropna().astype(str).unique())
    cells = cell_index(enterprises, zones)
    groups: dict = {}
    for measure, group in PUBLIC_MEASURES.items():
        groups.setdefault(group, []).append(measure)
    tables = []
    for group, measures in groups.items():
        stats = [cell_stats(enterprises, m, zones, cells, int(rules["dominance_top"])) for m in measures]
        shape = (len(measures), len(zones) + 1, len(OWNERSHIP_AXIS))
        values = np.stack([s["value"].to_numpy(float) for s in stats]).reshape(shape)
        sensitive = np.zeros(shape, dtype=bool) if group is None else np.stack(
            [too_revealing(s["contributors"], s["largest"], s["value"], rules).to_numpy() for s in stats]
        ).reshape(shape)
        parts = [(measures.index(a), measures.index(b)) for a, b in PUBLIC_PARTS if {a, b} <= set(measures)]
        protection = protect(values, sensitive, float(rules["protection"]), parts)
        hidden = protection.hidden.ravel()
        for k, measure in enumerate(measures):
            index = stats[k].index
            dtype = enterprises[measure].dtype if measure in enterprises else "Int64"
            frame = pd.DataFrame({"zone_code": index.get_level_values(0), "ownership": index.get_level_values(1),
                                  "value": pd.array(stats[k]["value"].to_numpy(), dtype=dtype)})
            frame["value"] = frame["value"].mask(hidden)
            frame["flag"] = pd.array(np.where(hidden, SUPPRESSED, ""), dtype="string")
            exposed = frame.loc[protection.exposed[k].ravel(), ["zone_code", "ownership"]].reset_index(drop=True)
            tables.append(PublicTable(measure, frame, int(sensitive[k].sum()), exposed))
    return tables


def _sum_leaves(indicator: Indicator, catalogue: Catalogue) -> list:
    """The sums over enterprise rows that an indicator is computed from (ratios and conversions unfolded)."""
    if indicator.kind == "sum":
        return [indicator] if indicator.table == "enterprises" else []
    names = {"ratio": (indicator.numerator, indicator.denominator), "convert": (indicator.of,)}.get(indicator.kind, ())
    return [leaf for name in names if name in catalogue.indicators
            for leaf in _sum_leaves(catalogue.indicators[name], catalogue)]


def _claim_problem(leaf: Indicator, frame: pd.DataFrame, rules: dict) -> tuple | None:
    """(detail_vi, detail_en) when the sum `leaf` over `frame` breaks a primary rule, else None."""
    values = frame.loc[apply_filter(leaf.filter_tree, frame), leaf.column].astype("Float64").fillna(0).astype(float)
    positive = values[values > 0]
    top = int(rules["dominance_top"])
    contributors, largest, total = len(positive), positive.nlargest(top).sum(), positive.sum()
    if not too_revealing(contributors, largest, total, rules):
        return None
    if contributors < rules["min_contributors"]:
        return (f"{leaf.label_vi}: {contributors} doanh nghiệp đóng góp, cần ít nhất {rules['min_contributors']}",
                f"{leaf.label_en}: {contributors} contributing enterprises, at least "
                f"{rules['min_contributors']} needed")
    limit = format_number(100 * rules["dominance_share"], "vi")
    return (f"{leaf.label_vi}: {top} doanh nghiệp lớn nhất chiếm hơn {limit} %",
            f"{leaf.label_en}: the {top} largest enterprises make more than "
            f"{format_number(100 * rules['dominance_share'], 'en')} %")


def disclosive_claims(indicators: pd.DataFrame, enterprises: pd.DataFrame, catalogue: Catalogue,
                 registry: ZoneRegistry, rules: dict) -> tuple[pd.Series, list]:
    """(disclosive, findings): which release figures (rows of indicators.csv) would disclose."""
    disclosive = pd.Series(False, index=indicators.index)
    records = []
    for position, claim in indicators.iterrows():  # release figures, a few dozen: not data rows
        indicator = catalogue.indicators.get(claim["indicator"]) if isinstance(claim["indicator"], str) else None
        if indicator is None:
            continue
        known, zones = resolve_scope(claim["scope"], registry)
        frame = enterprises if zones is None else enterprises[enterprises["zone_code"].isin(zones)]
        problems = [p for leaf in _sum_leaves(indicator, catalogue) if (p := _claim_problem(leaf, frame, rules))]
        if known and problems:
            disclosive[position] = True
            records.append(finding(CLAIM_FLAG, table="claims", source_file=claim["source_file"],
                                   source_sheet=claim["source_sheet"], source_row=claim["source_row"],
                                   column="value", value=claim["reported"],
                                   detail_vi=problems[0][0], detail_en=problems[0][1]))
    return disclosive, records


def public_indicators(indicators: pd.DataFrame, disclosive: pd.Series) -> pd.DataFrame:
    """public/indicators.csv: the release figures without their sources and notes; a disclosive
    figure keeps its row, its figures left empty and flagged."""
    public = indicators[PUBLIC_CLAIM_COLUMNS].copy()
    for column in _CLAIM_FIGURES:
        public[column] = public[column].mask(disclosive)
    public["flag"] = pd.array(np.where(disclosive, CLAIM_FLAG, ""), dtype="string")
    return public.reset_index(drop=True)


def _cell_words(table: PublicTable, zone: str, ownership: str, registry: ZoneRegistry) -> tuple:
    label = COLUMN_LABELS[table.measure]
    place = _CITY_WORDS if zone == CITY else (registry.name_of(zone),) * 2
    kind = _TOTAL_WORDS if ownership == TOTAL else OWNERSHIP_LABELS[ownership]
    return tuple(f"{label[i]} · {place[i]} · {kind[i]}" for i in (0, 1))


def table_findings(tables: list, registry: ZoneRegistry, protection: float) -> list:
    """One finding per exposed cell of a table not published; one per published table with hidden
    cells. No figure is quoted: the report must not reveal what the table hides."""
    records, percent = [], format_number(100 * protection, "vi")
    for table in tables:
        where = {"table": "public", "source_file": f"public/{table.file}", "column": table.measure}
        for zone, ownership in zip(table.exposed["zone_code"], table.exposed["ownership"]):
            vi, en = _cell_words(table, zone, ownership, registry)
            records.append(finding(
                "DISCLOSURE_TABLE_WITHHELD", **where, value=zone,
                detail_vi=f"{vi}: từ các ô đã công bố tính ra được trong khoảng hẹp hơn ±{percent} %",
                detail_en=f"{en}: the published cells pin it down to within ±{format_number(100 * protection, 'en')} %"))
        if table.published and table.hidden:
            records.append(finding(
                SUPPRESSED, **where, value=str(table.hidden),
                detail_vi=f"{table.hidden} ô bị ẩn ({table.sensitive} ô cần bảo mật, "
                          f"{table.hidden - table.sensitive} ô ẩn kèm để không tính ngược được)",
                detail_en=f"{table.hidden} cells hidden ({table.sensitive} sensitive, "
                          f"{table.hidden - table.sensitive} hidden with them so none can be recomputed)"))
    return records


def disclose(enterprises: pd.DataFrame, indicators: pd.DataFrame | None, catalogue: Catalogue,
             registry: ZoneRegistry, rules: dict) -> Disclosure:
    """The public tier's tables and release figures after disclosure control, with the findings."""
    tables = aggregate_tables(enterprises, rules)
    records = table_findings(tables, registry, float(rules["protection"]))
    public = None
    if indicators is not None and not indicators.empty:
        disclosive, claim_records = disclosive_claims(indicators, enterprises, catalogue, registry, rules)
        records += claim_records
        public = public_indicators(indicators, disclosive)
    return Disclosure(tuple(tables), public, findings_frame(records))

"""Rules across tables and periods: zone rows against their enterprise rows and the last
publication, and completeness (active zones that did not report)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heza.findings import display_value, empty_findings, finding, findings_frame, row_errors
from heza.ingest.reference import ZoneRegistry
from heza.assess.validate import failure_cases, findings_from_cases
from schemas import CUMULATIVE_COLUMNS, reconciliation_schema
from schemas.catalogue import RULES

SUMMED = ("workers_total", "workers_female", "workers_male")


def doubtful_cells(findings: pd.DataFrame, enterprises: pd.DataFrame) -> pd.DataFrame:
    """(row_id, column) of the summed worker figures an error puts in doubt: the finding's own
    column and every column its rule names (female + male = total doubts all three)."""
    errors = row_errors(findings[findings["table"] == "enterprises"], enterprises)
    named = errors["rule"].str.split(":").str[0].map(lambda code: list(RULES[code].columns) if code in RULES else [])
    columns = [[*rule_columns, own] for rule_columns, own in zip(named, errors["column"])]
    cells = errors[["row_id"]].assign(column=columns).explode("column")
    return cells[cells["column"].isin(SUMMED)].drop_duplicates().reset_index(drop=True)


def enterprise_sums(enterprises: pd.DataFrame, doubtful: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per zone: how many enterprise rows it submitted, and their summed workers. A zone's sum is
    unknown (empty, so not compared) when one of its figures is empty or in doubt: a zone report
    is checked against what its enterprises wrote, never against a sum missing a row."""
    values = enterprises[list(SUMMED)].copy()
    for column, rows in ({} if doubtful is None else doubtful.groupby("column")["row_id"]):
        values.loc[enterprises["row_id"].isin(rows).to_numpy(), column] = pd.NA
    grouped = values.groupby(enterprises["zone_code"], dropna=True)
    sums = grouped.sum(min_count=1).mask(values.isna().groupby(enterprises["zone_code"], dropna=True).any())
    sums = sums.astype("Int64")
    sums.columns = [f"enterprise_{c}" for c in sums.columns]
    sums["enterprise_rows"] = grouped.size().astype("Int64")
    return sums


def held_back_by_zone(zones: pd.DataFrame, enterprises: pd.DataFrame, published: pd.Series,
                      doubtful: pd.DataFrame) -> pd.DataFrame:
    """Reporting zones some of whose enterprise rows are held back: what the zone reported, the rows
    it submitted, the rows published, and the worker figures that could not be compared (a held-back
    row's figure empty or in doubt). The published sums then fall short of a right zone report by
    those rows: information for the reader, not a finding against the zone."""
    by_zone = enterprises.assign(published=published.to_numpy()).groupby("zone_code", dropna=True)["published"]
    counts = pd.DataFrame({"submitted": by_zone.size(), "published": by_zone.sum()}).astype("int64")
    reported = zones.drop_duplicates("zone_code").set_index("zone_code")["enterprises"]
    counts = counts[(counts["submitted"] > counts["published"]) & counts.index.isin(reported.index)]
    unknown = enterprise_sums(enterprises, doubtful)[[f"enterprise_{c}" for c in SUMMED]].isna()
    not_compared = unknown.reindex(counts.index, fill_value=False).apply(
        lambda row: [c for c, missing in zip(SUMMED, row) if missing], axis=1, result_type="reduce")
    return counts.assign(reported=reported.reindex(counts.index).astype("Int64"),
                         not_compared=not_compared).rename_axis("zone_code").reset_index()


def previous_cumulative(processed_dir: Path, previous_period: str) -> pd.DataFrame:
    """The last published zones.csv's cumulative columns, indexed by zone (empty if none).

    A column that file lacks (an older or hand-edited publication), or a file that cannot be read,
    does not stop the run: the column is left empty, so its cumulative check is skipped, and
    `attrs["missing"]` names it (with `attrs["path"]`) for reconcile_zones to say so."""
    columns = [f"previous_{c}" for c in CUMULATIVE_COLUMNS]
    # today's path, or the restricted tier's copy when [publish] legacy_paths is off
    paths = [Path(processed_dir) / previous_period / folder / "zones.csv" for folder in ("", "restricted")]
    path = next((p for p in paths if p.exists()), paths[0])
    if not path.exists():
        return pd.DataFrame(columns=columns)
    try:
        previous = pd.read_csv(path, dtype={"zone_code": "string"}, encoding="utf-8")
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # unreadable, not UTF-8, empty
        previous = pd.DataFrame(columns=["zone_code"])
        previous.attrs["error"] = str(exc)
    if "zone_code" not in previous.columns:
        previous = pd.DataFrame(columns=["zone_code"])
    missing = [c for c in CUMULATIVE_COLUMNS if c not in previous.columns]
    previous = previous.drop_duplicates("zone_code").set_index("zone_code")
    previous = previous.reindex(columns=list(CUMULATIVE_COLUMNS))
    previous = previous.apply(pd.to_numeric, errors="coerce").add_prefix("previous_")
    previous.attrs.update(missing=missing, path=str(path))
    return previous


def _skipped_cumulative_checks(previous: pd.DataFrame) -> pd.DataFrame:
    """One warning per cumulative column the last publication lacks: its check was skipped."""
    path = previous.attrs.get("path", "")
    return findings_frame([finding(
        "PERIOD_PREVIOUS_COLUMN_MISSING", column=column,
        detail_vi=f"{path} không có cột {column}, bỏ qua kiểm tra lũy kế của cột này",
        detail_en=f"{path} has no column {column}; the cumulative check of this column was skipped",
    ) for column in previous.attrs.get("missing", [])])


def reconciliation_frame(zones: pd.DataFrame, enterprises: pd.DataFrame, previous: pd.DataFrame,
                         doubtful: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each zone row beside its enterprise sums and its previous cumulative figures."""
    frame = zones.join(enterprise_sums(enterprises, doubtful), on="zone_code")
    frame = frame.join(previous, on="zone_code")
    frame["enterprise_rows"] = frame["enterprise_rows"].fillna(0).astype("Int64")
    for column in CUMULATIVE_COLUMNS:
        frame[f"previous_{column}"] = frame[f"previous_{column}"].astype(zones[column].dtype)
    return frame.set_index("row_id", drop=False).rename_axis(None)


def reconcile_zones(zones: pd.DataFrame, enterprises: pd.DataFrame, previous: pd.DataFrame,
                    letters: dict | None = None, doubtful: pd.DataFrame | None = None) -> pd.DataFrame:
    """Warnings where a zone's totals differ from the enterprise rows it submitted (all of them,
    held back or not; figures in `doubtful` cells are not summed) or its cumulative figures shrank."""
    if zones.empty:
        return empty_findings()
    frame = reconciliation_frame(zones, enterprises, previous, doubtful)
    cases = failure_cases(reconciliation_schema(), frame)
    findings = findings_from_cases(cases, frame, "zones", letters)
    skipped = _skipped_cumulative_checks(previous)
    decreases = findings["rule"] == "ZONE_CUMULATIVE_DECREASE"
    if decreases.any():
        rows = frame.loc[findings.loc[decreases, "row_id"].astype("int64")]
        columns = findings.loc[decreases, "column"].tolist()
        findings.loc[decreases, "value"] = [
            f"{display_value(rows.iloc[i][c])} < {display_value(rows.iloc[i]['previous_' + c])}"
            for i, c in enumerate(columns)
        ]
    return findings_frame([findings, skipped]) if len(skipped) else findings


def completeness(published_zones: pd.DataFrame, registry: ZoneRegistry, period: str,
                 reported_zones) -> pd.DataFrame:
    """One warning per zone active in the period with no published zone row."""
    present = set(published_zones["zone_code"].dropna())
    reported = set(reported_zones)
    records = []
    for code in registry.active_in(period):
        if code in present:
            continue
        held = code in reported
        records.append(finding(
            "PERIOD_ZONE_MISSING", column="zone_code", value=code,
            detail_vi=f"{registry.name_of(code)}" + (" (đã gửi nhưng dòng bị giữ lại)" if held else ""),
            detail_en=f"{registry.name_of(code)}" + (" (reported, but its row was held back)" if held else ""),
        ))
    return findings_frame(records)

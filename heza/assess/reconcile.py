"""Rules across tables and periods: zone rows against their enterprise rows and the last
publication, and completeness (active zones that did not report)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heza.findings import display_value, empty_findings, finding, findings_frame
from heza.ingest.reference import ZoneRegistry
from heza.assess.validate import failure_cases, findings_from_cases
from schemas import CUMULATIVE_COLUMNS, reconciliation_schema

_SUMMED = ("workers_total", "workers_female", "workers_male")


def enterprise_sums(enterprises: pd.DataFrame) -> pd.DataFrame:
    """Per zone: how many enterprise rows were read, and their summed workers."""
    grouped = enterprises.groupby("zone_code", dropna=True)
    sums = grouped[list(_SUMMED)].sum(min_count=1).astype("Int64")
    sums.columns = [f"enterprise_{c}" for c in sums.columns]
    sums["enterprise_rows"] = grouped.size().astype("Int64")
    return sums


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


def reconciliation_frame(zones: pd.DataFrame, enterprises: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Each zone row beside its enterprise sums and its previous cumulative figures."""
    frame = zones.join(enterprise_sums(enterprises), on="zone_code")
    frame = frame.join(previous, on="zone_code")
    frame["enterprise_rows"] = frame["enterprise_rows"].fillna(0).astype("Int64")
    for column in CUMULATIVE_COLUMNS:
        frame[f"previous_{column}"] = frame[f"previous_{column}"].astype(zones[column].dtype)
    return frame.set_index("row_id", drop=False).rename_axis(None)


def reconcile_zones(zones: pd.DataFrame, enterprises: pd.DataFrame, previous: pd.DataFrame,
                    letters: dict | None = None) -> pd.DataFrame:
    """Warnings where a zone's totals differ from its enterprise rows or its cumulative figures shrank."""
    if zones.empty:
        return empty_findings()
    frame = reconciliation_frame(zones, enterprises, previous)
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

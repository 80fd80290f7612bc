"""The zone report (báo cáo của khu): one row per zone; and its reconciliation with enterprise rows."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import no_duplicates, with_edit_checks
from schemas.enterprise import SourceColumns, WorkerCounts, _field

CUMULATIVE_COLUMNS = ("fdi_projects_cum", "fdi_capital_usd_cum", "di_projects_cum", "di_capital_vnd_cum")


class ZoneReport(WorkerCounts, SourceColumns):
    """Every rule of the contract's zone report that one period's zone rows can show."""

    zone_code: Series[pd.StringDtype] = _field("Zone code from the registry", nullable=False)
    enterprises: Series[pd.Int64Dtype] = _field("Enterprises in operation", nullable=False)
    fdi_projects_cum: Series[pd.Int64Dtype] = _field("Cumulative FDI projects", nullable=False)
    fdi_capital_usd_cum: Series[pd.Float64Dtype] = _field(
        "Cumulative FDI investment capital", nullable=False, unit="USD")
    di_projects_cum: Series[pd.Int64Dtype] = _field("Cumulative domestic (DDI) projects", nullable=False)
    di_capital_vnd_cum: Series[pd.Float64Dtype] = _field(
        "Cumulative domestic (DDI) investment capital", nullable=False, unit="VND")
    export_usd: Series[pd.Float64Dtype] = _field("Export value", nullable=True, unit="USD")
    import_usd: Series[pd.Float64Dtype] = _field("Import value", nullable=True, unit="USD")

    class Config:
        name = "zones"
        strict = False
        coerce = False

    @pa.check("zone_code", name="ZONE_DUPLICATE")
    def _one_row_per_zone(cls, series: Series[str]) -> Series[bool]:
        return no_duplicates(series)


def zone_schema(zone_codes) -> pa.DataFrameSchema:
    """The zone model plus the linear rules (built from their edits in rules.toml) and the
    registry check, whose zone list is data (zones.csv)."""
    schema = with_edit_checks(ZoneReport.to_schema(), "zones")
    column = schema.columns["zone_code"]
    return schema.update_column(
        "zone_code", checks=[*column.checks, pa.Check.isin(sorted(zone_codes), name="ZONE_UNKNOWN", error="ZONE_UNKNOWN")]
    )


def _matches(frame: pd.DataFrame, reported: str, computed: str) -> pd.Series:
    return (frame[reported] == frame[computed]).fillna(True).astype(bool)


class ZoneReconciliation(pa.DataFrameModel):
    """A zone's row beside the sums of its enterprise rows and its last published row (warnings)."""

    zone_code: Series[pd.StringDtype] = _field("Zone code", nullable=False)
    enterprises: Series[pd.Int64Dtype] = _field("Enterprises the zone reported", nullable=True)
    enterprise_rows: Series[pd.Int64Dtype] = _field("Enterprise rows read for the zone", nullable=True)
    workers_total: Series[pd.Int64Dtype] = _field("Workers the zone reported", nullable=True)
    workers_female: Series[pd.Int64Dtype] = _field("Female workers the zone reported", nullable=True)
    workers_male: Series[pd.Int64Dtype] = _field("Male workers the zone reported", nullable=True)
    enterprise_workers_total: Series[pd.Int64Dtype] = _field("Sum over enterprise rows", nullable=True)
    enterprise_workers_female: Series[pd.Int64Dtype] = _field("Sum over enterprise rows", nullable=True)
    enterprise_workers_male: Series[pd.Int64Dtype] = _field("Sum over enterprise rows", nullable=True)
    fdi_projects_cum: Series[pd.Int64Dtype] = _field("This period", nullable=True)
    fdi_capital_usd_cum: Series[pd.Float64Dtype] = _field("This period", nullable=True)
    di_projects_cum: Series[pd.Int64Dtype] = _field("This period", nullable=True)
    di_capital_vnd_cum: Series[pd.Float64Dtype] = _field("This period", nullable=True)
    previous_fdi_projects_cum: Series[pd.Int64Dtype] = _field("Last published period", nullable=True)
    previous_fdi_capital_usd_cum: Series[pd.Float64Dtype] = _field("Last published period", nullable=True)
    previous_di_projects_cum: Series[pd.Int64Dtype] = _field("Last published period", nullable=True)
    previous_di_capital_vnd_cum: Series[pd.Float64Dtype] = _field("Last published period", nullable=True)

    class Config:
        name = "zone_reconciliation"
        strict = False

    @pa.dataframe_check(name="ZONE_ENTERPRISES_MATCH")
    def _enterprise_count(cls, frame: pd.DataFrame) -> Series[bool]:
        return _matches(frame, "enterprises", "enterprise_rows")

    @pa.dataframe_check(name="ZONE_WORKERS_MATCH")
    def _worker_sums(cls, frame: pd.DataFrame) -> Series[bool]:
        return (
            _matches(frame, "workers_total", "enterprise_workers_total")
            & _matches(frame, "workers_female", "enterprise_workers_female")
            & _matches(frame, "workers_male", "enterprise_workers_male")
        )


def _not_below_previous(column: str):
    def check(frame: pd.DataFrame) -> pd.Series:
        return (frame[column] >= frame[f"previous_{column}"]).fillna(True).astype(bool)
    return check


def reconciliation_schema() -> pa.DataFrameSchema:
    """The reconciliation model plus one cumulative check per column, named 'CODE:column' so
    that each finding names the column that shrank."""
    schema = ZoneReconciliation.to_schema()
    cumulative = [pa.Check(_not_below_previous(c), name=f"ZONE_CUMULATIVE_DECREASE:{c}")
                  for c in CUMULATIVE_COLUMNS]
    return pa.DataFrameSchema(schema.columns, checks=[*schema.checks, *cumulative], name=schema.name)

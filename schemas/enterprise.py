"""The enterprise report (báo cáo doanh nghiệp): one row per enterprise, and its published form."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import no_duplicates, tax_code_valid, with_edit_checks

OWNERSHIP_VALUES = ("state", "domestic_private", "foreign_invested")
NON_STATE = ("domestic_private", "foreign_invested")


def _field(description: str, nullable: bool, unit: str | None = None, **kwargs):
    return pa.Field(nullable=nullable, description=description,
                    metadata={"unit": unit} if unit else None, **kwargs)


class SourceColumns(pa.DataFrameModel):
    """Where each row came from: the file, the sheet and the row number Excel shows."""

    source_file: Series[pd.StringDtype] = pa.Field(description="Input file name")
    source_sheet: Series[pd.StringDtype] = pa.Field(description="Sheet name (the file's stem for CSV)")
    source_row: Series[pd.Int64Dtype] = pa.Field(description="Row number as Excel shows it")


class WorkerCounts(pa.DataFrameModel):
    """Total, female and male workers, common to enterprise and zone reports."""

    workers_total: Series[pd.Int64Dtype] = _field("Workers, total (persons)", nullable=False)
    workers_female: Series[pd.Int64Dtype] = _field("Female workers (persons)", nullable=False)
    workers_male: Series[pd.Int64Dtype] = _field("Male workers (persons)", nullable=False)


class EnterpriseReport(WorkerCounts, SourceColumns):
    """The contract's enterprise report, its rules as checks named by their rule code (the linear
    ones are added from rules.toml by enterprise_schema)."""

    tax_code: Series[pd.StringDtype] = _field("Tax code (mã số thuế): 10 digits or 10-3", nullable=False)
    tax_code_restored: Series[pd.BooleanDtype] = _field(
        "True where a 9-digit code got back the leading zero Excel dropped", nullable=False)
    enterprise_name: Series[pd.StringDtype] = _field("Enterprise name, Unicode NFC", nullable=False)
    zone_code: Series[pd.StringDtype] = _field("Zone code from the registry", nullable=False)
    ownership: Series[pd.StringDtype] = _field(
        "state / domestic_private / foreign_invested", nullable=False)
    has_party_org: Series[pd.BooleanDtype] = _field("Has a Party organisation", nullable=False)
    has_militia: Series[pd.BooleanDtype] = _field("Has a militia / self-defence unit", nullable=False)
    party_members: Series[pd.Int64Dtype] = _field("Party members (persons)", nullable=True)
    workers_managerial: Series[pd.Int64Dtype] = _field(
        "Managerial and high-skilled workers (persons)", nullable=True)
    capital_usd: Series[pd.Float64Dtype] = _field("Registered capital", nullable=False, unit="USD")
    export_usd: Series[pd.Float64Dtype] = _field("Export value", nullable=True, unit="USD")
    import_usd: Series[pd.Float64Dtype] = _field("Import value", nullable=True, unit="USD")

    class Config:
        name = "enterprises"
        strict = False
        coerce = False

    @pa.check("tax_code", name="ENT_TAX_CODE_FORMAT")
    def _tax_code_format(cls, series: Series[str]) -> Series[bool]:
        return tax_code_valid(series)

    @pa.check("tax_code", name="ENT_TAX_CODE_DUPLICATE")
    def _tax_code_unique(cls, series: Series[str]) -> Series[bool]:
        return no_duplicates(series)

    @pa.check("tax_code_restored", name="ENT_TAX_CODE_LEADING_ZERO")
    def _tax_code_not_restored(cls, series: Series[bool]) -> Series[bool]:
        return ~series

    @pa.check("ownership", name="ENT_OWNERSHIP_UNKNOWN")
    def _ownership_known(cls, series: Series[str]) -> Series[bool]:
        return series.isin(OWNERSHIP_VALUES)


def enterprise_schema(zone_codes) -> pa.DataFrameSchema:
    """The enterprise model plus the linear rules (built from their edits in rules.toml) and the
    registry check, whose zone list is data (zones.csv)."""
    schema = with_edit_checks(EnterpriseReport.to_schema(), "enterprises")
    column = schema.columns["zone_code"]
    return schema.update_column(
        "zone_code", checks=[*column.checks, pa.Check.isin(sorted(zone_codes), name="ENT_ZONE_UNKNOWN", error="ENT_ZONE_UNKNOWN")]
    )

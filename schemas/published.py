"""The published tables' schemas, derived from the report models: one source of truth per column."""

from __future__ import annotations

import pandera.pandas as pa

from schemas.catalogue import RULES
from schemas.enterprise import EnterpriseReport, enterprise_schema
from schemas.zone import zone_schema

SOURCE_COLUMNS = ["source_file", "source_sheet", "source_row"]
PUBLISHED_COLUMNS = {
    "enterprises": [
        "tax_code", "enterprise_name", "zone_code", "ownership", "has_party_org", "has_militia",
        "party_members", "workers_total", "workers_female", "workers_male", "workers_managerial",
        "capital_usd", "export_usd", "import_usd", *SOURCE_COLUMNS,
    ],
    "zones": [
        "zone_code", "enterprises", "workers_total", "workers_female", "workers_male",
        "fdi_projects_cum", "fdi_capital_usd_cum", "di_projects_cum", "di_capital_vnd_cum",
        "export_usd", "import_usd", *SOURCE_COLUMNS,
    ],
}
_REPORT_SCHEMAS = {"enterprises": enterprise_schema, "zones": zone_schema}


def _error_checks(checks) -> list:
    return [c for c in checks if c.name not in RULES or RULES[c.name].severity == "error"]


def published_schema(table: str, zone_codes) -> pa.DataFrameSchema:
    """The report schema, strict, in published column order, with its error-level checks only:
    every published row must pass it, and datapackage.json is generated from it."""
    report = _REPORT_SCHEMAS[table](zone_codes)
    columns = {
        name: report.columns[name].set_checks(_error_checks(report.columns[name].checks))
        for name in PUBLISHED_COLUMNS[table]
    }
    return pa.DataFrameSchema(
        columns, checks=_error_checks(report.checks), strict=True, ordered=True, name=table,
        description=(EnterpriseReport.__doc__ if table == "enterprises" else None),
    )

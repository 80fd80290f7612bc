"""The published tables' schemas, derived from the report models: one source of truth per column."""

from __future__ import annotations

import pandera.pandas as pa

from schemas.catalogue import RULES
from schemas.enterprise import EnterpriseReport
from schemas.tables import TABLES

PUBLISHED_COLUMNS = {name: list(table.published) for name, table in TABLES.items() if table.published}


def _error_checks(checks) -> list:
    return [c for c in checks if c.name not in RULES or RULES[c.name].severity == "error"]


def published_schema(table: str, zone_codes) -> pa.DataFrameSchema:
    """The report schema, strict, in published column order, with its error-level checks only:
    every published row must pass it, and datapackage.json is generated from it."""
    report = TABLES[table].schema(zone_codes)
    columns = {
        name: report.columns[name].set_checks(_error_checks(report.columns[name].checks))
        for name in PUBLISHED_COLUMNS[table]
    }
    return pa.DataFrameSchema(
        columns, checks=_error_checks(report.checks), strict=True, ordered=True, name=table,
        description=(EnterpriseReport.__doc__ if table == "enterprises" else None),
    )

"""The data contract in executable form: the rule catalogue and the pandera models that check it."""

import schemas.pandas_only  # noqa: F401 - before any model becomes a schema: pandera without dask
from schemas.catalogue import RULES, Rule, rule
from schemas.enterprise import NON_STATE, OWNERSHIP_VALUES, EnterpriseReport, enterprise_schema
from schemas.published import PUBLISHED_COLUMNS, published_schema
from schemas.tables import DATA_TABLES, TABLE_OF_KIND, TABLES
from schemas.zone import (
    CUMULATIVE_COLUMNS, ZoneReconciliation, ZoneReport, reconciliation_schema, zone_schema,
)

SCHEMA_VERSION = "1.0.0"

__all__ = [
    "RULES", "Rule", "rule", "SCHEMA_VERSION", "NON_STATE", "OWNERSHIP_VALUES",
    "EnterpriseReport", "enterprise_schema", "ZoneReport", "ZoneReconciliation", "zone_schema",
    "reconciliation_schema",
    "CUMULATIVE_COLUMNS", "PUBLISHED_COLUMNS", "published_schema", "TABLES", "DATA_TABLES", "TABLE_OF_KIND",
]

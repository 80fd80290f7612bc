"""Each sheet kind's data columns (type, unit, required), read off its pandera model: the one
declaration the reader, the normaliser and the published schemas share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from schemas.tables import TABLE_OF_KIND, TABLES

CLAIM_COLUMNS = ["indicator", "scope", "value", "note"]
HELPER_COLUMNS = {"source_file", "source_sheet", "source_row", "tax_code_restored"}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    dtype: str  # Int64, Float64, boolean, string
    unit: str | None
    required: bool


@lru_cache(maxsize=None)
def column_specs(kind: str) -> dict:
    """{column: ColumnSpec} for the data columns of a sheet kind."""
    if kind == "claims":
        return {c: ColumnSpec(c, "string", None, c in {"indicator", "value"}) for c in CLAIM_COLUMNS}
    schema = TABLES[TABLE_OF_KIND[kind]].model.to_schema()
    return {
        name: ColumnSpec(name, re.sub(r"\[.*\]$", "", str(column.dtype)), (column.metadata or {}).get("unit"),
                         not column.nullable)
        for name, column in schema.columns.items() if name not in HELPER_COLUMNS
    }


def figure_columns(kind: str) -> list:
    """The columns of a kind that hold figures: counts and amounts (what a total row sums), or a
    claim's written value. A row with a figure in one of them is never a note."""
    if kind == "claims":
        return ["value"]
    return [name for name, spec in column_specs(kind).items() if spec.dtype in {"Int64", "Float64"}]

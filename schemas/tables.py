"""Each table of the pipeline declared once: the sheet kind it is read from, its key, its schema,
the rule an empty required cell breaks, the columns it is published with, and its name in words.
Everything else (reader, normaliser, validation, publishing, reports) reads this declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from schemas.enterprise import EnterpriseReport, enterprise_schema
from schemas.zone import ZoneReport, zone_schema

SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")
QUARANTINE_SUFFIX = "_giu_lai"  # quarantine/<table>_giu_lai.csv: never the published table's bare name


@dataclass(frozen=True)
class Table:
    name: str  # the table's name in outputs: enterprises.csv, enterprises.xlsx, quarantine/enterprises_giu_lai.csv
    kind: str  # the sheet kind it is read from
    key: str  # the column that identifies a row to a person
    label_vi: str
    label_en: str
    model: type | None = None  # the pandera model whose columns the sheet is read into
    schema: Callable | None = None  # zone codes -> the report's pandera schema (None: checked elsewhere)
    required_rule: str | None = None  # the rule an empty required cell breaks
    published: tuple = ()  # published columns, in order (empty: not published row by row)

    @property
    def quarantine_file(self) -> str:
        """The held-back rows' file in a release folder, named so that nobody takes it (or its
        e-mail attachment) for the published table: quarantine/enterprises_giu_lai.csv ("giữ lại",
        held back, the word the report's counts use)."""
        return f"quarantine/{self.name}{QUARANTINE_SUFFIX}.csv"


TABLES = {
    "enterprises": Table(
        "enterprises", "enterprise", "tax_code", "Doanh nghiệp", "Enterprises", EnterpriseReport, enterprise_schema,
        "ENT_REQUIRED",
        ("tax_code", "enterprise_name", "zone_code", "ownership", "has_party_org", "has_militia", "party_members",
         "workers_total", "workers_female", "workers_male", "workers_managerial", "capital_usd", "export_usd",
         "import_usd", *SOURCE_COLUMNS)),
    "zones": Table(
        "zones", "zone", "zone_code", "Báo cáo khu", "Zone reports", ZoneReport, zone_schema, "ZONE_REQUIRED",
        ("zone_code", "enterprises", "workers_total", "workers_female", "workers_male", "fdi_projects_cum",
         "fdi_capital_usd_cum", "di_projects_cum", "di_capital_vnd_cum", "export_usd", "import_usd",
         *SOURCE_COLUMNS)),
    "claims": Table("claims", "claims", "indicator", "Số liệu công bố", "Release figures"),
}
DATA_TABLES = tuple(name for name, table in TABLES.items() if table.published)  # published row by row
TABLE_OF_KIND = {table.kind: name for name, table in TABLES.items()}

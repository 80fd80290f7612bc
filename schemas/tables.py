"""Each table of the pipeline declared once: the sheet kind it is read from, its key, its schema,
the rule an empty required cell breaks, the columns it is published with, and its name in words.
Everything else (reader, normaliser, validation, publishing, reports) reads this declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from schemas.enterprise import EnterpriseReport, enterprise_schema
from schemas.zone import ZoneReport, zone_schema

SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")
# Who may read a published column: `public` (anyone: open data, dashboards), `internal` (HEZA staff and
# the ministry), `restricted` (named staff only: political affiliation per enterprise is sensitive
# personal data). A column not declared public or restricted in its table is internal.
TIERS = ("public", "internal", "restricted")
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
    # Columns where a cell merged down over several rows means the same value for each of them (the zone
    # written once beside its enterprises); in any other column a value cannot belong to several rows.
    merged_fill: tuple = ()
    public: tuple = ()  # published columns anyone may read as they are (zone-level figures)
    restricted: tuple = ()  # published columns only the restricted tier carries

    def tier(self, column: str) -> str:
        """The tier a published column belongs to (see TIERS)."""
        return "public" if column in self.public else "restricted" if column in self.restricted else "internal"

    def columns_up_to(self, tier: str) -> list:
        """The published columns a reader of `tier` may see, in published order."""
        return [c for c in self.published if TIERS.index(self.tier(c)) <= TIERS.index(tier)]

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
         "import_usd", *SOURCE_COLUMNS),
        merged_fill=("zone_code", "ownership", "has_party_org", "has_militia"),
        restricted=("has_party_org", "has_militia", "party_members")),
    "zones": Table(
        "zones", "zone", "zone_code", "Báo cáo khu", "Zone reports", ZoneReport, zone_schema, "ZONE_REQUIRED",
        ("zone_code", "enterprises", "workers_total", "workers_female", "workers_male", "fdi_projects_cum",
         "fdi_capital_usd_cum", "di_projects_cum", "di_capital_vnd_cum", "export_usd", "import_usd",
         *SOURCE_COLUMNS),
        # a zone's project figures are public; its workers and trade go out only as disclosure-checked
        # aggregates of its enterprise rows (PUBLIC_MEASURES), where a zone of two enterprises is protected
        public=("zone_code", "enterprises", "fdi_projects_cum", "fdi_capital_usd_cum", "di_projects_cum",
                "di_capital_vnd_cum")),
    "claims": Table("claims", "claims", "indicator", "Số liệu công bố", "Release figures"),
}
# Each published column in words, (Vietnamese, English), declared once beside the tables that publish it:
# the headers of enterprises.xlsx and zones.xlsx (heza/present/words.column_label reads them), and
# where any later stage needs a column's name for people without importing the presentation layer.
COLUMN_LABELS = {
    "tax_code": ("Mã số thuế", "Tax code"),
    "enterprise_name": ("Tên doanh nghiệp", "Enterprise name"),
    "zone_code": ("Mã khu", "Zone code"),
    "ownership": ("Loại hình sở hữu", "Ownership"),
    "has_party_org": ("Có tổ chức Đảng", "Has a Party organisation"),
    "has_militia": ("Có tổ chức dân quân tự vệ", "Has a militia unit"),
    "party_members": ("Số đảng viên (người)", "Party members (persons)"),
    "workers_total": ("Tổng số lao động (người)", "Workers, total (persons)"),
    "workers_female": ("Lao động nữ (người)", "Female workers (persons)"),
    "workers_male": ("Lao động nam (người)", "Male workers (persons)"),
    "workers_managerial": ("Lao động quản lý, kỹ thuật cao (người)", "Managerial and high-skilled workers (persons)"),
    "capital_usd": ("Vốn đăng ký (USD)", "Registered capital (USD)"),
    "export_usd": ("Kim ngạch xuất khẩu (USD)", "Exports (USD)"),
    "import_usd": ("Kim ngạch nhập khẩu (USD)", "Imports (USD)"),
    "enterprises": ("Số doanh nghiệp đang hoạt động", "Enterprises in operation"),
    "fdi_projects_cum": ("Số dự án FDI lũy kế", "FDI projects, cumulative"),
    "fdi_capital_usd_cum": ("Vốn FDI lũy kế (USD)", "FDI capital, cumulative (USD)"),
    "di_projects_cum": ("Số dự án trong nước lũy kế", "Domestic projects, cumulative"),
    "di_capital_vnd_cum": ("Vốn đầu tư trong nước lũy kế (VND)", "Domestic capital, cumulative (VND)"),
    "corrected_fields": ("Ô đã sửa tự động", "Fields corrected"),  # only with [correct] apply
    "source_file": ("Tệp nguồn", "Source file"),
    "source_sheet": ("Trang nguồn", "Source sheet"),
    "source_row": ("Dòng nguồn", "Source row"),
}
OWNERSHIP_LABELS = {  # schemas.enterprise.OWNERSHIP_VALUES in words
    "state": ("Nhà nước", "State"), "domestic_private": ("Tư nhân trong nước", "Domestic private"),
    "foreign_invested": ("Có vốn đầu tư nước ngoài", "Foreign-invested"),
}
# The public tier's aggregates (public/<measure>_theo_khu.csv): each measure summed over the published
# enterprise rows by zone and ownership, with zone, ownership and city totals, before disclosure control.
# The value is the measure's suppression group: measures of one group share one suppression pattern,
# since one bounds another (female and managerial workers are parts of the total); None: a count of
# enterprises, which is not confidential and is never suppressed. Male workers are total - female.
PUBLIC_MEASURES = {
    "enterprises": None, "workers_total": "workers", "workers_female": "workers",
    "workers_managerial": "workers", "capital_usd": "capital_usd", "export_usd": "export_usd",
    "import_usd": "import_usd", "party_members": "party_members",
}
PUBLIC_PARTS = (("workers_female", "workers_total"), ("workers_managerial", "workers_total"))  # part <= whole
DATA_TABLES = tuple(name for name, table in TABLES.items() if table.published)  # published row by row
TABLE_OF_KIND = {table.kind: name for name, table in TABLES.items()}

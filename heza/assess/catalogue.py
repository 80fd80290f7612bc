"""The indicator catalogue (heza/indicators.toml): which release figures exist, how each is
recomputed from the published rows (count, sum, ratio, conversion, or external), its unit and
definition. Loaded once per run and checked whole: every reference, column and filter resolves."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from heza.assess.filters import compile_filter, expand_filter
from schemas import PUBLISHED_COLUMNS

CATALOGUE_FILE = Path(__file__).parents[1] / "indicators.toml"
KINDS = {"count", "sum", "ratio", "convert", "external"}
COUNT_UNITS = {"enterprises", "persons", "projects"}
INDICATOR_UNITS = COUNT_UNITS | {"USD", "VND", "%"}
WHOLE_CITY = {"hp", "hai phong", "tp hai phong", "toan thanh pho"}


class CatalogueError(ValueError):
    """Raised when the indicator catalogue is malformed (unknown kind, column, reference, filter)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    label_vi: str
    label_en: str
    kind: str
    unit: str
    table: str | None = None
    column: str | None = None
    filter_text: str = ""
    filter_tree: tuple = ("all",)
    numerator: str | None = None
    denominator: str | None = None
    of: str | None = None
    filter_raw: str = ""
    sentence_vi: str = ""
    sentence_en: str = ""

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi

    def sentence(self, lang: str = "vi") -> str:
        """What the figure is, in a sentence (the catalogue's sentence_vi / sentence_en): the report
        says this, never the formula, which is for computing."""
        return self.sentence_en if lang == "en" else self.sentence_vi

    def definition(self, lang: str = "vi", compact: bool = False) -> str:
        """The definition in words, as the report states it; compact keeps @named filters."""
        label = self.label_en if lang == "en" else self.label_vi
        text = (self.filter_raw or "").replace("@", "") if compact else self.filter_text
        where = f" where {text}" if text else ""
        formula = {
            "count": f"count({self.table}{where})",
            "sum": f"sum({self.table}.{self.column}{where})",
            "ratio": f"100 × {self.numerator} / {self.denominator}",
            "convert": f"{self.of} ÷ reference VND/USD rate" if self.unit == "USD"
            else f"{self.of} × reference VND/USD rate",
            "external": "not in the published data" if lang == "en" else "không có trong dữ liệu công bố",
        }[self.kind]
        return f"{label}: {formula}"


@dataclass(frozen=True)
class Catalogue:
    version: int
    indicators: dict
    identities: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)  # name -> filter text, as staff wrote it


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue: every reference, column and filter must resolve."""
    path = Path(path or CATALOGUE_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    named: dict = {}
    all_columns = {c for columns in PUBLISHED_COLUMNS.values() for c in columns}
    for name, text in data.get("filters", {}).items():
        named[name] = compile_filter(text, all_columns, named)
    indicators = {}
    for code, entry in data.get("indicators", {}).items():
        kind, unit = entry.get("kind"), entry.get("unit")
        if kind not in KINDS or unit not in INDICATOR_UNITS:
            raise CatalogueError(f"{path}: indicator {code}: kind {kind!r} or unit {unit!r} is unknown")
        table = entry.get("table")
        if kind in {"count", "sum"}:
            if table not in PUBLISHED_COLUMNS:
                raise CatalogueError(f"{path}: indicator {code}: unknown table {table!r}")
            if kind == "sum" and entry.get("column") not in PUBLISHED_COLUMNS[table]:
                raise CatalogueError(f"{path}: indicator {code}: unknown column {entry.get('column')!r}")
        try:
            tree = compile_filter(entry.get("filter", ""), PUBLISHED_COLUMNS.get(table, []), named)
        except ValueError as exc:
            raise CatalogueError(f"{path}: indicator {code}: {exc}") from exc
        indicators[code] = Indicator(
            code, entry.get("vi", code), entry.get("en", code), kind, unit, table, entry.get("column"),
            expand_filter(entry.get("filter", ""), data.get("filters", {})), tree, entry.get("numerator"),
            entry.get("denominator"), entry.get("of"), entry.get("filter", ""), entry.get("sentence_vi", ""),
            entry.get("sentence_en", ""),
        )
    for indicator in indicators.values():
        for reference in (indicator.numerator, indicator.denominator, indicator.of):
            if reference is not None and reference not in indicators:
                raise CatalogueError(f"{path}: indicator {indicator.code} refers to unknown {reference!r}")
    for indicator in indicators.values():
        if not (indicator.sentence_vi and indicator.sentence_en):
            raise CatalogueError(f"{path}: indicator {indicator.code}: sentence_vi and sentence_en (what it is, "
                                 "in words, as the report says it) are required")
    identities = data.get("identities", {})
    for name, identity in identities.items():
        for reference in [identity["total"], *identity["parts"]]:
            if reference not in indicators:
                raise CatalogueError(f"{path}: identity {name} refers to unknown {reference!r}")
    return Catalogue(int(data.get("version", 1)), indicators, identities, dict(data.get("filters", {})))


# -- recomputing from the published rows ---------------------------------------------------------

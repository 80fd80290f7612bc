"""The release's three tiers, each a folder with its own data package: `public/` (aggregates only,
after disclosure control: anyone), `internal/` (the enterprise tables without the restricted columns:
HEZA staff, the ministry), `restricted/` (everything, Party membership and militia per enterprise
included: named staff only). Which column goes where is declared with the tables (schemas/tables.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from heza.assess.correct import CORRECTED_FIELDS, CORRECTION_COLUMNS
from heza.release.disclosure import CITY, CLAIM_FLAG, OWNERSHIP_AXIS, SUPPRESSED, Disclosure
from heza.release.outputs import (
    CORRECTED_FIELD, CORRECTIONS_FILE, file_sha256, resource, schema_fields, write_csvs, write_json,
)
from schemas import DATA_TABLES, TABLES, published_schema
from schemas.catalogue import RULES
from schemas.tables import COLUMN_LABELS, TIERS

_FRICTIONLESS = {"Int64": "integer", "int64": "integer", "Float64": "number", "float64": "number",
                 "boolean": "boolean", "bool": "boolean"}


def tier_files(splits: dict, indicators: pd.DataFrame | None, disclosure: Disclosure,
               corrections: pd.DataFrame | None = None) -> dict:
    """{tier: {path inside the tier's folder: table}}: what each tier publishes; with [correct] apply,
    corrections.csv in the internal and restricted tiers (a restricted column's values only in restricted)."""
    files: dict = {tier: {} for tier in TIERS}
    for tier in ("internal", "restricted"):
        for name in DATA_TABLES:
            table, split = TABLES[name], splits[name]
            hidden = [] if tier == "restricted" else list(table.restricted)
            files[tier][f"{name}.csv"] = _without_fields(split.published[table.columns_up_to(tier) + [
                c for c in (CORRECTED_FIELDS,) if c in split.published]], hidden)
            files[tier][table.quarantine_file] = split.quarantined.drop(columns=hidden, errors="ignore")
        if indicators is not None:
            files[tier]["indicators.csv"] = indicators
        if corrections is not None:
            files[tier][CORRECTIONS_FILE] = corrections_for(corrections, tier)
    files["public"]["zones.csv"] = splits["zones"].published[TABLES["zones"].columns_up_to("public")]
    for table in disclosure.tables:
        if table.published:  # the gate: a table whose audit found a cell within reach is not written
            files["public"][table.file] = table.frame
    if disclosure.indicators is not None:
        files["public"]["indicators.csv"] = disclosure.indicators
    return files


def write_tiers(files: dict, release: Path, period: str, zone_codes, also: dict | None = None) -> list:
    """Every tier's tables and data package, and `also` ({path in the release: table}, the legacy
    copies) with them in one pass (write_csvs: the columns they share are written out once); their
    manifest output records (paths from the release), the tiers' first."""
    release = Path(release)
    for tier in files:
        (release / tier / "quarantine").mkdir(parents=True, exist_ok=True)
    tables = {f"{tier}/{path}": frame for tier, in_tier in files.items() for path, frame in in_tier.items()}
    written = iter(write_csvs(release, {**tables, **(also or {})}))
    outputs = []
    for tier, in_tier in files.items():
        outputs += [next(written) for _ in in_tier]
        package = {"name": f"heza-{period}-{tier}", "title": f"HEZA {period}: {tier}",
                   "profile": "tabular-data-package",
                   "resources": [resource(path, tier_fields(tier, path, frame, zone_codes))
                                 for path, frame in in_tier.items()]}
        write_json(package, release / tier / "datapackage.json")
        outputs.append({"file": f"{tier}/datapackage.json", "rows": None,
                        "sha256": file_sha256(release / tier / "datapackage.json")})
    return outputs + list(written)


def tier_fields(tier: str, path: str, frame: pd.DataFrame, zone_codes) -> list:
    """A table's fields: from its published schema where it has one, else from its columns' types."""
    name = path.removesuffix(".csv")
    if name in DATA_TABLES:
        schema = published_schema(name, zone_codes).select_columns([c for c in frame.columns if c != CORRECTED_FIELDS])
        return schema_fields(schema, zone_codes) + ([CORRECTED_FIELD] if CORRECTED_FIELDS in frame else [])
    fields = []
    for column in frame.columns:
        field = {"name": column, "type": _FRICTIONLESS.get(str(frame[column].dtype), "string")}
        if column in COLUMN_LABELS:
            field["description"] = f"{COLUMN_LABELS[column][0]} / {COLUMN_LABELS[column][1]}"
        if column == "flag":
            code = CLAIM_FLAG if name == "indicators" else SUPPRESSED
            field["description"] = f"{RULES[code].message_vi} / {RULES[code].message_en}"
            field["constraints"] = {"enum": [code]}
        elif column == "zone_code" and tier == "public":
            field["constraints"] = {"enum": sorted(zone_codes) + [CITY]}
        elif column == "ownership" and tier == "public":
            field["constraints"] = {"enum": list(OWNERSHIP_AXIS)}
        fields.append(field)
    return fields


def corrections_for(corrections: pd.DataFrame, tier: str) -> pd.DataFrame:
    """corrections.csv for a tier: below restricted, a restricted column's original and corrected
    values are left empty (the line stays, so the tier still sees that the row was corrected)."""
    lines = corrections[CORRECTION_COLUMNS]
    if tier == "restricted":
        return lines
    secret = pd.Series([TABLES[t].tier(f) == "restricted" for t, f in zip(corrections["table"], corrections["field"])],
                       index=corrections.index, dtype=bool)
    return lines.assign(original=lines["original"].mask(secret), corrected=lines["corrected"].mask(secret))


def _without_fields(published: pd.DataFrame, hidden: list) -> pd.DataFrame:
    """corrected_fields without the restricted fields' names, for a tier that does not carry them."""
    if CORRECTED_FIELDS not in published or not hidden:
        return published
    labels = "|".join(re.escape(COLUMN_LABELS[c][0]) for c in hidden)
    words = published[CORRECTED_FIELDS].str.replace(rf"(^|; )({labels})(?=;|$)", "", regex=True).str.lstrip("; ")
    return published.assign(**{CORRECTED_FIELDS: words.mask(words == "")})


def _restricted_columns(table: str) -> set:
    return set(TABLES[table].restricted) if table in TABLES else set()


def redact_report(report: dict) -> dict:
    """report.json for readers below the restricted tier (internal/report.json, the staff e-mail): a
    finding on a restricted column keeps its rule, place and rule sentence, never the value."""
    findings = []
    for item in report.get("findings", []):
        columns = set((item.get("column") or "").split(","))
        if columns & _restricted_columns(item.get("table")):
            rule = RULES.get(item["rule"])
            item = {**item, "value": None, "suggested": None,
                    "message_vi": rule.message_vi if rule else None, "message_en": rule.message_en if rule else None}
        findings.append(item)
    return {**report, "findings": findings}

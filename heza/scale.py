"""Check a national-size month in partitions (one per file) and combine them: the map step reads,
types and validates a file where it runs; only findings and a compact key frame travel; the reduce
step applies the rules that cross partitions (tax codes unique in the period, zone totals against
their enterprise rows, completeness). The findings equal those of the single-process run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from heza.config import previous_period
from heza.findings import error_row_ids, finding, findings_frame
from heza.pipeline import validate_period
from heza.ingest.files import read_file
from heza.validate import with_cells
from heza.reconcile import completeness, previous_cumulative, reconcile_zones
from schemas.checks import no_duplicates

KEY_COLUMNS = ["tax_code", "zone_code", "workers_total", "workers_female", "workers_male",
               "source_file", "source_sheet", "source_row", "has_error"]
_CROSS_PARTITION = {"ENT_TAX_CODE_DUPLICATE"}


@dataclass
class Partition:
    """What one file's check sends back: its findings (without cross-partition rules), the keys
    the reduce step needs and its zone rows (a handful)."""

    findings: pd.DataFrame
    keys: pd.DataFrame
    zones: pd.DataFrame
    letters: dict  # (file, sheet, column) -> Excel column letter


def check_partition(path: Path, ctx) -> Partition:
    """Read, type and validate one file (as the single-process run does); keep findings and keys."""
    read = read_file(Path(path), ctx.settings.limits, allowed_root=ctx.settings.raw)
    assessment = validate_period([read], ctx)
    enterprises, zones = assessment.tables["enterprises"], assessment.tables["zones"]
    findings = assessment.findings[~assessment.findings["rule"].isin(_CROSS_PARTITION)].reset_index(drop=True)
    typed = enterprises.typed
    keys = typed.reindex(columns=KEY_COLUMNS[:-1]).assign(
        has_error=typed["row_id"].isin(error_row_ids(findings[findings["table"] == "enterprises"])).to_numpy())
    return Partition(findings.drop(columns="row_id"), keys.reset_index(drop=True), zones.typed,
                     {**zones.column_letters, **enterprises.column_letters})


def duplicate_findings(keys: pd.DataFrame, duplicated, letters: dict) -> pd.DataFrame:
    """ENT_TAX_CODE_DUPLICATE for the rows whose tax code occurs more than once in the period."""
    found = findings_frame([finding("ENT_TAX_CODE_DUPLICATE", table="enterprises", source_file=r.source_file,
                                    source_sheet=r.source_sheet, source_row=int(r.source_row), column="tax_code",
                                    value=r.tax_code)
                            for r in keys[duplicated].itertuples(index=False)])
    return with_cells(found, letters)


def combine_partitions(parts: list, ctx) -> pd.DataFrame:
    """The reduce step: cross-partition rules over the partitions' keys; all findings of the month."""
    keys = pd.concat([p.keys for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=KEY_COLUMNS)
    letters = {k: v for p in parts for k, v in p.letters.items()}
    duplicated = ~no_duplicates(keys["tax_code"]).to_numpy()
    duplicates = duplicate_findings(keys, duplicated, letters)
    publishable = keys[~keys["has_error"].to_numpy(dtype=bool) & ~duplicated]
    zones = pd.concat([p.zones for p in parts], ignore_index=True) if parts else pd.DataFrame()
    findings = [p.findings for p in parts] + [duplicates]
    if len(zones):
        zones["row_id"] = range(len(zones))
        previous = previous_cumulative(ctx.settings.processed, previous_period(ctx.period))
        findings.append(reconcile_zones(zones, publishable, previous, letters).drop(columns="row_id"))
    reported = zones["zone_code"].dropna().unique() if len(zones) else []
    so_far = findings_frame(findings)
    zone_errors = so_far[(so_far["table"] == "zones") & (so_far["severity"] == "error")]
    held = set(zip(zone_errors["source_file"], zone_errors["source_row"]))
    published_zones = (zones[[(f, r) not in held for f, r in zip(zones["source_file"], zones["source_row"])]]
                       if len(zones) else pd.DataFrame(columns=["zone_code"]))
    findings.append(completeness(published_zones, ctx.registry, ctx.period, reported))
    return findings_frame(findings)

"""The run context: what every stage of one period's check needs besides the submitted data,
built once by `prepare` for the command line, the flow, `heza validate` and the Dask run alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from heza.assess.catalogue import Catalogue, load_catalogue
from heza.assess.plausibility import LastRelease, load_last_release
from heza.assess.reconcile import previous_cumulative
from heza.assess.rulecheck import startup_check
from heza.config import Settings, previous_period
from heza.ingest.discover import discover_inputs
from heza.ingest.reference import ZoneRegistry, load_submitters, load_zone_registry, reference_rate


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


@dataclass(frozen=True, eq=False)
class RunContext:
    """Settings, zone registry, reference rate, indicator catalogue and last publication of a period."""

    period: str
    settings: Settings
    registry: ZoneRegistry
    rate: float | None
    rate_source: str | None
    catalogue: Catalogue
    previous: pd.DataFrame  # the last publication's cumulative zone figures (empty if none)
    last: LastRelease  # the previous month's published enterprise and zone rows, for the month-on-month edits
    # True when the files are a whole period's folder (a run, `heza validate` of a period folder): only
    # then may a zone with no rows be missing from the month (completeness belongs to a month, not a file)
    whole_period: bool = True
    # True: a month in which an active zone has no readable rows is not published at all
    require_complete: bool = False
    # who receives each zone's letter (data/reference/submitters.csv): read only when [email] send_to_submitters
    submitters: pd.DataFrame | None = None
    run_id: str = field(default_factory=new_run_id)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def period_folder(self) -> Path:
        return self.settings.raw / self.period


def prepare(settings: Settings, period: str, raw: Path | None = None, processed: Path | None = None,
            whole_period: bool = True, require_complete: bool | None = None) -> RunContext:
    """Load and check the period's reference data once; `raw`/`processed` override the settings'
    folders (heza run --raw/--out); `whole_period` says whether the files checked are the period's
    whole folder; `require_complete` (default: [publish] require_complete) withholds an incomplete
    month. Raises ReferenceDataError, CatalogueError or FilterError with a
    message naming the file when reference data cannot be used, and RuleSetError when no row could
    ever pass the rules of rules.toml (checked once per process, before any data is read)."""
    startup_check()
    settings = replace(settings, raw=Path(raw).resolve() if raw else settings.raw,
                       processed=Path(processed).resolve() if processed else settings.processed)
    band = (settings.limits["vnd_per_usd_min"], settings.limits["vnd_per_usd_max"])
    rate, source = reference_rate(settings.reference, period, band)
    if require_complete is None:
        require_complete = bool(settings.publish.get("require_complete", False))
    registry = load_zone_registry(settings.reference)
    submitters = load_submitters(settings.reference, registry.codes) \
        if settings.email.get("send_to_submitters") else None
    return RunContext(period, settings, registry, rate, source,
                      load_catalogue(settings.indicators),
                      previous_cumulative(settings.processed, previous_period(period)),
                      load_last_release(settings.processed, previous_period(period)),
                      whole_period=whole_period, require_complete=require_complete, submitters=submitters)


def period_inputs(ctx: RunContext) -> list[Path]:
    """The submitted files under the period's folder (none if the folder does not exist)."""
    return discover_inputs(ctx.period_folder) if ctx.period_folder.is_dir() else []

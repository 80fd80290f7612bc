"""Scale-out: the same checks fanned out per file on a Dask cluster (prefect-dask's DaskTaskRunner).

Each task reads and validates its file where it runs; only findings and a compact key frame come
back; the rules that cross files (unique tax codes, zone totals, completeness) run in the reduce
task. Point it at a real scheduler with HEZA_DASK_ADDRESS=tcp://host:8786 (default: a local
cluster of HEZA_DASK_WORKERS processes).
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from heza.config import check_period, load_settings
from heza.pipeline import RunContext, load_context, period_inputs
from heza.scale import Partition, check_partition, combine_partitions

_IN_MEMORY = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="check-partition", task_run_name="check-{path.name}", **_IN_MEMORY)
def check_file(path: Path, ctx: RunContext) -> Partition:
    """Read, type and validate one file where the task runs."""
    return check_partition(path, ctx)


@task(name="combine-partitions", **_IN_MEMORY)
def combine(parts: list, ctx: RunContext):
    """Apply the rules that cross files to what the partitions sent back."""
    return combine_partitions(parts, ctx)


def dask_runner() -> DaskTaskRunner:
    address = os.environ.get("HEZA_DASK_ADDRESS")
    if address:
        return DaskTaskRunner(address=address)
    workers = int(os.environ.get("HEZA_DASK_WORKERS", "2"))
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


@flow(name="heza-scaled-check")
def scaled_check(period: str, raw: str | None = None, reference: str | None = None):
    """Check one period fanned out per file; returns every finding (as the single-process run)."""
    from dataclasses import replace

    settings = load_settings()
    settings = replace(settings, raw=Path(raw).resolve() if raw else settings.raw,
                       reference=Path(reference).resolve() if reference else settings.reference)
    ctx = load_context(settings, check_period(period))
    futures = [check_file.submit(path, ctx) for path in period_inputs(ctx)]
    return combine([future.result() for future in futures], ctx)


def scaled_check_on_dask(**parameters):
    """Run scaled_check with the Dask task runner (local cluster or HEZA_DASK_ADDRESS)."""
    return scaled_check.with_options(task_runner=dask_runner())(**parameters)

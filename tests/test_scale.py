"""One core, any number of workers: the Dask run finds and publishes exactly what the single-process
run finds and publishes, whichever way a month is split into files and files into partitions."""

from __future__ import annotations

import json
import pickle
import random
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from heza.assess.context import prepare
from heza.assess.core import assess_file, assess_paths, assess_period
from heza.samples.synthetic import ENTERPRISE_HEADERS, enterprise_frame, zone_registry

ZONE_HEADERS = {"zone_code": "Mã khu", "enterprises": "Số doanh nghiệp", "workers_total": "Tổng số lao động",
                "workers_female": "Lao động nữ", "workers_male": "Lao động nam"}


def _zone_rows(frame: pd.DataFrame, codes) -> pd.DataFrame:
    """Zone reports that agree with their enterprise rows (so only what the test plants is found)."""
    numbers = frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce")
                              for c in ("workers_total", "workers_female", "workers_male")})
    sums = numbers.groupby("zone_code")[["workers_total", "workers_female", "workers_male"]].sum()
    sums["enterprises"] = numbers.groupby("zone_code").size()
    rows = sums.reindex(list(codes)).fillna(0).astype(int).reset_index().rename(columns={"index": "zone_code"})
    return rows[list(ZONE_HEADERS)].rename(columns=ZONE_HEADERS)


def write_month(folder: Path, rows: int, cuts: list, zone_files: int, seed: int, duplicate_zone: bool) -> list:
    """A synthetic month: enterprise rows cut into CSV files at `cuts`, zone reports in `zone_files`
    files; with `duplicate_zone`, the first zone is reported again in the last zone file."""
    frame, _ = enterprise_frame(rows, 6, 0.05, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for part, (start, stop) in enumerate(zip([0, *cuts], [*cuts, rows])):
        path = folder / f"doanh_nghiep_{part}.csv"
        frame.iloc[start:stop].rename(columns=ENTERPRISE_HEADERS).to_csv(path, index=False)
        paths.append(path)
    zones = _zone_rows(frame, [f"Z{i:03d}" for i in range(1, 7)])
    chunks = [zones.iloc[i::zone_files] for i in range(zone_files)]
    if duplicate_zone:
        chunks[-1] = pd.concat([chunks[-1], zones.iloc[:1]])
    for part, chunk in enumerate(chunks):
        path = folder / f"khu_{part}.csv"
        chunk.to_csv(path, index=False)
        paths.append(path)
    return sorted(paths)


def _keyed(findings: pd.DataFrame) -> list:
    return findings.drop(columns="row_id").astype(object).where(findings.notna(), None).to_dict(orient="records")


def _same_assessment(left, right) -> None:
    assert _keyed(left.findings) == _keyed(right.findings)
    for name, split in left.splits.items():
        pd.testing.assert_frame_equal(split.published, right.splits[name].published)
        pd.testing.assert_frame_equal(split.quarantined, right.splits[name].quarantined)
    assert left.ledger == right.ledger


@pytest.fixture
def synthetic_zones(settings):
    zone_registry(6).to_csv(settings.reference / "zones.csv", index=False)
    return prepare(settings, "2024-02")


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(20, 120), files=st.integers(1, 4), zone_files=st.integers(1, 3),
       workers=st.integers(1, 4), seed=st.integers(0, 10_000), duplicate_zone=st.booleans(), data=st.data())
def test_partitioning_files_across_workers_never_changes_what_is_found(synthetic_zones, rows, files, zone_files,
                                                                       workers, seed, duplicate_zone, data):
    cuts = sorted(data.draw(st.lists(st.integers(1, rows - 1), min_size=files - 1, max_size=files - 1,
                                     unique=True), label="cuts"))
    ctx = synthetic_zones
    with tempfile.TemporaryDirectory() as folder:
        paths = write_month(Path(folder), rows, cuts, zone_files, seed, duplicate_zone)
        single = assess_paths(paths, ctx)
        # Each worker takes a random set of files and runs them in its own order; what it sends back
        # crosses a process boundary (pickled, as Dask sends it); the reduce gets them in file order.
        rng = random.Random(seed)
        partitions = [[] for _ in range(workers)]
        for path in rng.sample(paths, len(paths)):
            partitions[rng.randrange(workers)].append(path)
        results = {path: pickle.loads(pickle.dumps(assess_file(path, ctx)))
                   for partition in partitions for path in partition}
        partitioned = assess_period([results[path] for path in paths], ctx)
    _same_assessment(single, partitioned)
    duplicates = single.findings[single.findings["rule"] == "ZONE_DUPLICATE"]
    assert len(duplicates) == (2 if duplicate_zone else 0)


def test_an_unreadable_file_comes_back_from_a_worker_with_its_reason_and_both_messages(synthetic_zones, tmp_path):
    """What a worker sends back for a file it cannot read crosses the process boundary whole."""
    ctx = synthetic_zones
    broken = tmp_path / "month" / "doanh_nghiep_hong.xlsx"
    paths = write_month(broken.parent, 40, [20], 1, seed=7, duplicate_zone=False)
    broken.write_bytes(b"PK\x03\x04garbage")
    paths = sorted([*paths, broken])
    single = assess_paths(paths, ctx)
    partitioned = assess_period([pickle.loads(pickle.dumps(assess_file(path, ctx))) for path in paths], ctx)
    _same_assessment(single, partitioned)
    assert (single.findings["rule"] == "FILE_UNREADABLE").sum() == 1


def _published(folder: Path) -> dict:
    live = folder.resolve()
    return {p.relative_to(live).as_posix(): p.read_bytes() for p in sorted(live.rglob("*.csv"))}


def _findings(folder: Path) -> list:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))["findings"]


def test_a_zone_reported_in_two_files_is_held_back_by_both_runs_and_both_publish_the_same_bytes(
        prefect_api, sample_month, settings):
    from flows.monthly import dask_task_runner, monthly_pipeline

    february = sample_month / "raw" / "2024-02"
    pd.DataFrame({"Mã khu": ["DOSON"], "Số doanh nghiệp": [58], "Tổng số lao động": [9000],
                  "Lao động nữ": [5000], "Lao động nam": [4000]}).to_csv(february / "bo_sung_khu_do_son.csv", index=False)
    single = monthly_pipeline(period="2024-02", out=str(sample_month / "single"), send_email=False)
    on_dask = monthly_pipeline.with_options(task_runner=dask_task_runner(workers=2))(
        period="2024-02", out=str(sample_month / "dask"), send_email=False)
    assert single["status"] == on_dask["status"] == "published_with_errors"
    single_folder, dask_folder = Path(single["folder"]), Path(on_dask["folder"])
    duplicates = [f["source_file"] for f in _findings(single_folder) if f["rule"] == "ZONE_DUPLICATE"]
    assert sorted(duplicates) == ["bao_cao_khu_DOSON_2024-02.xlsx", "bo_sung_khu_do_son.csv"]
    assert _findings(dask_folder) == _findings(single_folder)
    assert _published(dask_folder) == _published(single_folder)
    zones = (single_folder / "zones.csv").read_text(encoding="utf-8")
    assert "DOSON" not in zones and "DOSON" in (single_folder / "quarantine" / "zones_giu_lai.csv").read_text(encoding="utf-8")

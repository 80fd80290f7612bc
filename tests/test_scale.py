"""Scale-out: a Dask cluster of 2 workers finds exactly what the single-process run finds."""

from __future__ import annotations

import pandas as pd

from heza.pipeline import assess_paths, load_context, period_inputs
from heza.samples.synthetic import enterprise_frame, ENTERPRISE_HEADERS, zone_registry

KEY = ["rule", "severity", "source_file", "source_sheet", "source_row", "column", "value"]


def _split_month(settings, files=4, rows=4000):
    """A synthetic month in several files, with duplicates that cross files and zone reports."""
    zones = zone_registry(12)
    zones.to_csv(settings.reference / "zones.csv", index=False)
    frame, _ = enterprise_frame(rows, 12, 0.03, seed=11)
    frame.loc[rows - 1, "tax_code"] = frame.loc[0, "tax_code"]  # a duplicate between the first and last file
    folder = settings.raw / "2024-02"
    folder.mkdir(parents=True)
    for part, chunk in enumerate(_chunks(frame, files)):
        chunk.rename(columns=ENTERPRISE_HEADERS).to_csv(folder / f"dn_{part}.csv", index=False)
    sums = frame.assign(total=pd.to_numeric(frame["workers_total"], errors="coerce")).groupby("zone_code")["total"].sum()
    zone_rows = pd.DataFrame({"Mã khu": zones["zone_code"][:10], "Số doanh nghiệp": 1, "Tổng số lao động": 2,
                              "Lao động nữ": 1, "Lao động nam": 1, "Lũy kế số dự án FDI": 1,
                              "Lũy kế vốn đầu tư FDI (USD)": 1, "Lũy kế số dự án DDI": 1,
                              "Lũy kế vốn đầu tư DDI (tỷ đồng)": 1})
    zone_rows.to_csv(folder / "khu.csv", index=False)
    return sums


def _chunks(frame, count):
    size = -(-len(frame) // count)
    return [frame.iloc[i:i + size] for i in range(0, len(frame), size)]


def _keyed(findings):
    return sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in findings[KEY].itertuples(index=False))


def test_the_dask_run_finds_exactly_what_the_single_process_run_finds(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    _split_month(settings)
    ctx = load_context(settings, "2024-02")
    _, assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    single = assessment.findings[assessment.findings["table"] != "claims"]
    from prefect.testing.utilities import prefect_test_harness

    from flows.scaled import scaled_check_on_dask

    with prefect_test_harness(server_startup_timeout=120):
        scaled = scaled_check_on_dask(period="2024-02")
    assert len(single) > 100
    assert "ENT_TAX_CODE_DUPLICATE" in set(single["rule"]) and "ZONE_WORKERS_MATCH" in set(single["rule"])
    assert _keyed(scaled) == _keyed(single)

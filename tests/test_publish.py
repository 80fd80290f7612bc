"""Publishing: the counts invariant, byte-identical reruns, atomic swap, history, the lock, and
outputs an outside tool (frictionless) accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pandas as pd
import pytest

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.present.publication import present_release
from heza.release.publish import publish_period
from heza.release.folders import PeriodLockedError, period_lock
from heza.release.outputs import neutralise_formulas


def run_period(settings, period="2024-02"):
    ctx = prepare(settings, period)
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    folder, report = publish_period(assessment, ctx, present=present_release)
    return folder, report


def test_rows_read_equal_published_plus_quarantined_in_report_and_manifest(published_sample):
    folder, report, _ = published_sample
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for table, counts in report["counts"].items():
        assert counts["rows_read"] == counts["rows_published"] + counts["rows_quarantined"]
        published = pd.read_csv(folder / f"{table}.csv")
        quarantined = pd.read_csv(folder / "quarantine" / f"{table}_giu_lai.csv")
        assert (len(published), len(quarantined)) == (counts["rows_published"], counts["rows_quarantined"])
    assert manifest["invariant_rows_read_equals_published_plus_quarantined"] is True
    assert {o["file"] for o in manifest["outputs"]} >= {"enterprises.csv", "zones.csv", "quarantine/enterprises_giu_lai.csv",
                                                        "quarantine/zones_giu_lai.csv"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_a_second_run_gives_byte_identical_csvs_and_keeps_the_first_as_history(published_sample):
    first, _, settings = published_sample
    before = {p.name: p.read_bytes() for p in first.resolve().glob("*.csv")}
    first_release = first.resolve()
    second, _ = run_period(settings)
    assert second.resolve() != first_release and first_release.exists()
    assert {p.name: p.read_bytes() for p in second.resolve().glob("*.csv")} == before


def test_quarantine_holds_values_as_submitted_with_rules_and_messages(published_sample):
    folder, _, _ = published_sample
    quarantine = pd.read_csv(folder / "quarantine" / "enterprises_giu_lai.csv", dtype=str)
    row = quarantine[quarantine["rules"] == "CELL_QUALIFIED"].iloc[0]
    assert row["workers_total"] == "khoảng 200 người"
    assert row["source_file"].startswith("doanh_nghiep_") and row["messages_en"]


def test_a_failure_between_writing_and_swapping_leaves_the_previous_publication_and_is_critical(published_sample,
                                                                                                 monkeypatch):
    folder, _, settings = published_sample
    live = folder.resolve()
    snapshot = {p.name: p.read_bytes() for p in live.glob("*.csv")}
    import heza.release.publish

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(heza.release.publish, "make_live", crash)
    _, report = run_period(settings)
    assert report["status"] == "not_published" and "disk full" in report["critical"][0]["en"]
    assert (settings.processed / "2024-02").resolve() == live
    assert {p.name: p.read_bytes() for p in live.glob("*.csv")} == snapshot


def test_a_critical_run_publishes_nothing_and_says_why(project, settings):
    (settings.raw / "2024-02").mkdir(parents=True)
    (settings.raw / "2024-02" / "broken.xlsx").write_bytes(b"not a workbook")
    folder, report = run_period(settings)
    assert report["status"] == "not_published"
    assert report["critical"][0]["en"] == "No file of the period could be read"
    assert not (settings.processed / "2024-02").exists()
    assert folder.name.endswith(".not-published") and (folder / "report.json").exists()


def test_a_critical_run_leaves_the_previous_publication_untouched(published_sample):
    folder, _, settings = published_sample
    live = folder.resolve()
    for path in (settings.raw / "2024-02").iterdir():
        path.unlink()
    _, report = run_period(settings)
    assert report["status"] == "not_published"
    assert (settings.processed / "2024-02").resolve() == live


def test_a_second_run_of_the_same_period_fails_clearly_while_the_first_holds_the_lock(settings):
    entered, release = threading.Event(), threading.Event()

    def holder():
        with period_lock(settings.processed, "2024-02"):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait(5)
    try:
        with pytest.raises(PeriodLockedError, match="another run is processing period 2024-02"):
            with period_lock(settings.processed, "2024-02"):
                pass
    finally:
        release.set()
        thread.join()
    with period_lock(settings.processed, "2024-02"):  # free again once the first run ends
        pass


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised():
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "Công ty", "-5"]})
    assert neutralise_formulas(frame)["name"].tolist() == [
        "'=HYPERLINK(\"x\")", "'+1+2", "'-2+3", "'@SUM(A1)", "'\tx", "Công ty", "-5"]


def test_the_published_folder_passes_frictionless_validate(published_sample):
    folder, _, _ = published_sample
    result = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json",
                             str(folder / "datapackage.json")], capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    report = json.loads(result.stdout)
    assert report["valid"] is True, json.dumps(report)[:2000]


def test_a_period_with_only_zone_reports_still_publishes_them(sample_month, settings):
    for path in (settings.raw / "2024-02").glob("doanh_nghiep_*"):
        path.unlink()
    folder, report = run_period(settings)
    assert report["status"] != "not_published"
    assert report["counts"]["zones"]["rows_published"] == 15
    assert report["counts"]["enterprises"] == {"rows_read": 0, "rows_published": 0, "rows_quarantined": 0}
    assert len(pd.read_csv(folder / "zones.csv")) == 15

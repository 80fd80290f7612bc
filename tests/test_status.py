"""One run status, decided in one place (heza.assess.core.run_status) and shown identically in the
command's output, report.html, the e-mail subject and report.json; incomplete months, the
require_complete setting, a missing reference rate, and `heza validate` of single files.

The damaged month is the bundled sample with one zone's enterprise workbook overwritten by garbage
bytes (unreadable) and that zone's report deleted: KCN Đồ Sơn (DOSON) has no readable row."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths, run_status
from heza.config import PROJECT_ROOT, ConfigError, load_settings
from heza.present.notify import subject_line
from heza.present.publication import present_release
from heza.release.publish import publish_period
from tests.conftest import write_workbook
from tests.scratch import scratch_project
from tests.test_rules import enterprise_rows

DOSON = "KCN Đồ Sơn"
ENTERPRISE_FILE = "doanh_nghiep_DOSON_2024-02.xlsx"


def damage(project, keep_zone_report: bool = False):
    raw = project / "raw" / "2024-02"
    (raw / ENTERPRISE_FILE).write_bytes(b"PK\x03\x04 this is not a workbook")
    if not keep_zone_report:
        (raw / "bao_cao_khu_DOSON_2024-02.xlsx").unlink()
    return raw


def published(settings, period="2024-02", **options):
    ctx = prepare(settings, period, **options)
    assessment = assess_paths(period_inputs(ctx), ctx)
    folder, report = publish_period(assessment, ctx, present=present_release)
    return assessment, folder, report


def heza_run(*args, prefect_env):
    return subprocess.run([sys.executable, "-m", "heza.cli", "run", "--period", "2024-02", "--no-email", *args],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=400,
                          env={**os.environ, **prefect_env})


# -- the one decision ------------------------------------------------------------------------------

@pytest.mark.parametrize("critical, errors, missing, expected", [
    ((), 0, (), "published"),
    ((), 3, (), "published_with_errors"),
    ((), 3, (("DOSON", DOSON),), "published_incomplete"),
    (({"vi": "x", "en": "x"},), 3, (("DOSON", DOSON),), "not_published"),
])
def test_the_run_status_is_decided_by_critical_then_missing_zones_then_errors(critical, errors, missing, expected):
    assert run_status(critical, errors, missing) == expected


def test_the_sample_month_every_zone_reporting_stays_published_with_errors(sample_assessment, published_sample):
    _, report, _ = published_sample  # published from the same check as sample_assessment
    assert sample_assessment.status == report["status"] == "published_with_errors"
    assert report["missing_zones"] == []


# -- an incomplete month ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def incomplete(once_per_run):
    """The damaged month published once per run for the tests that only read what it gave:
    (assessment, release folder, report)."""
    def publish_damaged(root):
        config = scratch_project(root, ("2024-01", "2024-02"))
        damage(root)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(config))
            return published(load_settings())

    return once_per_run("incomplete", publish_damaged)


def test_a_zone_with_an_unreadable_file_and_no_zone_report_makes_the_month_incomplete(incomplete):
    assessment, folder, report = incomplete
    assert assessment.status == report["status"] == "published_incomplete"
    assert report["missing_zones"] == [{"zone_code": "DOSON", "zone_name": DOSON}]
    assert (folder / "enterprises.csv").exists()  # the other zones are published


def test_the_incomplete_headline_names_the_zone_and_the_unreadable_file_at_the_top_of_the_report(incomplete):
    _, folder, _ = incomplete
    html = (folder / "report.html").read_text(encoding="utf-8")
    headline = f"CÔNG BỐ THIẾU: chưa có số liệu của {DOSON}"
    assert headline in html
    banner = html[:html.index("<table")]  # the banner comes before the first table
    assert headline in banner and "#c53030" in banner and ENTERPRISE_FILE in banner
    assert "Có thể công bố" not in html


def test_the_headline_says_the_release_figures_are_wrong_when_a_claim_failed(incomplete):
    _, folder, report = incomplete
    wrong = sum(1 for c in report["claims"] if c["status"] == "fail")
    assert wrong >= 1
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert f"{wrong} số liệu dự kiến công bố SAI — không dùng" in html[:html.index("<table")]


def test_the_email_subject_opens_with_the_same_headline(incomplete):
    _, _, report = incomplete
    subject = subject_line(report, "[KKT Hải Phòng]", "vi")
    assert subject.startswith(f"[KKT Hải Phòng] Kiểm tra dữ liệu tháng 02/2024: CÔNG BỐ THIẾU: chưa có số liệu "
                              f"của {DOSON}")
    assert "PUBLISHED INCOMPLETE: no data from " + DOSON in subject_line(report, "[HEZA]", "en")


def test_an_unreadable_enterprise_file_alone_makes_its_zone_incomplete(sample_month, settings):
    """Its zone report is published, but none of its enterprises is in any published total."""
    damage(sample_month, keep_zone_report=True)
    assessment, _, _ = published(settings)
    assert assessment.status == "published_incomplete"
    assert assessment.missing_zones == (("DOSON", DOSON),)


def test_a_zone_with_enterprise_rows_but_no_zone_report_has_reported_partially_not_incompletely(sample_month,
                                                                                                settings):
    (sample_month / "raw" / "2024-02" / "bao_cao_khu_DOSON_2024-02.xlsx").unlink()
    assessment, _, report = published(settings)
    assert assessment.status == "published_with_errors" and report["missing_zones"] == []
    assert "DOSON" in {f["value"] for f in report["findings"] if f["rule"] == "PERIOD_ZONE_MISSING"}


def test_require_complete_in_the_settings_publishes_nothing_for_an_incomplete_month(sample_month):
    damage(sample_month)
    config = sample_month / "heza.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("require_complete = false", "require_complete = true"),
                      encoding="utf-8")
    assessment, folder, report = published(load_settings())
    assert assessment.status == report["status"] == "not_published"
    assert any(DOSON in reason["vi"] for reason in report["critical"])
    assert not (sample_month / "processed" / "2024-02").exists() and folder.name.endswith(".not-published")


def test_require_complete_must_be_true_or_false(project):
    config = project / "heza.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("require_complete = false", 'require_complete = "yes"'),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[publish\] require_complete"):
        load_settings()


def test_require_complete_defaults_to_false_when_the_section_is_absent(project):
    config = project / "heza.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index("[publish]")], encoding="utf-8")
    assert load_settings().publish == {"require_complete": False, "legacy_paths": True}


def test_heza_run_of_an_incomplete_month_exits_4_and_names_the_zone_and_the_file(sample_month, prefect_env):
    damage(sample_month)
    result = heza_run(prefect_env=prefect_env)
    assert result.returncode == 4, result.stdout + result.stderr
    report = json.loads((sample_month / "processed" / "2024-02" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "published_incomplete"
    wrong = sum(1 for c in report["claims"] if c["status"] == "fail")  # DOSON's share is missing from the totals
    lines = result.stdout.splitlines()
    assert lines[0] == f"Kỳ 2024-02: CÔNG BỐ THIẾU: chưa có số liệu của {DOSON} · {wrong} số liệu dự kiến công bố " \
                       f"SAI — không dùng"
    assert ENTERPRISE_FILE in lines[1]


def test_heza_run_require_complete_exits_2_and_publishes_nothing(sample_month, prefect_env):
    damage(sample_month)
    result = heza_run("--require-complete", prefect_env=prefect_env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("Kỳ 2024-02: KHÔNG CÔNG BỐ") and DOSON in result.stdout
    assert not (sample_month / "processed" / "2024-02").exists()


# -- a missing reference rate ----------------------------------------------------------------------

def test_a_period_without_a_rate_whose_capital_is_in_vnd_is_an_error_naming_the_file_and_period(settings, tmp_path):
    rows = enterprise_rows({})
    rows[0][11] = "Vốn đăng ký (tỷ đồng)"
    path = write_workbook(tmp_path / "doanh_nghiep_2023-06.xlsx", {"DN": rows})
    findings = assess_paths([path], prepare(settings, "2023-06")).findings
    rate = findings[findings["rule"] == "PERIOD_NO_EXCHANGE_RATE"]
    assert len(rate) == 1 and rate["severity"].iloc[0] == "error"
    assert "exchange_rates.csv" in rate["message_vi"].iloc[0] and "2023-06" in rate["message_vi"].iloc[0]


def test_a_period_without_a_rate_whose_data_need_no_conversion_has_no_rate_finding(settings, tmp_path):
    path = write_workbook(tmp_path / "doanh_nghiep_2023-06.xlsx", {"DN": enterprise_rows({})})
    findings = assess_paths([path], prepare(settings, "2023-06")).findings
    assert "PERIOD_NO_EXCHANGE_RATE" not in set(findings["rule"])


# -- heza validate of single files -----------------------------------------------------------------

def _validate(*args):
    return subprocess.run([sys.executable, "-m", "heza.cli", "validate", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=300)


def test_validate_of_one_file_has_no_completeness_warning_and_takes_the_period_from_its_name(tmp_path):
    workbook = tmp_path / "doanh_nghiep_NOMURA_2024-02.xlsx"  # not in a period folder
    shutil.copy(PROJECT_ROOT / "data" / "raw" / "2024-02" / workbook.name, workbook)
    result = _validate(str(workbook))
    assert result.stdout.splitlines()[0] == "Kỳ 2024-02 (theo tên tệp)", result.stdout + result.stderr
    assert "PERIOD_ZONE_MISSING" not in result.stdout
    assert "doanh_nghiep_NOMURA_2024-02.xlsx:Danh sách DN:62 (J62)" in result.stdout  # the cell too


def test_validate_takes_the_period_from_the_folder_name(tmp_path):
    folder = tmp_path / "2024-01"
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "raw" / "2024-02" / "doanh_nghiep_NOMURA_2024-02.xlsx", folder / "dn.xlsx")
    result = _validate(str(folder / "dn.xlsx"))
    assert result.stdout.splitlines()[0] == "Kỳ 2024-01 (theo tên thư mục)"


def test_validate_of_files_of_two_periods_without_period_is_refused(tmp_path):
    source = PROJECT_ROOT / "data" / "raw" / "2024-02" / "chi_tieu_2024-02.xlsx"
    for period in ("2024-01", "2024-02"):
        shutil.copy(source, tmp_path / f"chi_tieu_{period}.xlsx")
    result = _validate(str(tmp_path / "chi_tieu_2024-01.xlsx"), str(tmp_path / "chi_tieu_2024-02.xlsx"))
    assert result.returncode == 2 and "--period" in result.stderr and "Traceback" not in result.stderr


def test_validate_of_a_whole_period_folder_lists_the_zones_that_did_not_report(sample_month):
    folder = sample_month / "raw" / "2024-02"
    for path in folder.glob("*DOSON*"):
        path.unlink()
    result = _validate(str(folder), "--json")
    data = json.loads(result.stdout)
    assert data["period"] == "2024-02" and data["whole_period"] is True
    assert "DOSON" in {f["value"] for f in data["findings"] if f["rule"] == "PERIOD_ZONE_MISSING"}

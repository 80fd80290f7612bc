"""Bounded resources and safe copies: a sheet is read over its real extent only (stray far cells
reported, formatting-only rows counted, never allocated), the annotated copy never crashes and
never carries a live formula, and charts never read submitted text as markup."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import tests.corpus  # noqa: F401  (registers the bounded cases; imported first to avoid a cycle)
from heza.config import load_settings
from heza.ingest.files import read_file
from tests.corpus import _formula_uncomputed, good, xlsx
from tests.corpus_bounded import (
    _far_data_row, _formatted_empty_rows, _live_formulas, _merged_figure, _merged_header_cells,
    _merged_known_zone, _merged_subheading, _merged_zone_column, _odd_file_name, _odd_sheet_title, stray_at,
)


@pytest.fixture
def limits(project):
    return load_settings().limits


def _published(settings, *makers) -> Path:
    """A month written by corpus makers, checked and published; the release folder."""
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths
    from heza.present.publication import present_release
    from heza.release.publish import publish_period

    folder = settings.raw / "2024-02"
    folder.mkdir(parents=True, exist_ok=True)
    for make in makers:
        make(folder)
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    return publish_period(assessment, ctx, present=present_release)[0]


def _annotated(settings, *makers) -> dict:
    out = _published(settings, *makers)
    return {path.name: path for path in sorted((out / "annotated").glob("*"))}


# -- the extent of a sheet --------------------------------------------------------------------

def test_a_value_at_the_last_cell_of_the_sheet_is_reported_and_never_allocated(tmp_path, project):
    path = stray_at("XFD1048576", "o_lac.xlsx")(tmp_path)[0]
    # Peak memory from /proc (VmHWM, this process's own image): ru_maxrss would carry the pytest
    # parent's peak across fork and exec, so the figure would depend on the tests run before.
    probe = ("import json, re, sys; from heza.config import load_settings; from heza.ingest.files import read_file;"
             "r = read_file(sys.argv[1], load_settings().limits);"
             "peak = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1));"
             "print(json.dumps({'error': r.error and r.error.reason, 'rows': [len(t.cells) for t in r.tables],"
             "'findings': r.findings, 'rss_mb': peak / 1024}, default=str))")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["error"] is None and result["rows"] == [2]
    assert result["rss_mb"] < 600  # the dense grid would be 17 billion cells
    (stray,) = result["findings"]
    assert stray["rule"] == "SHEET_STRAY_CELL" and stray["cell"] == "XFD1048576" and stray["source_row"] == 1_048_576
    assert stray["source_sheet"] == "DN" and stray["source_file"] == "o_lac.xlsx"


def test_a_stray_cell_is_named_with_its_value_in_both_languages(tmp_path, limits):
    path = stray_at("KN1048576", "o_lac.xlsx", value="Người lập biểu: Nguyễn Văn A")(tmp_path)[0]
    (stray,) = read_file(path, limits).findings
    assert stray["value"] == "Người lập biểu: Nguyễn Văn A"
    assert "KN1048576" in stray["message_vi"] and "Người lập biểu" in stray["message_vi"]
    assert "KN1048576" in stray["message_en"] and stray["message_vi"] != stray["message_en"]


def test_a_value_5000_rows_below_the_table_is_data_within_the_gap_and_stray_past_it(tmp_path, limits):
    path = _far_data_row(tmp_path)[0]
    read = read_file(path, limits)
    assert read.tables[0].cells["source_row"].tolist() == [2, 3, 5004] and not read.findings
    read = read_file(path, {**limits, "stray_gap_rows": 1000})
    assert read.tables[0].cells["source_row"].tolist() == [2, 3]
    assert {f["source_row"] for f in read.findings} == {5004} and len(read.findings) == 14  # one per cell


def test_a_million_formatting_only_rows_are_counted_not_loaded(tmp_path, limits):
    import time

    path = _formatted_empty_rows(tmp_path)[0]
    started = time.perf_counter()
    read = read_file(path, limits)
    assert time.perf_counter() - started < 15
    (table,) = read.tables
    assert len(table.cells) == 2 and table.formatted_empty_rows == 1_048_576 - 4 + 1
    assert not read.findings


def test_a_table_spanning_more_cells_than_the_limit_is_refused_before_loading(tmp_path, limits):
    path = xlsx(tmp_path, "lon.xlsx", good(2))[0]
    read = read_file(path, {**limits, "max_grid_cells": 20})
    assert read.error.reason == "too_many_cells" and "3 dòng × 14 cột" in read.error.message_vi


# -- the annotated copy ------------------------------------------------------------------------

def _no_formula_anywhere(path: Path) -> None:
    """Neither openpyxl nor the raw XML sees a formula in any sheet of the copy."""
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                data = archive.read(name)
                assert b"<f>" not in data and b"<f " not in data, name


def test_a_finding_on_a_merged_cell_marks_the_merges_top_left_cell(settings):
    copies = _annotated(settings, _merged_zone_column)
    sheet = load_workbook(copies["gop_o_kiem_tra.xlsx"])["DN"]
    assert "ENT_ZONE_UNKNOWN" in sheet["C2"].comment.text and sheet["C2"].value == "KCN Sao Hỏa"
    assert sheet["C2"].fill.fgColor.rgb == "FFFFC7CE"


def test_a_merged_subheading_row_does_not_stop_the_copy(settings):
    def with_finding(folder):
        path = _merged_subheading(folder)[0]
        from tests.corpus import rewrite_member
        rewrite_member(path, "xl/worksheets/sheet1.xml",
                       lambda d: d.replace(b'<c r="J4" t="n"><v>40</v></c>', b'<c r="J4" t="n"><v>41</v></c>'))
        return [path]

    copies = _annotated(settings, with_finding)
    sheet = load_workbook(copies["gop_dong_kiem_tra.xlsx"])["DN"]
    assert sheet["A3"].value == "I. Doanh nghiệp FDI" and "ENT_GENDER_SUM" in sheet["J4"].comment.text


def test_webservice_and_hyperlink_formulas_arrive_as_their_values(settings):
    def bad_row(folder):  # a finding in that workbook, so that its copy is written
        return _live_formulas(folder)

    def with_finding(folder):
        path = bad_row(folder)[0]
        from tests.corpus import rewrite_member
        rewrite_member(path, "xl/worksheets/sheet1.xml",
                       lambda d: d.replace(b'<c r="J3" t="n"><v>40</v></c>', b'<c r="J3" t="n"><v>41</v></c>'))
        return [path]

    copies = _annotated(settings, with_finding)
    path = copies["cong_thuc_web_kiem_tra.xlsx"]
    _no_formula_anywhere(path)
    sheet = load_workbook(path)["DN"]
    assert sheet["B2"].value == "Công ty A" and sheet["N2"].value == 400
    assert sheet["J3"].comment is not None


def test_a_formula_saved_without_its_value_is_shown_as_text(settings):
    copies = _annotated(settings, _formula_uncomputed)
    path = copies["cong_thuc_chua_tinh_kiem_tra.xlsx"]
    _no_formula_anywhere(path)
    cell = load_workbook(path)["DN"]["H2"]
    assert cell.value == "=I2+J2" and cell.data_type == "s" and "CELL_ERROR_VALUE" in cell.comment.text


def test_control_characters_are_written_visibly_not_crashing(settings):
    def with_finding(folder):
        from tests.corpus import csv_file
        return csv_file(folder, "ky_tu_dieu_khien.csv",
                        good(2, name="Công ty \x01\x1bA\x07", tax_code="0100109107"))

    copies = _annotated(settings, with_finding)
    sheet = load_workbook(copies["ky_tu_dieu_khien_kiem_tra.xlsx"])["ky_tu_dieu_khien"]
    assert sheet["B2"].value == "Công ty \ufffd\ufffdA\ufffd"


def test_a_sheet_title_excel_refuses_becomes_a_safe_one(settings):
    copies = _annotated(settings, _odd_sheet_title)
    workbook = load_workbook(copies["ten_trang_kiem_tra.xlsx"])
    assert workbook.sheetnames[0] == "Kiểm tra"
    title = workbook.sheetnames[1]
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\")
    assert "ENT_TAX_CODE_FORMAT" in workbook[title]["A2"].comment.text


@pytest.mark.parametrize("name, copy", [
    ("bao cao [1].xlsx", "bao cao _1__kiem_tra.xlsx"),
    ("a:b.xlsx", "a_b_kiem_tra.xlsx"),
    ("bao cao\nthang 2.xlsx", "bao cao_thang 2_kiem_tra.xlsx"),
    ("Khu $\\frac{1}{$ bản.xlsx", "Khu $_frac{1}{$ bản_kiem_tra.xlsx"),
])
def test_an_odd_input_file_name_gives_a_safe_copy_name(settings, name, copy):
    copies = _annotated(settings, _odd_file_name(name))
    assert list(copies) == [copy]
    assert load_workbook(copies[copy]).sheetnames == ["Kiểm tra", "DN"]


def test_two_inputs_whose_safe_names_collide_get_two_copies(settings):
    def other(folder):  # different content: an identical copy would be read once
        return xlsx(folder, "a_b.xlsx", good(3, tax_code="0100109107"))

    copies = _annotated(settings, _odd_file_name("a:b.xlsx"), other)
    assert sorted(copies) == ["a_b (2)_kiem_tra.xlsx", "a_b_kiem_tra.xlsx"]


# -- merged cells ------------------------------------------------------------------------------

def _published_rows_and_findings(out: Path) -> tuple:
    import pandas as pd

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return pd.read_csv(out / "enterprises.csv", dtype=str), report["findings"]


def test_a_zone_merged_down_over_its_enterprises_is_each_rows_zone_said_once(settings):
    published, findings = _published_rows_and_findings(_published(settings, _merged_known_zone))
    assert published["zone_code"].tolist() == ["VSIP"] * 3
    merged = [f for f in findings if f["rule"].startswith("CELL_MERGED")]
    assert [(f["rule"], f["cell"]) for f in merged] == [("CELL_MERGED_FILLED", "C2")]
    assert "C2:C4" in merged[0]["message_vi"]


def test_a_figure_merged_over_two_enterprises_holds_both_back_naming_the_range(settings):
    out = _published(settings, _merged_figure)
    published, findings = _published_rows_and_findings(out)
    assert len(published) == 1
    merged = [(f["rule"], f["cell"]) for f in findings if f["rule"].startswith("CELL_MERGED")]
    assert merged == [("CELL_MERGED_ACROSS_ROWS", "H2"), ("CELL_MERGED_ACROSS_ROWS", "H3")]
    assert all("H2:H3" in f["message_vi"] for f in findings if f["rule"] == "CELL_MERGED_ACROSS_ROWS")


def test_header_cells_merged_over_two_rows_are_no_finding(settings):
    published, findings = _published_rows_and_findings(_published(settings, _merged_header_cells))
    assert len(published) == 2 and not [f for f in findings if f["rule"].startswith("CELL_MERGED")]


def test_a_zone_merged_down_in_an_ods_is_read_like_in_an_xlsx(settings, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    made = _merged_known_zone(tmp_path)[0]
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                           "--convert-to", "ods", "--outdir", str(tmp_path / "ods"), str(made)],
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr

    def ods(folder):
        return [shutil.copy(tmp_path / "ods" / "gop_khu.ods", folder / "gop_khu.ods")]

    published, findings = _published_rows_and_findings(_published(settings, ods))
    assert published["zone_code"].tolist() == ["VSIP"] * 3
    assert [f["cell"] for f in findings if f["rule"] == "CELL_MERGED_FILLED"] == ["C2"]


def test_the_copy_opens_in_libreoffice(settings, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    copies = _annotated(settings, _merged_zone_column, _formula_uncomputed)
    profile = tmp_path / "lo-profile"
    for path in copies.values():
        done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                               "pdf", "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180)
        pdf = tmp_path / (path.stem + ".pdf")
        assert done.returncode == 0 and pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), done.stderr


# -- charts ------------------------------------------------------------------------------------

def _png_height(data: bytes) -> int:
    return struct.unpack(">I", data[20:24])[0]


def test_dollar_signs_in_names_are_drawn_as_text_not_math(project):
    from heza.present.charts import chart_findings_per_zone

    names = ["Khu $\\frac{1}{$ bản $x^2$.xlsx", "$$", "KCN $Đình Vũ$"]
    report = {"findings": [{"rule": "X", "severity": "error", "zone": None, "source_file": n} for n in names]}
    data = chart_findings_per_zone(report, "vi")
    assert data.startswith(b"\x89PNG")


def test_a_chart_of_many_zones_shows_at_most_25_bars(project):
    from heza.present.charts import chart_findings_per_zone

    few = {"findings": [{"rule": "X", "severity": "warning", "zone": f"Z{i}", "source_file": None}
                        for i in range(25)]}
    many = {"findings": [{"rule": "X", "severity": "warning", "zone": f"Z{i} " + "dài " * 50, "source_file": None}
                         for i in range(500)]}
    assert _png_height(chart_findings_per_zone(many, "vi")) <= _png_height(chart_findings_per_zone(few, "vi")) + 5


def test_past_the_comment_cap_cells_are_filled_without_comments(settings, monkeypatch):
    import heza.present.annotate

    monkeypatch.setattr(heza.present.annotate, "MAX_COMMENTS", 1)
    copies = _annotated(settings, lambda folder: xlsx(folder, "hai_loi.xlsx", good(2, tax_code="0100109107")))
    sheet = load_workbook(copies["hai_loi_kiem_tra.xlsx"])["DN"]
    assert sheet["A2"].comment is not None and sheet["A3"].comment is None
    assert sheet["A3"].fill.fgColor.rgb == "FFFFC7CE"

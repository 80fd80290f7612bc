"""The annotated workbook is a letter to its submitter: the zone, the month, what to do and by when,
each finding in their own words with a link to its cell, zone comments with the numbers compared,
the rule code in the last column only; it opens in LibreOffice and nothing in it runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.config import ConfigError, load_settings
from heza.present.publication import present_release
from heza.release.publish import publish_period
from tests.conftest import write_workbook
from tests.test_rules import enterprise_rows


@pytest.fixture
def letters(sample_month, settings) -> Path:
    """The sample February published with letters asking for replies by the 10th."""
    settings.letters["reply_by_day"] = 10
    ctx = prepare(settings, "2024-02")
    folder, _ = publish_period(assess_paths(period_inputs(ctx), ctx), ctx, present=present_release)
    return folder / "annotated"


def lines(sheet) -> list:
    return [[cell.value for cell in row if cell.value is not None] for row in sheet.iter_rows()]


def finding_lines(sheet) -> list:
    """The rows of the findings table (under its header row), as cells."""
    rows = list(sheet.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == "Mức")
    return rows[start:]


def test_the_letter_names_the_zone_the_month_the_reply_date_and_what_to_do(letters):
    text = "\n".join(" ".join(map(str, line)) for line in lines(load_workbook(
        letters / "doanh_nghiep_NOMURA_2024-02_kiem_tra.xlsx")["Kiểm tra"]))
    assert "KẾT QUẢ KIỂM TRA SỐ LIỆU THÁNG 02/2024" in text
    assert "Đơn vị báo cáo: KCN Nomura - Hải Phòng (mã khu NOMURA)" in text
    assert "Hạn gửi lại tệp đã sửa: ngày 10/03/2024" in text  # [letters] reply_by_day = 10
    assert "Kết quả: 2 lỗi" in text and "1 cảnh báo" in text
    assert "trước ngày 10/03/2024" in text and "Bấm vào ô ở cột «Ô»" in text


def test_each_finding_links_to_its_cell_in_the_copy_which_is_marked(letters):
    book = load_workbook(letters / "doanh_nghiep_NOMURA_2024-02_kiem_tra.xlsx")
    header, *rows = finding_lines(book["Kiểm tra"])
    [gender] = [row for row in rows if row[-1].value == "ENT_GENDER_SUM"]
    link = gender[2].hyperlink
    assert gender[2].value == "J62" and link.location == "'Danh sách DN'!J62" and not link.target
    assert book["Danh sách DN"]["J62"].fill.fgColor.rgb == "FFFFC7CE"  # the copy keeps the red cell
    assert gender[4].value == "Lao dong nu, Lao dong nam, Tong so lao dong"  # the submitter's own headers
    assert gender[5].value == "Lao dong nu: 130; Lao dong nam: 80; Tong so lao dong: 200"


def test_a_suggested_value_and_its_reason_have_their_own_columns(settings, tmp_path):
    from heza.present.annotate import annotate_file

    path = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({"female": 30, "male": 20, "total": 500,
                                                                         "managerial": 5})})
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    copy = annotate_file(assessment.files[0], assessment.findings, letters, tmp_path / "out", settings.limits)
    header, *rows = finding_lines(load_workbook(copy)["Kiểm tra"])
    [gender] = [row for row in rows if row[-1].value == "ENT_GENDER_SUM"]
    assert [c.value for c in header][7:] == ["Giá trị gợi ý", "Lý do gợi ý", "Mã"]
    assert (gender[7].value, gender[8].value) == ("50", "có thể gõ thừa chữ số 0")


def test_a_zone_comment_carries_the_numbers_compared(letters):
    header, *rows = finding_lines(load_workbook(letters / "bao_cao_khu_NAMCAUKIEN_2024-02_kiem_tra.xlsx")["Kiểm tra"])
    [match] = [row for row in rows if row[-1].value == "ZONE_WORKERS_MATCH"]
    assert "Lao động Tổng số: khu báo cáo 11.431, cộng các dòng doanh nghiệp 11.406 (chênh 25)" in match[5].value
    [count] = [row for row in finding_lines(load_workbook(
        letters / "bao_cao_khu_DOSON_2024-02_kiem_tra.xlsx")["Kiểm tra"])[1:] if row[-1].value == "ZONE_ENTERPRISES_MATCH"]
    assert "khu báo cáo 59, cộng các dòng doanh nghiệp 58 (chênh 1)" in count[5].value


def test_rule_codes_appear_in_the_last_column_only(letters):
    import re

    for path in letters.glob("*.xlsx"):
        sheet = load_workbook(path)["Kiểm tra"]
        header, *rows = finding_lines(sheet)
        assert header[-1].value == "Mã" and rows, path.name
        codes = [cell for row in sheet.iter_rows() for cell in row
                 if isinstance(cell.value, str) and re.fullmatch(r"[A-Z]+(_[A-Z0-9]+)+", cell.value)]
        assert codes and all(cell.column == len(header) for cell in codes), path.name


def test_a_submitted_formula_is_text_in_the_letter(settings, tmp_path):
    from heza.present.annotate import annotate_file

    evil = "=HYPERLINK(\"http://x.invalid\",\"bấm\")"
    path = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({"name": evil, "female": 70})})
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    from heza.assess.subjects import with_subjects

    findings = with_subjects(assessment.findings, assessment.tables)
    copy = annotate_file(assessment.files[0], findings, letters, tmp_path / "out", settings.limits)
    cells = [c for row in load_workbook(copy)["Kiểm tra"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("day", [0, 29, "20", 20.5])
def test_a_reply_day_that_not_every_month_has_names_the_key(project, day):
    config = Path(project) / "heza.toml"
    text = config.read_text(encoding="utf-8")
    assert "reply_by_day = 20" in text
    config.write_text(text.replace("reply_by_day = 20", f"reply_by_day = {day!r}".replace("'", '"')), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[letters\] reply_by_day"):
        load_settings()


def test_the_letter_opens_in_libreoffice(letters, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    path = letters / "doanh_nghiep_NOMURA_2024-02_kiem_tra.xlsx"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                           "--convert-to", "csv", "--outdir", str(tmp_path), str(path)], capture_output=True,
                          timeout=180)
    converted = tmp_path / (path.stem + ".csv")
    assert done.returncode == 0 and converted.exists(), done.stderr
    text = converted.read_text(encoding="utf-8", errors="replace")
    assert "02/2024" in text and "J62" in text  # LibreOffice read the letter sheet (the first)


def test_a_letter_for_one_file_holds_no_finding_about_other_files(sample_month, settings, tmp_path):
    """`heza web` letters one file checked against the month: last month's enterprises of other
    zones and the zones not yet reported are the period's, never in that file's letter."""
    from heza.present.annotate import annotate_file

    ctx = prepare(settings, "2024-02")
    assessment = assess_paths([settings.raw / "2024-02" / "doanh_nghiep_DOSON_2024-02.xlsx"], ctx)
    assert "PERIOD_ZONE_MISSING" in set(assessment.findings["rule"])  # 14 zones have not reported: no file
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    copy = annotate_file(assessment.files[0], assessment.findings, letters, tmp_path, settings.limits)
    header, *rows = finding_lines(load_workbook(copy)["Kiểm tra"])
    assert rows and {row[-1].value for row in rows}.isdisjoint({"PERIOD_ZONE_MISSING", "PERIOD_GONE_ENTERPRISE"})

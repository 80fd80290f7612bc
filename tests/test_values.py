"""Values never change silently: what each reader helper does with error cells, number formats,
encodings, look-alike letters and repeated submissions, through real files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

import tests.corpus  # noqa: F401  (registers the corpus before corpus_values is imported)
from heza.config import DEFAULTS
from heza.assess.context import prepare
from heza.assess.core import assess_paths
from heza.ingest.cells import legacy_text_problems
from heza.ingest.csv_text import decode_lines
from heza.ingest.discover import duplicate_submissions
from heza.ingest.files import FileRead, read_file
from heza.ingest.headers import confusable_letters, fold, legacy_text_encoding, skeleton
from heza.ingest.reference import load_zone_registry
from heza.ingest.tables import PercentText, percent_decimals
from heza.ingest.xlsx import bounded_xlsx
from heza.samples.workbooks import windows_1258
from tests.corpus import xlsx
from tests.corpus_values import (
    AWKWARD_SHEET, CLAIM_HEADER, MIXED_NAME, _error_on_awkward_sheet_name, _identical_copy, _later_version,
    _mixed_encoding_csv, _shared_formulas_without_values,
)

LIMITS = DEFAULTS["limits"]


# -- error cells -------------------------------------------------------------------------------

def test_error_cells_are_keyed_by_the_sheet_name_calamine_gives(tmp_path):
    path = _error_on_awkward_sheet_name(tmp_path)[0]
    flags = bounded_xlsx(path, LIMITS)[3]
    assert list(flags) == [AWKWARD_SHEET]
    assert flags[AWKWARD_SHEET]["cells"] == {(1, 7): "#REF!"}


def test_both_cells_of_a_shared_formula_without_values_show_the_formula(settings, tmp_path):
    path = _shared_formulas_without_values(tmp_path)[0]
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    errors = assessment.findings[assessment.findings["rule"] == "CELL_ERROR_VALUE"]
    assert errors[["source_row", "cell", "value"]].values.tolist() == [[2, "H2", "=I2+J2"], [3, "H3", "=I2+J2"]]


def test_a_text_formula_computed_to_empty_is_not_an_error(tmp_path):
    from tests.corpus import good, rewrite_member

    path = xlsx(tmp_path, "rong.xlsx", good(1))[0]
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda d: d.replace(
        b'<c r="N2" t="n"><v>400</v></c>', b'<c r="N2" t="str"><f>IF(1,"","x")</f><v></v></c>'))
    assert bounded_xlsx(path, LIMITS)[3] == {}


# -- number formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("code, decimals", [
    ("0%", 0), ("0.0%", 1), ("#,##0.00%", 2), ("0.000%;[Red]-0.000%", 3), ('0" %"', None), ("0.00", None),
    ('"Tỷ lệ "0.0%', 1), (r"0\%", None),
])
def test_a_number_format_shows_a_percentage_with_its_decimals(code, decimals):
    assert percent_decimals(code) == decimals


def test_a_percent_formatted_claim_is_the_percentage_excel_shows_with_its_precision(settings, tmp_path):
    def percent(workbook, ws):
        ws["C2"].number_format = "0.0%"
    path = xlsx(tmp_path, "chi_tieu.xlsx", [CLAIM_HEADER, ["share_nonstate_party_org_pct", "HP", 0.077]],
                "Chỉ tiêu", extra=percent)[0]
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    claim = assessment.claims.table.iloc[0]
    assert claim["reported"] == "7,7%"
    assert (float(claim["lower"]), float(claim["upper"])) == pytest.approx((7.65, 7.75))


def test_an_ods_percentage_cell_is_read_as_shown(tmp_path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Chỉ tiêu")
    for values in (CLAIM_HEADER, ["share_nonstate_party_org_pct", "HP", None]):
        row = TableRow()
        for value in values:
            if value is None:
                cell = TableCell(valuetype="percentage", value="0.077")
                cell.addElement(P(text="7,70%"))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    path = tmp_path / "chi_tieu.ods"
    document.save(str(path))
    read = read_file(path, LIMITS)
    value = read.tables[0].cells["value"].iloc[0]
    assert isinstance(value, PercentText) and value == "7,70%"


# -- encodings ---------------------------------------------------------------------------------

def test_one_windows_1258_line_leaves_the_utf8_lines_intact(tmp_path):
    path = _mixed_encoding_csv(tmp_path)[0]
    text, encoding, recoded = decode_lines(path.read_bytes())
    assert encoding == "utf-8+windows-1258"
    assert "Công ty Ngọc Lương" in text and "Công ty Đức Việt" in text
    assert list(recoded) == [3] and MIXED_NAME in unicodedata.normalize("NFC", recoded[3])


def test_a_whole_windows_1258_file_is_not_mixed():
    data = windows_1258("Tên doanh nghiệp;Mã khu\r\nCông ty Hải Đăng;VSIP\r\n")
    text, encoding, recoded = decode_lines(data)
    assert encoding == "windows-1258" and recoded == {}
    assert "Hải Đăng" in unicodedata.normalize("NFC", text)


def test_a_recoded_line_under_a_quoted_line_break_names_its_spreadsheet_row(settings, tmp_path):
    lines = ['Mã số thuế,Tên doanh nghiệp\r\n'.encode(), '0100109106,"Công ty\r\nxuống dòng"\r\n'.encode(),
             windows_1258('0100109106,Công ty Hải Đăng\r\n')]
    path = tmp_path / "hai_dong.csv"
    path.write_bytes(b"".join(lines))
    read = read_file(path, LIMITS)
    assert read.tables[0].recoded_rows and list(read.tables[0].recoded_rows) == [3]


@pytest.mark.parametrize("text, encoding", [
    ("C«ng ty TNHH H¶i §¨ng", "TCVN3"), ("Coâng ty TNHH Haûi Ñaêng", "VNI"), ("CÃ´ng ty", "UTF-8/Windows-1252"),
    ("Công ty TNHH Hải Đăng", None), ("Søren Müller GmbH", None), ("Vinamilk®", None), ("XÃ AN HỒNG", None),
])
def test_a_legacy_or_garbled_cell_is_recognised_and_real_text_is_not(text, encoding):
    assert legacy_text_encoding(text) == encoding


def test_legacy_text_is_checked_once_per_distinct_value():
    column = pd.Series(["C«ng ty A"] * 50_000 + ["Công ty B"] * 50_000, dtype="string")
    problems = legacy_text_problems(column)
    assert len(problems) == 50_000 and set(problems) == set(range(50_000))


# -- look-alike letters ------------------------------------------------------------------------

def test_a_zone_with_a_cyrillic_letter_is_not_matched_but_its_resemblance_is_named(project):
    registry = load_zone_registry(project / "reference")
    lookalike = "KCN Đình Vũ".replace("C", "\u0421")  # CYRILLIC CAPITAL LETTER ES
    assert confusable_letters(lookalike) == ["\u0421"]
    assert registry.code_for(lookalike) is None and registry.resembles(lookalike) == "DINHVU"
    assert registry.code_for("KCN Đình Vũ") == "DINHVU" and registry.code_for("VSIP") == "VSIP"
    assert skeleton(lookalike) == "KCN Đình Vũ" and fold(lookalike) != fold("KCN Đình Vũ")


# -- the same submission twice -----------------------------------------------------------------

def _stub(name: str, sha: str) -> FileRead:
    return FileRead(file=name, path=Path(name), size=10, sha256=sha, format="xlsx")


def test_duplicate_submissions_names_copies_and_older_versions_once():
    files = [_stub("a.xlsx", "1"), _stub("a_final.xlsx", "3"), _stub("a_v2.xlsx", "2"), _stub("b.xlsx", "1"),
             _stub("c.xlsx", "4"), _stub("d.xlsx", "5")]
    assert duplicate_submissions(files) == [(0, 1, "superseded"), (2, 1, "superseded"), (3, 0, "identical")]


def test_an_identical_copy_is_read_once_and_named_once(settings, tmp_path):
    copy, original = _identical_copy(tmp_path)
    assessment = assess_paths([original, copy], prepare(settings, "2024-02"))
    rules = assessment.findings["rule"].tolist()
    assert rules.count("FILE_IDENTICAL_COPY") == 1 and "ENT_TAX_CODE_DUPLICATE" not in rules
    skipped = assessment.files[1].skipped
    assert [(s.file, s.sheet, s.rows) for s in skipped] == [(copy.name, "DN", 3)]
    assert assessment.splits["enterprises"].counts["rows_published"] == 2


def test_the_later_version_is_the_one_read(settings, tmp_path):
    original, later = _later_version(tmp_path)
    assessment = assess_paths([original, later], prepare(settings, "2024-02"))
    published = assessment.splits["enterprises"].published
    assert set(published["source_file"]) == {later.name}
    assert sorted(published["capital_usd"].tolist()) == [1_000_000, 2_000_000]
    hit = assessment.findings[assessment.findings["rule"] == "FILE_SUPERSEDED"].iloc[0]
    assert (hit["source_file"], hit["value"]) == (original.name, later.name)


@pytest.mark.parametrize("cell, verdict", [("✓", True), ("✔", True), ("Có", True), ("✗", None), ("×", None),
                                           ("Да", None), ("Сó", None)])
def test_a_yes_no_cell_of_symbols_or_another_script_is_not_read_as_yes(cell, verdict):
    from heza.ingest.cells import _boolean

    assert _boolean(cell) is verdict


def test_an_xls_percent_cell_is_read_as_shown(tmp_path):
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Chỉ tiêu")
    for col, text in enumerate(CLAIM_HEADER):
        sheet.write(0, col, text)
    sheet.write(1, 0, "share_nonstate_party_org_pct")
    sheet.write(1, 1, "HP")
    sheet.write(1, 2, 0.077, xlwt.easyxf(num_format_str="0.0%"))
    sheet.write(2, 0, "workers_total")
    sheet.write(2, 1, "HP")
    sheet.write(2, 2, 99570, xlwt.easyxf(num_format_str="#,##0"))
    path = tmp_path / "chi_tieu.xls"
    workbook.save(str(path))
    values = read_file(path, LIMITS).tables[0].cells["value"].tolist()
    assert values == ["7,7%", 99570.0] and isinstance(values[0], PercentText)

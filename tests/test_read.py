"""Reading real submissions: header location, two-row headers, dropped rows, formats, unreadable files."""

import zipfile

import pytest

from heza.ingest.files import read_file
from tests.conftest import write_workbook

TITLE = [["BAN QUẢN LÝ KHU KINH TẾ HẢI PHÒNG"], ["BÁO CÁO THÁNG 02/2024"], []]
HEADER = ["STT", "Mã số thuế", "Tên doanh nghiệp", "Mã khu", "Loại hình", "Có tổ chức Đảng",
          "Có tổ chức dân quân tự vệ", "Số đảng viên", "Tổng số lao động", "Lao động nữ", "Lao động nam",
          "Vốn đăng ký (USD)"]
ROW = [1, "0100109106", "Công ty A", "VSIP", "FDI", "Có", "Không", 5, 100, 60, 40, 1000000]


def test_header_is_found_under_a_title_block_and_source_rows_are_excel_rows(settings, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", {"DN": [*TITLE, HEADER, ROW, [2, *ROW[1:]]]})
    table = read_file(path, settings.limits).tables[0]
    assert table.kind == "enterprise"
    assert table.header_rows == (4,)
    assert table.cells["source_row"].tolist() == [5, 6]
    assert table.column_letters["tax_code"] == "B"


def test_a_two_row_merged_header_reads_parent_and_child(settings, tmp_path):
    top = ["STT", "Mã số thuế", "Tên doanh nghiệp", "Mã khu", "Loại hình", "Có tổ chức Đảng", "DQTV",
           "Số đảng viên", "Lao động", None, None, "Vốn đăng ký (USD)"]
    sub = [None] * 8 + ["Tổng số", "Nữ", "Nam", None]
    path = write_workbook(tmp_path / "b.xlsx", {"DN": [*TITLE, top, sub, ROW]})
    table = read_file(path, settings.limits).tables[0]
    assert table.header_rows == (4, 5)
    assert {"workers_total", "workers_female", "workers_male", "capital_usd"} <= set(table.columns)
    assert table.cells["source_row"].tolist() == [6]


def test_title_header_numbering_total_and_signature_rows_are_listed_as_non_data(settings, tmp_path):
    numbering = [f"({i})" for i in range(1, 13)]
    rows = [*TITLE, HEADER, numbering, ROW, [], ["Tổng cộng", None, None, None, None, None, None, 5, 100, 60, 40],
            [], [None, "Người lập biểu", None, None, None, None, None, None, "Giám đốc"]]
    table = read_file(write_workbook(tmp_path / "c.xlsx", {"DN": rows}), settings.limits).tables[0]
    assert len(table.cells) == 1
    assert [t["source_row"] for t in table.totals] == [8]
    assert [(e["row"], e["kind"]) for e in table.non_data] == [
        (1, "title"), (2, "title"), (4, "header"), (5, "header"), (8, "total"), (10, "note")]
    assert table.rows_with_content == len(table.cells) + len(table.non_data)


def test_an_instructions_sheet_is_listed_as_skipped_with_its_reason(settings, tmp_path):
    path = write_workbook(tmp_path / "d.xlsx", {"DN": [HEADER, ROW], "Hướng dẫn": [["Điền mỗi DN một dòng"]]})
    result = read_file(path, settings.limits)
    assert [s.sheet for s in result.skipped] == ["Hướng dẫn"]
    assert "header" in result.skipped[0].reason_en


@pytest.mark.parametrize("encoding, bom, delimiter", [
    ("utf-8", b"", ","), ("utf-8", b"\xef\xbb\xbf", ";"), ("utf-16", b"", "\t"), ("windows-1258", b"", ";"),
])
def test_csv_exports_are_decoded_and_their_separator_detected(settings, tmp_path, encoding, bom, delimiter):
    from heza.samples.workbooks import windows_1258

    text = "\r\n".join(delimiter.join(str(c) for c in r) for r in [HEADER[1:], ROW[1:]]) + "\r\n"
    data = windows_1258(text) if encoding == "windows-1258" else text.encode(encoding)
    path = tmp_path / "e.csv"
    path.write_bytes(bom + data)
    result = read_file(path, settings.limits)
    assert result.error is None
    assert result.delimiter == delimiter
    assert result.encoding.startswith({"utf-8": "utf-8", "utf-16": "utf-16", "windows-1258": "windows"}[encoding])
    assert result.tables[0].cells.at[0, "enterprise_name"] == "Công ty A"


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1258"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_csv_whose_lines_end_in_a_lone_carriage_return_is_read_row_by_row(settings, tmp_path, encoding,
                                                                            delimiter):
    """Excel's "CSV (Macintosh)" ends each line with "\r" alone, as a quoted cell may hold one: each
    line is a row, as Excel and LibreOffice show it, not a traceback."""
    from heza.samples.workbooks import windows_1258

    rows = [HEADER[1:], ROW[1:], ["0100112437", '"Công ty B\rchi nhánh"', *ROW[3:]]]
    text = "\r".join(delimiter.join(str(c) for c in r) for r in rows) + "\r"
    path = tmp_path / "mac.csv"
    path.write_bytes(windows_1258(text) if encoding == "windows-1258" else text.encode(encoding))
    result = read_file(path, settings.limits)
    assert result.error is None and result.delimiter == delimiter
    assert result.tables[0].cells["enterprise_name"].tolist() == ["Công ty A", "Công ty B\rchi nhánh"]
    assert result.tables[0].cells["source_row"].tolist() == [2, 3]


def test_a_lone_carriage_return_inside_an_unquoted_cell_ends_the_row_and_every_row_is_accounted_for(
        settings, tmp_path):
    """Spreadsheets end a line at a lone "\r" too: the two halves are two rows, both counted."""
    text = "\n".join(",".join(str(c) for c in r) for r in [HEADER[1:], ROW[1:]]).replace("Công ty A", "Công ty\rA")
    path = tmp_path / "cr.csv"
    path.write_bytes((text + "\n").encode("utf-8"))
    result = read_file(path, settings.limits)
    assert result.error is None
    table = result.tables[0]
    assert table.cells["source_row"].tolist() == [2, 3]  # the line Excel shows after the "\r" is a row too
    assert table.rows_with_content == len(table.cells) + len(table.non_data) == 3


@pytest.mark.parametrize("delimiter, inside", [(",", "\t"), (",", ";"), (";", ","), ("\t", ",")])
def test_a_delimiter_inside_quoted_cells_does_not_decide_the_separator(settings, tmp_path, delimiter, inside):
    """A tab pasted into the number and tax code cells, or a ';' typed there, is quoted by the export
    and splits nothing: the separator is the one that splits the rows evenly, quotes honoured (the
    csv module's sniffer alone took the quoted character for the separator)."""
    row = [f'"{inside}"', f'"{inside}"', *ROW[2:]]
    text = "\n".join(delimiter.join(str(c) for c in r) for r in [HEADER, row]) + "\n"
    path = tmp_path / "quoted.csv"
    path.write_bytes(text.encode("utf-8"))
    result = read_file(path, settings.limits)
    assert result.error is None and result.delimiter == delimiter
    assert result.tables[0].cells["enterprise_name"].tolist() == ["Công ty A"]


@pytest.mark.parametrize("data_rows", [1, 3, 60])
def test_a_semicolon_file_with_a_decimal_comma_in_every_row_is_read_at_its_semicolons(settings, tmp_path, data_rows):
    """A ';' export under title lines (one a date, "Hải Phòng, ngày …"), whose header names a column
    "Quản lý, CMKT" and whose every row has a decimal comma: ',' splits every line into two even
    cells, yet the header reads right only at ';'."""
    header = [*HEADER[1:10], "Lao động quản lý, chuyên môn kỹ thuật bậc cao", *HEADER[10:]]
    row = [*ROW[1:10], 10, "1000000,5"]
    lines = ["BAN QUẢN LÝ KHU KINH TẾ HẢI PHÒNG", "Hải Phòng, ngày 05 tháng 02 năm 2024", "BÁO CÁO THÁNG 01/2024",
             ";".join(f'"{h}"' if "," in h else h for h in header),
             *(";".join(str(c) for c in row) for _ in range(data_rows))]
    path = tmp_path / "dau_cham_phay.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = read_file(path, settings.limits)
    assert result.error is None and result.delimiter == ";"
    cells = result.tables[0].cells
    assert len(cells) == data_rows and cells["enterprise_name"].tolist() == ["Công ty A"] * data_rows


def _bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b"0" * (400 * 1024 * 1024) + b"</a>")


def _entities(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')


@pytest.mark.parametrize("name, make, reason", [
    ("corrupt.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 this is not a real zip"), "corrupt"),
    ("empty.xlsx", lambda p: p.write_bytes(b""), "empty"),
    ("not_a_sheet.xlsx", lambda p: p.write_text("hello", encoding="utf-8"), "corrupt"),
    ("locked.xlsx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "encrypted"),
    ("bomb.xlsx", _bomb, "too_large_unzipped"),
    ("entities.xlsx", _entities, "xml_entities"),
])
def test_unreadable_files_give_a_reason_in_both_languages(settings, tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    result = read_file(path, settings.limits)
    assert result.error is not None and result.error.reason == reason
    assert result.error.message_vi and result.error.message_en
    assert result.tables == []


def test_a_truncated_workbook_is_reported_not_raised(settings, tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", {"DN": [HEADER, ROW]})
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert read_file(truncated, settings.limits).error.reason == "corrupt"


def test_two_columns_with_the_same_meaning_are_recorded(settings, tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", {"DN": [[*HEADER, "MST"], [*ROW, "0100109106"]]})
    table = read_file(path, settings.limits).tables[0]
    assert table.duplicate_columns == {"tax_code": ["Mã số thuế", "MST"]}

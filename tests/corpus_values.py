"""Bad-input corpus cases for "values never change silently": error cells in every format, number
formats, mixed and legacy encodings, look-alike letters, identical and re-sent files.

Registered at the end of tests/corpus.py; each runs through `heza validate --json` in test_hostile.
`rows_seen` counts the non-empty rows a person sees in the case's files (header included)."""

from __future__ import annotations

from pathlib import Path

from tests.corpus import Case, good, rewrite_member, xls, xlsx
from tests.test_rules import enterprise_rows


# -- look-alike letters ------------------------------------------------------------------------

def _cyrillic_zone_name(folder: Path) -> list:
    return xlsx(folder, "khu_kirin.xlsx", enterprise_rows({"zone": "KCN Đіnh Vũ"}, {"zone": "KCN Đình Vũ"}))


def _cyrillic_zone_code(folder: Path) -> list:
    return xlsx(folder, "ma_kirin.xlsx", enterprise_rows({"zone": "VSІP"}, {"zone": "VSIP"}))


def _full_width_tax_code(folder: Path) -> list:
    return xlsx(folder, "mst_toan_khoang.xlsx", enterprise_rows({"tax_code": "０１００１０９１０６"}, {}))


CASES = [
    Case("cyrillic_letter_in_a_zone_name", _cyrillic_zone_name, 1, {"CELL_LOOKALIKE_LETTERS", "ENT_ZONE_UNKNOWN"},
         ("DN", 2, "zone_code"), published=1, quarantined=1, rows_seen=3),
    Case("cyrillic_letter_in_a_zone_code", _cyrillic_zone_code, 1, {"CELL_LOOKALIKE_LETTERS", "ENT_ZONE_UNKNOWN"},
         ("DN", 2, "zone_code"), published=1, quarantined=1, rows_seen=3),
    Case("full_width_digits_in_a_tax_code", _full_width_tax_code, 1, {"CELL_LOOKALIKE_LETTERS"},
         ("DN", 2, "tax_code"), published=1, quarantined=1, rows_seen=3),
]


# -- error cells in every format -------------------------------------------------------------

def _xls_error_cells(folder: Path) -> list:
    """A real .xls (BIFF8, xlwt) with #DIV/0! in a count and #N/A in an amount."""
    errors = {(1, 7): "#DIV/0!", (2, 11): 0x2A}  # H2 workers_total, L3 capital (#N/A)

    def error_cell(sheet, r, c, value):
        if (r, c) in errors:
            sheet.row(r).set_cell_error(c, errors[(r, c)])
        return (r, c) in errors
    return xls(folder, "loi_o.xls", good(2), error_cell)


def _ods_error_cells(folder: Path) -> list:
    """A real .ods (odfpy) as LibreOffice saves error cells: a formula, calcext:value-type="error",
    the error text shown; and a formula saved with no value type at all."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="DN")
    for r, row in enumerate(good(2)):
        table_row = TableRow()
        for c, value in enumerate(row):
            if (r, c) == (1, 7):
                cell = TableCell(formula="of:=1/0", valuetype="string", stringvalue="")
                cell.addElement(P(text="#DIV/0!"))
            elif (r, c) == (2, 11):
                cell = TableCell(formula="of:=NA()")
                cell.addElement(P(text="#N/A"))
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    path = folder / "loi_o.ods"
    document.save(str(path))

    def as_libreoffice(data: bytes) -> bytes:  # odfpy does not know LibreOffice's calcext namespace
        data = data.replace(b"<office:document-content ", b'<office:document-content xmlns:calcext='
                            b'"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" ', 1)
        return data.replace(b'office:string-value=""', b'office:string-value="" calcext:value-type="error"', 1)
    rewrite_member(path, "content.xml", as_libreoffice)
    return [path]


AWKWARD_SHEET = "DN & <KCN> \"A\" 'B'"


def _error_on_awkward_sheet_name(folder: Path) -> list:
    """#REF! on a sheet whose name the XML escapes (&amp; &lt; &gt; &quot; &apos;)."""
    def errors(workbook, ws):
        ws["H2"].value, ws["H2"].data_type = "#REF!", "e"
    return xlsx(folder, "ten_trang_la.xlsx", good(2), sheet=AWKWARD_SHEET, extra=errors)


def _shared_formulas_without_values(folder: Path) -> list:
    """A shared formula saved without cached values: the master cell (ref, text, no <v>) and a
    cell sharing it (an empty <f t="shared" si="0"/>)."""
    path = xlsx(folder, "cong_thuc_chung.xlsx", good(2))[0]

    def plant(data: bytes) -> bytes:
        data = data.replace(b'<c r="H2" t="n"><v>100</v></c>',
                            b'<c r="H2"><f t="shared" ref="H2:H3" si="0">I2+J2</f></c>')
        assert b'<c r="H3" t="n"><v>100</v></c>' in data
        return data.replace(b'<c r="H3" t="n"><v>100</v></c>', b'<c r="H3"><f t="shared" si="0"/></c>')
    rewrite_member(path, "xl/worksheets/sheet1.xml", plant)
    return [path]


CASES += [
    Case("xls_error_cells", _xls_error_cells, 1, {"CELL_ERROR_VALUE"}, ("DN", 2, "workers_total"),
         published=0, quarantined=2, rows_seen=3),
    Case("ods_error_cells", _ods_error_cells, 1, {"CELL_ERROR_VALUE"}, ("DN", 2, "workers_total"),
         published=0, quarantined=2, rows_seen=3),
    Case("error_cell_on_a_sheet_named_with_ampersand_and_quotes", _error_on_awkward_sheet_name, 1,
         {"CELL_ERROR_VALUE"}, (AWKWARD_SHEET, 2, "workers_total"), published=1, quarantined=1, rows_seen=3),
    Case("shared_formulas_without_cached_values", _shared_formulas_without_values, 1, {"CELL_ERROR_VALUE"},
         ("DN", 2, "workers_total"), published=0, quarantined=2, rows_seen=3),
]


# -- mixed and legacy encodings ----------------------------------------------------------------

MIXED_NAME = "Công ty TNHH Hải Đăng"


def _mixed_encoding_csv(folder: Path) -> list:
    """A UTF-8 CSV with one line pasted from a Windows-1258 export."""
    import csv
    import io

    from heza.samples.workbooks import windows_1258

    rows = enterprise_rows({"name": "Công ty Ngọc Lương"}, {"name": MIXED_NAME}, {"name": "Công ty Đức Việt"})
    lines = []
    for row in rows:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerow(row)
        lines.append(buffer.getvalue())
    path = folder / "hon_hop.csv"
    path.write_bytes(b"".join(windows_1258(line) if i == 2 else line.encode("utf-8") for i, line in enumerate(lines)))
    return [path]


CASES += [
    Case("one_windows_1258_line_in_a_utf8_csv", _mixed_encoding_csv, 0, {"CELL_MIXED_ENCODING"},
         ("hon_hop", 3, None), published=3, quarantined=0, rows_seen=4),
    Case("tcvn3_text_in_a_data_cell", lambda f: xlsx(f, "tcvn3_o.xlsx", enterprise_rows(
        {"name": "C«ng ty TNHH H¶i §¨ng"}, {})), 1, {"CELL_LEGACY_ENCODING"}, ("DN", 2, "enterprise_name"),
         published=1, quarantined=1, rows_seen=3),
    Case("vni_text_in_a_data_cell", lambda f: xlsx(f, "vni_o.xlsx", enterprise_rows(
        {}, {"name": "Coâng ty TNHH Haûi Ñaêng"})), 1, {"CELL_LEGACY_ENCODING"}, ("DN", 3, "enterprise_name"),
         published=1, quarantined=1, rows_seen=3),
    Case("utf8_read_as_windows_1252_in_a_data_cell", lambda f: xlsx(f, "mojibake.xlsx", enterprise_rows(
        {"name": "CÃ´ng ty TNHH Háº£i ÄÄƒng"}, {})), 1, {"CELL_LEGACY_ENCODING"}, ("DN", 2, "enterprise_name"),
         published=1, quarantined=1, rows_seen=3),
]


# -- the same submission twice ---------------------------------------------------------------

def _identical_copy(folder: Path) -> list:
    original = xlsx(folder, "dn_vsip.xlsx", good(2))[0]
    copy = folder / "dn_vsip_gui_lai.xlsx"
    copy.write_bytes(original.read_bytes())
    return [copy, original]


def _later_version(folder: Path) -> list:
    original = xlsx(folder, "dn_vsip.xlsx", good(2))[0]
    later = xlsx(folder, "dn_vsip_v2.xlsx", enterprise_rows({}, {"capital": 2_000_000}))[0]
    return [original, later]


def _copy_with_brackets(folder: Path) -> list:
    original = xlsx(folder, "Báo cáo DN.xlsx", good(2))[0]
    later = xlsx(folder, "Báo cáo DN (2).xlsx", enterprise_rows({}, {"members": 7}))[0]
    return [original, later]


CASES += [
    Case("identical_copy_of_a_file", _identical_copy, 0, {"FILE_IDENTICAL_COPY"}, (None, None, None),
         published=2, quarantined=0, skipped="not read again", rows_seen=6),
    Case("later_version_beside_its_original", _later_version, 0, {"FILE_SUPERSEDED"}, (None, None, None),
         published=2, quarantined=0, skipped="later version", rows_seen=6),
    Case("numbered_copy_beside_its_original", _copy_with_brackets, 0, {"FILE_SUPERSEDED"}, (None, None, None),
         published=2, quarantined=0, skipped="later version", rows_seen=6),
]


# -- number formats ----------------------------------------------------------------------------

CLAIM_HEADER = ["Mã chỉ tiêu", "Phạm vi", "Giá trị"]


def _percent_claim_for_an_amount(folder: Path) -> list:
    """A claim cell holding 0,05 formatted as a percentage (Excel shows 5%) for a USD indicator."""
    def percent(workbook, ws):
        ws["C2"].number_format = "0%"
    return xlsx(folder, "chi_tieu_phan_tram.xlsx", [CLAIM_HEADER, ["capital_usd_total", "HP", 0.05]],
                "Chỉ tiêu", extra=percent)


def _percent_in_a_count(folder: Path) -> list:
    """A worker count cell formatted as a percentage: 1 shows as 100%."""
    def percent(workbook, ws):
        ws["H2"].number_format = "0.0%"
    return xlsx(folder, "dem_phan_tram.xlsx", enterprise_rows({"total": 1, "female": 1, "male": 0}, {}),
                extra=percent)


CASES += [
    Case("percent_formatted_claim_for_an_amount", _percent_claim_for_an_amount, 1, {"CLAIM_UNIT_MISMATCH"},
         ("Chỉ tiêu", 2, "reported,unit"), rows_seen=2),
    Case("percent_formatted_count", _percent_in_a_count, 1, {"CELL_UNIT_MISMATCH"}, ("DN", 2, "workers_total"),
         published=1, quarantined=1, rows_seen=3),
]

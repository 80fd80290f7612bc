"""The bad-input corpus: hostile, broken and unusual files, generated (never committed as blobs).

Each case writes its file(s) into a folder and states the outcome `heza validate` must give:
exit code, the rules it must report (and where), the reason a file was refused, and how many
enterprise rows end up published and quarantined. `python -m tests.corpus DIR` writes them all.
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from heza.samples.workbooks import windows_1258
from tests.test_rules import ENTERPRISE_HEADER, enterprise_rows

HEADER = list(ENTERPRISE_HEADER.values())


@dataclass
class Case:
    name: str
    make: object  # folder -> list of written paths
    exit_code: int
    rules: set = field(default_factory=set)  # rule codes that must be reported
    where: tuple | None = None  # (sheet, row, column) of the first expected rule
    reason: str | None = None  # FILE_UNREADABLE reason
    published: int | None = None  # enterprise rows published
    quarantined: int | None = None  # enterprise rows quarantined
    skipped: str | None = None  # words the skipped-sheet reason must contain
    rows_seen: int | None = None  # non-empty rows a person counts in the case's files (the source ledger)


def xlsx(folder: Path, name: str, rows: list, sheet: str = "DN", extra=None) -> list:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if extra:
        extra(workbook, ws)
    path = folder / name
    workbook.save(path)
    return [path]


def good(n: int = 2, **override) -> list:
    return enterprise_rows(*[dict(override) for _ in range(n)])


def rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one XML part of a workbook (to plant what openpyxl will not write)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def csv_file(folder: Path, name: str, rows: list, delimiter=",", encode=lambda t: t.encode("utf-8")) -> list:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = folder / name
    path.write_bytes(encode(buffer.getvalue()))
    return [path]


def _bomb(folder):
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b"A" * (60 * 1024 * 1024) + b"</x>")
    return [path]


def _ratio_bomb(folder):
    path = folder / "ratio_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b"A" * (20 * 1024 * 1024) + b"</x>")
    return [path]


def _entities(folder):
    path = xlsx(folder, "laughs.xlsx", good())[0]
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda data: laughs + data.split(b"?>", 1)[-1])
    return [path]


def _truncated(folder):
    path = xlsx(folder, "truncated.xlsx", good())[0]
    path.write_bytes(path.read_bytes()[:700])
    return [path]


def _encrypted(folder):
    path = folder / "mat_khau.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096 + "EncryptedPackage".encode("utf-16-le"))
    return [path]


def _macro(folder):
    path = folder / "co_macro.xlsm"
    xlsx(folder, "co_macro.xlsx", good())
    (folder / "co_macro.xlsx").rename(path)
    return [path]


def xls(folder: Path, name: str, rows: list, write=None) -> list:
    """A real .xls (BIFF8, xlwt) with `rows` on sheet "DN"; `write(sheet, r, c, value)` may write a
    cell its own way (an error cell, a merged range) and returns True when it did."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("DN")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if not (write and write(sheet, r, c, value)):
                sheet.write(r, c, value)
    path = folder / name
    workbook.save(str(path))
    return [path]


def _xls(folder):
    return xls(folder, "cu.xls", good(3))


def _ods(folder):
    import pandas as pd

    rows = good(3)
    path = folder / "libreoffice.ods"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, engine="odf", index=False, sheet_name="DN")
    return [path]


def _hidden(folder):
    def hide(workbook, ws):
        ws.row_dimensions[3].hidden = True
        ws.column_dimensions["N"].hidden = True
    return xlsx(folder, "an_dong.xlsx", good(3), extra=hide)


def _formula_cached(folder):
    path = xlsx(folder, "cong_thuc.xlsx", good(2))[0]
    # a formula Excel computed: <f> with its cached <v> (openpyxl cannot write the value itself)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda d: d.replace(b'<c r="H2" t="n"><v>100</v></c>', b'<c r="H2"><f>I2+J2</f><v>100</v></c>'))
    return [path]


def _formula_uncomputed(folder):
    def formula(workbook, ws):
        ws["H2"] = "=I2+J2"
    return xlsx(folder, "cong_thuc_chua_tinh.xlsx", good(2), extra=formula)


def _error_cells(folder):
    def errors(workbook, ws):
        ws["H2"].value, ws["H2"].data_type = "#REF!", "e"
        ws["L3"].value, ws["L3"].data_type = "#DIV/0!", "e"
    return xlsx(folder, "loi_o.xlsx", good(2), extra=errors)


def _date_serial(folder):
    import datetime

    rows = good(2)
    rows[1][7] = datetime.date(2024, 2, 1)
    return xlsx(folder, "ngay.xlsx", rows)


def _nfd(folder):
    rows = [[unicodedata.normalize("NFD", h) for h in HEADER], *good(2)[1:]]
    rows[1][1] = unicodedata.normalize("NFD", "Công ty TNHH Hải Đăng")
    return xlsx(folder, "nfd.xlsx", rows)


def _tcvn3(folder):
    header = ["M· sè thuÕ", "Tªn doanh nghiÖp", "M· khu", "Lo¹i h×nh", "Cã tæ chøc §¶ng"]
    return csv_file(folder, "tcvn3.csv", [header, ["0100109106", "C«ng ty A", "VSIP", "FDI", "Cã"]],
                    encode=lambda t: t.encode("cp1252"))


def _vni(folder):
    header = ["Maõ soá thueá", "Teân doanh nghieäp", "Maõ khu", "Loaïi hình", "Coù toå chöùc Ñaûng"]
    return csv_file(folder, "vni.csv", [header, ["0100109106", "Coâng ty A", "VSIP", "FDI", "Coù"]],
                    encode=lambda t: t.encode("cp1252"))


def _long_cell(folder):
    return xlsx(folder, "o_dai.xlsx", enterprise_rows({"name": "A" * 50_000}, {}))


def _wide(folder):
    rows = [[*HEADER, *[f"Cột thêm {i}" for i in range(400)]], [*good(1)[1], *range(400)]]
    return xlsx(folder, "rong.xlsx", rows)


def _embedded_newlines(folder):
    header = [h.replace(" ", "\n", 1) for h in HEADER]
    return csv_file(folder, "xuong_dong.csv", [header, *good(2)[1:]])


def _symlink_outside(folder):
    """A link in the period folder to a workbook outside the raw data folder."""
    target = folder.parent.parent / "outside_secret.xlsx"
    xlsx(folder.parent.parent, "outside_secret.xlsx", good())
    link = folder / "lien_ket.xlsx"
    link.symlink_to(target)
    return [link]


def _formula_injection(folder):
    """A name typed as text that a spreadsheet would run as a formula."""
    def as_text(workbook, ws):
        ws["B2"].data_type = "s"
    return xlsx(folder, "cong_thuc_doc.xlsx", enterprise_rows({"name": "=HYPERLINK(\"http://x\",\"bấm\")"}, {}),
                extra=as_text)


def _names_like_totals(folder):
    """Ten enterprises, no STT column, some without a tax code, names that start like a total."""
    names = ["Công ty TNHH Hải Long", "Tổng công ty May 10", "Cộng ty CP Sao Mai", "Tổng cục Kỹ thuật",
             "Cộng đồng DN Xanh", "Công ty Cổ phần Tổng hợp", "Tổng kho Miền Bắc", "Cộng sự Việt",
             "Công ty TNHH Ghi Chú Xanh", "Tổng công ty Cảng"]
    rows = enterprise_rows(*[{"name": name} for name in names])
    rows[2][0] = rows[5][0] = None
    rows[8][0] = "chưa cấp"
    return xlsx(folder, "ten_giong_dong_tong.xlsx", rows)


def _zone_total_first(folder):
    header = ["Tên khu", "Số doanh nghiệp đang hoạt động", "Tổng số lao động", "Lao động nữ", "Lao động nam",
          "Lũy kế số dự án FDI", "Lũy kế vốn đầu tư FDI (USD)", "Lũy kế số dự án DDI", "Lũy kế vốn đầu tư DDI (tỷ đồng)"]
    zones = [["KCN Đồ Sơn", 3, 300, 200, 100, 3, 3000, 3, 30], ["KCN Nomura - Hải Phòng", 2, 200, 120, 80, 2, 2000, 2, 20],
             ["KCN Nam Cầu Kiền", 1, 100, 60, 40, 1, 1000, 1, 10], ["KCN Tiên Thanh", 4, 400, 250, 150, 4, 4000, 4, 40],
             ["KCN Tràng Duệ", 5, 500, 300, 200, 5, 5000, 5, 50]]
    return xlsx(folder, "bao_cao_khu.xlsx", [header, ["Tổng cộng", 15, 1500, 930, 570, 15, 15000, 15, 150], *zones], "Khu")


def _unbalanced_quote(folder):
    rows = good(1505)
    rows[5][1] = '"' + rows[5][1]  # typed with an opening quote and no closing one
    buffer = io.StringIO(newline="")
    for row in rows:  # written as a person's tool writes it: the stray quote left as it is
        buffer.write(",".join(str(value) for value in row) + "\r\n")
    path = folder / "ngoac_kep.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return [path]


def _hidden_copy_sheet(folder):
    def copy_hidden(workbook, ws):
        hidden = workbook.create_sheet("Tháng 01")
        for row in good(3):
            hidden.append(row)
        hidden.sheet_state = "hidden"
    return xlsx(folder, "co_trang_an.xlsx", good(3), extra=copy_hidden)


def _subfolders(folder):
    (folder / "KCN Đồ Sơn").mkdir()
    (folder / "VSIP").mkdir()
    first = xlsx(folder / "KCN Đồ Sơn", "dn.xlsx", good(2))
    return first + xlsx(folder / "VSIP", "dn.xlsx", enterprise_rows({"tax_code": "0100109106"}))


def _zone_subheadings(folder):
    header = [h for h in HEADER if h != "Mã khu"]
    body = [r[:2] + r[3:] for r in good(3)[1:]]
    rows = [["STT", *header], ["KCN Đình Vũ (Deep C I)"], [1, *body[0]], [2, *body[1]],
            ["KCN Tràng Duệ"], [3, *body[2]], ["Tổng cộng", None, None, None, None, None, 15, 300, 180, 120]]

    def merge(workbook, ws):
        ws.merge_cells("A2:N2")
        ws.merge_cells("A5:N5")
    return xlsx(folder, "theo_khu.xlsx", rows, extra=merge)


CASES = [
    # -- files that cannot be read --------------------------------------------------------------
    Case("corrupt_zip", lambda f: [f / "hong.xlsx"] if (f / "hong.xlsx").write_bytes(b"PK\x03\x04garbage") else [],
         2, {"FILE_UNREADABLE"}, reason="corrupt"),
    Case("truncated_zip", _truncated, 2, {"FILE_UNREADABLE"}, reason="corrupt"),
    Case("decompression_bomb", _bomb, 2, {"FILE_UNREADABLE"}, reason="too_large_unzipped"),
    Case("compression_ratio_bomb", _ratio_bomb, 2, {"FILE_UNREADABLE"}, reason="decompression_bomb"),
    Case("xml_entity_expansion", _entities, 2, {"FILE_UNREADABLE"}, reason="xml_entities"),
    Case("password_protected", _encrypted, 2, {"FILE_UNREADABLE"}, reason="encrypted"),
    Case("empty_file", lambda f: [f / "rong.xlsx"] if (f / "rong.xlsx").write_bytes(b"") is not None else [],
         2, {"FILE_UNREADABLE"}, reason="empty"),
    Case("not_a_spreadsheet", lambda f: [f / "thu.xlsx"] if (f / "thu.xlsx").write_text("Kính gửi", "utf-8") else [],
         2, {"FILE_UNREADABLE"}, reason="corrupt"),
    Case("xls_that_is_not_xls", lambda f: [f / "gia.xls"] if (f / "gia.xls").write_bytes(b"<html>") else [],
         2, {"FILE_UNREADABLE"}, reason="corrupt"),
    Case("too_wide", _wide, 2, {"FILE_UNREADABLE"}, reason="too_wide"),
    # -- workbooks with no usable table -----------------------------------------------------------
    Case("empty_workbook", lambda f: xlsx(f, "trong.xlsx", []), 2, set(), published=0, skipped="empty"),
    Case("header_only", lambda f: xlsx(f, "chi_tieu_de.xlsx", [HEADER]), 2, set(), published=0),
    Case("header_not_found", lambda f: xlsx(f, "khong_tieu_de.xlsx", [["Xin chào"], ["Báo cáo tháng"]]), 2,
         set(), skipped="header"),
    Case("legacy_tcvn3", _tcvn3, 2, set(), skipped="TCVN3"),
    Case("legacy_vni", _vni, 2, set(), skipped="VNI"),
    # -- readable, unusual ------------------------------------------------------------------------
    Case("macro_workbook", _macro, 0, set(), published=2, quarantined=0),
    Case("xls_workbook", _xls, 0, set(), published=3, quarantined=0),
    Case("ods_workbook", _ods, 0, set(), published=3, quarantined=0),
    Case("hidden_rows_and_columns", _hidden, 0, {"SHEET_HIDDEN_CONTENT"}, published=2, quarantined=0,
         rows_seen=4),
    Case("formula_with_cached_value", _formula_cached, 0, set(), published=2, quarantined=0),
    Case("formula_without_cached_value", _formula_uncomputed, 1, {"CELL_ERROR_VALUE"}, ("DN", 2, "workers_total"),
         published=1, quarantined=1),
    Case("error_cells", _error_cells, 1, {"CELL_ERROR_VALUE"}, ("DN", 2, "workers_total"), published=0,
         quarantined=2),
    Case("date_in_a_count_column", _date_serial, 1, {"CELL_NOT_A_NUMBER"}, ("DN", 2, "workers_total"),
         published=1, quarantined=1),
    Case("non_breaking_and_thin_spaces", lambda f: xlsx(f, "khoang_trang.xlsx", enterprise_rows(
        {"total": "1\u00a0000", "female": "600", "male": "400"}, {"capital": "2\u2009000\u2009000"})), 0, set(),
        published=2),
    Case("full_width_digits", lambda f: xlsx(f, "toan_khoang.xlsx", enterprise_rows({"total": "１００"})), 0, set(),
         published=1),
    Case("nfd_text", _nfd, 0, set(), published=2),
    Case("windows_1258_csv", lambda f: csv_file(f, "win1258.csv", good(2), ";", windows_1258), 0, set(), published=2),
    Case("utf16_csv", lambda f: csv_file(f, "utf16.csv", good(2), "\t", lambda t: t.encode("utf-16")), 0, set(),
         published=2),
    Case("semicolon_csv_with_bom", lambda f: csv_file(f, "bom.csv", good(2), ";",
                                                      lambda t: b"\xef\xbb\xbf" + t.encode()), 0, set(), published=2),
    Case("embedded_newlines", _embedded_newlines, 0, set(), published=2),
    Case("very_long_cell", _long_cell, 1, {"CELL_TOO_LONG"}, ("DN", 2, "enterprise_name"), published=1,
         quarantined=1),
    Case("file_name_with_diacritics_and_spaces", lambda f: xlsx(f, "Báo cáo Khu Tràng Duệ (bản 2).xlsx", good()),
         0, set(), published=2),
    Case("duplicate_headers", lambda f: xlsx(f, "trung_cot.xlsx", [[*HEADER, "MST"], [*good(1)[1], "0100109106"]]),
         1, {"SHEET_DUPLICATE_COLUMN"}, ("DN", 1, "tax_code"), published=0, quarantined=1),
    Case("missing_required_column", lambda f: xlsx(f, "thieu_cot.xlsx", [r[:1] + r[2:] for r in good(2)]), 1,
         {"SHEET_MISSING_COLUMN"}, ("DN", 1, "enterprise_name"), published=0, quarantined=2),
    Case("formula_injection_in_a_name", _formula_injection, 0, set(), published=2),
    # -- every row a person sees is accounted for (the source ledger) ----------------------------
    Case("names_that_start_like_a_total", _names_like_totals, 1, {"ENT_REQUIRED"}, published=7, quarantined=3,
         rows_seen=11),
    Case("zone_report_with_the_total_first", _zone_total_first, 0, {"PERIOD_ZONE_MISSING"}, rows_seen=7),
    Case("unbalanced_quote_in_a_csv", _unbalanced_quote, 1, {"CELL_UNBALANCED_QUOTE"},
         ("ngoac_kep", 6, "enterprise_name"), rows_seen=1506),
    Case("hidden_copy_of_the_sheet", _hidden_copy_sheet, 0, set(), published=3, quarantined=0, rows_seen=8,
         skipped="Hidden sheet"),
    Case("files_in_subfolders", _subfolders, 0, set(), published=3, quarantined=0, rows_seen=5),
    Case("zone_subheadings_without_a_zone_column", _zone_subheadings, 0, set(), published=3, quarantined=0,
         rows_seen=7),
    # -- rules ------------------------------------------------------------------------------------
    Case("gender_sum", lambda f: xlsx(f, "r1.xlsx", enterprise_rows({"female": 70})), 1, {"ENT_GENDER_SUM"},
         ("DN", 2, "workers_female,workers_male,workers_total"), published=0, quarantined=1),
    Case("bad_check_digit", lambda f: xlsx(f, "r2.xlsx", enterprise_rows({"tax_code": "0100109107"})), 1,
         {"ENT_TAX_CODE_FORMAT"}, ("DN", 2, "tax_code"), published=0, quarantined=1),
    Case("leading_zero_dropped", lambda f: xlsx(f, "r3.xlsx", enterprise_rows({"tax_code": 100109106})), 0,
         {"ENT_TAX_CODE_LEADING_ZERO"}, ("DN", 2, "tax_code"), published=1),
    Case("unknown_zone", lambda f: xlsx(f, "r4.xlsx", enterprise_rows({"zone": "KCN Sao Hỏa"})), 1,
         {"ENT_ZONE_UNKNOWN"}, ("DN", 2, "zone_code"), published=0, quarantined=1),
    Case("about_in_a_count", lambda f: xlsx(f, "r5.xlsx", enterprise_rows({"total": "khoảng 100"})), 1,
         {"CELL_QUALIFIED"}, ("DN", 2, "workers_total"), published=0, quarantined=1),
    Case("text_in_a_count", lambda f: xlsx(f, "r6.xlsx", enterprise_rows({"members": "N/A"})), 1,
         {"CELL_NOT_A_NUMBER"}, ("DN", 2, "party_members"), published=0, quarantined=1),
    Case("ambiguous_amount", lambda f: xlsx(f, "r7.xlsx", enterprise_rows({"capital": "1.500"})), 1,
         {"CELL_AMBIGUOUS_NUMBER"}, ("DN", 2, "capital_usd"), published=0, quarantined=1),
    Case("vnd_in_a_usd_cell", lambda f: xlsx(f, "r8.xlsx", enterprise_rows({"capital": "5 tỷ đồng"})), 1,
         {"CELL_UNIT_MISMATCH"}, ("DN", 2, "capital_usd"), published=0, quarantined=1),
    Case("negative_capital", lambda f: xlsx(f, "r9.xlsx", enterprise_rows({"capital": -5})), 1,
         {"ENT_AMOUNT_NEGATIVE"}, ("DN", 2, "capital_usd"), published=0, quarantined=1),
    # -- claims -----------------------------------------------------------------------------------
    Case("claim_unknown_indicator", lambda f: xlsx(f, "c1.xlsx", [["Mã chỉ tiêu", "Phạm vi", "Giá trị"],
                                                                   ["so_meo", "HP", "5"]], "Chỉ tiêu"),
         1, {"CLAIM_UNKNOWN_INDICATOR"}, ("Chỉ tiêu", 2, "indicator")),
    Case("claim_unparseable", lambda f: xlsx(f, "c2.xlsx", [["Mã chỉ tiêu", "Phạm vi", "Giá trị"],
                                                             ["workers_total", "HP", "rất nhiều"]], "Chỉ tiêu"),
         1, {"CLAIM_UNPARSEABLE"}, ("Chỉ tiêu", 2, "reported")),
    Case("claim_wrong_unit", lambda f: xlsx(f, "c3.xlsx", [["Mã chỉ tiêu", "Phạm vi", "Giá trị"],
                                                            ["capital_usd_total", "HP", "5%"]], "Chỉ tiêu"),
         1, {"CLAIM_UNIT_MISMATCH"}, ("Chỉ tiêu", 2, "reported,unit")),
    Case("claim_unknown_scope", lambda f: xlsx(f, "c4.xlsx", [["Mã chỉ tiêu", "Phạm vi", "Giá trị"],
                                                               ["workers_total", "Sao Hỏa", "5"]], "Chỉ tiêu"),
         1, {"CLAIM_SCOPE_UNKNOWN"}, ("Chỉ tiêu", 2, "scope")),
]


def all_cases() -> list:
    """These cases and those kept in their own modules by theme (they import Case from here)."""
    from tests.corpus_bounded import CASES as bounded
    from tests.corpus_values import CASES as values

    return CASES + values + bounded


def write_corpus(root: Path) -> dict:
    """Write every case into root/<case>/ (each a period-like folder); {case: paths}."""
    written = {}
    for case in all_cases():
        folder = Path(root) / case.name / "2024-02"
        folder.mkdir(parents=True, exist_ok=True)
        written[case.name] = case.make(folder)
    return written


if __name__ == "__main__":
    for name, paths in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")).items():
        print(name, *[p.name for p in paths])

"""The sample months' files as zones send them: enterprise workbooks (two header styles, title and
signature blocks, a total row), a Windows-1258 CSV export, zone report workbooks and the workbook
of a draft release's figures.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from heza.ingest.numbers import format_number
from heza.samples.haiphong import Enterprise

ENTERPRISE_COLUMNS = ["tax_code", "name", "zone", "ownership", "has_party_org", "has_militia", "party_members",
                      "workers_total", "workers_female", "workers_male", "workers_managerial", "capital_usd",
                      "export_usd", "import_usd"]
OWNERSHIP_WORDS = {"state": "Nhà nước", "domestic_private": "Ngoài nhà nước", "foreign_invested": "FDI"}
_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _vn_number(value: float, decimals: int = 0) -> str:
    """Format the Vietnamese way: '.' groups thousands, ',' marks decimals."""
    return format_number(value, "vi", decimals)


def _cell(row: Enterprise, column: str, zone_names: dict, style: str):
    if column in row.written:
        return row.written[column]
    value = getattr(row, column)
    if column == "zone":
        return zone_names.get(value, value) if style == "names" else value
    if column == "ownership":
        return OWNERSHIP_WORDS.get(value, value)
    if column in ("has_party_org", "has_militia"):
        return None if value is None else ("x" if value else None) if style == "names" else ("Có" if value else "Không")
    if value is None:
        return None
    if column == "capital_usd" and style == "names":  # written in million USD, Vietnamese text
        return _vn_number(value / 1e6, 2)
    if column in ("workers_total", "workers_female", "workers_male") and style == "names" and value >= 1000:
        return _vn_number(value)  # numbers typed as text: "1.234"
    return value


def _title_block(ws, lines: list) -> None:
    for line in lines:
        ws.append([line])
        ws.cell(ws.max_row, 1).font = _BOLD


def write_enterprise_workbook(path: Path, rows: list, zone_code: str, zone_names: dict, period: str,
                              style: str, total_offset: dict | None = None) -> None:
    """An enterprise list as a zone's company sends it: title block, two-row header, numbering row,
    STT column, a total row, a signature block, and an instructions sheet."""
    month, year = period[5:], period[:4]
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách DN"
    _title_block(ws, ["BAN QUẢN LÝ KHU KINH TẾ HẢI PHÒNG",
                      f"BÁO CÁO TÌNH HÌNH DOANH NGHIỆP THÁNG {month}/{year}",
                      f"Đơn vị báo cáo: {zone_names[zone_code]}", ""])
    if style == "names":
        header = ["STT", "Ma so thue", "Ten doanh nghiep", "KCN", "Loai hinh DN", "Co to chuc Dang",
                  "Co DQTV", "So dang vien", "Tong so lao dong", "Lao dong nu", "Lao dong nam",
                  "Quan ly, CMKT bac cao", "Von dang ky (trieu USD)", "Kim ngach xuat khau (USD)",
                  "Kim ngach nhap khau (USD)"]
        ws.append(header)
        header_rows = 1
    else:
        top = ["STT", "Mã số thuế", "Tên doanh nghiệp", "Mã khu", "Loại hình doanh nghiệp", "Có tổ chức Đảng",
               "Có tổ chức dân quân tự vệ", "Số đảng viên", "Lao động", None, None, None,
               "Vốn đăng ký (USD)", "Kim ngạch (USD)", None]
        sub = [None] * 8 + ["Tổng số", "Nữ", "Nam", "Quản lý, CMKT bậc cao", None, "Xuất khẩu", "Nhập khẩu"]
        ws.append(top)
        ws.append(sub)
        first = ws.max_row - 1
        for col in range(1, 16):
            if top[col - 1] and (col < 9 or col == 13):
                ws.merge_cells(start_row=first, start_column=col, end_row=first + 1, end_column=col)
        ws.merge_cells(start_row=first, start_column=9, end_row=first, end_column=12)
        ws.merge_cells(start_row=first, start_column=14, end_row=first, end_column=15)
        header_rows = 2
    for row in ws.iter_rows(min_row=ws.max_row - header_rows + 1, max_row=ws.max_row):
        for cell in row:
            cell.font, cell.alignment = _BOLD, _CENTER
    ws.append([f"({i})" for i in range(1, 16)])
    for stt, row in enumerate(rows, start=1):
        ws.append([stt, *[_cell(row, c, {zone_code: zone_names[zone_code], **zone_names}, style)
                          for c in ENTERPRISE_COLUMNS]])
    totals = ["Tổng cộng", None, None, None, None, None, None]
    for column in ENTERPRISE_COLUMNS[6:]:
        total = sum(getattr(r, column) or 0 for r in rows if column not in r.written)
        totals.append(total + (total_offset or {}).get(column, 0))
    if style == "names":
        totals[12] = round(totals[12] / 1e6, 2)
    ws.append(totals)
    ws.append([])
    ws.append([None, "Người lập biểu", None, None, None, None, None, None, None, "Giám đốc"])
    ws.append([None, "(Ký, họ tên)", None, None, None, None, None, None, None, "(Ký tên, đóng dấu)"])
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Hướng dẫn điền biểu"])
    guide.append(["Mỗi doanh nghiệp một dòng; mã số thuế ghi đủ 10 chữ số."])
    wb.save(path)


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 does: letters with â ê ô ă ơ ư precomposed, tone marks combining."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
            out.append((base + "".join(c for c in decomposed if c in _TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


def write_enterprise_csv(path: Path, rows: list, zone_names: dict) -> None:
    """The same list as a Windows-1258, ';'-separated export from an accounting program."""
    header = ["Mã số thuế", "Tên doanh nghiệp", "Khu công nghiệp", "Loại hình", "Có tổ chức Đảng", "Có DQTV",
              "Số đảng viên", "Tổng số lao động", "Lao động nữ", "Lao động nam", "Quản lý, CMKT bậc cao",
              "Vốn đăng ký (USD)", "Xuất khẩu (USD)", "Nhập khẩu (USD)"]
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells = []
        for column in ENTERPRISE_COLUMNS:
            value = _cell(row, column, zone_names, "codes")
            if column == "zone":
                value = zone_names.get(row.zone, row.zone)
            if isinstance(value, float):
                value = _vn_number(value, 0 if value.is_integer() else 2)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    path.write_bytes(windows_1258(stream.getvalue()))


def write_zone_workbook(path: Path, zone: dict, period: str) -> None:
    """One zone's own report: title block and a two-row header over the cumulative figures."""
    month, year = period[5:], period[:4]
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo khu"
    _title_block(ws, ["BAN QUẢN LÝ KHU KINH TẾ HẢI PHÒNG",
                      f"BÁO CÁO TÌNH HÌNH HOẠT ĐỘNG CỦA KHU THÁNG {month}/{year}", ""])
    top = ["STT", "Tên khu", "Số doanh nghiệp đang hoạt động", "Lao động", None, None,
           "Lũy kế dự án FDI", None, "Lũy kế dự án DDI", None, "Kim ngạch xuất khẩu (USD)",
           "Kim ngạch nhập khẩu (USD)"]
    sub = [None, None, None, "Tổng số", "Nữ", "Nam", "Số dự án", "Vốn đầu tư (triệu USD)", "Số dự án",
           "Vốn đầu tư (tỷ đồng)", None, None]
    ws.append(top)
    ws.append(sub)
    for start, end in ((4, 6), (7, 8), (9, 10)):
        ws.merge_cells(start_row=ws.max_row - 1, start_column=start, end_row=ws.max_row - 1, end_column=end)
    ws.append([1, zone["name"], zone["enterprises"], zone["workers_total"], zone["workers_female"],
               zone["workers_male"], zone["fdi_projects"], zone["fdi_capital_musd"], zone["di_projects"],
               zone["di_capital_bvnd"], zone["export_usd"], zone["import_usd"]])
    ws.append([])
    ws.append([None, "Hải Phòng, ngày 05 tháng 03 năm 2024"])
    wb.save(path)


def write_claims_workbook(path: Path, claims: list, period: str) -> Path:
    """The figures of a draft release, as written, for checking before publication."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    _title_block(ws, [f"CÁC CHỈ TIÊU DỰ KIẾN CÔNG BỐ THÁNG {period[5:]}/{period[:4]}", ""])
    ws.append(["STT", "Mã chỉ tiêu", "Phạm vi", "Giá trị", "Ghi chú"])
    for stt, claim in enumerate(claims, start=1):
        ws.append([stt, *claim])
    wb.save(path)
    return path

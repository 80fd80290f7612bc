"""Write the bundled sample months (data/raw/2024-01, 2024-02) as real submissions would look.

Deterministic: the same seed writes the same rows. Enterprises are fictional. The 2024-02 rows
that pass every rule reproduce the article's internally consistent figures (727 non-state
enterprises, 56 with a Party organisation, 789 members, 99.570 workers ...); a handful of rows
break one rule each, listed in DELIBERATE_ERRORS and in data/raw/README.md.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from stdnum.vn import mst

from heza.numbers import format_number
from heza.reference import load_zone_registry

PERIODS = ("2024-01", "2024-02")
SEED = 20240229
STATE_ENTERPRISES = 12
NON_STATE = 727
PARTY_ORG = 56

# The article's figures that the clean 2024-02 rows reproduce.
TARGETS = {
    "party_members": 789, "workers_total": 99_570, "workers_female": 59_356, "workers_male": 40_214,
    "workers_managerial": 10_317, "capital_usd": 10_230_000_000, "export_usd": 6_000_000_000,
}
ALL_WORKERS = 195_811          # 99.570 is 50,85 % of it
ALL_MANAGERIAL = 20_600        # 10.317 is about 50 % of it
ALL_CAPITAL_USD = 24_200_000_000  # 10,23 billion is over 42 % of it
ALL_EXPORT_USD = 14_950_000_000   # 6 billion is about 40 % of it
FDI_PROJECTS, FDI_CAPITAL_MUSD, DI_PROJECTS, DI_CAPITAL_BVND = 542, 26_300, 221, 320_508

CLAIMS_2024_02 = [
    ("enterprises_nonstate_party_org", "HP", "56", "56/727 doanh nghiệp ngoài nhà nước có tổ chức Đảng"),
    ("enterprises_nonstate", "HP", "727", ""),
    ("share_nonstate_party_org_pct", "HP", "7,5%", "chiếm 7,5%"),
    ("party_members_party_org", "HP", "789", "tổng số đảng viên là 789"),
    ("share_party_members_committee_pct", "HP", "77%", "77% tổng số đảng viên trong toàn Đảng bộ KKT"),
    ("capital_usd_party_org", "HP", "hơn 10,2 tỷ USD", ""),
    ("share_capital_party_org_pct", "HP", "hơn 42%", ""),
    ("share_exports_party_org_pct", "HP", "xấp xỉ 40%", "tỷ trọng xuất khẩu trung bình hằng năm"),
    ("workers_party_org", "HP", "99.570", ""),
    ("share_workers_party_org_pct", "HP", "50.85%", "viết 50.85% (dấu chấm thập phân) như bài báo"),
    ("workers_female_party_org", "HP", "59.356", ""),
    ("workers_male_party_org", "HP", "40.214", ""),
    ("workers_managerial_party_org", "HP", "10.317", "nhà quản lý, chuyên môn kỹ thuật bậc cao"),
    ("share_managerial_party_org_pct", "HP", "xấp xỉ 50%", "bài báo viết: 'tổng số lao động'"),
    ("fdi_projects_cum", "HP", "542", "lũy kế đến tháng 2/2024"),
    ("fdi_capital_usd_cum", "HP", "26,3 tỷ USD", ""),
    ("di_projects_cum", "HP", "221", ""),
    ("di_capital_vnd_cum", "HP", "320.508 tỷ đồng", ""),
    ("di_capital_usd_cum", "HP", "13,47 tỷ USD", "tương đương 13,47 tỷ USD"),
]

# What each deliberately bad row breaks (2024-02), by the fictional tax code it carries.
DELIBERATE_ERRORS = {
    "ENT_GENDER_SUM": "female + male differs from total by 10",
    "ENT_TAX_CODE_FORMAT": "wrong check digit",
    "ENT_TAX_CODE_DUPLICATE": "the same tax code in two zones' workbooks (both copies held back)",
    "ENT_REQUIRED": "enterprise name left empty",
    "ENT_REQUIRED/suggested": "female workers left empty; total and male given (a suggested value is shown)",
    "ENT_ZONE_UNKNOWN": "zone 'KCN Hòa Bình' is not in the registry",
    "ENT_OWNERSHIP_UNKNOWN": "ownership 'Hợp tác xã'",
    "ENT_COUNT_NEGATIVE": "party members -2",
    "ENT_MANAGERIAL_RANGE": "more managerial staff than workers",
    "ENT_AMOUNT_NEGATIVE": "negative registered capital",
    "CELL_NOT_A_NUMBER": "workers 'N/A'",
    "CELL_QUALIFIED": "workers 'khoảng 200 người'",
    "CELL_NOT_BOOLEAN": "Party organisation 'chưa rõ'",
}
DELIBERATE_WARNINGS = {
    "ENT_TAX_CODE_LEADING_ZERO": "a tax code typed as a number, its leading 0 dropped (restored, published)",
    "ENT_PARTY_CELL_TOO_SMALL": "a state enterprise with a Party organisation of 2 members",
    "ENT_MEMBERS_WITHOUT_ORG": "1 Party member but no Party organisation",
    "ZONE_WORKERS_MATCH": "NAMCAUKIEN's zone report counts 25 more workers than its enterprise rows",
    "ZONE_ENTERPRISES_MATCH": "DOSON's zone report counts one enterprise more than its rows",
    "ZONE_CUMULATIVE_DECREASE": "VSIP's cumulative FDI projects fall by 1 from 2024-01 (a revoked project)",
    "SHEET_TOTAL_ROW_MISMATCH": "TRANGDUE's total row for female workers is 100 too high",
}


@dataclass
class Enterprise:
    tax_code: str
    name: str
    zone: str
    ownership: str
    has_party_org: bool
    has_militia: bool
    party_members: int | None
    workers_total: int | None
    workers_female: int | None
    workers_male: int | None
    workers_managerial: int | None
    capital_usd: float | None
    export_usd: float | None
    import_usd: float | None
    written: dict = field(default_factory=dict)  # column -> value written instead of the number
    bad: str | None = None  # the rule this row breaks on purpose


def split_total(rng: random.Random, total: int, parts: int, minimum: int = 0) -> list:
    """`parts` non-negative integers >= minimum summing exactly to total, unevenly like real firms."""
    weights = [rng.paretovariate(1.6) for _ in range(parts)]
    spare = total - minimum * parts
    shares = [int(spare * w / sum(weights)) for w in weights]
    shares[max(range(parts), key=lambda i: weights[i])] += spare - sum(shares)
    return [minimum + s for s in shares]


def tax_code(serial: int) -> str:
    """A valid, fictional Hai Phong tax code (prefix 02) for a serial number."""
    while True:
        body = f"02{serial:07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check
        serial += 500_000


_NAME_PARTS = (["An", "Bình", "Cường", "Đông", "Hải", "Hòa", "Hưng", "Khang", "Lộc", "Minh", "Nam", "Phát",
                "Phú", "Quang", "Sơn", "Tân", "Thành", "Thịnh", "Tiến", "Trường", "Việt", "Vinh", "Xuân"],
               ["Cơ khí", "Điện tử", "Dệt may", "Bao bì", "Logistics", "Nhựa", "Thép", "Linh kiện", "Hóa chất",
                "Thực phẩm", "Gỗ", "Giày da", "Kính", "Vật liệu", "Cảng", "Kho vận"])


def enterprise_name(rng: random.Random, serial: int, ownership: str) -> str:
    kind = "Công ty TNHH" if ownership != "state" else "Công ty"
    return f"{kind} {rng.choice(_NAME_PARTS[1])} {rng.choice(_NAME_PARTS[0])} {serial:03d}"


def clean_enterprises(rng: random.Random, zones: list) -> list:
    """739 rows that pass every rule and add up to the article's figures."""
    rows = []
    members = split_total(rng, TARGETS["party_members"], PARTY_ORG, minimum=3)
    workers = split_total(rng, TARGETS["workers_total"], PARTY_ORG, minimum=120)
    managerial = _within(rng, TARGETS["workers_managerial"], workers)
    female = _within(rng, TARGETS["workers_female"], workers)
    capital = split_total(rng, TARGETS["capital_usd"] // 10_000, PARTY_ORG, minimum=100)
    exports = split_total(rng, TARGETS["export_usd"] // 10_000, PARTY_ORG)
    for i in range(PARTY_ORG):
        rows.append(Enterprise(
            tax_code(1000 + i), "", rng.choice(zones), "foreign_invested" if i % 4 else "domestic_private",
            True, i % 3 == 0, members[i], workers[i], female[i], workers[i] - female[i], managerial[i],
            capital[i] * 10_000.0, exports[i] * 10_000.0, round(exports[i] * 10_000.0 * 0.8, -4),
        ))
    others = NON_STATE - PARTY_ORG + STATE_ENTERPRISES
    workers = split_total(rng, ALL_WORKERS - TARGETS["workers_total"], others, minimum=15)
    managerial = _within(rng, ALL_MANAGERIAL - TARGETS["workers_managerial"], workers)
    female = [rng.randint(0, w) for w in workers]
    capital = split_total(rng, (ALL_CAPITAL_USD - TARGETS["capital_usd"]) // 10_000, others, minimum=10)
    exports = split_total(rng, (ALL_EXPORT_USD - TARGETS["export_usd"]) // 10_000, others)
    for i in range(others):
        state = i < STATE_ENTERPRISES
        party = state and i < 8
        rows.append(Enterprise(
            tax_code(2000 + i), "", rng.choice(zones),
            "state" if state else ("foreign_invested" if i % 3 else "domestic_private"),
            party, rng.random() < 0.2, rng.randint(3, 40) if party else None, workers[i], female[i],
            workers[i] - female[i], managerial[i], capital[i] * 10_000.0, exports[i] * 10_000.0,
            round(exports[i] * 10_000.0 * 0.7, -4) if exports[i] else None,
        ))
    for serial, row in enumerate(rows):
        row.name = enterprise_name(rng, serial, row.ownership)
    return rows


def _within(rng: random.Random, total: int, caps: list) -> list:
    """Integers summing to total with each at most its cap (e.g. female workers within workers)."""
    capacity = sum(caps)
    values = [cap * total // capacity for cap in caps]
    shortfall = total - sum(values)
    order = list(range(len(caps)))
    rng.shuffle(order)
    for i in order:
        if shortfall == 0:
            break
        step = min(shortfall, caps[i] - values[i])
        values[i] += step
        shortfall -= step
    return values


def with_warnings(rows: list) -> None:
    """Make three clean rows carry a warning-level quirk; they stay published and keep the totals."""
    rows[100].written["tax_code"] = int(rows[100].tax_code)  # Excel drops the leading zero
    rows[100].bad = "ENT_TAX_CODE_LEADING_ZERO"
    state_party = next(r for r in rows if r.ownership == "state" and r.has_party_org)
    state_party.party_members, state_party.bad = 2, "ENT_PARTY_CELL_TOO_SMALL"
    stray = next(r for r in rows[PARTY_ORG:] if r.ownership != "state" and not r.has_party_org)
    stray.party_members, stray.bad = 1, "ENT_MEMBERS_WITHOUT_ORG"


def bad_enterprises(rng: random.Random, zones: list) -> list:
    """One row per error rule, each documented in DELIBERATE_ERRORS."""
    def base(serial: int, **changes) -> Enterprise:
        row = Enterprise(tax_code(9000 + serial), f"Công ty TNHH Mẫu Lỗi {serial:02d}", zones[serial % len(zones)],
                         "domestic_private", False, False, None, 200, 120, 80, 20, 1_000_000.0, 500_000.0, 400_000.0)
        return replace(row, **changes)

    duplicate = tax_code(9099)
    rows = [
        base(1, workers_female=130, bad="ENT_GENDER_SUM"),
        base(2, tax_code=tax_code(9002)[:-1] + str((int(tax_code(9002)[-1]) + 1) % 10), bad="ENT_TAX_CODE_FORMAT"),
        base(3, tax_code=duplicate, zone=zones[0], bad="ENT_TAX_CODE_DUPLICATE"),
        base(4, tax_code=duplicate, zone=zones[1], bad="ENT_TAX_CODE_DUPLICATE"),
        base(5, name="", bad="ENT_REQUIRED"),
        base(6, workers_female=None, bad="ENT_REQUIRED"),
        base(7, zone="KCN Hòa Bình", bad="ENT_ZONE_UNKNOWN"),
        base(8, ownership="Hợp tác xã", bad="ENT_OWNERSHIP_UNKNOWN"),
        base(9, has_party_org=True, party_members=-2, bad="ENT_COUNT_NEGATIVE"),
        base(10, workers_managerial=250, bad="ENT_MANAGERIAL_RANGE"),
        base(11, capital_usd=-1_000_000.0, bad="ENT_AMOUNT_NEGATIVE"),
        base(12, workers_total=None, written={"workers_total": "N/A"}, bad="CELL_NOT_A_NUMBER"),
        base(13, workers_total=None, written={"workers_total": "khoảng 200 người"}, bad="CELL_QUALIFIED"),
        base(14, has_party_org=None, written={"has_party_org": "chưa rõ"}, bad="CELL_NOT_BOOLEAN"),
    ]
    return rows


# -- writing workbooks ---------------------------------------------------------------------------

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


def zone_figures(rng: random.Random, codes: list, rows: list, registry, period: str) -> dict:
    """Each zone's report: counts and sums over its enterprise rows as read, and its share of
    the cumulative project figures."""
    shares = {
        "fdi_projects": split_total(rng, FDI_PROJECTS, len(codes), minimum=3),
        "fdi_capital_musd": split_total(rng, FDI_CAPITAL_MUSD, len(codes), minimum=50),
        "di_projects": split_total(rng, DI_PROJECTS, len(codes), minimum=1),
        "di_capital_bvnd": split_total(rng, DI_CAPITAL_BVND, len(codes), minimum=500),
    }
    figures = {}
    for i, code in enumerate(codes):
        mine = [r for r in rows if r.zone == code]
        female = sum(r.workers_female or 0 for r in mine)
        male = sum(r.workers_male or 0 for r in mine)
        figures[code] = {
            "name": registry.name_of(code), "enterprises": len(mine),
            "workers_total": sum(r.workers_total or 0 for r in mine), "workers_female": female,
            "workers_male": male,
            "export_usd": sum(r.export_usd or 0 for r in mine), "import_usd": sum(r.import_usd or 0 for r in mine),
            **{key: values[i] for key, values in shares.items()},
        }
    return figures


class WouldOverwriteError(FileExistsError):
    """Raised, before anything is written, when a target folder already holds files."""


def refuse_to_overwrite(folders, force: bool = False) -> None:
    """Sample writers never replace files silently (a staff edit in data/raw was once lost that way):
    a folder that already holds files is refused, naming it and its files, unless `force`."""
    if force:
        return
    taken = [(Path(folder), sorted(p.name for p in Path(folder).iterdir()))
             for folder in folders if Path(folder).is_dir() and any(Path(folder).iterdir())]
    if taken:
        listing = "; ".join(f"{folder} ({len(names)}: {', '.join(names[:3])}{', …' if len(names) > 3 else ''})"
                            for folder, names in taken)
        raise WouldOverwriteError(
            f"Không ghi đè: thư mục đã có tệp: {listing}. Hãy chọn thư mục khác hoặc dùng --force để thay / "
            f"not overwriting: the folder already holds files: {listing}. Choose another folder or "
            f"use --force to replace them")


def generate(raw_dir: Path, reference_dir: Path, seed: int = SEED, force: bool = False) -> list:
    """Write both sample months into folders that hold no files yet (or replace them with `force`);
    returns the files written."""
    refuse_to_overwrite([Path(raw_dir) / period for period in PERIODS], force)
    registry = load_zone_registry(reference_dir)
    written = []
    for period in PERIODS:
        rng = random.Random(seed)  # the same firms and zone shares in both months
        codes = registry.active_in(period)
        folder = Path(raw_dir) / period
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file() and old.suffix in {".xlsx", ".csv"}:
                old.unlink()
        rows = clean_enterprises(rng, codes)
        if period == "2024-02":
            with_warnings(rows)
            rows += bad_enterprises(rng, codes)
        else:  # January: the same firms a month earlier, a little smaller
            for row in rows:
                if row.workers_female and row.workers_managerial < row.workers_total:
                    row.workers_female -= 1
                    row.workers_total -= 1
        # A zone reports the sums of its sound enterprise rows; in 2024-02 one zone's report counts
        # 25 workers too many and one an enterprise too many (deliberate warnings).
        clean = [r for r in rows if r.bad not in DELIBERATE_ERRORS]
        zones = zone_figures(random.Random(f"{seed}-zones"), codes, clean, registry, period)
        if period == "2024-01":
            for zone in zones.values():
                zone["fdi_projects"] -= 2
                zone["fdi_capital_musd"] -= 40
                zone["di_projects"] = max(0, zone["di_projects"] - 1)
                zone["di_capital_bvnd"] -= 300
            zones["VSIP"]["fdi_projects"] += 3  # one more than in February: a project revoked since
        else:
            zones["NAMCAUKIEN"]["workers_total"] += 25
            zones["NAMCAUKIEN"]["workers_female"] += 25
            zones["DOSON"]["enterprises"] += 1
        zone_names = {code: registry.name_of(code) for code in codes}
        for i, code in enumerate(codes):
            mine = [r for r in rows if r.zone == code]
            if code == codes[-1]:  # rows whose zone is not in the registry go in the last workbook
                mine += [r for r in rows if r.zone not in zone_names]
            if code == "TIENTHANH":
                path = folder / f"doanh_nghiep_{code}_{period}.csv"
                write_enterprise_csv(path, mine, zone_names)
            else:
                path = folder / f"doanh_nghiep_{code}_{period}.xlsx"
                offset = {"workers_female": 100} if code == "TRANGDUE" and period == "2024-02" else None
                write_enterprise_workbook(path, mine, code, zone_names, period,
                                          "names" if i % 3 == 1 else "codes", offset)
            written.append(path)
            zone_path = folder / f"bao_cao_khu_{code}_{period}.xlsx"
            write_zone_workbook(zone_path, zones[code], period)
            written.append(zone_path)
        if period == "2024-02":
            written.append(write_claims_workbook(folder / "chi_tieu_2024-02.xlsx", CLAIMS_2024_02, period))
    return written


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

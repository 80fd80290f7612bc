"""The Hai Phong sample months' data: fictional enterprises and zone reports that reproduce the
article's figures, and the rows that break one rule each on purpose.

Deterministic: the same seed gives the same rows. Enterprises are fictional. The 2024-02 rows that
pass every rule reproduce the article's internally consistent figures (727 non-state enterprises,
56 with a Party organisation, 789 members, 99.570 workers ...); a handful of rows break one rule
each, listed in DELIBERATE_ERRORS and in data/raw/README.md. Written to files by
heza/samples/workbooks.py, the months put together by heza/samples/sample.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from stdnum.vn import mst

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
# What changes on purpose between 2024-01 and 2024-02 (found when 2024-01 is published first), by the
# 2024-02 row it concerns. January is the same firms a month earlier with small changes (see
# previous_month); these are the changes the month-on-month edits must find. The first is the slip
# that moves two release figures ("hơn 10,2 tỷ USD", "hơn 42%") out of their tolerance if corrected:
# it heads the call list.
PLANTED_CHANGES = {
    "PERIOD_UNIT_SLIP/capital_usd": "the party-org enterprise with the most capital: January's capital 1.000 times smaller",
    "PERIOD_UNIT_SLIP/rate": "a non-state enterprise's capital: February is January's times the VND/USD rate",
    "PERIOD_CHANGE_OUTLIER/workers_total": "the largest non-state enterprise without a Party organisation: "
                                           "January's workers a tenth of February's (its zone's workers move too)",
    "PERIOD_CHANGE_OUTLIER/export_usd": "a non-state enterprise's exports: February six times January's",
    "PERIOD_CHANGE_OUTLIER/import_usd": "a non-state enterprise's imports: February a fifth of January's",
    "PERIOD_NEW_ENTERPRISE": "an enterprise of February that January does not have",
    "PERIOD_GONE_ENTERPRISE": "an enterprise of January that February does not have",
    "PERIOD_ZONE_TOTAL_CHANGE": "the zone of the workers jump: its workers move by more than a fifth",
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


BAD_ROW_WORKERS = (200, 120, 80)  # total, female, male each deliberately bad row really has


def as_truly_is(row: Enterprise) -> Enterprise:
    """A row as the enterprise really is: a deliberately bad row's workers as they really are (its
    zone counts them right even where the enterprise's own row is wrong or unreadable)."""
    if row.bad not in DELIBERATE_ERRORS:
        return row
    total, female, male = BAD_ROW_WORKERS
    return replace(row, workers_total=total, workers_female=female, workers_male=male)


def bad_enterprises(rng: random.Random, zones: list) -> list:
    """One row per error rule, each documented in DELIBERATE_ERRORS."""
    def base(serial: int, **changes) -> Enterprise:
        row = Enterprise(tax_code(9000 + serial), f"Công ty TNHH Mẫu Lỗi {serial:02d}", zones[serial % len(zones)],
                         "domestic_private", False, False, None, *BAD_ROW_WORKERS, 20, 1_000_000.0, 500_000.0, 400_000.0)
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


def month_enterprises(rng: random.Random, codes: list, period: str, rate: float | None = None) -> list:
    """The enterprise rows of a sample month: in 2024-02 the clean rows, three with a warning and
    the deliberately bad ones; in 2024-01 the same firms a month earlier (see previous_month)."""
    rows = clean_enterprises(rng, codes)
    if period == "2024-02":
        with_warnings(rows)
        rows += bad_enterprises(rng, codes)
    else:
        rows = previous_month(rows, codes, rate)
    return rows


def previous_month(rows: list, codes: list, rate: float | None) -> list:
    """January from February's clean rows: a few workers fewer, exports and imports a little
    different (changes that spread like the square root of a firm's size, the model the
    Hidiroglou-Berthelot edit's U = 0,5 assumes), capital unchanged; then PLANTED_CHANGES."""
    noise = random.Random(f"{SEED}-2024-01")  # its own stream: February's rows never depend on it
    for row in rows:
        total = max(1, row.workers_total - round(0.004 * row.workers_total + noise.gauss(0, 0.3) * row.workers_total ** 0.5))
        row.workers_female = round(row.workers_female * total / row.workers_total)
        row.workers_male = total - row.workers_female
        row.workers_managerial = min(row.workers_managerial, total)
        row.workers_total = total
        for column in ("export_usd", "import_usd"):
            value = getattr(row, column)
            if value:
                setattr(row, column, max(10_000.0, round(value + noise.gauss(0, 150) * value ** 0.5, -4)))
    plain = [r for r in rows[PARTY_ORG + STATE_ENTERPRISES:] if r.bad is None]
    slip = max(rows[:PARTY_ORG], key=lambda r: r.capital_usd)
    slip.capital_usd = round(slip.capital_usd / 1000, 2)
    plain[0].capital_usd = round(plain[0].capital_usd / rate, 2)
    jump = max(plain[1:], key=lambda r: r.workers_total)
    jump.workers_total, jump.workers_female = round(jump.workers_total / 10), round(jump.workers_female / 10)
    jump.workers_male = jump.workers_total - jump.workers_female
    jump.workers_managerial = min(jump.workers_managerial, jump.workers_total)
    exporter = next(r for r in plain[1:] if r is not jump and r.export_usd)
    exporter.export_usd = round(exporter.export_usd / 6, -4)
    importer = next(r for r in plain[1:] if r not in (jump, exporter) and r.import_usd)
    importer.import_usd = round(importer.import_usd * 5, -4)
    rows.remove(plain[-1])  # new in February
    gone = replace(plain[-2], tax_code=tax_code(8000), name="Công ty TNHH Đã Chuyển Đi 01", bad=None)
    return rows + [gone]


def month_zones(seed: int, codes: list, rows: list, registry, period: str) -> dict:
    """Each zone's report of a sample month: counts and sums over every enterprise it has (the ones
    whose rows are deliberately bad included, with their true figures); in 2024-02 one zone's report
    counts 25 workers too many and one an enterprise too many (deliberate warnings), in 2024-01 the
    cumulative figures are a month smaller, VSIP's FDI projects one more (a project revoked since)."""
    zones = zone_figures(random.Random(f"{seed}-zones"), codes, [as_truly_is(r) for r in rows], registry, period)
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
    return zones

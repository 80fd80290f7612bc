"""One test per rule: a row that breaks it is found (with file, sheet, row, column) and a row that
just passes is not. Rows go through the real path: an .xlsx file, the reader, normalise, pandera."""

from __future__ import annotations

import pandas as pd
import pytest
from stdnum.vn import mst

from heza.assess.context import prepare
from heza.assess.core import assess_paths
from schemas import RULES
from tests.conftest import write_workbook

ENTERPRISE_HEADER = {
    "tax_code": "Mã số thuế", "name": "Tên doanh nghiệp", "zone": "Mã khu", "ownership": "Loại hình doanh nghiệp",
    "party": "Có tổ chức Đảng", "militia": "Có tổ chức dân quân tự vệ", "members": "Số đảng viên",
    "total": "Tổng số lao động", "female": "Lao động nữ", "male": "Lao động nam",
    "managerial": "Lao động quản lý, chuyên môn kỹ thuật bậc cao", "capital": "Vốn đăng ký (USD)",
    "export": "Kim ngạch xuất khẩu (USD)", "import": "Kim ngạch nhập khẩu (USD)",
}
GOOD = {"name": "Công ty TNHH Mẫu", "zone": "VSIP", "ownership": "FDI", "party": "Có", "militia": "Không",
        "members": 5, "total": 100, "female": 60, "male": 40, "managerial": 10, "capital": 1_000_000,
        "export": 500, "import": 400}


def tax_code(serial: int) -> str:
    body = f"03{serial:07d}"
    while len(mst.calc_check_digit(body)) != 1:
        serial += 1
        body = f"03{serial:07d}"
    return body + mst.calc_check_digit(body)


def enterprise_rows(*overrides: dict) -> list:
    rows = [list(ENTERPRISE_HEADER.values())]
    for serial, override in enumerate(overrides):
        row = {"tax_code": tax_code(serial + 1), **GOOD, **override}
        rows.append([row[key] for key in ENTERPRISE_HEADER if key in row])
    return rows


def findings_for(settings, tmp_path, sheets: dict, name="dn.xlsx", period="2024-02") -> pd.DataFrame:
    path = write_workbook(tmp_path / name, sheets)
    assessment = assess_paths([path], prepare(settings, period))
    return assessment.findings


def rules_at(findings: pd.DataFrame, row: int) -> set:
    return set(findings.loc[findings["source_row"] == row, "rule"])


ROW_RULES = [
    ("ENT_GENDER_SUM", {"female": 61}, {"female": 60}),
    ("ENT_MANAGERIAL_RANGE", {"managerial": 101}, {"managerial": 100}),
    ("ENT_COUNT_NEGATIVE", {"managerial": -1}, {"managerial": 0}),
    ("ENT_AMOUNT_NEGATIVE", {"capital": -1}, {"capital": 0}),
    ("ENT_TAX_CODE_FORMAT", {"tax_code": "0100109107"}, {"tax_code": "0100109106-001"}),
    ("ENT_TAX_CODE_LEADING_ZERO", {"tax_code": 100109106}, {"tax_code": "0100109106"}),
    ("ENT_ZONE_UNKNOWN", {"zone": "KCN Hòa Bình"}, {"zone": "KCN VSIP Hải Phòng"}),
    ("ENT_OWNERSHIP_UNKNOWN", {"ownership": "Hợp tác xã"}, {"ownership": "Có vốn đầu tư nước ngoài"}),
    ("ENT_REQUIRED", {"name": None}, {"name": "A"}),
    ("ENT_PARTY_CELL_TOO_SMALL", {"members": 2}, {"members": 3}),
    ("ENT_MEMBERS_WITHOUT_ORG", {"party": "Không", "members": 1}, {"party": "Không", "members": 0}),
    ("CELL_NOT_A_NUMBER", {"total": "N/A", "female": None, "male": None}, {"total": "100"}),
    ("CELL_QUALIFIED", {"total": "khoảng 100"}, {"total": "100 người"}),
    ("CELL_NOT_WHOLE", {"members": 3.5}, {"members": 3.0}),
    ("CELL_UNIT_MISMATCH", {"capital": "1.000.000 đồng"}, {"capital": "1.000.000 USD"}),
    ("CELL_NOT_BOOLEAN", {"party": "chưa rõ"}, {"party": "x"}),
]


@pytest.mark.parametrize("rule, breaking, passing", ROW_RULES, ids=[case[0] for case in ROW_RULES])
def test_enterprise_rule_finds_the_breaking_row_and_passes_the_other(settings, tmp_path, rule, breaking, passing):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows(breaking, passing)})
    assert rule in rules_at(findings, 2)
    assert rule not in rules_at(findings, 3)
    hit = findings[(findings["rule"] == rule) & (findings["source_row"] == 2)].iloc[0]
    assert hit["source_file"] == "dn.xlsx" and hit["source_sheet"] == "DN"
    assert hit["severity"] == RULES[rule].severity
    assert hit["message_vi"] and hit["message_en"] and hit["column"]


def test_duplicate_tax_codes_across_files_quarantine_every_copy(settings, tmp_path):
    first = write_workbook(tmp_path / "a.xlsx", {"DN": enterprise_rows({"tax_code": "0100109106"}, {})})
    second = write_workbook(tmp_path / "b.xlsx", {"DN": enterprise_rows({"tax_code": "0100109106"})})
    assessment = assess_paths([first, second], prepare(settings, "2024-02"))
    duplicates = assessment.findings[assessment.findings["rule"] == "ENT_TAX_CODE_DUPLICATE"]
    assert sorted(zip(duplicates["source_file"], duplicates["source_row"])) == [("a.xlsx", 2), ("b.xlsx", 2)]
    assert assessment.splits["enterprises"].counts == {"rows_read": 3, "rows_published": 1, "rows_quarantined": 2}


def test_an_empty_count_with_the_other_two_given_gets_a_suggested_value(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"female": None})})
    hit = findings[findings["rule"] == "ENT_REQUIRED"].iloc[0]
    assert (hit["column"], hit["suggested"], hit["cell"]) == ("workers_female", "60", "I2")


def test_an_ambiguous_figure_alone_in_its_column_is_an_error_that_says_why(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"capital": "1.500"})})
    hit = findings[findings["rule"] == "CELL_AMBIGUOUS_NUMBER"].iloc[0]
    assert "1500" in hit["message_en"] and "1.5" in hit["message_en"]


def test_the_column_decides_an_ambiguous_figure(settings, tmp_path):
    rows = enterprise_rows({"capital": "1.500"}, {"capital": "2.500.000"})
    assessment = assess_paths([write_workbook(tmp_path / "dn.xlsx", {"DN": rows})],
                                 prepare(settings, "2024-02"))
    assert assessment.splits["enterprises"].published["capital_usd"].tolist() == [1500.0, 2_500_000.0]


def test_a_column_that_mixes_conventions_is_resolved_by_majority_with_a_warning(settings, tmp_path):
    rows = enterprise_rows({"capital": "1.500"}, {"capital": "2.500.000"}, {"capital": "3.000.000"},
                           {"capital": "1,234.5"})
    findings = findings_for(settings, tmp_path, {"DN": rows})
    assert "CELL_MIXED_CONVENTION" in set(findings["rule"])
    assert "CELL_AMBIGUOUS_NUMBER" not in set(findings["rule"])


def test_a_vnd_header_converts_to_usd_at_the_reference_rate(settings, tmp_path):
    rows = enterprise_rows({"capital": 239_960})
    rows[0][11] = "Vốn đăng ký (nghìn đồng)"  # 239.960 thousand VND = 10.000 USD at 23.996
    assessment = assess_paths([write_workbook(tmp_path / "dn.xlsx", {"DN": rows})],
                                 prepare(settings, "2024-02"))
    assert assessment.splits["enterprises"].published["capital_usd"].tolist() == [pytest.approx(10_000.0)]


def test_a_vnd_header_without_a_reference_rate_is_an_error(settings, tmp_path):
    rows = enterprise_rows({})
    rows[0][11] = "Vốn đăng ký (tỷ đồng)"
    findings = findings_for(settings, tmp_path, {"DN": rows}, period="2023-06")
    assert "CELL_NO_EXCHANGE_RATE" in set(findings["rule"])


def test_a_sheet_missing_a_required_column_quarantines_its_rows_and_names_the_column(settings, tmp_path):
    rows = [row[:1] + row[2:] for row in enterprise_rows({}, {})]  # no enterprise name column
    assessment = assess_paths([write_workbook(tmp_path / "dn.xlsx", {"DN": rows})],
                                 prepare(settings, "2024-02"))
    missing = assessment.findings[assessment.findings["rule"] == "SHEET_MISSING_COLUMN"]
    assert set(missing["column"]) == {"enterprise_name"} and len(missing) == 1  # one for the sheet, not per row
    assert missing.iloc[0]["source_row"] == 1 and "2 dòng (2–3) bị giữ lại" in missing.iloc[0]["message_vi"]
    assert assessment.splits["enterprises"].counts["rows_quarantined"] == 2
    quarantined = assessment.splits["enterprises"].quarantined
    assert set(quarantined["rules"]) == {"SHEET_MISSING_COLUMN"}  # each held-back row still says why


def test_a_renamed_header_is_one_finding_naming_it_and_the_closest_known_name(settings, tmp_path):
    codes = list(dict.fromkeys(tax_code(serial) for serial in range(1, 200)))[:49]  # 49 distinct, valid
    rows = enterprise_rows(*({"tax_code": code} for code in codes))
    rows[0][8] = "Số LĐ nữ (người)"  # "Lao động nữ" renamed: a header nobody taught the reader
    assessment = assess_paths([write_workbook(tmp_path / "dn.xlsx", {"DN": rows})], prepare(settings, "2024-02"))
    errors = assessment.findings[assessment.findings["severity"] == "error"]
    assert list(errors["rule"]) == ["SHEET_MISSING_COLUMN"]  # not 49 identical row errors
    found = errors.iloc[0]
    assert (found["column"], found["cell"], found["value"], found["source_row"]) == \
        ("workers_female", "I1", "Số LĐ nữ (người)", 1)
    assert "'Số LĐ nữ (người)'" in found["message_vi"] and "'LĐ nữ'" in found["message_vi"]
    assert "49 dòng (2–50) bị giữ lại" in found["message_vi"] and "49 rows (2–50)" in found["message_en"]
    assert assessment.splits["enterprises"].counts == {"rows_read": 49, "rows_published": 0, "rows_quarantined": 49}


def test_two_columns_meaning_the_same_quarantine_the_sheet(settings, tmp_path):
    rows = enterprise_rows({})
    rows[0].append("MST")
    rows[1].append("0100109106")
    findings = findings_for(settings, tmp_path, {"DN": rows})
    duplicate = findings[findings["rule"] == "SHEET_DUPLICATE_COLUMN"]
    assert len(duplicate) == 1 and duplicate.iloc[0]["source_row"] == 1  # one finding, on the header row
    assert "'Mã số thuế', 'MST' đều là cột Mã số thuế; 1 dòng (2) bị giữ lại" in duplicate.iloc[0]["message_vi"]


def test_a_total_row_that_differs_from_the_column_sum_is_a_warning(settings, tmp_path):
    rows = enterprise_rows({}, {})
    total = ["Tổng cộng", None, None, None, None, None, 10, 201, 120, 80]
    findings = findings_for(settings, tmp_path, {"DN": [*rows, total]})
    hit = findings[findings["rule"] == "SHEET_TOTAL_ROW_MISMATCH"]
    assert set(hit["column"]) == {"workers_total"} and set(hit["source_row"]) == {4}
    assert "201" in hit.iloc[0]["message_vi"] and "200" in hit.iloc[0]["message_vi"]


def test_an_unreadable_file_is_a_file_finding(settings, tmp_path):
    broken = tmp_path / "hỏng.xlsx"
    broken.write_bytes(b"not a workbook")
    assessment = assess_paths([broken], prepare(settings, "2024-02"))
    hit = assessment.findings[assessment.findings["rule"] == "FILE_UNREADABLE"].iloc[0]
    assert hit["source_file"] == "hỏng.xlsx" and hit["severity"] == "error"
    assert assessment.critical


# -- zone report ---------------------------------------------------------------------------------

ZONE_HEADER = ["Mã khu", "Số doanh nghiệp đang hoạt động", "Tổng số lao động", "Lao động nữ", "Lao động nam",
               "Lũy kế số dự án FDI", "Lũy kế vốn đầu tư FDI (USD)", "Lũy kế số dự án DDI",
               "Lũy kế vốn đầu tư DDI (tỷ đồng)", "Kim ngạch xuất khẩu (USD)", "Kim ngạch nhập khẩu (USD)"]
ZONE_GOOD = ["VSIP", 1, 100, 60, 40, 10, 1_000_000, 5, 200, 500, 400]


def zone_rows(*overrides: dict) -> list:
    rows = [ZONE_HEADER]
    for override in overrides:
        row = list(ZONE_GOOD)
        for index, value in override.items():
            row[index] = value
        rows.append(row)
    return rows


ZONE_RULES = [
    ("ZONE_GENDER_SUM", {3: 61}, {0: "NOMURA"}),
    ("ZONE_UNKNOWN", {0: "KCN Hòa Bình"}, {0: "KCN Nomura - Hải Phòng"}),
    ("ZONE_COUNT_NEGATIVE", {5: -1}, {0: "DOSON", 5: 0}),
    ("ZONE_AMOUNT_NEGATIVE", {6: -1}, {0: "DOSON", 6: 0}),
    ("ZONE_REQUIRED", {7: None}, {0: "DOSON"}),
]


@pytest.mark.parametrize("rule, breaking, passing", ZONE_RULES, ids=[case[0] for case in ZONE_RULES])
def test_zone_rule_finds_the_breaking_row_and_passes_the_other(settings, tmp_path, rule, breaking, passing):
    findings = findings_for(settings, tmp_path, {"Khu": zone_rows(breaking, passing)}, name="khu.xlsx")
    assert rule in rules_at(findings, 2)
    assert rule not in rules_at(findings, 3)


def test_a_zone_reported_twice_quarantines_both_rows(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"Khu": zone_rows({}, {})}, name="khu.xlsx")
    duplicate = findings[findings["rule"] == "ZONE_DUPLICATE"]
    assert set(duplicate["source_row"]) == {2, 3}


def test_zone_totals_are_compared_with_their_enterprise_rows(settings, tmp_path):
    enterprises = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({}, {"zone": "NOMURA"})})
    zones = write_workbook(tmp_path / "khu.xlsx", {"Khu": zone_rows({}, {0: "NOMURA", 1: 2, 2: 101, 3: 61})})
    assessment = assess_paths([enterprises, zones], prepare(settings, "2024-02"))
    findings = assessment.findings
    vsip, nomura = rules_at(findings[findings["table"] == "zones"], 2), rules_at(findings[findings["table"] == "zones"], 3)
    assert not {"ZONE_ENTERPRISES_MATCH", "ZONE_WORKERS_MATCH"} & vsip
    assert {"ZONE_ENTERPRISES_MATCH", "ZONE_WORKERS_MATCH"} <= nomura


def zone_report_against(settings, tmp_path, enterprises: list, zone: dict):
    """A VSIP enterprise workbook and a zone report (ZONE_GOOD with `zone` changes) of one period."""
    dn = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows(*enterprises)})
    khu = write_workbook(tmp_path / "khu.xlsx", {"Khu": zone_rows(zone)})
    return assess_paths([dn, khu], prepare(settings, "2024-02"))


def test_a_zone_report_is_compared_with_every_row_the_zone_submitted_held_back_or_not(settings, tmp_path):
    # three enterprises, one without a name (held back): the zone's right report says 3 and 300 workers
    assessment = zone_report_against(settings, tmp_path, [{}, {}, {"name": None}], {1: 3, 2: 300, 3: 180, 4: 120})
    zone_rules = set(assessment.findings.loc[assessment.findings["table"] == "zones", "rule"])
    assert not {"ZONE_ENTERPRISES_MATCH", "ZONE_WORKERS_MATCH"} & zone_rules
    assert "ENT_REQUIRED" in set(assessment.findings["rule"])


def test_a_zone_report_that_misses_a_submitted_row_is_flagged_even_when_that_row_is_held_back(settings, tmp_path):
    assessment = zone_report_against(settings, tmp_path, [{}, {}, {"name": None}], {1: 2, 2: 200, 3: 120, 4: 80})
    zone_rules = set(assessment.findings.loc[assessment.findings["table"] == "zones", "rule"])
    assert {"ZONE_ENTERPRISES_MATCH", "ZONE_WORKERS_MATCH"} <= zone_rules


def test_zone_workers_are_not_compared_with_a_sum_missing_an_unreadable_or_doubtful_figure(settings, tmp_path):
    # row 3's total is unreadable and row 4 breaks female + male = total: neither sum is known,
    # so a zone report that no sum of what was written can confirm is not called wrong
    rows = [{}, {"total": "N/A"}, {"female": 70}]
    assessment = zone_report_against(settings, tmp_path, rows, {1: 3, 2: 300, 3: 180, 4: 120})
    zone_rules = set(assessment.findings.loc[assessment.findings["table"] == "zones", "rule"])
    assert "ZONE_WORKERS_MATCH" not in zone_rules and "ZONE_ENTERPRISES_MATCH" not in zone_rules


def test_the_report_says_which_zones_published_sums_fall_short_by_held_back_rows(settings, tmp_path):
    from heza.release.report_data import held_back_records

    ctx = prepare(settings, "2024-02")
    dn = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({}, {}, {"total": "N/A"})})
    khu = write_workbook(tmp_path / "khu.xlsx", {"Khu": zone_rows({1: 3, 2: 300, 3: 180, 4: 120})})
    records = held_back_records(assess_paths([dn, khu], ctx), ctx)
    assert records == [{"zone_code": "VSIP", "zone_name": ctx.registry.name_of("VSIP"), "reported": 3,
                        "submitted": 3, "published": 2, "not_compared": ["workers_total"]}]


def test_zones_active_in_the_period_that_did_not_report_are_listed(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"Khu": zone_rows({})}, name="khu.xlsx")
    missing = set(findings.loc[findings["rule"] == "PERIOD_ZONE_MISSING", "value"])
    assert "VSIP" not in missing and {"NOMURA", "DVCH", "TRANGDUE3"} <= missing
    assert "NOMURA2" not in missing  # active only from 2024-06


def test_a_cumulative_figure_below_the_last_publication_is_a_warning(settings, tmp_path):
    previous = settings.processed / "2024-01"
    previous.mkdir(parents=True)
    pd.DataFrame({"zone_code": ["VSIP"], "fdi_projects_cum": [11], "fdi_capital_usd_cum": [1e6],
                  "di_projects_cum": [5], "di_capital_vnd_cum": [2e11]}).to_csv(previous / "zones.csv", index=False)
    findings = findings_for(settings, tmp_path, {"Khu": zone_rows({})}, name="khu.xlsx")
    hit = findings[findings["rule"] == "ZONE_CUMULATIVE_DECREASE"]
    assert hit["column"].tolist() == ["fdi_projects_cum"] and hit["value"].tolist() == ["10 < 11"]
    assert hit["severity"].tolist() == ["warning"]

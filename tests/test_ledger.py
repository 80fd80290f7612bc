"""The source ledger: every row a person can see is data (published or held back) or listed as a
non-data row with its text and why; no row is dropped for its first word."""

from __future__ import annotations

from openpyxl import Workbook

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from tests.test_rules import ENTERPRISE_HEADER, enterprise_rows

ZONE_HEADER = ["Tên khu", "Số doanh nghiệp đang hoạt động", "Tổng số lao động", "Lao động nữ", "Lao động nam",
          "Lũy kế số dự án FDI", "Lũy kế vốn đầu tư FDI (USD)", "Lũy kế số dự án DDI", "Lũy kế vốn đầu tư DDI (tỷ đồng)"]


def write(path, sheets: dict, hidden_sheets=(), hidden_rows=None, merged=None):
    """A real workbook: {sheet: rows}; some sheets hidden, some rows hidden, some ranges merged."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden_sheets:
            sheet.sheet_state = "hidden"
        for row in (hidden_rows or {}).get(name, []):
            sheet.row_dimensions[row].hidden = True
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def assess(settings, period="2024-02"):
    ctx = prepare(settings, period)
    return assess_paths(period_inputs(ctx), ctx, settings.raw)


def non_data(assessment) -> list:
    return [(e["file"], e["sheet"], e["row"], e["kind"]) for e in assessment.ledger["non_data"]]


def test_enterprise_names_that_start_like_a_total_are_data(settings):
    rows = enterprise_rows({"name": "Công ty TNHH Hải Long"}, {"name": "Tổng công ty May 10"},
                           {"name": "Cộng ty cổ phần Sao Mai"}, {"name": "Tổng cục Kỹ thuật"},
                           {"name": "Cộng đồng Doanh nghiệp Xanh"})
    rows[1][0] = None  # an enterprise that forgot its tax code still counts
    rows[3][0] = "chưa có"
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    counts = assessment.splits["enterprises"].counts
    assert counts["rows_read"] == 5
    assert counts["rows_published"] + counts["rows_quarantined"] == 5
    assert assessment.ledger["balanced"]


def test_a_total_row_first_under_the_header_closes_the_zones_below_it(settings):
    zones = [["KCN Đồ Sơn", 3, 300, 200, 100, 3, 3000, 3, 30], ["KCN Nomura - Hải Phòng", 2, 200, 120, 80, 2, 2000, 2, 20],
             ["KCN Nam Cầu Kiền", 1, 100, 60, 40, 1, 1000, 1, 10], ["KCN Tiên Thanh", 4, 400, 250, 150, 4, 4000, 4, 40],
             ["KCN Tràng Duệ", 5, 500, 300, 200, 5, 5000, 5, 50]]
    total = ["Tổng cộng", 15, 1500, 930, 570, 15, 15000, 15, 150]
    write(settings.raw / "2024-02" / "khu.xlsx", {"Khu": [ZONE_HEADER, total, *zones]})
    assessment = assess(settings)
    assert assessment.splits["zones"].counts["rows_read"] == 5
    assert non_data(assessment) == [("khu.xlsx", "Khu", 1, "header"), ("khu.xlsx", "Khu", 2, "total")]
    assert "3–6" not in assessment.ledger["non_data"][1]["reason_vi"]  # it closes rows 3 to 7
    assert "3–7" in assessment.ledger["non_data"][1]["reason_vi"]


def test_a_zone_whose_name_starts_like_a_total_is_data(settings):
    zones = [["KCN Cộng Hòa", 3, 300, 200, 100, 3, 3000, 3, 30], ["Cộng Hòa", 2, 200, 120, 80, 2, 2000, 2, 20], ["KCN Đồ Sơn", 1, 100, 60, 40, 1, 1000, 1, 10]]
    write(settings.raw / "2025-08" / "khu.xlsx", {"Khu": [ZONE_HEADER, *zones, ["Cộng", 6, 600, 380, 220, 6, 6000, 6, 60]]})
    assessment = assess(settings, "2025-08")
    published = assessment.splits["zones"].published
    assert assessment.splits["zones"].counts["rows_read"] == 3
    assert sorted(published["zone_code"]) == ["CONGHOA", "CONGHOA", "DOSON"] or \
        {"CONGHOA", "DOSON"} <= set(assessment.tables["zones"].typed["zone_code"])
    assert [e["kind"] for e in assessment.ledger["non_data"]] == ["header", "total"]


def test_a_bare_total_row_that_does_not_add_up_is_a_total_with_a_warning(settings):
    rows = enterprise_rows({}, {})
    rows.append(["Tổng cộng", None, None, None, None, None, 10, 999, 120, 80])
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    assert assessment.splits["enterprises"].counts["rows_read"] == 2
    mismatch = assessment.findings[assessment.findings["rule"] == "SHEET_TOTAL_ROW_MISMATCH"]
    assert mismatch["source_row"].tolist() == [4] and mismatch["column"].tolist() == ["workers_total"]


def test_a_total_like_row_with_figures_that_are_not_sums_is_data(settings):
    rows = enterprise_rows({}, {})
    rows.append([None, "Tổng công ty Thép Việt", "VSIP", "Nhà nước", "Không", "Không", 0, 700, 400, 300])
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    assert assessment.splits["enterprises"].counts["rows_read"] == 3
    assert [e["kind"] for e in assessment.ledger["non_data"]] == ["header"]


def test_zone_subheadings_name_the_zone_of_the_rows_under_them_and_subtotals_are_totals(settings):
    header = [h for key, h in ENTERPRISE_HEADER.items() if key != "zone"]
    body = [r[:2] + r[3:] for r in enterprise_rows({}, {}, {})[1:]]
    rows = [["STT", *header],
            ["KCN Đình Vũ (Deep C I)"], [1, *body[0]], [2, *body[1]],
            ["Cộng", None, None, None, None, None, 10, 200, 120, 80],
            ["KCN Tràng Duệ"], [3, *body[2]],
            ["Cộng", None, None, None, None, None, 5, 100, 60, 40],
            ["Tổng cộng", None, None, None, None, None, 15, 300, 180, 120]]
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows}, merged={"DN": ["A2:N2", "A6:N6"]})
    assessment = assess(settings)
    typed = assessment.tables["enterprises"].typed
    assert typed["zone_code"].tolist() == ["DINHVU", "DINHVU", "TRANGDUE"]
    assert [(e["row"], e["kind"]) for e in assessment.ledger["non_data"]] == [
        (1, "header"), (2, "subheading"), (5, "total"), (6, "subheading"), (8, "total"), (9, "total")]
    assert not set(assessment.findings["rule"]) & {"SHEET_MISSING_COLUMN", "SHEET_TOTAL_ROW_MISMATCH"}
    assert assessment.ledger["balanced"]


def test_notes_and_signatures_under_the_table_are_listed_with_their_text(settings):
    rows = enterprise_rows({})
    rows += [[], ["Ghi chú: số liệu tạm tính"], ["Nguyễn Văn An", None, None, None, None, None, None, "Trần Thị Bình"]]
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    notes = [e for e in assessment.ledger["non_data"] if e["kind"] == "note"]
    assert [(e["row"], e["text"]) for e in notes] == [
        (4, "Ghi chú: số liệu tạm tính"), (5, "Nguyễn Văn An | Trần Thị Bình")]
    assert assessment.splits["enterprises"].counts["rows_read"] == 1


def test_a_hidden_copy_of_the_sheet_is_listed_and_not_read(settings):
    rows = enterprise_rows({}, {})
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows, "Tháng trước": rows}, hidden_sheets={"Tháng trước"})
    assessment = assess(settings)
    assert assessment.splits["enterprises"].counts["rows_read"] == 2
    assert "ENT_TAX_CODE_DUPLICATE" not in set(assessment.findings["rule"])
    skipped = [e for e in assessment.ledger["non_data"] if e["kind"] == "sheet_not_read"]
    assert [(e["sheet"], e["rows"]) for e in skipped] == [("Tháng trước", 3)]
    assert assessment.ledger["balanced"]


def test_a_hidden_sheet_that_is_the_only_data_is_read_with_a_warning(settings):
    write(settings.raw / "2024-02" / "dn.xlsx", {"Bìa": [["Báo cáo tháng 2"]], "DN": enterprise_rows({})},
          hidden_sheets={"DN"})
    assessment = assess(settings)
    assert assessment.splits["enterprises"].counts["rows_read"] == 1
    assert "SHEET_HIDDEN_CONTENT" in set(assessment.findings["rule"])


def test_a_hidden_row_is_listed_and_not_read(settings):
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": enterprise_rows({}, {}, {})}, hidden_rows={"DN": [3]})
    assessment = assess(settings)
    assert assessment.splits["enterprises"].counts["rows_read"] == 2
    assert ("dn.xlsx", "DN", 3, "hidden") in non_data(assessment)


def test_files_in_a_subfolder_are_read_with_the_folder_in_their_name(settings):
    write(settings.raw / "2024-02" / "KCN Đồ Sơn" / "dn.xlsx", {"DN": enterprise_rows({})})
    write(settings.raw / "2024-02" / "VSIP" / "dn.xlsx", {"DN": enterprise_rows({"tax_code": "0100109106"})})
    assessment = assess(settings)
    typed = assessment.tables["enterprises"].typed
    assert sorted(typed["source_file"]) == ["KCN Đồ Sơn/dn.xlsx", "VSIP/dn.xlsx"]


def test_office_lock_files_are_listed_as_not_read(settings):
    folder = settings.raw / "2024-02"
    write(folder / "dn.xlsx", {"DN": enterprise_rows({})})
    (folder / "~$dn.xlsx").write_bytes(b"\x00" * 165)
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    lock = next(f for f in assessment.files if f.file == "~$dn.xlsx")
    assert lock.skipped and "lock file" in lock.skipped[0].reason_en


def test_a_row_with_content_only_outside_the_template_is_listed(settings):
    rows = enterprise_rows({}, {})
    rows[0].append("Địa chỉ")
    rows.insert(2, [None] * 14 + ["Số 5 Lê Lợi"])
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    assert ("dn.xlsx", "DN", 3, "note") in non_data(assessment)
    assert assessment.splits["enterprises"].counts["rows_read"] == 2


def test_a_header_repeated_inside_the_table_is_listed(settings):
    rows = enterprise_rows({}, {})
    rows.insert(2, list(rows[0]))
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows})
    assessment = assess(settings)
    assert ("dn.xlsx", "DN", 3, "header") in non_data(assessment)
    assert assessment.splits["enterprises"].counts["rows_read"] == 2


def test_every_row_of_the_sample_month_is_accounted_for(sample_month, settings):
    assessment = assess(settings)
    ledger = assessment.ledger
    assert ledger["balanced"] and not assessment.critical
    assert ledger["published"] + ledger["quarantined"] == 753 + 15
    assert ledger["rows_with_content"] == ledger["published"] + ledger["quarantined"] + \
        ledger["release_figures"] + ledger["non_data_rows"]


def test_the_report_lists_every_non_data_row_with_its_text_and_why(settings):
    from heza.present.publication import present_release
    from heza.release.publish import publish_period

    rows = enterprise_rows({}, {})
    rows += [["Tổng cộng", None, None, None, None, None, 10, 200, 120, 80], ["Người lập biểu: Lê Thị Cúc"]]
    write(settings.raw / "2024-02" / "dn.xlsx", {"DN": rows, "Tháng trước": rows}, hidden_sheets={"Tháng trước"})
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    folder, report = publish_period(assessment, ctx, present=present_release)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "10 dòng có nội dung = 2 công bố + 0 giữ lại + 0 số liệu dự kiến công bố + 8 dòng" in html
    for text in ("Người lập biểu: Lê Thị Cúc", "Tổng cộng | 10 | 200 | 120 | 80", "Tháng trước", "Dòng tổng"):
        assert text in html
    assert report["ledger"]["balanced"]
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"invariant_source_rows_equal_published_quarantined_figures_and_non_data": true' in manifest

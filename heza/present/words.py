"""The words people read, in Vietnamese and English, each defined once, and the one way of choosing
between them.

Every pair is (Vietnamese, English); `pick` chooses: English for "en", Vietnamese for anything else
(Vietnamese is the default language of every output). The report page, its text twin, the Prefect
summary, the charts, the annotated workbooks, the e-mail and the `heza` command all read from here;
the longer texts of the letters to submitters are in letter_words.py, re-exported here.

Earlier stages (ingest, assess, release) may not import present/, so the few words they write into
report.json themselves (reasons, messages with both languages, claim labels) stay with them.
"""

from __future__ import annotations

from heza.ingest.numbers import format_number
from heza.present.letter_words import LETTER, ZONE_LETTER, ZONE_LETTER_STATUS, ZONE_LETTERS_TITLE  # noqa: F401
from schemas.tables import COLUMN_LABELS, OWNERSHIP_LABELS, TABLES

LANGS = ("vi", "en")


def pick(lang: str, pair):
    """The word of a (Vietnamese, English) pair in `lang`: English for "en", Vietnamese otherwise."""
    return pair[1] if lang == "en" else pair[0]


def code(lang: str) -> str:
    """The key of `lang` in a {"vi": ..., "en": ...} record (report.json's reasons): "vi" or "en"."""
    return pick(lang, LANGS)


def in_lang(texts: dict, lang: str):
    """A {"vi": ..., "en": ...} record's text in `lang`."""
    return texts[code(lang)]


def field(name: str, lang: str) -> str:
    """The field of a record holding `name` in `lang`: field("message", "en") == "message_en"."""
    return f"{name}_{code(lang)}"


def table_label(name: str, lang: str) -> str:
    """A table's name as people read it (schemas/tables.py declares it), e.g. "Doanh nghiệp"."""
    table = TABLES.get(name)
    return pick(lang, (table.label_vi, table.label_en)) if table else name


# Columns a finding can name that are not published: the release figures sheet's, what a figure
# was checked against, and the sums of a zone's enterprise rows that its report is compared with.
FINDING_COLUMN_WORDS = {
    "indicator": ("Mã chỉ tiêu", "Indicator code"), "scope": ("Phạm vi", "Scope"), "value": ("Giá trị", "Value"),
    "note": ("Ghi chú", "Note"), "reported": ("Số công bố", "Reported figure"),
    "recomputed": ("Số tính lại", "Recomputed figure"), "unit": ("Đơn vị", "Unit"),
    "identity": ("Số công bố, so với các số liệu khác", "Reported figure, against the other figures"),
    "enterprise_rows": ("Số dòng doanh nghiệp của khu", "Enterprise rows of the zone"),
    "enterprise_workers_total": ("Tổng lao động các dòng doanh nghiệp", "Workers in the enterprise rows"),
    "enterprise_workers_female": ("Lao động nữ các dòng doanh nghiệp", "Female workers in the enterprise rows"),
    "enterprise_workers_male": ("Lao động nam các dòng doanh nghiệp", "Male workers in the enterprise rows"),
}


def column_label(name: str, lang: str) -> str:
    """A column's name as people read it: a published column as schemas/tables.py declares it
    ("Mã số thuế"), else a finding's own column (FINDING_COLUMN_WORDS); never the internal name
    when a word is known."""
    pair = COLUMN_LABELS.get(name) or FINDING_COLUMN_WORDS.get(name)
    return pick(lang, pair) if pair else name


YES_NO = {True: ("Có", "Yes"), False: ("Không", "No")}  # a yes/no value: never True/False
EMPTY_CELL = ("(trống)", "(empty)")
TAX_CODE_SHORT = ("MST", "tax code")
ALSO_AT = ("cũng ở {where}", "also in {where}")
AT_ROW = ("{file} dòng {row}", "{file} row {row}")
OWNERSHIP_WORDS = OWNERSHIP_LABELS  # declared beside the tables (schemas/tables.py)


# -- run status ------------------------------------------------------------------------------------

# The run's headline: the same words open the command's output, report.html, its plain-text twin and
# the e-mail subject (heza.assess.core.run_status decides the status). {zones}: registry names.
STATUS_SHOUTED = {
    "published": ("ĐÃ CÔNG BỐ", "PUBLISHED"),
    "published_with_errors": ("ĐÃ CÔNG BỐ (có dòng bị giữ lại)", "PUBLISHED (some rows held back)"),
    "published_incomplete": ("CÔNG BỐ THIẾU: chưa có số liệu của {zones}", "PUBLISHED INCOMPLETE: no data from {zones}"),
    "not_published": ("KHÔNG CÔNG BỐ", "NOT PUBLISHED"),
}
WRONG_FIGURES = ("{n} số liệu dự kiến công bố SAI — không dùng", "{n} release figures WRONG — do not use")
UNREADABLE_FILE = ("Không đọc được tệp {file}: {message}", "Cannot read the file {file}: {message}")


def status_headline(lang: str, status: str, zone_names=(), wrong_figures: int = 0) -> str:
    """'CÔNG BỐ THIẾU: chưa có số liệu của KCN Đồ Sơn · 2 số liệu dự kiến công bố SAI — không dùng':
    the status, the zones missing from the month by their registry names, and the wrong release figures."""
    text = pick(lang, STATUS_SHOUTED[status]).format(zones=", ".join(zone_names))
    if wrong_figures:
        text += " · " + pick(lang, WRONG_FIGURES).format(n=wrong_figures)
    return text


def report_headline(report: dict, lang: str) -> str:
    """status_headline from report.json's content (status, missing zones, claims that failed)."""
    return status_headline(lang, report["status"], [z["zone_name"] for z in report.get("missing_zones", [])],
                           sum(1 for c in report.get("claims", []) if c["status"] == "fail"))

# -- findings --------------------------------------------------------------------------------------

SEVERITY_WORDS = {
    "error": ("Lỗi", "Error"), "warning": ("Cảnh báo", "Warning"), "critical": ("Nghiêm trọng", "Critical"),
    "info": ("Thông tin", "Information"),
}
TALLY_WORDS = {  # heza.findings.tally's counts, in the order people read them
    "rows_held_back": ("dòng bị giữ lại", "rows held back"), "figures_wrong": ("số liệu sai", "wrong figures"),
    "rows_with_warnings": ("dòng có cảnh báo", "rows with warnings"),
    "other_warnings": ("cảnh báo chung", "general warnings"),
    "other_errors": ("lỗi tệp/trang", "file or sheet errors"),
    "rows_corrected": ("dòng đã sửa tự động", "rows corrected"),
}
SUGGESTED = ("gợi ý", "suggested")
CLAIM_STATUS_WORDS = {
    "pass": ("Khớp dữ liệu", "Matches data"), "fail": ("Sai", "Wrong"),
    "consistent": ("Khớp số liệu khác", "Consistent"), "not_checkable": ("Chưa kiểm được", "Not checkable"),
}
KIND_WORDS = {  # what a person reads for each kind of non-data row of the source ledger
    "title": ("Tiêu đề", "Title"), "header": ("Tên cột", "Header"), "subheading": ("Tiêu đề nhóm", "Subheading"),
    "total": ("Dòng tổng", "Total"), "note": ("Ghi chú", "Note"), "hidden": ("Dòng ẩn", "Hidden row"),
    "sheet_not_read": ("Trang không đọc", "Sheet not read"),
}

# -- tables ----------------------------------------------------------------------------------------
# The published tables are shown by their own names (enterprises, zones) in both languages; these
# are the words around them: a table's row counts (the report's table head, the summary's and the
# command's count lines).

COUNT_WORDS = {"vi": ["Bảng", "Đọc", "Công bố", "Giữ lại"], "en": ["Table", "Read", "Published", "Quarantined"]}
RULE_TABLE_HEAD = {"vi": ["Mức", "Mã", "Số lần", "Nội dung"], "en": ["Severity", "Code", "Count", "Message"]}
OUTPUT_FOLDER = ("Thư mục kết quả", "Output folder")
OUTPUT = ("Kết quả", "Output")
PERIOD = ("Kỳ", "Period")

# -- the command (`heza validate`) ---------------------------------------------------------------

FILES = ("tệp", "files")
PERIOD_FROM = {  # where `heza validate` took the period from, printed on its first line
    "option": ("theo --period", "from --period"), "folder": ("theo tên thư mục", "from the folder name"),
    "file_name": ("theo tên tệp", "from the file name"),
    "default": ("mặc định: tháng trước; ghi --period nếu không phải", "default: last month; give --period if not"),
}
NOT_FOUND = ("Không tìm thấy: {path}", "Not found: {path}")
NO_DATA_ROW = ("Không đọc được dòng dữ liệu nào", "No data row could be read")

# -- charts ----------------------------------------------------------------------------------------

CHART_OTHER = ("khác ({n})", "other ({n})")
CHART_AGAINST_REPORTED = ("so với số công bố", "against the reported figure")

# -- annotated workbooks ---------------------------------------------------------------------------

FINDINGS_SHEET_TITLE = {"vi": "Kiểm tra", "en": "Findings"}
FINDINGS_SHEET_HEADERS = {  # the rule code last, in its own small column
    "vi": ["Mức", "Trang", "Ô (bấm để tới ô)", "Doanh nghiệp / khu", "Cột (tiêu đề của đơn vị)", "Giá trị đang ghi",
           "Vấn đề", "Giá trị gợi ý", "Lý do gợi ý", "Mã"],
    "en": ["Severity", "Sheet", "Cell (click to go)", "Enterprise / zone", "Column (your header)", "Value written",
           "Problem", "Suggested value", "Why suggested", "Code"],
}
# -- e-mail ----------------------------------------------------------------------------------------

SUBJECT = ("{prefix} Kiểm tra dữ liệu tháng {period}: {headline}; {counts}",
           "{prefix} Data check {period}: {headline}; {counts}")
TOO_LARGE_TO_ATTACH = ("Tệp quá lớn để đính kèm, xem tại:", "Files too large to attach, see:")
REPORT_EMAIL = ("Thư báo cáo", "Report e-mail")
EMAIL_STATUS_WORDS = {
    "sent": ("đã gửi", "sent"), "outbox": ("chưa cấu hình SMTP, thư nằm ở", "no SMTP server set, kept at"),
    "failed": ("gửi không được, thư nằm ở", "could not be sent, kept at"),
    "not_kept": ("KHÔNG ghi được thư vào", "could NOT be written to"),
}

# -- the report page -------------------------------------------------------------------------------

REPORT_TEXT = {
    "vi": {
        "authority": "Ban Quản lý Khu kinh tế Hải Phòng", "title": "Kiểm tra dữ liệu tháng",
        "claims": "Số liệu dự kiến công bố",
        "claims_help": "Mỗi số liệu được tính lại từ dữ liệu đã kiểm tra; khoảng chấp nhận suy ra từ cách viết "
                       "(7,5% nghĩa là 7,45–7,55%; “hơn”, “xấp xỉ” theo quy ước).",
        "claims_head": ["Chỉ tiêu", "Công bố", "Tính lại", "Khoảng chấp nhận", "Kết quả", "Định nghĩa đã dùng"],
        "counts": "Số dòng theo bảng", "counts_head": COUNT_WORDS["vi"],
        "findings": "Các dòng cần sửa",
        "findings_head": ["Tệp", "Trang", "Dòng", "Ô", "Doanh nghiệp / khu", "Cột", "Giá trị"],
        "same_row": "Cùng dòng, cảnh báo",
        "no_findings": "Không có phát hiện nào.", "times": "lần", "more_rows": "dòng nữa trong report.json",
        "suggested": "Gợi ý", "completeness": "Khu chưa báo cáo",
        "missing_help": "Các khu đang hoạt động trong kỳ nhưng chưa có báo cáo được công bố:",
        "no_rows": "không đọc được dòng nào của khu", 
        "zone_held_help": "Tổng đã công bố của các khu sau thiếu các dòng bị giữ lại, nên ít hơn số khu báo cáo. "
                          "Báo cáo của khu được so với mọi dòng khu đã gửi, nên không bị coi là sai vì lý do này:",
        "zone_held_line": "{zone}: khu báo cáo {reported} doanh nghiệp, đã gửi {submitted} dòng, công bố {published} "
                          "({held} dòng bị giữ lại)",
        "zone_held_unchecked": "; chưa so được {columns} của khu vì dòng bị giữ lại có số này trống hoặc lỗi",
        "all_reported": "Tất cả các khu đang hoạt động đã báo cáo.", "files": "Tệp và trang không đọc",
        "where": "Kết quả công bố", "run": "Lần chạy", "rate": "Tỷ giá tham chiếu",
        "chart_zones": "Số phát hiện theo khu", "chart_claims": "Số công bố so với số tính lại",
        "boxes": ["Dòng bị giữ lại", "Số liệu sai", "Dòng có cảnh báo", "Khu chưa báo cáo"],
        "incomplete": "Số liệu công bố thiếu các khu trên: mọi tổng số của tháng đều thiếu phần của các khu này.",
        "held_back": "{n} dòng bị giữ lại do lỗi; các dòng còn lại đã được công bố.",
        "corrected": "{n} dòng được sửa tự động theo quy tắc rồi công bố (giá trị gốc và lý do trong corrections.csv).",
        "clean": "Mọi dòng đều đạt; đã công bố.", "claims_failed": "{n} số liệu dự kiến công bố bị sai.",
        "nothing": "Không có gì được công bố; bản công bố trước (nếu có) giữ nguyên.",
        "ledger": "Mọi dòng trong tệp nộp", "ledger_head": ["Tệp", "Trang", "Dòng", "Loại", "Nội dung", "Lý do"],
        "ledger_line": "{seen} dòng có nội dung = {published} công bố + {quarantined} giữ lại + {figures} số liệu "
                       "dự kiến công bố + {non_data} dòng không phải dữ liệu (liệt kê dưới đây)",
        "ledger_broken": "Sổ dòng KHÔNG cân: có dòng không được tính; không công bố.",
        "rows_word": "dòng",
    },
    "en": {
        "authority": "Hai Phong Economic Zone Authority", "title": "Data validation, month",
        "claims": "Figures to be published",
        "claims_help": "Each figure is recomputed from the checked data; the accepted interval follows from how it "
                       "is written (7.5% means 7.45–7.55%; “over”, “about” by convention).",
        "claims_head": ["Indicator", "Reported", "Recomputed", "Accepted", "Result", "Definition used"],
        "counts": "Rows per table", "counts_head": COUNT_WORDS["en"],
        "findings": "Rows to fix",
        "findings_head": ["File", "Sheet", "Row", "Cell", "Enterprise / zone", "Column", "Value"],
        "same_row": "Same row, warning",
        "no_findings": "No findings.", "times": "times", "more_rows": "more rows in report.json",
        "suggested": "Suggested", "completeness": "Zones that did not report",
        "missing_help": "Zones active in the period without a published report:",
        "no_rows": "no row of the zone could be read", 
        "zone_held_help": "The published totals of these zones lack their held-back rows, so they fall short of the "
                          "zone's report. A zone report is compared with every row the zone submitted, so it is not "
                          "flagged for this:",
        "zone_held_line": "{zone}: the zone reported {reported} enterprises, submitted {submitted} rows, {published} "
                          "published ({held} held back)",
        "zone_held_unchecked": "; its {columns} could not be compared, a held-back row's figure being empty or wrong",
        "all_reported": "Every active zone reported.", "files": "Files and sheets not read",
        "where": "Published output", "run": "Run", "rate": "Reference rate",
        "chart_zones": "Findings per zone", "chart_claims": "Reported against recomputed",
        "boxes": ["Rows held back", "Wrong figures", "Rows with warnings", "Zones missing"],
        "incomplete": "The publication lacks the zones above: every total of the month lacks their share.",
        "held_back": "{n} rows held back for errors; the rest is published.",
        "corrected": "{n} rows corrected by the rules and published (original values and reasons in corrections.csv).",
        "clean": "Every row passed; published.", "claims_failed": "{n} figures to be published are wrong.",
        "nothing": "Nothing was published; the previous publication (if any) stands.",
        "ledger": "Every row of the submitted files", "ledger_head": ["File", "Sheet", "Row", "Kind", "Text", "Why"],
        "ledger_line": "{seen} rows with content = {published} published + {quarantined} held back + {figures} "
                       "release figures + {non_data} non-data rows (listed below)",
        "ledger_broken": "The row ledger does NOT balance: some rows are unaccounted for; nothing published.",
        "rows_word": "rows",
    },
}


def report_text(lang: str) -> dict:
    """The report page's words in `lang`."""
    return in_lang(REPORT_TEXT, lang)


def tally_line(lang: str, counts: dict) -> str:
    """'14 dòng bị giữ lại · 2 số liệu sai · 8 dòng có cảnh báo': what heza.findings.tally counts (rows
    and figures, not raw findings); warnings and errors about no row only when there are some."""
    shown = [key for key in TALLY_WORDS if counts.get(key) or key not in ("other_warnings", "other_errors", "rows_corrected")]
    return " · ".join(f"{format_number(counts.get(key, 0), lang)} {pick(lang, TALLY_WORDS[key])}" for key in shown)


def count_line(lang: str, table: str, read, published, quarantined) -> str:
    """'enterprises: đọc 755, công bố 741, giữ lại 14' (the words of the counts table, in lower case)."""
    words = [word.lower() for word in in_lang(COUNT_WORDS, lang)[1:]]
    return f"{table}: {words[0]} {read}, {words[1]} {published}, {words[2]} {quarantined}"


def table_head(words: list) -> str:
    """A markdown table's head row: '| Bảng | Đọc | Công bố | Giữ lại |'."""
    return "| " + " | ".join(words) + " |"


# -- the call list (month on month, heza/present/calls.py) ----------------------------------------

CALL_TEXT = {
    "vi": {
        "title": "Cần gọi hỏi trước: số liệu khác thường so với tháng trước",
        "help": "Mỗi dòng so với chính doanh nghiệp đó trong số liệu công bố tháng trước (theo mã số thuế). "
                "Xếp theo ảnh hưởng tới số liệu dự kiến công bố nếu sửa về giá trị dự kiến (số tháng trước "
                "nhân mức thay đổi thường thấy trong khu): dòng có thể làm đổi kết quả một số liệu đứng đầu.",
        "head": ["#", "Khu", "Doanh nghiệp", "Điều khác thường", "Số liệu công bố có thể thay đổi"],
        "change": "{label}: tháng trước {previous}, tháng này {current} (gấp {ratio} lần; thường gấp {median} lần)",
        "slip": "{label}: tháng trước {previous}, tháng này {current} (gấp {ratio} lần): có thể nhập nhầm đơn vị, "
                "có lẽ đúng là {corrected}",
        "move": "{label} ({reported}): {recomputed} → {moved_to} nếu sửa",
        "flip": "{before} → {after}",
        "no_move": "không ảnh hưởng số liệu dự kiến công bố",
        "more": "… {n} doanh nghiệp nữa trong report.json",
        "row": "tệp {file}, dòng {row}",
    },
    "en": {
        "title": "Call first: figures unusual against last month",
        "help": "Each row against the same enterprise in last month's publication (by tax code). Ordered by "
                "what correcting it to its expected value (last month's times the zone's usual change) would "
                "do to the figures to be published: a row that could change a figure's result comes first.",
        "head": ["#", "Zone", "Enterprise", "What looks wrong", "Release figures that could move"],
        "change": "{label}: last month {previous}, this month {current} ({ratio} times; usually {median} times)",
        "slip": "{label}: last month {previous}, this month {current} ({ratio} times): perhaps a unit slip, "
                "likely {corrected}",
        "move": "{label} ({reported}): {recomputed} → {moved_to} if corrected",
        "flip": "{before} → {after}",
        "no_move": "no release figure affected",
        "more": "… {n} more enterprises in report.json",
        "row": "file {file}, row {row}",
    },
}


# -- the rule summary (heza/present/rule_summary.py) -----------------------------------------------

UNIT_WORDS = {  # what a rule counts, one at a time (heza.assess.rule_summary.unit_of)
    "enterprise_rows": ("dòng doanh nghiệp", "enterprise rows"), "zone_rows": ("dòng báo cáo khu", "zone report rows"),
    "zones": ("khu", "zones"), "active_zones": ("khu đang hoạt động", "active zones"),
    "cumulative_columns": ("cột lũy kế", "cumulative columns"), "periods": ("kỳ", "periods"),
    "figures": ("số liệu dự kiến công bố", "release figures"), "files": ("tệp", "files"),
    "sheets": ("trang tính", "sheets"), "total_rows": ("dòng tổng", "total rows"), "cells": ("ô", "cells"),
    "number_columns": ("cột số", "number columns"), "csv_lines": ("dòng tệp CSV", "CSV lines"),
    "public_tables": ("bảng công khai", "public tables"),
    "last_month_enterprises": ("doanh nghiệp đã công bố tháng trước", "enterprises published last month"),
}
RULE_SUMMARY_TEXT = {
    "vi": {
        "title": "Tổng hợp theo quy tắc",
        "help": "Mỗi quy tắc: số đơn vị đã kiểm tra (dòng, ô, khu, số liệu…), số đạt, số không đạt và thay đổi "
                "số không đạt so với tháng {previous} (▲ tăng, ▼ giảm, = không đổi, “mới”: tháng trước không kiểm "
                "quy tắc này).",
        "no_previous": "Chưa có lần công bố của tháng trước để so sánh (–).",
        "head": ["Quy tắc (đơn vị kiểm)", "Đã kiểm", "Đạt", "Không đạt", "So với tháng trước", "Mã"],
        "not_applied": "không áp dụng tháng này", "new": "mới", "same": "=",
        "chart": "Số đơn vị không đạt theo tháng, theo quy tắc", "chart_axis": "Số đơn vị không đạt",
        "chart_month": "Tháng",
        "line": "- {rule} ({unit}): kiểm {checked}, đạt {passed}, không đạt {failed}; so với tháng trước {change}",
        "line_not_applied": "- {rule} ({unit}): không áp dụng tháng này",
        "rest_passed": "- {n} quy tắc khác: mọi đơn vị đã kiểm đều đạt",
    },
    "en": {
        "title": "Summary by rule",
        "help": "Each rule: the units checked (rows, cells, zones, figures…), how many passed and failed, and the "
                "change in failures since {previous} (▲ up, ▼ down, = unchanged, “new”: not checked last month).",
        "no_previous": "No publication of last month to compare with (–).",
        "head": ["Rule (unit checked)", "Checked", "Passed", "Failed", "Since last month", "Code"],
        "not_applied": "did not apply this month", "new": "new", "same": "=",
        "chart": "Failed units per month, by rule", "chart_axis": "Failed units", "chart_month": "Month",
        "line": "- {rule} ({unit}): checked {checked}, passed {passed}, failed {failed}; since last month {change}",
        "line_not_applied": "- {rule} ({unit}): did not apply this month",
        "rest_passed": "- {n} other rules: every unit checked passed",
    },
}


# -- error localisation (heza/assess/blame.py): the blamed cell's suggestion and the cells beside it
INVOLVED = ("Ô liên quan, có thể đúng; ô cần sửa: {cells}", "Involved, may be right; the cell to fix: {cells}")
PARTIAL_COPY = ("Trang {sheet} có {rows} dòng: bản sao này chỉ gồm các dòng tiêu đề và {marked} dòng có phát hiện, "
                "ở đúng số dòng của tệp đã gửi",
                "Sheet {sheet} has {rows} rows: this copy holds only its header rows and the {marked} rows with "
                "findings, at their own row numbers in the file sent")


def suggestion(value: str | None, reason: str | None) -> str | None:
    """'50 (có thể gõ thừa chữ số 0)': the suggested value and why; the reason alone when the
    localiser blamed a cell but the rules do not fix its value; None when there is neither."""
    if value and reason:
        return f"{value} ({reason})"
    return value or reason or None


# -- heza rules check
RULES_CHECK_KIND = {"infeasible": ("MÂU THUẪN", "INFEASIBLE"), "redundant": ("THỪA", "REDUNDANT"),
                    "never_fails": ("LUÔN ĐÚNG", "NEVER FAILS")}
RULES_CHECK_OK = ("Bộ quy tắc không có mâu thuẫn, quy tắc thừa hay quy tắc luôn đúng",
                  "The rule set has no contradiction, no redundant rule and no rule that can never fail")

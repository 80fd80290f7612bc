"""A finding in the words of the person who must fix it: the column by the submitter's own header
(else its label), values as they read them (Có/Không, 1.234,5 in Vietnamese, 1,234.5 in English),
the enterprise or zone it is about, and where the other half of a duplicate is. The report page,
the annotated workbooks and `heza validate` all say a finding this way; the finding itself keeps
the internal names (report.json is for machines)."""

from __future__ import annotations

import re

from heza.ingest.numbers import format_number
from heza.present.words import (
    ALSO_AT, AT_ROW, EMPTY_CELL, LETTER, SEVERITY_WORDS, SUGGESTED, TAX_CODE_SHORT, YES_NO, column_label, field, in_lang,
    pick,
    suggestion,
)

_MACHINE_NUMBER = re.compile(r"-?\d+(\.\d+)?")
TEXT_COLUMNS = {"tax_code", "zone_code", "enterprise_name", "ownership", "indicator", "scope", "note", "value",
                "reported", "identity"}


def submitter_headers(sheets) -> dict:
    """{(file, sheet): {internal column: the submitter's header}} from (file, sheet, columns) triples."""
    return {(file, sheet): dict(columns or {}) for file, sheet, columns in sheets}


def report_headers(report: dict) -> dict:
    """submitter_headers of report.json's files."""
    return submitter_headers((f["file"], s["sheet"], s["columns"]) for f in report["files"] for s in f["sheets"])


def _columns(item: dict) -> list:
    return [c for c in str(item.get("column") or "").split(",") if c]


def column_words(item: dict, headers: dict, lang: str) -> str:
    """'Lao động Nữ, Lao động Nam': each column of the finding by the header its sheet gave it."""
    own = headers.get((item.get("source_file"), item.get("source_sheet")), {})
    return ", ".join(own.get(c) or column_label(c, lang) for c in _columns(item))


def shown_value(text, column: str, lang: str) -> str:
    """One value as people read it: True/False as Có/Không, a number the program wrote in the
    reader's convention (a tax code or anything submitted as text stays as written)."""
    if text is None or text == "":
        return ""
    if text in ("True", "False"):
        return pick(lang, YES_NO[text == "True"])
    if text == "∅":
        return pick(lang, EMPTY_CELL)
    left, below, right = text.partition(" < ")  # a cumulative figure against the last publication's
    if below and column not in TEXT_COLUMNS and _MACHINE_NUMBER.fullmatch(left) and _MACHINE_NUMBER.fullmatch(right):
        return f"{shown_value(left, column, lang)} < {shown_value(right, column, lang)}"
    if column not in TEXT_COLUMNS and _MACHINE_NUMBER.fullmatch(text):
        decimals = len(text.partition(".")[2])
        return format_number(float(text), lang, decimals)
    return text


def value_words(item: dict, headers: dict, lang: str) -> str:
    """The finding's value: 'Lao động Nữ: 130; Lao động Nam: 80' for a rule over several columns
    (validate writes them 'workers_female=130; workers_male=80'), else the one value."""
    value = item.get("value")
    columns = _columns(item)
    if value is None:
        return pick(lang, EMPTY_CELL) if columns else ""
    if len(columns) > 1 and all(f"{c}=" in value for c in columns):
        own = headers.get((item.get("source_file"), item.get("source_sheet")), {})
        parts = dict(part.split("=", 1) for part in value.split("; "))
        return "; ".join(f"{own.get(c) or column_label(c, lang)}: {shown_value(parts.get(c), c, lang)}"
                         for c in columns)
    return shown_value(value, columns[0] if columns else "", lang)


def subject_words(item: dict, lang: str) -> str:
    """'Công ty TNHH A (MST 0200090995)' for an enterprise row, the zone's name for a zone report."""
    name, tax = item.get("enterprise_name"), item.get("tax_code")
    if name or tax:
        return f"{name or ''} ({pick(lang, TAX_CODE_SHORT)} {tax})".strip() if tax else name
    return item.get("zone_name") or item.get("zone") or ""


def also_words(item: dict, lang: str) -> str:
    """'cũng ở doanh_nghiep_NOMURA_2024-02.xlsx dòng 63': the other rows of a duplicate."""
    places = item.get("also_at") or []
    if not places:
        return ""
    where = ", ".join(pick(lang, AT_ROW).format(file=p["file"], row=format_number(p["row"], lang))
                      if p.get("row") is not None else p["file"] for p in places)
    return pick(lang, ALSO_AT).format(where=where)


def finding_line(item: dict, headers: dict, lang: str) -> str:
    """One line of `heza validate`: 'Lỗi ENT_GENDER_SUM  tệp:trang:62 (J62) · Công ty A (MST …) ·
    Lao động Nữ: 130; …: message'; the rule code is the line's only identifier, in its own column."""
    where = ":".join(str(part) for part in (item["source_file"], item["source_sheet"], item["source_row"]) if part)
    where += f" ({item['cell']})" if item.get("cell") else ""
    parts = [where, subject_words(item, lang)]
    value = value_words(item, headers, lang)
    if len(_columns(item)) == 1:
        parts.append(f"{column_words(item, headers, lang)} = {value}")
    elif value:  # several columns: value_words names each
        parts.append(value)
    hint = suggestion(item.get("suggested"), item.get(field("reason", lang)))
    if hint:
        parts.append(f"{pick(lang, SUGGESTED)}: {hint}")
    parts.append(also_words(item, lang))
    severity = pick(lang, SEVERITY_WORDS.get(item["severity"], SEVERITY_WORDS["warning"]))
    return f"{severity:11} {item['rule']:26} {' · '.join(p for p in parts if p)}: {item[field('message', lang)]}"


_SUMMED = {"enterprises": "enterprise_rows"}  # a zone report's figure -> its enterprise rows' sum, if not enterprise_<c>


def compared_words(item: dict, headers: dict, lang: str) -> str | None:
    """'Lao động Tổng số: khu báo cáo 11.431, cộng các dòng doanh nghiệp 11.406 (chênh 25)': the numbers
    a zone report was compared with (reconcile writes 'workers_total=11431; enterprise_workers_total=11406');
    None for any other finding."""
    value, columns = item.get("value") or "", _columns(item)
    pairs = [(c, _SUMMED.get(c, f"enterprise_{c}")) for c in columns]
    pairs = [(c, s) for c, s in pairs if s in columns]
    if not pairs or "=" not in value:
        return None
    parts = dict(part.split("=", 1) for part in value.split("; ") if "=" in part)
    own = headers.get((item.get("source_file"), item.get("source_sheet")), {})
    words = in_lang(LETTER, lang)
    lines = []
    for column, summed in pairs:
        reported, total = parts.get(column), parts.get(summed)
        line = words["compared"].format(label=own.get(column) or column_label(column, lang),
                                        reported=shown_value(reported, column, lang),
                                        summed=shown_value(total, summed, lang))
        if _MACHINE_NUMBER.fullmatch(reported or "") and _MACHINE_NUMBER.fullmatch(total or ""):
            difference = float(reported) - float(total)
            if difference:
                line += words["difference"].format(difference=format_number(difference, lang))
        lines.append(line)
    return "; ".join(lines)

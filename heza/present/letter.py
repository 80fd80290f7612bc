"""The first sheet of each submitter's annotated workbook: a letter a zone clerk who has never seen
the product understands. Who it is for (the zone's name and code), which month, what was found,
what to do and by when (the reply date from heza.toml [letters] reply_by_day), then one line per
finding in the submitter's own words: their header, a link to the cell in the copy of their sheet,
the value, the suggested value and why, and for a zone report the numbers it was compared with.
The rule code stays in the last, small column, for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from heza.present.finding_text import also_words, column_words, compared_words, shown_value, subject_words, value_words
from heza.present.words import (
    FINDINGS_SHEET_HEADERS, LETTER, REPORT_TEXT, SEVERITY_WORDS, field, in_lang, pick,
)
from heza.present.xlsx_writer import BOLD, LINK, TITLE, WRAP, StreamingWorkbook
from schemas import DATA_TABLES

WIDTHS = (10, 18, 12, 30, 26, 26, 60, 16, 30, 12)  # the findings table's columns, the code last and small


@dataclass(frozen=True)
class LetterHead:
    """What the letter says above the findings: the period (YYYY-MM), the reply date, the zones
    ((code, name) pairs) whose rows the file holds. Each may be unknown (a file checked alone)."""

    period: str | None = None
    reply_by: date | None = None
    zones: tuple = ()


def reply_date(period: str, day: int) -> date:
    """The `day` of the month after `period` ('2024-02', 20 -> 20 March 2024)."""
    year, month = (int(part) for part in period.split("-"))
    return date(year + month // 12, month % 12 + 1, day)


def zones_of_files(tables: dict) -> dict:
    """{file: sorted zone codes of its data rows} from an assessment's typed tables: a file with one
    zone is that zone's; a file with several is nobody's alone."""
    parts = [tables[name].typed[["source_file", "zone_code"]] for name in DATA_TABLES
             if name in tables and {"source_file", "zone_code"} <= set(tables[name].typed.columns)]
    if not parts:
        return {}
    rows = pd.concat(parts).dropna().astype(str).drop_duplicates()
    return {file: tuple(sorted(group["zone_code"])) for file, group in rows.groupby("source_file")}


def _date_words(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def head_lines(head: LetterHead, file_name: str, counts: dict, lang: str) -> list:
    """(text, style) of each line above the findings table."""
    words, authority = in_lang(LETTER, lang), in_lang(REPORT_TEXT, lang)["authority"]
    period = f"{head.period[5:]}/{head.period[:4]}" if head.period else None
    zones = "; ".join(words["zone_code"].format(name=name, code=code) for code, name in head.zones)
    by = words["by"].format(date=_date_words(head.reply_by)) if head.reply_by else ""
    lines = [(authority, BOLD),
             (words["title"].format(period=period) if period else words["title_no_period"], TITLE),
             (words["zone"].format(zones=zones) if zones else words["no_zone"], None),
             (words["file"].format(file=file_name), None),
             (words["result"].format(errors=counts.get("error", 0), warnings=counts.get("warning", 0)), None)]
    if head.reply_by:
        lines.append((words["reply_by"].format(date=_date_words(head.reply_by)), BOLD))
    lines += [(None, None), (words["todo"], BOLD)]
    lines += [(step.format(by=by), None) for step in words["steps"]]
    return lines + [(None, None)]


def _location(title: str, address: str | None) -> str | None:
    """"'Danh sách DN'!J62": a place in this workbook (an apostrophe in the title doubled)."""
    if not address or not title:
        return None
    return "'" + title.replace("'", "''") + "'!" + address


def _finding_row(item: dict, headers: dict, titles: dict, lang: str) -> tuple:
    """(values, link location) of one finding's line."""
    words = in_lang(LETTER, lang)
    also = also_words(item, lang)
    compared = compared_words(item, headers, lang)
    blamed = (item.get("blamed") or item.get("column") or "").split(",")[0]
    suggested = item.get("suggested")
    row = item.get("source_row")
    where = item.get("cell") or (words["row"].format(row=int(row)) if row is not None else None)
    values = [pick(lang, SEVERITY_WORDS.get(item["severity"], SEVERITY_WORDS["warning"])),
              item.get("source_sheet"), where, subject_words(item, lang), column_words(item, headers, lang),
              compared or value_words(item, headers, lang), item[field("message", lang)] + (f" ({also})" if also else ""),
              None if suggested is None else shown_value(str(suggested), blamed, lang),
              item.get(field("reason", lang)), item["rule"]]
    return [v if v != "" else None for v in values], _location(titles.get(item.get("source_sheet")), item.get("cell"))


def write_letter_sheet(workbook: StreamingWorkbook, findings: pd.DataFrame, headers: dict, titles: dict,
                       head: LetterHead, file_name: str, lang: str, title: str):
    """The letter, then one line per finding linked to its cell; `titles` maps each submitted sheet
    to its title in the copy. Returns the sheet, still open for lines below the list."""
    sheet = workbook.add_sheet(title, widths=dict(enumerate(WIDTHS)))
    counts = findings["severity"].value_counts().to_dict() if len(findings) else {}
    for text, style in head_lines(head, file_name, counts, lang):
        sheet.append([text], styles={0: style} if style is not None else None)
    names = in_lang(FINDINGS_SHEET_HEADERS, lang)
    sheet.append(names, styles={c: BOLD for c in range(len(names))})
    for item in findings.astype(object).where(findings.notna(), None).to_dict(orient="records"):
        values, location = _finding_row(item, headers, titles, lang)
        severity = item["severity"] if item["severity"] in ("error", "warning") else "warning"
        styles = {6: WRAP, 8: WRAP, **({2: LINK} if location else {})}
        sheet.append(values, marks={0: (severity, None)}, styles=styles, links={2: location} if location else None)
    return sheet


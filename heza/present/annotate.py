"""Give each submitter their own workbook back with the wrong cells marked.

The copy is built from the values the reader saw (never by loading and saving the submitted
workbook, which costs minutes and gigabytes on a large file): every sheet's values, formulas as
their computed values, failing cells filled (red: error, amber: warning) with a comment holding
the rule's message, and a first sheet that is a letter to the submitter (heza/present/letter.py). It is streamed (heza/present/xlsx_writer.py),
so its cost grows with the rows, not with the formatting. Nothing in it can run: every text is
stored as text, even one that looks like a formula; control characters are shown as U+FFFD. Sheet titles and
the file name are made safe (Excel's 31 characters, no []:*?/\\, no line breaks). A finding on a
merged cell marks the merge's top-left cell, where its value is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from heza.ingest.files import FileRead, sheet_rows
from heza.ingest.numbers import format_number
from heza.present.finding_text import submitter_headers
from heza.present.letter import LetterHead, write_letter_sheet
from heza.present.words import FINDINGS_SHEET_TITLE, INVOLVED, PARTIAL_COPY, SUGGESTED, field, in_lang, pick, suggestion
from heza.present.xlsx_writer import StreamingWorkbook, clean

SEVERITY_RANK = {"critical": 0, "error": 1, "warning": 2, "involved": 3}  # involved: a rule's cell not blamed
MAX_COMMENTS = 10_000  # per sheet; past this, cells are filled only (the first sheet lists every finding)
WIDTH_ROWS = 40  # column widths are measured on a sheet's first rows
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what an .xlsx cannot hold
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\[\]]')
_ADDRESS = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def safe_text(value: str) -> str:
    """A text an .xlsx can hold: control characters replaced by U+FFFD (visible), at most 32.767
    characters (Excel's limit)."""
    return clean(value)


def safe_title(name: str, used: set) -> str:
    """A sheet title Excel accepts: no []:*?/\\ or control characters, not starting or ending with
    an apostrophe, at most 31 characters, unique (case-insensitive) among `used`."""
    title = _TITLE_FORBIDDEN.sub("_", str(name)).strip().strip("'") or "Sheet"
    title, number = title[:31], 1
    candidate = title
    while candidate.casefold() in used:
        number += 1
        suffix = f" ({number})"
        candidate = title[:31 - len(suffix)] + suffix
    used.add(candidate.casefold())
    return candidate


def safe_file_stem(name: str) -> str:
    """A file name stem every system accepts from a submitted file's name (as browsers and mail
    clients save them: "bao cao [1].xlsx", "a:b.xlsx", line breaks): forbidden characters become
    '_', at most 100 characters, never empty or hidden."""
    stem = str(name).rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    stem = re.sub(r"\s+", " ", _NAME_FORBIDDEN.sub("_", stem)).strip(" .")
    return stem[:100] or "tep"


def _blamed(item) -> set | None:
    """The columns the localiser is sure enough to blame (certain or explained), else None."""
    if pd.isna(item.blamed) or item.cell_grade not in ("certain", "explained"):
        return None
    return set(str(item.blamed).split(","))


def _cells(item, letters: dict) -> list:
    """(Excel address, wrong) of each cell a finding is about: the blamed cell is wrong, the rule's
    other cells only involved; with no cell blamed, every cell of the finding is wrong."""
    if pd.isna(item.source_row):
        return []
    columns = [] if pd.isna(item.column) else str(item.column).split(",")
    blamed = _blamed(item)
    columns += sorted(blamed - set(columns)) if blamed else []
    found = [(f"{letters[(item.source_file, item.source_sheet, c)]}{int(item.source_row)}", blamed is None or c in blamed)
             for c in columns if (item.source_file, item.source_sheet, c) in letters]
    if not found and not pd.isna(item.cell):
        found = [(str(item.cell), True)]
    return found


def _suggestion(item, lang: str) -> str | None:
    value = None if pd.isna(item.suggested) else str(item.suggested)
    reason = getattr(item, field("reason", lang))
    return suggestion(value, None if pd.isna(reason) else str(reason))


def _position(address: str, merged: list) -> tuple | None:
    """(row, col) 0-based of an address; inside a merged range, its top-left cell."""
    match = _ADDRESS.match(address)
    if not match:
        return None
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    row, col = int(match.group(2)) - 1, col - 1
    for (top, left), (bottom, right) in merged:
        if top <= row <= bottom and left <= col <= right:
            return top, left
    return row, col


def _notes(findings: pd.DataFrame, letters: dict, merged: dict, lang: str) -> dict:
    """{sheet: {(row, col): (severity, comment text)}} of the cells to mark."""
    message = field("message", lang)
    notes: dict = {}
    for item in findings.itertuples(index=False):
        sheet = str(item.source_sheet)
        cells = _cells(item, letters)
        wrong = ", ".join(address for address, is_wrong in cells if is_wrong)
        for address, is_wrong in cells:
            where = _position(address, merged.get(sheet, []))
            if where is None:
                continue
            text = f"[{item.rule}] {getattr(item, message)}"
            hint = _suggestion(item, lang)
            if is_wrong and hint:
                text += f" → {pick(lang, SUGGESTED).capitalize()}: {hint}"
            elif not is_wrong:
                text += "\n" + pick(lang, INVOLVED).format(cells=wrong)
            severity = item.severity if is_wrong else "involved"
            marks = notes.setdefault(sheet, {})
            if where in marks:
                old_severity, old_text = marks[where]
                severity = min(old_severity, severity, key=lambda s: SEVERITY_RANK.get(s, 9))
                marks[where] = (severity, old_text + "\n" + text)
            else:
                marks[where] = (severity, text)
    return notes


def _widths(first: list) -> dict:
    """Column widths from the first rows' texts (cheap; at most 50 characters wide)."""
    widths: dict = {}
    for row in first:
        for col, value in enumerate(row):
            if value is not None and value != "":
                widths[col] = max(widths.get(col, 8), min(len(str(value)) + 2, 50))
    return widths


def _marked_rows(notes: dict, rows: int, width: int) -> dict:
    """{row: {col: (fill, comment)}} of one sheet's marks inside what was read; comments for the
    first MAX_COMMENTS cells only."""
    marked: dict = {}
    for index, ((row, col), (severity, text)) in enumerate(sorted(notes.items())):
        if row >= rows or col >= width:
            continue  # outside what was read (a stray cell): listed on the first sheet only
        fill = None if severity == "involved" else severity if severity in ("error", "warning") else "error"
        marked.setdefault(row, {})[col] = (fill, text if index < MAX_COMMENTS else None)
    return marked


def _rows_to_copy(rows: int, marked: dict, header_rows: int, whole: int) -> range | list:
    """Every row of a sheet of `rows` rows up to `whole` rows; past that, the rows down to its header
    and the rows with marks (a million-row copy would take minutes and gigabytes, and nobody reads it whole)."""
    if rows <= whole:
        return range(rows)
    return sorted(set(range(min(header_rows, rows))) | set(marked))


def _header_rows(file: FileRead, sheet: str, limits: dict) -> int:
    """How many rows from the top hold a sheet's titles and header (all rows searched, if none found)."""
    found = [max(t.header_rows) for t in file.tables if t.sheet == sheet and t.header_rows]
    return max(found) if found else int(limits["header_search_rows"])


@dataclass(frozen=True)
class _SheetCopy:
    """What the copy of one sheet needs: of a million-row sheet only the header and the marked rows."""

    name: str
    rows: int  # rows in the sheet as read
    marked: dict  # {row: {col: (fill, comment)}}
    copied: list  # [(row index, values)] of the rows the copy holds
    widths: dict


def _sheet_copies(file: FileRead, findings: pd.DataFrame, letters: dict, limits: dict, lang: str) -> list:
    """A _SheetCopy of each sheet of the submitted file, from the sheets as the reader saw them
    (a workbook is not parsed again; a CSV is streamed for the rows copied)."""
    width, whole = int(limits["max_columns_per_sheet"]), int(limits["annotated_whole_rows"])
    sheet_of = findings["source_sheet"].map(str)
    copies = []
    for sheet in file.sheets:
        notes = _notes(findings[sheet_of == sheet.name], letters, {sheet.name: sheet.merged}, lang)
        marked = _marked_rows(notes.get(sheet.name, {}), sheet.rows, width)
        rows = _rows_to_copy(sheet.rows, marked, _header_rows(file, sheet.name, limits), whole)
        first = range(min(WIDTH_ROWS, sheet.rows))  # what the column widths are measured on
        wanted = sorted(set(rows) | set(first))
        values = dict(zip(wanted, sheet_rows(file, sheet, wanted)))
        copies.append(_SheetCopy(sheet.name, sheet.rows, marked, [(row, values[row]) for row in rows],
                                 _widths([values[row] for row in first])))
    return copies


def annotate_file(file: FileRead, findings: pd.DataFrame, letters: dict, out_dir: Path, limits: dict,
                  lang: str = "vi", name: str | None = None, head: LetterHead | None = None) -> Path:
    """Write the annotated copy of one submitted file; returns its path. `findings` may carry who
    each is about (heza.assess.subjects.with_subjects); the first sheet then names them. `head`
    gives the letter its period, reply date and zones (unknown ones are left out). Only findings
    about this file are written: a period's findings (a zone missing, last month's enterprises)
    name other zones' rows."""
    findings = findings[findings["source_file"] == file.file]
    copies = _sheet_copies(file, findings, letters, limits, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / (name or f"{safe_file_stem(file.file)}_kiem_tra.xlsx")
    workbook = StreamingWorkbook(path)
    used: set = set()
    try:
        headers = submitter_headers((file.file, t.sheet, t.columns) for t in file.tables)
        letter_title = safe_title(in_lang(FINDINGS_SHEET_TITLE, lang), used)
        titles = {copy.name: safe_title(copy.name, used) for copy in copies}
        letter = write_letter_sheet(workbook, findings, headers, titles, head or LetterHead(), file.file, lang,
                                    letter_title)
        for copy in copies:
            if len(copy.copied) < copy.rows:  # under the list: which sheets are copied in part
                letter.append([pick(lang, PARTIAL_COPY).format(sheet=copy.name, rows=format_number(copy.rows, lang),
                                                               marked=format_number(len(copy.marked), lang))],
                              row=letter.row + 2)
        for copy in copies:
            sheet = workbook.add_sheet(titles[copy.name], widths=copy.widths)
            for index, values in copy.copied:
                sheet.append(values, copy.marked.get(index), row=index + 1)
    finally:
        workbook.close()
    return path


def annotate_submissions(findings: pd.DataFrame, files: list, letters: dict, out_dir: Path, limits: dict,
                         lang: str = "vi", head: LetterHead | None = None, file_zones: dict | None = None) -> list:
    """One annotated copy per readable submitted file that has findings; their paths (see annotate_each)."""
    return [path for _, path in annotate_each(findings, files, letters, out_dir, limits, lang, head, file_zones)]


def annotate_each(findings: pd.DataFrame, files: list, letters: dict, out_dir: Path, limits: dict,
                  lang: str = "vi", head: LetterHead | None = None, file_zones: dict | None = None) -> list:
    """(submitted file name, copy's path) of each readable submitted file that has findings (copy
    names made safe and unique). The letter of each says `head`'s period and reply date and the
    file's zones (`file_zones`: {file: ((code, name), ...)})."""
    written, used = [], set()
    for file in files:
        if file.error is not None or not file.tables:
            continue
        mine = findings[(findings["source_file"] == file.file) & findings["source_row"].notna()]
        if len(mine):
            stem, number = safe_file_stem(file.file), 1
            name = f"{stem}_kiem_tra.xlsx"
            while name.casefold() in used:
                number += 1
                name = f"{stem} ({number})_kiem_tra.xlsx"
            used.add(name.casefold())
            own = replace(head or LetterHead(), zones=tuple((file_zones or {}).get(file.file, ())))
            written.append((file.file, annotate_file(file, mine, letters, Path(out_dir), limits, lang, name, own)))
    return written

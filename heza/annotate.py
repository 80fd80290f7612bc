"""Give each submitter their own workbook back with the wrong cells marked.

The copy is built from the values the reader saw (never by loading and saving the submitted
workbook, which costs minutes and gigabytes on a large file): every sheet's values, formulas as
their computed values, failing cells filled (red: error, amber: warning) with a comment holding
the rule's message, and a first sheet listing the findings. It is streamed (openpyxl's write-only
mode), so its cost grows with the rows, not with the formatting. Nothing in it can run: a text that
looks like a formula is stored as text, control characters are shown as U+FFFD. Sheet titles and
the file name are made safe (Excel's 31 characters, no []:*?/\\, no line breaks). A finding on a
merged cell marks the merge's top-left cell, where its value is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from heza.read import FileRead, column_letter, read_sheets
from heza.report import SEVERITY_WORDS

FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
SHEET_TITLE = {"vi": "Kiểm tra", "en": "Findings"}
HEADERS = {
    "vi": ["Mức", "Quy tắc", "Trang", "Dòng", "Ô", "Cột", "Giá trị", "Nội dung", "Gợi ý"],
    "en": ["Severity", "Rule", "Sheet", "Row", "Cell", "Column", "Value", "Message", "Suggested"],
}
SEVERITY_RANK = {"critical": 0, "error": 1, "warning": 2}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what an .xlsx cannot hold
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\[\]]')
_ADDRESS = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def safe_text(value: str) -> str:
    """A text an .xlsx can hold: control characters replaced by U+FFFD (visible), at most 32.767
    characters (Excel's limit)."""
    text = _ILLEGAL.sub("\ufffd", value)
    return text if len(text) <= 32_767 else text[:32_766] + "…"


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
    stem = Path(str(name).replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    stem = re.sub(r"\s+", " ", _NAME_FORBIDDEN.sub("_", stem)).strip(" .")
    return stem[:100] or "tep"


def _cell_value(value):
    """A grid value as the copy stores it; None for empty. Texts are made safe."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return safe_text(str(value))
    return value


def _plain_row(row: list, sheet) -> list:
    """One row for write-only append: texts that look like formulas are stored as text cells."""
    out = []
    for value in row:
        value = _cell_value(value)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        out.append(value)
    return out


def _cells(item, letters: dict) -> list:
    """Excel addresses a finding is about: each of its columns on its row."""
    if pd.isna(item.source_row):
        return []
    columns = [] if pd.isna(item.column) else str(item.column).split(",")
    found = [f"{letters[(item.source_file, item.source_sheet, c)]}{int(item.source_row)}"
             for c in columns if (item.source_file, item.source_sheet, c) in letters]
    if not found and not pd.isna(item.cell):
        found = [str(item.cell)]
    return found


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
    message = "message_en" if lang == "en" else "message_vi"
    notes: dict = {}
    for item in findings.itertuples(index=False):
        sheet = str(item.source_sheet)
        for address in _cells(item, letters):
            where = _position(address, merged.get(sheet, []))
            if where is None:
                continue
            text = f"[{item.rule}] {getattr(item, message)}"
            if not pd.isna(item.suggested):
                text += f" → {HEADERS[lang][8]}: {item.suggested}"
            marks = notes.setdefault(sheet, {})
            if where in marks:
                old_severity, old_text = marks[where]
                severity = min(old_severity, item.severity, key=lambda s: SEVERITY_RANK.get(s, 9))
                marks[where] = (severity, old_text + "\n" + text)
            else:
                marks[where] = (item.severity, text)
    return notes


def _marked(sheet, value, severity: str, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    cell.fill = FILLS.get(severity, FILLS["warning"])
    cell.comment = Comment(safe_text(text), "HEZA", width=320, height=140)
    return cell


def _write_summary(workbook, findings: pd.DataFrame, lang: str, used: set) -> None:
    summary = workbook.create_sheet(safe_title(SHEET_TITLE[lang], used))
    for letter, width in zip("ABCDEFGHI", (10, 26, 16, 7, 7, 22, 22, 70, 12)):
        summary.column_dimensions[letter].width = width
    header = []
    for text in HEADERS[lang]:
        cell = WriteOnlyCell(summary, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    summary.append(header)
    message = "message_en" if lang == "en" else "message_vi"
    for item in findings.itertuples(index=False):
        values = [SEVERITY_WORDS.get(item.severity, SEVERITY_WORDS["warning"])[1 if lang == "en" else 0],
                  item.rule, item.source_sheet, None if pd.isna(item.source_row) else int(item.source_row),
                  item.cell, item.column, item.value, getattr(item, message), item.suggested]
        row = []
        for index, value in enumerate(values):
            value = None if value is None or value is pd.NA or (isinstance(value, float) and value != value) \
                else value
            cell = WriteOnlyCell(summary, value=safe_text(str(value)) if isinstance(value, str) else value)
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if index == 0:
                cell.fill = FILLS.get(item.severity, FILLS["warning"])
            row.append(cell)
        summary.append(row)


def annotate_file(file: FileRead, findings: pd.DataFrame, letters: dict, out_dir: Path, limits: dict,
                  lang: str = "vi", name: str | None = None) -> Path:
    """Write the annotated copy of one submitted file; returns its path."""
    sheets = read_sheets(file.path, limits)
    merged = {sheet: marks.get("merged", []) for sheet, _, marks in sheets}
    notes = _notes(findings, letters, merged, lang)
    workbook = Workbook(write_only=True)
    used: set = set()
    _write_summary(workbook, findings, lang, used)
    for sheet_name, grid, _ in sheets:
        sheet = workbook.create_sheet(safe_title(sheet_name, used))
        marks = notes.get(sheet_name, {})
        marked_rows: dict = {}
        for (row, col), note in marks.items():
            marked_rows.setdefault(row, {})[col] = note
        last = max([len(grid) - 1, *marked_rows], default=-1)
        for index in range(last + 1):
            row = grid[index] if index < len(grid) else []
            if index not in marked_rows:
                sheet.append(_plain_row(row, sheet))
                continue
            width = max(len(row), max(marked_rows[index]) + 1)
            values = _plain_row(list(row) + [None] * (width - len(row)), sheet)
            for col, (severity, text) in marked_rows[index].items():
                values[col] = _marked(sheet, row[col] if col < len(row) else None, severity, text)
            sheet.append(values)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / (name or f"{safe_file_stem(file.file)}_kiem_tra.xlsx")
    workbook.save(path)
    return path


def annotate_submissions(findings: pd.DataFrame, files: list, letters: dict, out_dir: Path, limits: dict,
                         lang: str = "vi") -> list:
    """One annotated copy per readable submitted file that has findings; their paths (names made
    safe and unique)."""
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
            written.append(annotate_file(file, mine, letters, Path(out_dir), limits, lang, name))
    return written

"""Give each submitter their own workbook back with the wrong cells marked.

The copy keeps every sheet as it was; failing cells are filled (red: error, amber: warning)
and carry a comment with the rule's message; a first sheet lists the findings. Files that are
not .xlsx/.xlsm (CSV, .xls, .ods) are rebuilt as .xlsx from what the reader saw.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from heza.read import FileRead, read_grids
from heza.report import SEVERITY_WORDS

FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
SHEET_TITLE = {"vi": "Kiểm tra", "en": "Findings"}
HEADERS = {
    "vi": ["Mức", "Quy tắc", "Trang", "Dòng", "Ô", "Cột", "Giá trị", "Nội dung", "Gợi ý"],
    "en": ["Severity", "Rule", "Sheet", "Row", "Cell", "Column", "Value", "Message", "Suggested"],
}


def _text_cell(sheet, row: int, column: int, value) -> None:
    """Write a value that is never run as a formula, whatever it starts with."""
    cell = sheet.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and value != value):
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _workbook_for(file: FileRead, limits: dict):
    """The submitter's workbook as openpyxl sees it, and the name of the annotated copy."""
    suffix = file.path.suffix.lower()
    stem = Path(file.file).stem
    if suffix in {".xlsx", ".xlsm"}:
        return load_workbook(file.path, keep_vba=suffix == ".xlsm"), f"{stem}_kiem_tra{suffix}"
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, grid in read_grids(file.path, limits):
        sheet = workbook.create_sheet(sheet_name[:31])
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value not in (None, ""):
                    _text_cell(sheet, r, c, value)
    return workbook, f"{stem}_kiem_tra.xlsx"


def _cells(item, letters: dict) -> list:
    """Excel addresses a finding is about: each of its columns on its row."""
    if pd.isna(item.source_row):
        return []
    columns = [] if pd.isna(item.column) else str(item.column).split(",")
    found = [f"{letters[(item.source_file, item.source_sheet, c)]}{int(item.source_row)}"
             for c in columns if (item.source_file, item.source_sheet, c) in letters]
    if not found and not pd.isna(item.cell):
        found = [item.cell]
    return found


def annotate_file(file: FileRead, findings: pd.DataFrame, letters: dict, out_dir: Path, limits: dict,
                  lang: str = "vi") -> Path:
    """Write the annotated copy of one submitted file; returns its path."""
    workbook, name = _workbook_for(file, limits)
    message = "message_en" if lang == "en" else "message_vi"
    notes: dict = {}
    for item in findings.itertuples(index=False):
        if item.source_sheet not in workbook.sheetnames and str(item.source_sheet)[:31] not in workbook.sheetnames:
            continue
        sheet = workbook[item.source_sheet if item.source_sheet in workbook.sheetnames else str(item.source_sheet)[:31]]
        for address in _cells(item, letters):
            key = (sheet.title, address)
            text = f"[{item.rule}] {getattr(item, message)}"
            if not pd.isna(item.suggested):
                text += f" → {HEADERS[lang][8]}: {item.suggested}"
            severity = item.severity if key not in notes else min(notes[key][0], item.severity)
            notes[key] = (severity, (notes[key][1] + "\n" if key in notes else "") + text)
    for (sheet_name, address), (severity, text) in notes.items():
        cell = workbook[sheet_name][address]
        cell.fill = FILLS.get(severity, FILLS["warning"])
        cell.comment = Comment(text, "HEZA", width=320, height=140)
    summary = workbook.create_sheet(SHEET_TITLE[lang], 0)
    for column, header in enumerate(HEADERS[lang], start=1):
        _text_cell(summary, 1, column, header)
        summary.cell(row=1, column=column).font = Font(bold=True)
    for row, item in enumerate(findings.itertuples(index=False), start=2):
        values = [SEVERITY_WORDS[item.severity][1 if lang == "en" else 0], item.rule, item.source_sheet, None if pd.isna(item.source_row) else int(item.source_row),
                  item.cell, item.column, item.value, getattr(item, message), item.suggested]
        for column, value in enumerate(values, start=1):
            _text_cell(summary, row, column, None if value is pd.NA else value)
        summary.cell(row=row, column=1).fill = FILLS.get(item.severity, FILLS["warning"])
    for letter, width in zip("ABCDEFGHI", (10, 26, 16, 7, 7, 22, 22, 70, 12)):
        summary.column_dimensions[letter].width = width
    workbook.active = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    workbook.save(path)
    return path


def annotate_submissions(findings: pd.DataFrame, files: list, letters: dict, out_dir: Path, limits: dict,
                         lang: str = "vi") -> list:
    """One annotated copy per readable submitted file that has findings; their paths."""
    written = []
    for file in files:
        if file.error is not None or not file.tables:
            continue
        mine = findings[(findings["source_file"] == file.file) & findings["source_row"].notna()]
        if len(mine):
            written.append(annotate_file(file, mine, letters, Path(out_dir), limits, lang))
    return written

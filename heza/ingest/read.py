"""Read submitted workbooks and CSV files into raw tables: find the header, map it, keep every row's source.

Nothing here parses values: cells stay as submitted, so that quarantine can show them as they were.
What cannot be read raises `ReadError` with a message in Vietnamese and English.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import itertools
import re
import signal
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from heza.ingest import headers, layout
from heza.ingest.headers import SHEET_KINDS, fold, is_ignored_header, match_header, split_header
from schemas.columns import figure_columns

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
INPUT_SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}
KEY_COLUMNS = {"enterprise": "tax_code", "zone": "zone_code", "claims": "indicator"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PERIOD_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NUMBERING_CELL = re.compile(r"^\(?\d{1,2}\)?$|^\(?[A-Z]\)?$")


class CellError(str):
    """A cell Excel could not compute (#REF!, #DIV/0!) or a formula saved without its value: kept as
    text so that the finding can show it, never read as empty."""


class PercentText(str):
    """A number cell formatted as a percentage, as Excel shows it ('7,7%' for 0.077 under '0.0%'):
    read as the percentage a person sees, with the precision the format displays."""


class ReadError(Exception):
    """Raised when a file cannot be read at all; carries a reason code and both languages."""

    def __init__(self, reason: str, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.reason = reason
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass
class SheetTable:
    """One recognised sheet: its kind, where its header is, and its data rows as submitted."""

    file: str
    sheet: str
    kind: str
    header_rows: tuple
    columns: dict  # canonical column -> header text as written
    column_letters: dict  # canonical column -> Excel column letter
    units: dict  # canonical column -> HeaderUnit written in the header
    cells: pd.DataFrame  # canonical columns (as submitted) + source_row
    totals: list = field(default_factory=list)  # {"source_row", "closes": (first, last), column: as submitted}
    duplicate_columns: dict = field(default_factory=dict)  # canonical -> [headers]
    ignored_columns: list = field(default_factory=list)
    non_data: list = field(default_factory=list)  # ledger entries: every row with content that is not data
    rows_with_content: int = 0  # rows of the sheet with at least one non-empty cell, counted apart
    hidden_rows: list = field(default_factory=list)  # Excel row numbers hidden in the sheet
    hidden_columns: list = field(default_factory=list)  # Excel column letters hidden in the sheet
    has_error_cells: bool = False  # the grid holds CellError values
    formatted_empty_rows: int = 0  # rows with formatting but no value past the last row read (never loaded)
    hidden_sheet: bool = False  # read although hidden: no visible sheet of its kind
    stray_quote_rows: list = field(default_factory=list)  # CSV lines read alone for an unbalanced quote
    recoded_rows: dict = field(default_factory=dict)  # row -> line read as Windows-1258 in a UTF-8 file


@dataclass
class SkippedSheet:
    """A sheet (or a whole file, sheet "") not read as data, and why; its non-empty rows are listed
    in the source ledger as not read, so that every row a person can see is accounted for."""

    file: str
    sheet: str
    reason_vi: str
    reason_en: str
    rows: int = 0  # non-empty rows of the sheet, none of them read as data
    formatted_empty_rows: int = 0  # rows with formatting but no value past the last row read (never loaded)


@dataclass
class FileRead:
    """Everything read from one input file, or why it could not be read."""

    file: str
    path: Path
    size: int
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    tables: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    error: ReadError | None = None
    findings: list = field(default_factory=list)  # finding records about the file itself (stray cells)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column name Excel shows."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value


def _empty_cells(column: pd.Series) -> pd.Series:
    """_is_empty for a whole column at once: missing, or text of spaces only."""
    missing = column.isna()
    text = column.where(~missing).astype("string")
    return missing | text.str.strip().eq("").fillna(False)


def _label(value) -> str:
    return "" if _is_empty(value) else str(value).strip()


# -- locating the header -------------------------------------------------------------------

@dataclass
class _HeaderGuess:
    kind: str
    row: int  # index of the last header row in the grid
    rows: int  # 1 or 2
    labels: list  # combined label per grid column
    mapping: dict  # column index -> canonical

    @property
    def score(self) -> int:
        return len(set(self.mapping.values()))


def _map_labels(kind: str, labels: list) -> dict:
    mapping = {}
    for index, label in enumerate(labels):
        if label:
            column = match_header(kind, label)
            if column:
                mapping[index] = column
    return mapping


def _two_row_labels(parent_row: list, child_row: list) -> list:
    """Combine a parent header row with the row under it; a parent spans right over blank cells."""
    labels, parent = [], ""
    width = max(len(parent_row), len(child_row))
    for index in range(width):
        above = _label(parent_row[index]) if index < len(parent_row) else ""
        below = _label(child_row[index]) if index < len(child_row) else ""
        if above:
            parent = above
        elif not below:
            parent = ""
        labels.append(f"{parent} {below}".strip() if below else above)
    return labels


def locate_header(grid: list, search_rows: int, sheet_name: str = "") -> _HeaderGuess | None:
    """The row (or two rows) whose labels match the most canonical columns of one kind."""
    best = None
    name_hint = fold(sheet_name)
    for row in range(min(search_rows, len(grid))):
        single = [_label(cell) for cell in grid[row]]
        if sum(bool(label) for label in single) < 2:
            continue
        candidates = [(row, 1, single)]
        if row + 1 < len(grid):
            candidates.append((row + 1, 2, _two_row_labels(grid[row], grid[row + 1])))
        for last_row, rows, labels in candidates:
            for kind in SHEET_KINDS:
                guess = _HeaderGuess(kind, last_row, rows, labels, _map_labels(kind, labels))
                hinted = kind in name_hint or (kind == "enterprise" and "doanh nghiep" in name_hint)
                if guess.score >= 2 and (
                    best is None or guess.score > best.score
                    or (guess.score == best.score and hinted and best.row == guess.row)
                ):
                    best = guess
    return best


# -- from grid to table ----------------------------------------------------------------------

def _is_numbering_row(row: list) -> bool:
    cells = [str(cell).strip() for cell in row if not _is_empty(cell)]
    return len(cells) >= 3 and all(_NUMBERING_CELL.match(cell) for cell in cells)


def _head(grid, count: int) -> list:
    """The first rows of a grid (list of rows, or a DataFrame from the CSV reader) as lists."""
    if isinstance(grid, pd.DataFrame):
        head = grid.head(count)
        return head.astype(object).where(head.notna(), None).to_numpy().tolist()
    return grid[:count]


def _as_frame(grid) -> pd.DataFrame:
    """The whole grid as one frame with positional columns (CSV grids already are one)."""
    if isinstance(grid, pd.DataFrame):
        frame = grid.reset_index(drop=True)
    else:
        width = max(map(len, grid), default=0)
        if any(len(row) != width for row in grid):  # CSV lines read one by one may differ in length
            grid = [list(row) + [None] * (width - len(row)) for row in grid]
        frame = pd.DataFrame(grid, dtype=object) if len(grid) else pd.DataFrame()
    frame.columns = range(frame.shape[1])
    return frame


def table_from_grid(grid, file: str, sheet: str, search_rows: int, max_columns: int, hidden_rows=()):
    """A SheetTable for a grid of cells (rows of values, or a DataFrame), or a SkippedSheet saying why
    not. Every row with content is accounted for: data (in `cells`) or listed in `non_data`."""
    whole = _as_frame(grid)
    content = layout._has_content(whole)
    seen = int(content.sum())
    if not seen:
        return SkippedSheet(file, sheet, "Trang tính trống", "The sheet is empty")
    if whole.shape[1] > max_columns:
        raise ReadError(
            "too_wide",
            f"Trang tính '{sheet}' có {whole.shape[1]} cột, vượt giới hạn {max_columns}",
            f"Sheet '{sheet}' has {whole.shape[1]} columns, more than the limit of {max_columns}",
        )
    top = _head(whole, search_rows + 1)
    guess = locate_header(top, search_rows, sheet)
    if guess is None:
        return _no_header(file, sheet, top, search_rows, seen)
    by_column: dict = {}
    for index, column in guess.mapping.items():
        by_column.setdefault(column, []).append(index)
    duplicates = {c: [guess.labels[i] for i in idx] for c, idx in by_column.items() if len(idx) > 1}
    chosen = {column: indexes[0] for column, indexes in by_column.items()}
    ignored = [
        label for index, label in enumerate(guess.labels)
        if label and index not in guess.mapping and not is_ignored_header(label)
    ]
    header_first = guess.row + 1 - guess.rows  # grid index of the first header row
    non_data = [layout.ledger_entry(r + 1, "title", layout.row_text(top[r]))
                for r in range(header_first) if content[r]]
    non_data += [layout.ledger_entry(r + 1, "header", layout.row_text(top[r]))
                 for r in range(header_first, guess.row + 1) if content[r]]
    body_start = guess.row + 1
    if len(top) > body_start and _is_numbering_row(top[body_start]):
        non_data.append(layout.ledger_entry(body_start + 1, "numbering", layout.row_text(top[body_start])))
        body_start += 1
    rows = whole.iloc[body_start:].reset_index(drop=True)
    frame = pd.DataFrame({column: rows[index] if index in rows else pd.Series(None, index=rows.index, dtype=object)
                          for column, index in chosen.items()}, index=rows.index)
    frame["source_row"] = range(body_start + 1, body_start + 1 + len(rows))
    empty = pd.DataFrame({c: _empty_cells(frame[c]) for c in chosen}, index=frame.index)
    plan = layout.classify_body(frame, rows, empty, KEY_COLUMNS[guess.kind], figure_columns(guess.kind),
                                {c: guess.labels[i] for c, i in chosen.items()}, set(hidden_rows),
                                left_edge=min(chosen.values()))
    non_data += plan.non_data
    cells = frame[plan.data]
    if plan.subheadings is not None:
        cells = cells.assign(subheading=plan.subheadings[plan.data])
    return SheetTable(
        file=file, sheet=sheet, kind=guess.kind,
        header_rows=tuple(range(header_first + 1, guess.row + 2)),
        columns={column: guess.labels[index] for column, index in chosen.items()},
        column_letters={column: column_letter(index) for column, index in chosen.items()},
        units={column: unit for column, index in chosen.items()
               if (unit := split_header(guess.labels[index])[1]) is not None},
        cells=cells.reset_index(drop=True), totals=plan.totals, duplicate_columns=duplicates,
        ignored_columns=ignored, non_data=non_data, rows_with_content=seen,
    )


def _no_header(file: str, sheet: str, top: list, search_rows: int, seen: int) -> SkippedSheet:
    legacy = headers.legacy_encoding(" ".join(_label(c) for row in top[:search_rows] for c in row))
    if legacy:
        return SkippedSheet(
            file, sheet,
            f"Chữ tiếng Việt dùng bảng mã cũ {legacy}, không đọc được tiêu đề; hãy chuyển sang Unicode "
            "(ví dụ Unikey: Công cụ chuyển mã) rồi gửi lại",
            f"The Vietnamese text uses the legacy {legacy} encoding, so no header could be read; convert it "
            "to Unicode (e.g. Unikey's converter) and send it again", rows=seen,
        )
    return SkippedSheet(
        file, sheet,
        f"Không tìm thấy dòng tiêu đề nào khớp trong {search_rows} dòng đầu (trang hướng dẫn, ghi chú?)",
        f"No recognised header row in the first {search_rows} rows (instructions or notes?)", rows=seen,
    )


# -- file formats ----------------------------------------------------------------------------

def _guard_zip(path: Path, limits: dict) -> None:
    """Refuse decompression bombs and XML entity declarations before any parser sees the file."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ReadError("corrupt", "Tệp bị hỏng hoặc không phải bảng tính (không giải nén được)",
                        "The file is corrupt or not a spreadsheet (not a valid zip archive)") from exc
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        limit = limits["max_uncompressed_mb"] * 1024 * 1024
        if total > limit:
            raise ReadError(
                "too_large_unzipped",
                f"Tệp giải nén ra {total / 2**20:.0f} MB, vượt giới hạn {limits['max_uncompressed_mb']} MB",
                f"The file unzips to {total / 2**20:.0f} MB, more than the limit of "
                f"{limits['max_uncompressed_mb']} MB",
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and ratio > limits["max_compression_ratio"]:
                raise ReadError(
                    "decompression_bomb",
                    f"Thành phần '{member.filename}' nén {ratio:.0f} lần: nghi là bom giải nén",
                    f"Member '{member.filename}' is compressed {ratio:.0f} times: a likely "
                    "decompression bomb",
                )
            if member.filename.endswith((".xml", ".rels")):
                try:
                    with archive.open(member) as stream:
                        head = stream.read(4096)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise ReadError("corrupt", "Tệp bị hỏng (nội dung nén không đọc được)",
                                    "The file is corrupt (a compressed part cannot be read)") from exc
                if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                    raise ReadError(
                        "xml_entities",
                        f"Tệp chứa khai báo thực thể XML ('{member.filename}'), không được phép",
                        f"The file declares XML entities ('{member.filename}'), which is not allowed",
                    )


_SHEET_ENTRY = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship [^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"|<Relationship [^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')
# a cell whose first child is a formula (<f>text</f>, or <f t="shared" si="0"/> sharing another
# cell's), followed by its cached value or not: Excel always writes <f> before <v>
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)>(?:<f([^>]*)/>|<f([^>]*)>([^<]*)</f>)(<v>[^<]*</v>|<v\s*/>)?')
# what a formula saved without its value leaves: <f>…</f></c>, <f …/></c> (shared), an empty <v>
_NO_VALUE_MARKERS = (b"</f></c>", b"/></c>", b"<v></v>", b"<v/>", b"<v />")
_SHARED_INDEX = re.compile(rb'si="(\d+)"')
_HIDDEN_ROW = re.compile(rb'<row r="(\d+)"[^>]*?hidden="(?:1|true)"')
_HIDDEN_COL = re.compile(rb'<col min="(\d+)" max="(\d+)"[^>]*?hidden="(?:1|true)"')


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters.decode():
        index = index * 26 + ord(char) - 64
    return index - 1


def _uncomputed_formulas(data: bytes) -> dict:
    """{(row, col): CellError("=formula")} for every formula saved without its value: a plain or
    shared formula with no <v>, an empty <v>, or (for a number) <v/>; a text formula whose value is
    the empty string (t="str" with <v></v>) was computed and is left alone."""
    cells, shared = {}, {}
    for col, row, attributes, empty_f, f_attributes, formula, value in _FORMULA_CELL.findall(data):
        attributes_f = empty_f or f_attributes
        index = _SHARED_INDEX.search(attributes_f)
        if formula and index:
            shared.setdefault(index.group(1), formula)
        if value and (value not in (b"<v></v>", b"<v/>", b"<v />") or b't="str"' in attributes):
            continue
        text = formula or (shared.get(index.group(1), b"") if index else b"")
        cells[(int(row) - 1, _column_index(col))] = CellError("=" + (html.unescape(text.decode()) or "…"))
    return cells


_BUILTIN_PERCENT = {9: 0, 10: 2}  # numFmtId -> decimals: "0%", "0.00%"
_NUM_FMT = re.compile(rb'<numFmt [^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*?)/?>")
_NUM_FMT_ID = re.compile(rb'numFmtId="(\d+)"')


def percent_decimals(format_code: str) -> int | None:
    """Decimals shown by a number format that displays a percentage ('0.0%' -> 1, '0%' -> 0), or
    None when the format is not a percentage (its first section, quoted text and escapes aside)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", format_code.split(";")[0])
    if "%" not in section:
        return None
    number = section[:section.index("%")]
    fraction = number.split(".", 1)[1] if "." in number else ""
    return len(re.match(r"[0#?]*", fraction).group())


def xlsx_percent_styles(archive: zipfile.ZipFile) -> dict:
    """{style index (a cell's s attribute): decimals} for the cell formats that show a percentage."""
    if "xl/styles.xml" not in archive.namelist():
        return {}
    styles = archive.read("xl/styles.xml")
    formats = dict(_BUILTIN_PERCENT)
    for number, code in _NUM_FMT.findall(styles):
        decimals = percent_decimals(html.unescape(code.decode()))
        if decimals is not None:
            formats[int(number)] = decimals
        else:
            formats.pop(int(number), None)
    xfs = _CELL_XFS.search(styles)
    percent = {}
    for index, attributes in enumerate(_XF.findall(xfs.group(1)) if xfs else []):
        number = _NUM_FMT_ID.search(attributes)
        if number and int(number.group(1)) in formats:
            percent[index] = formats[int(number.group(1))]
    return percent


def percent_text(value: float, decimals: int) -> PercentText:
    """0.077 at 1 decimal -> '7,7%': written the Vietnamese way, as Excel shows it in Vietnam."""
    from heza.ingest.numbers import format_number

    return PercentText(format_number(value * 100, "vi", decimals) + "%")


def _percent_cells(data: bytes, styles: dict) -> dict:
    """{(row, col): PercentText} for the number cells of a sheet whose style shows a percentage."""
    ids = b"|".join(str(index).encode() for index in sorted(styles))
    pattern = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?\ss="(' + ids + rb')"[^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?'
                         rb'<v>([^<]*)</v>')
    cells = {}
    for col, row, attributes, style, value in pattern.findall(data):
        kind = re.search(rb'\st="([^"]*)"', attributes)
        if kind and kind.group(1) != b"n":
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        cells[(int(row) - 1, _column_index(col))] = percent_text(number, styles[int(style)])
    return cells


def xlsx_cell_flags(path: Path) -> dict:
    """{sheet: {"cells": {(row, col): CellError}, "hidden_rows": [...], "hidden_columns": [...]}} for
    what calamine does not show: error cells, formulas saved without a value (shared ones too),
    hidden rows and columns. Cheap: each sheet's XML is searched only for the markers these leave.
    Sheet names are unescaped as calamine gives them ('A &amp; B' in the XML is 'A & B')."""
    flags: dict = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return flags
        relations = {}
        for match in _RELATION.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            relations[rel_id] = html.unescape(target.decode()).lstrip("/").removeprefix("xl/")
        percent = xlsx_percent_styles(archive)
        for name, rel_id in _SHEET_ENTRY.findall(archive.read("xl/workbook.xml")):
            member = "xl/" + relations.get(rel_id, "")
            if member not in names:
                continue
            data = archive.read(member)
            cells = _percent_cells(data, percent) if percent and b' s="' in data else {}
            if b"<f" in data and any(marker in data for marker in _NO_VALUE_MARKERS):
                cells.update(_uncomputed_formulas(data))
            if b't="e"' in data:
                for col, row, text in _ERROR_CELL.findall(data):
                    cells[(int(row) - 1, _column_index(col))] = CellError(html.unescape(text.decode()) or "#ERROR")
            hidden_rows = [int(r) for r in _HIDDEN_ROW.findall(data)] if b'hidden="' in data else []
            hidden_columns = [column_letter(c) for lo, hi in _HIDDEN_COL.findall(data)
                              for c in range(int(lo) - 1, int(hi))] if b'hidden="' in data else []
            if cells or hidden_rows or hidden_columns:
                flags[html.unescape(name.decode())] = {"cells": cells, "hidden_rows": hidden_rows,
                                                       "hidden_columns": hidden_columns}
    return flags


# -- a sheet's real extent, before any grid is built ---------------------------------------------
#
# calamine builds a dense range from A1 to the farthest cell with a value: one stray value at
# XFD1048576 in a 5 KB file would need 17 billion cells. So each .xlsx/.xlsm sheet's XML is first
# searched for the addresses of cells holding a value (a cheap regular expression, no parse), and
# the table's extent is fixed from them: from the top, rows holding values continue the table
# while fewer than `limits.stray_gap_rows` empty rows separate them; columns likewise with
# `limits.stray_gap_columns`. A value past such a gap (or on the far side of it, across) is a stray
# cell: reported (SHEET_STRAY_CELL, with its address and value) and removed from the sheet before
# calamine sees it, never allocated. Rows carrying only formatting (no value) are never loaded;
# those past the last row read are counted in `formatted_empty_rows`.

_VALUE_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*?(?<!/)>(?!</(?:\w+:)?c>)')
_ROW_ELEMENT = re.compile(rb'<(\w+:)?row[ >/]')
_SHEET_DATA_END = re.compile(rb'</(?:\w+:)?sheetData>')
_SHARED_TEXT = re.compile(rb'<(?:\w+:)?t(?: [^>]*)?>([^<]*)</(?:\w+:)?t>')
_STRAY_LISTED = 20  # stray cells listed one by one per sheet; the rest are counted in the last one


@dataclass
class SheetExtent:
    """Where a sheet's table is: rows and columns (0-based, exclusive) to build the grid over, the
    stray cells outside it and the formatting-only rows past it."""

    rows: int
    columns: int
    stray: list = field(default_factory=list)  # [(row, col)] 0-based, in sheet order
    formatted_empty_rows: int = 0
    known: bool = True  # False when the XML could not be mapped (cells without addresses)
    full: tuple = (0, 0)  # .ods: rows and columns up to the farthest value, stray cells included
    stray_values: list = field(default_factory=list)  # .ods: [(address, text)] of the stray cells


def _addresses(refs: list) -> tuple:
    """Excel addresses (b"KN1048576") -> 0-based row and column arrays, vectorised."""
    import numpy as np

    codes = np.array(refs, dtype="S10").view(np.uint8).reshape(len(refs), 10)
    letters, digits = codes >= 65, (codes >= 48) & (codes <= 57)
    column = np.zeros(len(refs), dtype=np.int64)
    row = np.zeros(len(refs), dtype=np.int64)
    for position in range(3):
        column = np.where(letters[:, position], column * 26 + codes[:, position].astype(np.int64) - 64, column)
    for position in range(10):
        row = np.where(digits[:, position], row * 10 + codes[:, position].astype(np.int64) - 48, row)
    return row - 1, column - 1


def _table_end(positions, gap: int) -> int:
    """One past the last position of the run that starts at 0, where runs break at gaps > `gap`."""
    import numpy as np

    unique = np.unique(positions)
    steps = np.diff(np.concatenate(([-1], unique))) - 1  # empty places before each position
    breaks = np.nonzero(steps > gap)[0]
    if len(breaks) == 0:
        return int(unique[-1]) + 1
    return int(unique[breaks[0] - 1]) + 1 if breaks[0] else 0


def sheet_extent(data: bytes, limits: dict) -> SheetExtent:
    """The extent of one sheet's XML (see above): cheap, no grid."""
    import numpy as np

    prefix = _ROW_ELEMENT.search(data)
    prefix = (prefix.group(1) or b"") if prefix else b""
    cells = data.count(b"<" + prefix + b"c ") + data.count(b"<" + prefix + b"c>")
    if cells != data.count(b"<" + prefix + b'c r="'):
        return SheetExtent(0, 0, known=False)  # cells placed by order only: calamine alone knows where
    refs = _VALUE_CELL.findall(data)
    row_elements = data.count(b"<" + prefix + b"row ") + data.count(b"<" + prefix + b"row>")
    if not refs:
        return SheetExtent(0, 0, formatted_empty_rows=row_elements)
    rows, columns = _addresses(refs)
    height = _table_end(rows, int(limits.get("stray_gap_rows", 10_000)))
    inside = rows < height
    width = _table_end(columns[inside], int(limits.get("stray_gap_columns", 100))) if inside.any() else 0
    kept = inside & (columns < width)
    stray = list(zip(rows[~kept].tolist(), columns[~kept].tolist()))
    numbers = re.findall(rb'<(?:\w+:)?row [^>]*?r="(\d+)"', data)
    elements = np.array(numbers, dtype="S7").astype(np.int64) - 1 if numbers else np.zeros(0, dtype=np.int64)
    past = (elements >= height) & ~np.isin(elements, rows[~inside])
    return SheetExtent(height, width, stray, int(past.sum()))


def _strip_cells(data: bytes, extent: SheetExtent) -> bytes:
    """The sheet XML without its stray cells: rows past the table are cut off, stray cells beside
    it removed one by one."""
    past = [r for r, _ in extent.stray if r >= extent.rows]
    cut = False
    if past:
        match = re.search(rb'<(?:\w+:)?row [^>]*?r="%d"' % (min(past) + 1), data)
        end = _SHEET_DATA_END.search(data)
        if match and end and match.start() < end.start():
            data, cut = data[:match.start()] + data[end.start():], True
    beside = sorted({f"{column_letter(c)}{r + 1}" for r, c in extent.stray if r < extent.rows or not cut})
    for start in range(0, len(beside), 500):
        names = b"|".join(name.encode() for name in beside[start:start + 500])
        data = re.sub(rb'<(?:\w+:)?c r="(?:' + names + rb')"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', b"", data,
                      flags=re.DOTALL)
    return data


def _cell_value(data: bytes, address: str, shared) -> str:
    """The text of one cell of a sheet's XML, as a person would read it (shared strings looked up)."""
    match = re.search(rb'<(?:\w+:)?c r="' + address.encode() + rb'"([^>]*?)>(.*?)</(?:\w+:)?c>', data, re.DOTALL)
    if not match:
        return ""
    attributes, inner = match.groups()
    value = re.search(rb'<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', inner)
    if b't="s"' in attributes and value:
        text = shared(int(value.group(1)))
    elif b't="inlineStr"' in attributes:
        text = b"".join(_SHARED_TEXT.findall(inner)).decode("utf-8", "replace")
    else:
        text = value.group(1).decode("utf-8", "replace") if value else ""
    from html import unescape

    text = unescape(text)
    return text if len(text) <= 100 else text[:99] + "…"


def _shared_strings(archive: zipfile.ZipFile):
    """index -> text of the shared strings table, read only as far as the highest index asked for."""
    cache: list = []

    def lookup(index: int) -> str:
        if not cache:
            try:
                data = archive.read("xl/sharedStrings.xml")
            except KeyError:
                data = b""
            for item in re.finditer(rb'<(?:\w+:)?si>(.*?)</(?:\w+:)?si>', data, re.DOTALL):
                cache.append(b"".join(_SHARED_TEXT.findall(item.group(1))).decode("utf-8", "replace"))
                if len(cache) > index:
                    break
        return cache[index] if index < len(cache) else ""

    return lookup


def _sheet_members(archive: zipfile.ZipFile) -> dict:
    """{sheet name: zip member of its XML} for an .xlsx/.xlsm workbook."""
    from html import unescape

    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    relations = {}
    for match in _RELATION.finditer(archive.read("xl/_rels/workbook.xml.rels")):
        rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        relations[rel_id] = target.decode().lstrip("/").removeprefix("xl/")
    return {unescape(name.decode()): "xl/" + relations.get(rel_id, "")
            for name, rel_id in _SHEET_ENTRY.findall(archive.read("xl/workbook.xml"))
            if "xl/" + relations.get(rel_id, "") in names}


def _bounded_xlsx(path: Path, limits: dict):
    """({sheet: SheetExtent}, {sheet: [(address, value)]}, source for calamine): the workbook with
    stray cells removed (an in-memory copy, only when there are any)."""
    extents, strays, changed = {}, {}, {}
    with zipfile.ZipFile(path) as archive:
        members = _sheet_members(archive)
        shared = _shared_strings(archive)
        for name, member in members.items():
            data = archive.read(member)
            extent = sheet_extent(data, limits)
            extents[name] = extent
            if extent.stray:
                listed = extent.stray[:_STRAY_LISTED]
                strays[name] = [(f"{column_letter(c)}{r + 1}", _cell_value(data, f"{column_letter(c)}{r + 1}", shared))
                                for r, c in listed]
                strays[name].append(len(extent.stray))
                changed[member] = _strip_cells(data, extent)
            del data
        if not changed:
            return extents, strays, str(path)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                copy.writestr(info.filename, changed.get(info.filename) or archive.read(info.filename))
    buffer.seek(0)
    return extents, strays, buffer


def _check_extent(name: str, rows: int, columns: int, limits: dict) -> None:
    """Refuse, before allocating, a table taller, wider or larger than the limits."""
    if rows > limits["max_rows_per_sheet"]:
        raise ReadError(
            "too_many_rows",
            f"Trang tính '{name}' có {rows} dòng, vượt giới hạn {limits['max_rows_per_sheet']}",
            f"Sheet '{name}' has {rows} rows, more than the limit of {limits['max_rows_per_sheet']}",
        )
    if columns > limits["max_columns_per_sheet"]:
        raise ReadError(
            "too_wide",
            f"Trang tính '{name}' có {columns} cột, vượt giới hạn {limits['max_columns_per_sheet']}",
            f"Sheet '{name}' has {columns} columns, more than the limit of {limits['max_columns_per_sheet']}",
        )
    cells = rows * columns
    if cells > int(limits.get("max_grid_cells", 20_000_000)):
        raise ReadError(
            "too_many_cells",
            f"Trang tính '{name}' trải trên {rows} dòng × {columns} cột, vượt giới hạn "
            f"{limits.get('max_grid_cells', 20_000_000)} ô",
            f"Sheet '{name}' spans {rows} rows × {columns} columns, more than the limit of "
            f"{limits.get('max_grid_cells', 20_000_000)} cells",
        )


def _stray_rows(extent: SheetExtent, listed: list) -> list:
    """[(Excel row, text)] of the rows past the table that hold only stray cells: rows a person sees
    that are never read, for the source ledger (text known for the cells listed in findings)."""
    texts = dict(listed[:-1]) if listed else {}
    rows: dict = {}
    for row, col in extent.stray:
        if row >= extent.rows:
            text = texts.get(f"{column_letter(col)}{row + 1}", "")
            rows[row + 1] = rows.get(row + 1) or text
    return sorted(rows.items())


_STRAY_REASON = ("Ô lạc xa ngoài bảng (SHEET_STRAY_CELL): không đọc làm dữ liệu",
                 "Cell far outside the table (SHEET_STRAY_CELL): not read as data")


def stray_ledger_entries(rows: list, listed: int = 1000) -> list:
    """Ledger entries (kind "note") for rows holding only stray cells: one per row, the rest counted."""
    entries = [{"row": int(row), "kind": "note", "text": str(text)[:200], "reason_vi": _STRAY_REASON[0],
                "reason_en": _STRAY_REASON[1]} for row, text in rows[:listed]]
    if len(rows) > listed:
        entries.append({"row": None, "rows": len(rows) - listed, "kind": "note", "text": "",
                        "reason_vi": _STRAY_REASON[0], "reason_en": _STRAY_REASON[1]})
    return entries


def stray_findings(file: str, sheet: str, strays: list) -> list:
    """SHEET_STRAY_CELL findings: one per listed stray cell, the last saying how many there were."""
    from heza.findings import finding

    *listed, total = strays
    records = []
    for index, (address, value) in enumerate(listed):
        more = total - len(listed) if index == len(listed) - 1 and total > len(listed) else 0
        detail_vi = f"ô {address} = '{value}'" + (f" (và {more} ô khác)" if more else "")
        detail_en = f"cell {address} = '{value}'" + (f" (and {more} more cells)" if more else "")
        row = int(re.sub(r"[A-Z]", "", address))
        records.append(finding("SHEET_STRAY_CELL", table="files", detail_vi=detail_vi, detail_en=detail_en,
                               source_file=file, source_sheet=sheet, source_row=row, cell=address,
                               value=value))
    return records


def xls_cell_flags(path: Path) -> dict:
    """{sheet: {"cells": {(row, col): CellError | PercentText}}} for an .xls workbook: its error cells
    (#DIV/0!, #N/A …), which calamine gives as empty strings, and its number cells formatted as a
    percentage (calamine gives 0.077 for a cell showing 7,7%). Read with xlrd, looking at cell types
    and, where the workbook has a percentage format in use, at the number cells' formats."""
    import xlrd

    flags: dict = {}
    try:
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=True)
    except Exception:  # noqa: BLE001 - calamine read the file; a reader that cannot leaves no flags
        return flags
    try:
        percent = {}
        for index, xf in enumerate(book.xf_list):
            number_format = book.format_map.get(xf.format_key)
            decimals = percent_decimals(number_format.format_str) if number_format is not None else None
            if decimals is not None and not xf.is_style:
                percent[index] = decimals
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            cells = {}
            for row in range(sheet.nrows):
                types = sheet.row_types(row)
                if xlrd.XL_CELL_ERROR in types:
                    for col, kind in enumerate(types):
                        if kind == xlrd.XL_CELL_ERROR:
                            code = sheet.cell_value(row, col)
                            cells[(row, col)] = CellError(xlrd.error_text_from_code.get(code, "#ERROR"))
                if percent and xlrd.XL_CELL_NUMBER in types:
                    for col, kind in enumerate(types):
                        if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(row, col) in percent:
                            cells[(row, col)] = percent_text(sheet.cell_value(row, col),
                                                             percent[sheet.cell_xf_index(row, col)])
            if cells:
                flags[sheet.name] = {"cells": cells}
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return flags


_ODS = "{urn:oasis:names:tc:opendocument:xmlns:%s:1.0}"
_ODS_TABLE, _ODS_OFFICE = _ODS % "table", _ODS % "office"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"


def ods_cell_flags(path: Path) -> dict:
    """{sheet: {"cells": {(row, col): CellError | PercentText}}} for an .ods workbook's error cells
    (LibreOffice writes calcext:value-type="error") and formulas saved without a value type, which
    calamine gives as empty strings, and its percentage cells (calamine gives 0.077 for a cell
    showing 7,7%: read as shown). Looked for only when content.xml holds a formula or a percentage."""
    import xml.etree.ElementTree as ElementTree

    with zipfile.ZipFile(path) as archive:
        if "content.xml" not in archive.namelist():
            return {}
        with archive.open("content.xml") as stream:
            content = stream.read()
            if b"table:formula" not in content and b'value-type="percentage"' not in content:
                return {}
        with archive.open("content.xml") as stream:  # entities were refused by _guard_zip
            try:
                return _ods_flags_from(ElementTree.iterparse(stream, events=("start", "end")))
            except ElementTree.ParseError as exc:
                raise ReadError("corrupt", f"Nội dung tệp .ods bị hỏng: {exc}",
                                f"The .ods file's content is corrupt: {exc}") from exc


def _ods_flags_from(events) -> dict:
    """The flags of ods_cell_flags from content.xml's parse events, row by row (rows and cells
    repeated by number-rows/columns-repeated counted as LibreOffice shows them)."""
    flags: dict = {}
    sheet, row, cells = None, 0, {}
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == _ODS_TABLE + "table":
                sheet, row, cells = element.get(_ODS_TABLE + "name"), 0, {}
            continue
        if tag == _ODS_TABLE + "table-row":
            col = 0
            for cell in element:
                repeat = int(cell.get(_ODS_TABLE + "number-columns-repeated", "1"))
                formula = cell.get(_ODS_TABLE + "formula")
                if formula is not None and (cell.get(_CALCEXT_TYPE) == "error"
                                            or cell.get(_ODS_OFFICE + "value-type") is None):
                    shown = "".join(cell.itertext()).strip()
                    error = shown if shown.startswith("#") else "=" + formula.split(":", 1)[-1].lstrip("=")
                    for offset in range(min(repeat, 1024)):
                        cells[(row, col + offset)] = CellError(error)
                elif cell.get(_ODS_OFFICE + "value-type") == "percentage":
                    shown = "".join(cell.itertext()).strip()
                    try:
                        value = percent_text(float(cell.get(_ODS_OFFICE + "value")), 2)
                    except (TypeError, ValueError):
                        value = None
                    text = PercentText(shown) if shown.endswith("%") else value
                    for offset in range(min(repeat, 1024)):
                        if text is not None:
                            cells[(row, col + offset)] = text
                col += repeat
            row += int(element.get(_ODS_TABLE + "number-rows-repeated", "1"))
            element.clear()
        elif tag == _ODS_TABLE + "table":
            if cells:
                flags[sheet] = {"cells": cells}
            element.clear()
    return flags


def cell_flags(path: Path) -> dict:
    """What calamine does not show, for each workbook format (see xlsx_cell_flags)."""
    suffix = Path(path).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return xlsx_cell_flags(path)
    if suffix == ".xls":
        return xls_cell_flags(path)
    if suffix == ".ods":
        return ods_cell_flags(path)
    return {}


def _workbook_grids(path: Path, limits: dict):
    """(sheet name, grid, marks) for every visible worksheet, read with calamine over each sheet's
    real extent only. marks: error cells, hidden rows/columns, `stray` [(address, value)..., count]
    and `formatted_empty_rows`."""
    import python_calamine

    head = path.read_bytes()[:8]
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".ods", ".xlsb"}:
        if head == _OLE_MAGIC:
            raise ReadError("encrypted", "Tệp được đặt mật khẩu (mã hoá), không đọc được; hãy gửi bản không mật khẩu",
                            "The file is password-protected (encrypted); please send it without a password")
        _guard_zip(path, limits)
    elif suffix == ".xls" and head != _OLE_MAGIC:
        raise ReadError("corrupt", "Tệp .xls bị hỏng hoặc không phải bảng tính Excel",
                        "The .xls file is corrupt or not an Excel workbook")
    extents, strays, source = {}, {}, str(path)
    if suffix in {".xlsx", ".xlsm"}:
        try:
            extents, strays, source = _bounded_xlsx(path, limits)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ReadError("corrupt", f"Tệp bị hỏng hoặc không đọc được: {exc}",
                            f"The file is corrupt or cannot be read: {exc}") from exc
    elif suffix == ".ods":
        extents = _ods_extents(path, limits)
        for name, extent in extents.items():  # calamine loads every sheet of an .ods whole when it opens it
            _check_extent(name, *extent.full, limits)
            if extent.stray:
                strays[name] = [*extent.stray_values[:_STRAY_LISTED], len(extent.stray)]
    try:
        workbook = (python_calamine.CalamineWorkbook.from_path(source) if isinstance(source, str)
                    else python_calamine.CalamineWorkbook.from_filelike(source))
    except Exception as exc:  # calamine raises its own error types for every broken file
        raise ReadError("corrupt", f"Tệp bị hỏng hoặc không đọc được: {exc}",
                        f"The file is corrupt or cannot be read: {exc}") from exc
    flags = cell_flags(path)
    with workbook:
        for meta in workbook.sheets_metadata:
            if "Work" not in str(meta.typ):
                continue
            extent = extents.get(meta.name)
            if extent is not None and extent.known:
                _check_extent(meta.name, extent.rows, extent.columns, limits)
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                if extent is not None and extent.known and suffix == ".ods":
                    # the table only: stray cells far below or right of it are not copied
                    grid = [row[:extent.columns] for row in itertools.islice(sheet.iter_rows(), extent.rows)]
                else:
                    _check_extent(meta.name, sheet.total_height, sheet.total_width, limits)
                    grid = sheet.to_python(skip_empty_area=False)
            except ReadError:
                raise
            except Exception as exc:
                raise ReadError("corrupt", f"Trang tính '{meta.name}' không đọc được: {exc}",
                                f"Sheet '{meta.name}' cannot be read: {exc}") from exc
            marks = {**flags.get(meta.name, {}), "hidden_sheet": meta.visible != python_calamine.SheetVisibleEnum.Visible}
            bounded = extent is not None and extent.known
            for (row, col), error in marks.get("cells", {}).items():
                if bounded and (row >= extent.rows or col >= extent.columns):
                    continue  # past the table: reported as a stray cell, never allocated
                while len(grid) <= row:
                    grid.append([])
                grid[row].extend([""] * (col + 1 - len(grid[row])))
                grid[row][col] = error
            try:
                marks["merged"] = list(sheet.merged_cell_ranges or [])
            except Exception:  # not every format knows its merged cells
                marks["merged"] = []
            marks["stray"] = strays.get(meta.name, [])
            marks["stray_rows"] = _stray_rows(extent, marks["stray"]) if extent is not None and extent.stray else []
            marks["formatted_empty_rows"] = extent.formatted_empty_rows if extent is not None else 0
            yield meta.name, grid, marks


def _ods_extents(path: Path, limits: dict) -> dict:
    """{sheet: SheetExtent} of an .ods file from its content.xml, streamed: rows and columns are
    counted with their repeat attributes, so a far cell (a million repeated empty rows above it) is
    measured, not allocated. The same gap rule as for .xlsx gives the table and its stray cells
    (`SheetExtent.stray_values` holds their addresses and texts). calamine loads every sheet of an
    .ods whole when it opens it, so the caller refuses one whose full extent breaks the limits."""
    import numpy as np
    from xml.etree.ElementTree import iterparse

    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    office_type = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
    extents: dict = {}
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        name, row, column, cells, row_cells = None, 0, 0, [], []
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == table + "table":
                    name, row, cells = element.get(table + "name"), 0, []
                elif tag == table + "table-row":
                    column, row_cells = 0, []
                continue
            if tag in (table + "table-cell", table + "covered-table-cell"):
                repeat = int(element.get(table + "number-columns-repeated", "1"))
                if element.get(office_type) or len(element):
                    text = "".join(element.itertext())
                    row_cells.append((column, repeat, text))
                column += repeat
                element.clear()
            elif tag == table + "table-row":
                repeat = int(element.get(table + "number-rows-repeated", "1"))
                cells.extend((row, repeat, col, col_repeat, text) for col, col_repeat, text in row_cells)
                row += repeat
                element.clear()
            elif tag == table + "table":
                extents[name] = _extent_of_ranges(cells, limits)
                element.clear()
    return extents


def _extent_of_ranges(cells: list, limits: dict) -> SheetExtent:
    """SheetExtent of cells given as (row, rows repeated, col, cols repeated, text), by the gap rule."""
    import numpy as np

    if not cells:
        return SheetExtent(0, 0)
    rows = np.array([c[0] for c in cells]), np.array([c[0] + c[1] - 1 for c in cells])
    cols = np.array([c[2] for c in cells]), np.array([c[2] + c[3] - 1 for c in cells])
    height = _table_end(np.concatenate(rows), int(limits.get("stray_gap_rows", 10_000)))
    inside = rows[0] < height
    width = _table_end(np.concatenate([cols[0][inside], cols[1][inside]]),
                       int(limits.get("stray_gap_columns", 100))) if inside.any() else 0
    stray = [(r, c) for (r, _, c, _, _), ok in zip(cells, inside & (cols[0] < width)) if not ok]
    extent = SheetExtent(height, width, stray)
    extent.full = (int(rows[1].max()) + 1, int(cols[1].max()) + 1)
    extent.stray_values = [(f"{column_letter(c)}{r + 1}", (text if len(text) <= 100 else text[:99] + "…"))
                           for (r, _, c, _, text), ok in zip(cells, inside & (cols[0] < width)) if not ok]
    return extent


_ESCAPED_LINE = re.compile(r"[^\n]*[\udc80-\udcff][^\n]*")
_UTF8_LETTER = re.compile(r"[^\x00-\x7f\udc80-\udcff]")


def decode_lines(data: bytes) -> tuple[str, str, dict]:
    """Decode a CSV export: (text, encoding, {line number: decoded line} of lines recoded).

    BOM first, then strict UTF-8. A file that is not UTF-8 is decoded line by line: when some of
    its non-ASCII lines are valid UTF-8, those stay UTF-8 and only the others are read as
    Windows-1258 (one pasted line must not garble every name): the encoding is
    "utf-8+windows-1258" and each recoded line is returned, so that its row gets a finding.
    When none is, the whole file is Windows-1258 (Vietnamese Windows), as exported."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig", {}
        except UnicodeDecodeError:
            pass
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", {}
    else:
        try:
            return data.decode("utf-8"), "utf-8", {}
        except UnicodeDecodeError:
            pass
    escaped = data.decode("utf-8", errors="surrogateescape")  # one pass; bad bytes kept as surrogates
    bad = list(_ESCAPED_LINE.finditer(escaped))
    good_text = _ESCAPED_LINE.sub("", escaped)
    if not _UTF8_LETTER.search(good_text):  # no line is UTF-8 beyond ASCII: a Windows-1258 file
        return data.decode("cp1258", errors="replace"), "windows-1258", {}
    parts, recoded, last, line = [], {}, 0, 1
    for match in bad:
        line += escaped.count("\n", last, match.start())
        fixed = match.group().encode("utf-8", errors="surrogateescape").decode("cp1258", errors="replace")
        parts += [escaped[last:match.start()], fixed]
        recoded[line] = fixed
        last = match.end()
    parts.append(escaped[last:])
    return "".join(parts), "utf-8+windows-1258", recoded


def decode_text(data: bytes) -> tuple[str, str]:
    """decode_lines without the recoded lines: (text, encoding)."""
    text, encoding, _ = decode_lines(data)
    return text, encoding


def _record_rows(text: str, lines: dict, delimiter: str) -> dict:
    """{row as a spreadsheet shows it: decoded line} for physical line numbers: the same unless a
    quoted cell holds a line break, in which case the CSV reader counts the records."""
    if '"' not in text:
        return dict(lines)
    wanted, rows = sorted(lines), {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    record, previous_end = 0, 0
    for _ in reader:
        record += 1
        for line in wanted:
            if previous_end < line <= reader.line_num:
                rows[record] = lines[line]
        previous_end = reader.line_num
        if previous_end >= wanted[-1]:
            break
    return rows


def first_lines(text: str, count: int) -> str:
    """The first `count` lines of a text, without splitting all of it (a CSV may hold a million)."""
    return "".join(itertools.islice(io.StringIO(text), count))


def sniff_delimiter(text: str) -> str:
    """',' ';' or tab: the one that splits the first lines most evenly and most often."""
    sample = first_lines(text, 50)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t")}
        return max(counts, key=counts.get)


def _csv_grid(path: Path) -> tuple:
    """(grid, encoding, delimiter, marks) of a CSV export; marks: "stray_quotes", the lines with an
    unbalanced quote, and "recoded_rows", {row: line as decoded} for the lines of a mixed-encoding
    file read as Windows-1258."""
    import unicodedata

    try:
        text, encoding, recoded = decode_lines(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise ReadError("bad_encoding", "Không xác định được bảng mã của tệp CSV",
                        "The CSV file's text encoding cannot be recognised") from exc
    text = unicodedata.normalize("NFC", text)
    recoded = {line: unicodedata.normalize("NFC", decoded) for line, decoded in recoded.items()}
    delimiter = sniff_delimiter(text)
    head = list(csv.reader(io.StringIO(first_lines(text, 200)), delimiter=delimiter))
    width = max((len(row) for row in head), default=1)
    try:  # pandas' C reader: Arrow strings, a fraction of the memory of Python lists
        grid = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype="string",
                           keep_default_na=False, engine="c", skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError):  # a row wider than the first 200: the csv module copes
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    stray_quotes = []
    if _rows_swallowed(grid, delimiter, width):
        grid, stray_quotes = _rows_line_by_line(text, delimiter)
    if stray_quotes:  # read line by line: a row is a line
        recoded_rows = dict(recoded)
    else:
        recoded_rows = _record_rows(text, recoded, delimiter) if recoded else {}
    return grid, encoding, delimiter, {"stray_quotes": stray_quotes, "recoded_rows": recoded_rows}


def _rows_swallowed(grid, delimiter: str, width: int) -> bool:
    """Whether one cell holds several lines that look like rows of their own: an unbalanced '"' at
    the start of a cell makes the CSV reader run on to the next quote, rows and all."""
    frame = _as_frame(grid)
    looks_like_row = rf"(?:[^\n]*{re.escape(delimiter)}){{{max(2, width // 2)}}}"
    for column in frame.columns:
        text = frame[column].astype("string")
        multi = text.str.contains("\n", regex=False).fillna(False).to_numpy(dtype=bool)
        if multi.any() and text[multi].str.contains(looks_like_row, regex=True).fillna(False).any():
            return True
    return False


def _rows_line_by_line(text: str, delimiter: str) -> tuple[list, list]:
    """Each physical line as one row, so no quote can swallow the lines after it; a line with an
    odd number of quotes keeps them as characters. Returns the rows and those lines' numbers."""
    rows, stray = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"') % 2:
            rows.append(next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), []))
            stray.append(number)
        else:
            rows.append(next(csv.reader([line], delimiter=delimiter), []))
    return rows, stray


def read_sheets(path: Path, limits: dict) -> list:
    """[(sheet name, grid, marks)] of a readable file, as the reader saw it (CSV: one sheet, its
    stem); marks as `_workbook_grids` gives them (merged ranges, stray cells...)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        grid = _csv_grid(path)[0]
        return [(path.stem, _head(grid, len(grid)), {})]
    return list(_workbook_grids(path, limits))


def read_grids(path: Path, limits: dict) -> list:
    """[(sheet name, grid)] of a readable file, as the reader saw it (CSV: one sheet, its stem)."""
    return [(name, grid) for name, grid, _ in read_sheets(path, limits)]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def time_limit(seconds: float):
    """Stop a read that takes longer than `seconds` (main thread only: Prefect tasks use their own
    timeout instead)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def give_up(signum, frame):
        raise ReadError("too_slow", f"Đọc tệp quá {seconds:g} giây, đã dừng",
                        f"Reading the file took more than {seconds:g} seconds and was stopped")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_file(path: Path, limits: dict, name: str | None = None,
              allowed_root: Path | None = None) -> FileRead:
    """Read one input file. Never raises for a bad file: the error is kept on the result."""
    path = Path(path)
    name = name or input_name(path)
    if path.name.startswith(("~$", ".")):
        skipped = SkippedSheet(name, "", "Tệp khoá tạm của Office hoặc tệp ẩn: không đọc",
                               "An Office lock file or a hidden file: not read")
        return FileRead(file=name, path=path, size=path.lstat().st_size, sha256="", format="", skipped=[skipped])
    if allowed_root is not None and not path.resolve().is_relative_to(Path(allowed_root).resolve()):
        error = ReadError("outside_raw", "Tệp là liên kết trỏ ra ngoài thư mục dữ liệu gốc, không đọc",
                          "The file is a link pointing outside the raw data folder; not read")
        return FileRead(file=name, path=path, size=0, sha256="", format="link", error=error)
    if path.suffix.lower() not in INPUT_SUFFIXES:
        skipped = SkippedSheet(name, "", f"Không phải bảng tính ('{path.suffix}'): bỏ qua",
                               f"Not a spreadsheet ('{path.suffix}'): skipped")
        return FileRead(file=name, path=path, size=path.stat().st_size, sha256=sha256_of(path),
                        format=path.suffix.lower().lstrip("."), skipped=[skipped])
    size = path.stat().st_size
    result = FileRead(file=name, path=path, size=size, sha256=sha256_of(path),
                      format=path.suffix.lower().lstrip("."))
    try:
        with time_limit(float(limits.get("max_read_seconds", 0))):
            _read_into(result, path, size, limits)
    except ReadError as error:
        result.error, result.tables, result.skipped, result.findings = error, [], [], []
    except (MemoryError, RecursionError, ValueError, IndexError, KeyError, TypeError, UnicodeError,
            zipfile.BadZipFile, OSError) as exc:  # a file no reader copes with must not stop the month
        result.error = ReadError("unreadable", f"Tệp không đọc được ({type(exc).__name__}: {exc})",
                                 f"The file cannot be read ({type(exc).__name__}: {exc})")
        result.tables, result.skipped, result.findings = [], [], []
    return result


def _read_into(result: FileRead, path: Path, size: int, limits: dict) -> None:
    name = result.file
    if size > limits["max_file_mb"] * 1024 * 1024:
        raise ReadError("too_large", f"Tệp {size / 2**20:.1f} MB, vượt giới hạn {limits['max_file_mb']} MB",
                        f"The file is {size / 2**20:.1f} MB, more than the limit of {limits['max_file_mb']} MB")
    if size == 0:
        raise ReadError("empty", "Tệp rỗng (0 byte)", "The file is empty (0 bytes)")
    if result.format == "csv":
        grid, result.encoding, result.delimiter, marks = _csv_grid(path)
        sheets = [(path.stem, grid, marks)]
    elif "." + result.format in SPREADSHEET_SUFFIXES:
        sheets = _workbook_grids(path, limits)
    else:
        raise ReadError("unsupported", f"Định dạng '.{result.format}' không được hỗ trợ",
                        f"The format '.{result.format}' is not supported")
    for sheet, grid, marks in sheets:
        table = table_from_grid(grid, name, sheet, int(limits["header_search_rows"]),
                                int(limits["max_columns_per_sheet"]), marks.get("hidden_rows", ()))
        if isinstance(table, SheetTable):
            table.hidden_rows = marks.get("hidden_rows", [])
            table.hidden_columns = marks.get("hidden_columns", [])
            table.has_error_cells = bool(marks.get("cells"))
            table.hidden_sheet = marks.get("hidden_sheet", False)
            table.stray_quote_rows = marks.get("stray_quotes", [])
            table.recoded_rows = marks.get("recoded_rows", {})
        table.formatted_empty_rows = marks.get("formatted_empty_rows", 0)
        if marks.get("stray"):
            result.findings.extend(stray_findings(name, sheet, marks["stray"]))
        if marks.get("stray_rows"):  # rows a person sees, never read: in the ledger as notes
            if isinstance(table, SheetTable):
                table.rows_with_content += len(marks["stray_rows"])
                table.non_data.extend(stray_ledger_entries(marks["stray_rows"]))
            else:
                table.rows += len(marks["stray_rows"])
        (result.tables if isinstance(table, SheetTable) else result.skipped).append(table)
    _set_aside_hidden_sheets(result)
    if not result.tables and not result.skipped:
        raise ReadError("no_sheets", "Sổ tính không có trang tính nào", "The workbook has no worksheets")


def _set_aside_hidden_sheets(result: FileRead) -> None:
    """A hidden sheet (a lookup list, last month's copy) is not read as data when a visible sheet
    of the same kind is there: its rows would all come back as duplicates. It is listed instead."""
    visible_kinds = {table.kind for table in result.tables if not table.hidden_sheet}
    for table in [t for t in result.tables if t.hidden_sheet and t.kind in visible_kinds]:
        result.tables.remove(table)
        result.skipped.append(SkippedSheet(
            result.file, table.sheet,
            "Trang tính bị ẩn, có trang hiện cùng loại: không đọc (bảng tra cứu hoặc bản tháng trước?)",
            "Hidden sheet beside a visible sheet of the same kind: not read (a lookup list or last month's copy?)",
            rows=table.rows_with_content,
        ))


def discover_inputs(period_folder: Path) -> list[Path]:
    """Every file under the period folder, subfolders included (zones often get one each), in a
    stable order. Hidden files and Office lock files (~$x.xlsx) are listed too: the reader says why
    it leaves them, so that nothing under the folder goes unmentioned."""
    return sorted(p for p in Path(period_folder).rglob("*") if p.is_file() or p.is_symlink())


def input_name(path: Path) -> str:
    """How a file is named in findings: its path under the period folder (YYYY-MM), so that files of
    the same name in two subfolders stay apart; just its name elsewhere."""
    path = Path(path)
    for parent in path.parents:
        if PERIOD_FOLDER.match(parent.name):
            return path.relative_to(parent).as_posix()
    return path.name


# -- the same submission twice ---------------------------------------------------------------

_VERSION_SUFFIX = re.compile(
    r"(?:[\s_.-]*(?:\((?:ban[\s_]*)?\d+\)|v\d+|ban[\s_]*\d+|lan[\s_]*\d+|sua|final|moi|new|copy|ban[\s_]sao|chinh[\s_]sua))+$")


def _plain(text: str) -> str:
    """Lower case without diacritics ('đ' as 'd'), punctuation kept: '(2)' stays '(2)'."""
    import unicodedata

    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


def _version_of(stem: str) -> tuple[str, int] | None:
    """(base name, rank) when a file stem ends in a version mark ('_v2', ' (2)', '_sua', '_final',
    '_moi', ' bản 2'); the higher the rank, the later the version. None for a plain name."""
    plain = _plain(stem)
    match = _VERSION_SUFFIX.search(plain)
    if not match or match.start() == 0:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", match.group())]
    rank = max(numbers, default=1) + (100 if "final" in match.group() else 0)
    return fold(plain[:match.start()]), rank


def duplicate_submissions(files: list) -> list:
    """[(set-aside index, kept index, "identical" | "superseded")] over the period's FileRead list,
    in its order; pure. Files with the same sha256: the first is read, each later one set aside.
    A file whose name is another's plus a version mark ('bao_cao_v2.xlsx' beside 'bao_cao.xlsx',
    ' (2)', '_sua', '_final'): the latest version is read and the others set aside."""
    decisions, first_of, aside = [], {}, set()
    for index, file in enumerate(files):
        if file.sha256 and file.size:
            kept = first_of.setdefault(file.sha256, index)
            if kept != index:
                decisions.append((index, kept, "identical"))
                aside.add(index)
    groups: dict = {}
    for index, file in enumerate(files):
        if index in aside:
            continue
        name = Path(file.file)
        version = _version_of(name.stem)
        base, rank = version if version else (fold(name.stem), 0)
        groups.setdefault((name.parent.as_posix(), base), []).append((rank, index))  # same folder only
    for members in groups.values():
        if len(members) > 1 and any(rank for rank, _ in members):
            latest = max(members)[1]
            decisions.extend((index, latest, "superseded") for rank, index in sorted(members) if index != latest)
    return sorted(decisions)


def _rows_of(table) -> int:
    """Rows with content of a sheet, read or skipped (what the source ledger counts)."""
    return table.rows if isinstance(table, SkippedSheet) else table.rows_with_content


def set_aside_duplicates(files: list) -> list:
    """Apply duplicate_submissions: each set-aside file keeps no table (its sheets are listed as
    skipped, with their rows, so the source ledger still counts them) and gets one finding naming
    both files (FILE_IDENTICAL_COPY or FILE_SUPERSEDED). Returns the findings."""
    from heza.findings import finding

    records = []
    for index, kept_index, kind in duplicate_submissions(files):
        file, kept = files[index], files[kept_index]
        if kind == "identical":
            code = "FILE_IDENTICAL_COPY"
            vi = f"giống hệt từng byte tệp '{kept.file}' (sha256 {kept.sha256[:12]}…), không đọc lại"
            en = f"byte for byte the same as '{kept.file}' (sha256 {kept.sha256[:12]}…), not read again"
        else:
            code = "FILE_SUPERSEDED"
            vi = f"đã có bản mới hơn '{kept.file}' trong cùng thư mục kỳ; chỉ đọc bản mới"
            en = f"a later version '{kept.file}' is in the same period folder; only that one is read"
        sheets = [*file.tables, *file.skipped]
        file.skipped = [SkippedSheet(file.file, sheet.sheet, vi[0].upper() + vi[1:], en[0].upper() + en[1:],
                                     rows=_rows_of(sheet)) for sheet in sheets] or \
            [SkippedSheet(file.file, "", vi[0].upper() + vi[1:], en[0].upper() + en[1:])]
        file.tables = []
        if file.error is not None:  # a broken copy is named once, as a copy
            file.error = None
        records.append(finding(code, source_file=file.file, value=kept.file, detail_vi=vi, detail_en=en))
    return records

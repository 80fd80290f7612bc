"""Read submitted workbooks and CSV files into raw tables: find the header, map it, keep every row's source.

Nothing here parses values: cells stay as submitted, so that quarantine can show them as they were.
What cannot be read raises `ReadError` with a message in Vietnamese and English.
"""

from __future__ import annotations

import csv
import hashlib
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

from heza import headers
from heza.headers import SHEET_KINDS, fold, is_ignored_header, match_header, split_header

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
INPUT_SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}
KEY_COLUMNS = {"enterprise": "tax_code", "zone": "zone_code", "claims": "indicator"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NUMBERING_CELL = re.compile(r"^\(?\d{1,2}\)?$|^\(?[A-Z]\)?$")


class CellError(str):
    """A cell Excel could not compute (#REF!, #DIV/0!) or a formula saved without its value: kept as
    text so that the finding can show it, never read as empty."""


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
    total_row: dict | None = None  # {"source_row": n, column: value as submitted}
    duplicate_columns: dict = field(default_factory=dict)  # canonical -> [headers]
    ignored_columns: list = field(default_factory=list)
    dropped_rows: dict = field(default_factory=dict)  # reason -> count
    hidden_rows: list = field(default_factory=list)  # Excel row numbers hidden in the sheet
    hidden_columns: list = field(default_factory=list)  # Excel column letters hidden in the sheet
    has_error_cells: bool = False  # the grid holds CellError values
    formatted_empty_rows: int = 0  # rows with formatting but no value past the last row read (never loaded)


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

def _first_label(row: list) -> str:
    for cell in row:
        if not _is_empty(cell):
            return str(cell)
    return ""


def _is_numbering_row(row: list) -> bool:
    cells = [str(cell).strip() for cell in row if not _is_empty(cell)]
    return len(cells) >= 3 and all(_NUMBERING_CELL.match(cell) for cell in cells)


def _head(grid, count: int) -> list:
    """The first rows of a grid (list of rows, or a DataFrame from the CSV reader) as lists."""
    if isinstance(grid, pd.DataFrame):
        head = grid.head(count)
        return head.astype(object).where(head.notna(), None).to_numpy().tolist()
    return grid[:count]


def table_from_grid(grid, file: str, sheet: str, search_rows: int, max_columns: int):
    """A SheetTable for a grid of cells (rows of values, or a DataFrame), or a SkippedSheet saying why not."""
    top = _head(grid, search_rows + 1)
    if not len(grid) or not any(any(not _is_empty(c) for c in row) for row in top[:search_rows]):
        return SkippedSheet(file, sheet, "Trang tính trống", "The sheet is empty")
    width = grid.shape[1] if isinstance(grid, pd.DataFrame) else max(len(row) for row in grid)
    if width > max_columns:
        raise ReadError(
            "too_wide",
            f"Trang tính '{sheet}' có {width} cột, vượt giới hạn {max_columns}",
            f"Sheet '{sheet}' has {width} columns, more than the limit of {max_columns}",
        )
    guess = locate_header(top, search_rows, sheet)
    if guess is None:
        legacy = headers.legacy_encoding(" ".join(_label(c) for row in top[:search_rows] for c in row))
        if legacy:
            return SkippedSheet(
                file, sheet,
                f"Chữ tiếng Việt dùng bảng mã cũ {legacy}, không đọc được tiêu đề; hãy chuyển sang Unicode "
                "(ví dụ Unikey: Công cụ chuyển mã) rồi gửi lại",
                f"The Vietnamese text uses the legacy {legacy} encoding, so no header could be read; convert it "
                "to Unicode (e.g. Unikey's converter) and send it again",
            )
        return SkippedSheet(
            file, sheet,
            f"Không tìm thấy dòng tiêu đề nào khớp trong {search_rows} dòng đầu (trang hướng dẫn, ghi chú?)",
            f"No recognised header row in the first {search_rows} rows (instructions or notes?)",
        )
    by_column: dict = {}
    for index, column in guess.mapping.items():
        by_column.setdefault(column, []).append(index)
    duplicates = {c: [guess.labels[i] for i in idx] for c, idx in by_column.items() if len(idx) > 1}
    chosen = {column: indexes[0] for column, indexes in by_column.items()}
    ignored = [
        label for index, label in enumerate(guess.labels)
        if label and index not in guess.mapping and not is_ignored_header(label)
    ]
    first_row = guess.row + 2  # Excel row number of the first body row
    dropped = {"blank": 0, "total": 0, "note": 0, "numbering": 0}
    skip = 1 if len(top) > guess.row + 1 and _is_numbering_row(top[guess.row + 1]) else 0
    if skip:
        first_row += 1
        dropped["numbering"] += 1
    if isinstance(grid, pd.DataFrame):
        rows = grid.iloc[guess.row + 1 + skip:].reset_index(drop=True)
        rows.columns = range(rows.shape[1])
    else:
        body = grid[guess.row + 1 + skip:]
        rows = pd.DataFrame(body, dtype=object) if body else pd.DataFrame()
    frame = pd.DataFrame({column: rows[index] if index in rows else pd.Series(None, index=rows.index, dtype=object)
                          for column, index in chosen.items()}, index=rows.index)
    frame["source_row"] = range(first_row, first_row + len(rows))
    data_columns = list(chosen)
    empty = pd.DataFrame({c: _empty_cells(frame[c]) for c in data_columns}, index=frame.index)
    blank = empty.all(axis=1) if len(frame) else pd.Series([], dtype=bool)
    key = KEY_COLUMNS[guess.kind]
    key_empty = empty[key] if key in empty else pd.Series(True, index=frame.index)
    others_empty = empty.drop(columns=[key], errors="ignore").all(axis=1) if len(frame) else key_empty
    words = headers.row_words()
    total_row = None
    keep = ~blank
    dropped["blank"] += int(blank.sum())
    # Only rows missing their key, holding nothing but it, or whose key has no digit can be totals
    # or notes (few rows); under the total row only a row whose key holds a digit is still data.
    keys = frame[key].astype("string") if key in frame else pd.Series("", index=frame.index, dtype="string")
    no_digit_key = ~keys.str.contains(r"\d", regex=True).fillna(False)  # "Tổng cộng" in the tax-code column
    candidates = frame.index[(key_empty | others_empty | no_digit_key) & ~blank]
    for position in candidates:
        label = _first_label(_row_values(rows, position))
        if starts_with_any_word(label, words["total"]):
            total_row = {"source_row": int(frame.at[position, "source_row"]),
                         **{c: frame.at[position, c] for c in data_columns}}
            break
    if total_row is not None:
        total_position = int(total_row["source_row"]) - first_row
        keep[total_position] = False
        dropped["total"] += 1
        below = (frame.index > total_position) & ~blank & no_digit_key
        keep[below] = False
        dropped["note"] += int(below.sum())
    for position in candidates:
        if keep[position] and any(starts_with_any_word(_label(c), words["note"]) for c in _row_values(rows, position)):
            dropped["note"] += 1
            keep[position] = False
    cells = frame[keep].reset_index(drop=True)
    return SheetTable(
        file=file, sheet=sheet, kind=guess.kind,
        header_rows=tuple(range(guess.row + 2 - guess.rows, guess.row + 2)),
        columns={column: guess.labels[index] for column, index in chosen.items()},
        column_letters={column: column_letter(index) for column, index in chosen.items()},
        units={column: unit for column, index in chosen.items()
               if (unit := split_header(guess.labels[index])[1]) is not None},
        cells=cells, total_row=total_row, duplicate_columns=duplicates,
        ignored_columns=ignored, dropped_rows={k: v for k, v in dropped.items() if v},
    )


def _row_values(rows: pd.DataFrame, position: int) -> list:
    values = rows.iloc[position]
    return [None if pd.isna(v) else v for v in values.tolist()]


def starts_with_any_word(label: str, words: tuple) -> bool:
    return bool(label) and headers.starts_with_any(label, words)


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
_UNCOMPUTED = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f[^>]*>([^<]*)</f>)(?:<v\s*/>|<v></v>)?</c>')
_HIDDEN_ROW = re.compile(rb'<row r="(\d+)"[^>]*?hidden="(?:1|true)"')
_HIDDEN_COL = re.compile(rb'<col min="(\d+)" max="(\d+)"[^>]*?hidden="(?:1|true)"')


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters.decode():
        index = index * 26 + ord(char) - 64
    return index - 1


def xlsx_cell_flags(path: Path) -> dict:
    """{sheet: {"cells": {(row, col): CellError}, "hidden_rows": [...], "hidden_columns": [...]}} for
    what calamine does not show: error cells, formulas saved without a value, hidden rows and columns.
    Cheap: each sheet's XML is searched only for the markers these leave."""
    flags: dict = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return flags
        relations = {}
        for match in _RELATION.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            relations[rel_id] = target.decode().lstrip("/").removeprefix("xl/")
        for name, rel_id in _SHEET_ENTRY.findall(archive.read("xl/workbook.xml")):
            member = "xl/" + relations.get(rel_id, "")
            if member not in names:
                continue
            data = archive.read(member)
            cells = {}
            if b't="e"' in data:
                for col, row, text in _ERROR_CELL.findall(data):
                    cells[(int(row) - 1, _column_index(col))] = CellError(text.decode() or "#ERROR")
            if any(marker in data for marker in (b"</f></c>", b"</f><v></v>", b"</f><v/>", b"</f><v />")):
                for col, row, formula in _UNCOMPUTED.findall(data):
                    cells[(int(row) - 1, _column_index(col))] = CellError("=" + formula.decode())
            hidden_rows = [int(r) for r in _HIDDEN_ROW.findall(data)] if b'hidden="' in data else []
            hidden_columns = [column_letter(c) for lo, hi in _HIDDEN_COL.findall(data)
                              for c in range(int(lo) - 1, int(hi))] if b'hidden="' in data else []
            if cells or hidden_rows or hidden_columns:
                flags[name.decode()] = {"cells": cells, "hidden_rows": hidden_rows, "hidden_columns": hidden_columns}
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
    flags = xlsx_cell_flags(path) if suffix in {".xlsx", ".xlsm"} else {}
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
            marks = dict(flags.get(meta.name, {}))
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


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV export: BOM first, then strict UTF-8, then Windows-1258 (Vietnamese Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace"), "windows-1258"


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


def _csv_grid(path: Path) -> tuple[list, str, str]:
    import unicodedata

    try:
        text, encoding = decode_text(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise ReadError("bad_encoding", "Không xác định được bảng mã của tệp CSV",
                        "The CSV file's text encoding cannot be recognised") from exc
    text = unicodedata.normalize("NFC", text)
    delimiter = sniff_delimiter(text)
    head = list(csv.reader(io.StringIO(first_lines(text, 200)), delimiter=delimiter))
    width = max((len(row) for row in head), default=1)
    try:  # pandas' C reader: Arrow strings, a fraction of the memory of Python lists
        grid = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype="string",
                           keep_default_na=False, engine="c", skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError):  # a row wider than the first 200: the csv module copes
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return grid, encoding, delimiter


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
    name = name or path.name
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
        grid, result.encoding, result.delimiter = _csv_grid(path)
        sheets = [(path.stem, grid, {})]
    elif "." + result.format in SPREADSHEET_SUFFIXES:
        sheets = _workbook_grids(path, limits)
    else:
        raise ReadError("unsupported", f"Định dạng '.{result.format}' không được hỗ trợ",
                        f"The format '.{result.format}' is not supported")
    for sheet, grid, marks in sheets:
        table = table_from_grid(grid, name, sheet, int(limits["header_search_rows"]),
                                int(limits["max_columns_per_sheet"]))
        if isinstance(table, SheetTable):
            table.hidden_rows = marks.get("hidden_rows", [])
            table.hidden_columns = marks.get("hidden_columns", [])
            table.has_error_cells = bool(marks.get("cells"))
        table.formatted_empty_rows = marks.get("formatted_empty_rows", 0)
        if marks.get("stray"):
            result.findings.extend(stray_findings(name, sheet, marks["stray"]))
        (result.tables if isinstance(table, SheetTable) else result.skipped).append(table)
    if not result.tables and not result.skipped:
        raise ReadError("no_sheets", "Sổ tính không có trang tính nào", "The workbook has no worksheets")


def discover_inputs(period_folder: Path) -> list[Path]:
    """Every file of the period in a stable order; hidden and Office lock files (~$x.xlsx) left out."""
    return sorted(
        p for p in period_folder.iterdir()
        if not p.name.startswith((".", "~$")) and (p.is_file() or p.is_symlink())
    )

"""What .xlsx/.xlsm workbooks need beyond calamine: error cells, formulas saved without a value,
percentage formats and hidden rows/columns read from the sheet XML; and each sheet's real extent,
with its stray cells removed before calamine builds a grid (see heza.ingest.extent)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from heza.ingest.extent import STRAY_LISTED, SheetExtent, table_end
from heza.ingest.tables import CellError, column_letter, percent_decimals, percent_text

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


def _sheet_flags(data: bytes, percent: dict) -> dict | None:
    """{"cells": {(row, col): CellError}, "hidden_rows": [...], "hidden_columns": [...]} of one
    sheet, or None: what calamine does not show (error cells, formulas saved without a value, shared
    ones too, percent cells, hidden rows and columns). Cheap: the XML is searched only for the
    markers these leave. bounded_xlsx keys them by the sheet name calamine gives ('A &amp; B' in the
    XML is 'A & B')."""
    cells = _percent_cells(data, percent) if percent and b' s="' in data else {}
    if b"<f" in data and any(marker in data for marker in _NO_VALUE_MARKERS):
        cells.update(_uncomputed_formulas(data))
    if b't="e"' in data:
        for col, row, text in _ERROR_CELL.findall(data):
            cells[(int(row) - 1, _column_index(col))] = CellError(html.unescape(text.decode()) or "#ERROR")
    hidden = b'hidden="' in data
    hidden_rows = [int(r) for r in _HIDDEN_ROW.findall(data)] if hidden else []
    hidden_columns = [column_letter(c) for lo, hi in _HIDDEN_COL.findall(data)
                      for c in range(int(lo) - 1, int(hi))] if hidden else []
    if cells or hidden_rows or hidden_columns:
        return {"cells": cells, "hidden_rows": hidden_rows, "hidden_columns": hidden_columns}
    return None


# a cell holding a value: its start tag not closed by "/>" and not followed at once by its end tag.
# [^>]* is greedy: it can only stop at the tag's first '>', as a lazy one would, at half the cost
_VALUE_CELL_TAG = rb'c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*(?<!/)>(?!</(?:\w+:)?c>)'
_VALUE_CELL = re.compile(rb"<(?:\w+:)?" + _VALUE_CELL_TAG)
_ROW_ELEMENT = re.compile(rb'<(\w+:)?row[ >/]')
_ROW_NUMBER_TAG = rb'row [^>]*?r="(\d+)"'
_ANY_ROW_NUMBER = re.compile(rb"<(?:\w+:)?" + _ROW_NUMBER_TAG)
_SHEET_DATA_END = re.compile(rb'</(?:\w+:)?sheetData>')
_SHARED_TEXT = re.compile(rb'<(?:\w+:)?t(?: [^>]*)?>([^<]*)</(?:\w+:)?t>')


def _addresses(refs: list) -> tuple:
    """Excel addresses (b"KN1048576") -> 0-based row and column arrays, vectorised."""
    codes = np.array(refs, dtype="S10").view(np.uint8).reshape(len(refs), 10)
    letters, digits = codes >= 65, (codes >= 48) & (codes <= 57)
    column = np.zeros(len(refs), dtype=np.int64)
    row = np.zeros(len(refs), dtype=np.int64)
    for position in range(3):
        column = np.where(letters[:, position], column * 26 + codes[:, position].astype(np.int64) - 64, column)
    for position in range(10):
        row = np.where(digits[:, position], row * 10 + codes[:, position].astype(np.int64) - 48, row)
    return row - 1, column - 1


@lru_cache(maxsize=8)
def _cell_patterns(prefix: bytes) -> tuple:
    """(value cells, row numbers) for a sheet whose every cell and row carries `prefix`: starting with
    a literal, the search jumps from candidate to candidate instead of trying every '<'."""
    value_cell = re.compile(b"<" + prefix + _VALUE_CELL_TAG)
    return value_cell, re.compile(b"<" + prefix + _ROW_NUMBER_TAG)


def sheet_extent(data: bytes, limits: dict) -> SheetExtent:
    """The extent of one sheet's XML (see above): cheap, no grid."""
    prefix = _ROW_ELEMENT.search(data)
    prefix = (prefix.group(1) or b"") if prefix else b""
    cells = data.count(b"<" + prefix + b"c ") + data.count(b"<" + prefix + b"c>")
    if cells != data.count(b"<" + prefix + b'c r="'):
        return SheetExtent(0, 0, known=False)  # cells placed by order only: calamine alone knows where
    one_prefix = data.count(b'c r="') == cells  # else a cell of another prefix: look at every '<'
    value_cell, row_number = _cell_patterns(prefix) if one_prefix else (_VALUE_CELL, _ANY_ROW_NUMBER)
    refs = value_cell.findall(data)
    if not refs:
        row_elements = data.count(b"<" + prefix + b"row ") + data.count(b"<" + prefix + b"row>")
        return SheetExtent(0, 0, formatted_empty_rows=row_elements)
    rows, columns = _addresses(refs)
    height = table_end(rows, int(limits["stray_gap_rows"]))
    inside = rows < height
    width = table_end(columns[inside], int(limits["stray_gap_columns"])) if inside.any() else 0
    kept = inside & (columns < width)
    stray = list(zip(rows[~kept].tolist(), columns[~kept].tolist()))
    numbers = row_number.findall(data)
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
    text = html.unescape(text)
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
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    relations = {}
    for match in _RELATION.finditer(archive.read("xl/_rels/workbook.xml.rels")):
        rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        relations[rel_id] = html.unescape(target.decode()).lstrip("/").removeprefix("xl/")
    return {html.unescape(name.decode()): "xl/" + relations.get(rel_id, "")
            for name, rel_id in _SHEET_ENTRY.findall(archive.read("xl/workbook.xml"))
            if "xl/" + relations.get(rel_id, "") in names}


def bounded_xlsx(path: Path, limits: dict):
    """({sheet: SheetExtent}, {sheet: [(address, value)]}, source for calamine, {sheet: _sheet_flags}): the workbook with stray cells removed (an in-memory copy, only
    when there are any). Each sheet's XML is unzipped once for its extent and its flags."""
    extents, strays, changed, flags = {}, {}, {}, {}
    with zipfile.ZipFile(path) as archive:
        members = _sheet_members(archive)
        shared = _shared_strings(archive)
        percent = xlsx_percent_styles(archive)
        for name, member in members.items():
            data = archive.read(member)
            extent = sheet_extent(data, limits)
            extents[name] = extent
            sheet = _sheet_flags(data, percent)
            if sheet:
                flags[name] = sheet
            if extent.stray:
                listed = extent.stray[:STRAY_LISTED]
                strays[name] = [(f"{column_letter(c)}{r + 1}", _cell_value(data, f"{column_letter(c)}{r + 1}", shared))
                                for r, c in listed]
                strays[name].append(len(extent.stray))
                changed[member] = _strip_cells(data, extent)
            del data
        if not changed:
            return extents, strays, str(path), flags
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                copy.writestr(info.filename, changed.get(info.filename) or archive.read(info.filename))
    buffer.seek(0)
    return extents, strays, buffer, flags

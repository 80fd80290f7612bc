"""What .ods workbooks need beyond calamine: error cells, formulas without a value and percentage
cells, and each sheet's real extent, all from content.xml streamed (repeated rows counted, not built)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import numpy as np

from heza.ingest.extent import SheetExtent, table_end
from heza.ingest.tables import CellError, PercentText, ReadError, column_letter, percent_text

_ODS = "{urn:oasis:names:tc:opendocument:xmlns:%s:1.0}"
_ODS_TABLE, _ODS_OFFICE = _ODS % "table", _ODS % "office"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"


def ods_cell_flags(path: Path) -> dict:
    """{sheet: {"cells": {(row, col): CellError | PercentText}}} for an .ods workbook's error cells
    (LibreOffice writes calcext:value-type="error") and formulas saved without a value type, which
    calamine gives as empty strings, and its percentage cells (calamine gives 0.077 for a cell
    showing 7,7%: read as shown). Looked for only when content.xml holds a formula or a percentage."""
    with zipfile.ZipFile(path) as archive:
        if "content.xml" not in archive.namelist():
            return {}
        with archive.open("content.xml") as stream:
            content = stream.read()
            if b"table:formula" not in content and b'value-type="percentage"' not in content:
                return {}
        with archive.open("content.xml") as stream:  # entities were refused by files._guard_zip
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


def ods_extents(path: Path, limits: dict) -> dict:
    """{sheet: SheetExtent} of an .ods file from its content.xml, streamed: rows and columns are
    counted with their repeat attributes, so a far cell (a million repeated empty rows above it) is
    measured, not allocated. The same gap rule as for .xlsx gives the table and its stray cells
    (`SheetExtent.stray_values` holds their addresses and texts). calamine loads every sheet of an
    .ods whole when it opens it, so the caller refuses one whose full extent breaks the limits."""
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    office_type = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
    extents: dict = {}
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        name, row, column, cells, row_cells, merged = None, 0, 0, [], [], []
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == table + "table":
                    name, row, cells, merged = element.get(table + "name"), 0, [], []
                elif tag == table + "table-row":
                    column, row_cells = 0, []
                continue
            if tag in (table + "table-cell", table + "covered-table-cell"):
                repeat = int(element.get(table + "number-columns-repeated", "1"))
                if element.get(office_type) or len(element):
                    text = "".join(element.itertext())
                    row_cells.append((column, repeat, text))
                down = int(element.get(table + "number-rows-spanned", "1"))
                across = int(element.get(table + "number-columns-spanned", "1"))
                if down > 1 or across > 1:
                    merged.append(((row, column), (row + down - 1, column + across - 1)))
                column += repeat
                element.clear()
            elif tag == table + "table-row":
                repeat = int(element.get(table + "number-rows-repeated", "1"))
                cells.extend((row, repeat, col, col_repeat, text) for col, col_repeat, text in row_cells)
                row += repeat
                element.clear()
            elif tag == table + "table":
                extents[name] = _extent_of_ranges(cells, limits)
                extents[name].merged = merged
                element.clear()
    return extents


def _extent_of_ranges(cells: list, limits: dict) -> SheetExtent:
    """SheetExtent of cells given as (row, rows repeated, col, cols repeated, text), by the gap rule."""
    if not cells:
        return SheetExtent(0, 0)
    rows = np.array([c[0] for c in cells]), np.array([c[0] + c[1] - 1 for c in cells])
    cols = np.array([c[2] for c in cells]), np.array([c[2] + c[3] - 1 for c in cells])
    height = table_end(np.concatenate(rows), int(limits["stray_gap_rows"]))
    inside = rows[0] < height
    width = table_end(np.concatenate([cols[0][inside], cols[1][inside]]),
                      int(limits["stray_gap_columns"])) if inside.any() else 0
    stray = [(r, c) for (r, _, c, _, _), ok in zip(cells, inside & (cols[0] < width)) if not ok]
    extent = SheetExtent(height, width, stray)
    extent.full = (int(rows[1].max()) + 1, int(cols[1].max()) + 1)
    extent.stray_values = [(f"{column_letter(c)}{r + 1}", (text if len(text) <= 100 else text[:99] + "…"))
                           for (r, _, c, _, text), ok in zip(cells, inside & (cols[0] < width)) if not ok]
    return extent

"""What .xls workbooks need beyond calamine: error cells and percentage formats, read with xlrd."""

from __future__ import annotations

from pathlib import Path

from heza.ingest.tables import CellError, percent_decimals, percent_text


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

"""A sheet's real extent and its stray cells, for every workbook format (see xlsx and ods for
how each finds them): the limits a grid must keep, and how stray cells are reported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from heza.findings import finding
from heza.ingest.tables import ReadError, column_letter

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

STRAY_LISTED = 20  # stray cells listed one by one per sheet; the rest are counted in the last one


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
    merged: list = field(default_factory=list)  # .ods: [((top, left), (bottom, right))], which calamine does not give


def table_end(positions, gap: int) -> int:
    """One past the last position of the run that starts at 0, where runs break at gaps > `gap`."""
    unique = _distinct(np.asarray(positions))
    steps = np.diff(np.concatenate(([-1], unique))) - 1  # empty places before each position
    breaks = np.nonzero(steps > gap)[0]
    if len(breaks) == 0:
        return int(unique[-1]) + 1
    return int(unique[breaks[0] - 1]) + 1 if breaks[0] else 0


def _distinct(positions: np.ndarray) -> np.ndarray:
    """np.unique of whole numbers, by marking them in an array as long as their range when that is
    short (a sheet's rows and columns): no sort nor hash of a million cells' positions."""
    low, high = int(positions.min()), int(positions.max())
    if high - low > 4 * len(positions) + 2**20:
        return np.unique(positions)
    present = np.zeros(high - low + 1, dtype=bool)
    present[positions - low] = True
    return np.flatnonzero(present) + low


def check_extent(name: str, rows: int, columns: int, limits: dict) -> None:
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
    if cells > int(limits["max_grid_cells"]):
        raise ReadError(
            "too_many_cells",
            f"Trang tính '{name}' trải trên {rows} dòng × {columns} cột, vượt giới hạn "
            f"{limits['max_grid_cells']} ô",
            f"Sheet '{name}' spans {rows} rows × {columns} columns, more than the limit of "
            f"{limits['max_grid_cells']} cells",
        )


def stray_rows(extent: SheetExtent, listed: list) -> list:
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

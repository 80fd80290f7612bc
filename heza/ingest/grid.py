"""From a grid of cells to a table: locate the header (one row or two, under any title block),
map it to canonical columns, and account for every row with content (data or not, see layout)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from heza.ingest import headers, layout
from heza.ingest.headers import SHEET_KINDS, fold, is_ignored_header, match_header, split_header
from heza.ingest.tables import MergedSpan, ReadError, SheetTable, SkippedSheet, column_letter
from schemas.columns import figure_columns
from schemas.tables import TABLE_OF_KIND, TABLES

_NUMBERING_CELL = re.compile(r"^\(?\d{1,2}\)?$|^\(?[A-Z]\)?$")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value


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


def first_rows(grid, count: int) -> list:
    """The first rows of a grid (list of rows, or a DataFrame from the CSV reader) as lists."""
    if isinstance(grid, pd.DataFrame):
        head = grid.head(count)
        return head.astype(object).where(head.notna(), None).to_numpy().tolist()
    return grid[:count]


def grid_rows(grid, indexes) -> list:
    """The rows at `indexes` (0-based, ascending) of a grid, as lists, the same as `first_rows` gives
    them: a few rows of a million-row CSV without turning the others into Python objects."""
    if isinstance(grid, pd.DataFrame):
        return first_rows(grid.iloc[list(indexes)], len(indexes))
    return [grid[index] for index in indexes]


def as_frame(grid) -> pd.DataFrame:
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


def table_from_grid(grid, file: str, sheet: str, search_rows: int, max_columns: int, hidden_rows=(), merged=()):
    """A SheetTable for a grid of cells (rows of values, or a DataFrame), or a SkippedSheet saying why
    not. Every row with content is accounted for: data (in `cells`) or listed in `non_data`.
    `merged`: the sheet's merged ranges, ((top, left), (bottom, right)) 0-based, as calamine gives them."""
    whole = as_frame(grid)
    empty_whole = {column: layout.empty_cells(whole[column]) for column in whole.columns}
    content = layout._has_content(whole, empty_whole)
    seen = int(content.sum())
    if not seen:
        return SkippedSheet(file, sheet, "Trang tính trống", "The sheet is empty")
    if whole.shape[1] > max_columns:
        raise ReadError(
            "too_wide",
            f"Trang tính '{sheet}' có {whole.shape[1]} cột, vượt giới hạn {max_columns}",
            f"Sheet '{sheet}' has {whole.shape[1]} columns, more than the limit of {max_columns}",
        )
    top = first_rows(whole, search_rows + 1)
    guess = locate_header(top, search_rows, sheet)
    if guess is None:
        return _no_header(file, sheet, top, search_rows, seen)
    by_column: dict = {}
    for index, column in guess.mapping.items():
        by_column.setdefault(column, []).append(index)
    duplicates = {c: [guess.labels[i] for i in idx] for c, idx in by_column.items() if len(idx) > 1}
    chosen = {column: indexes[0] for column, indexes in by_column.items()}
    unmatched = {  # header text -> its column letter, for headers that name no known column
        label: column_letter(index) for index, label in enumerate(guess.labels)
        if label and index not in guess.mapping and not is_ignored_header(label)
    }
    header_first = guess.row + 1 - guess.rows  # grid index of the first header row
    non_data, body_start = _rows_above_the_body(top, content, header_first, guess.row)
    rows = whole.iloc[body_start:].reset_index(drop=True)
    frame = pd.DataFrame({column: rows[index] if index in rows else pd.Series(None, index=rows.index, dtype=object)
                          for column, index in chosen.items()}, index=rows.index)
    frame["source_row"] = range(body_start + 1, body_start + 1 + len(rows))
    empty = pd.DataFrame({c: empty_whole[i][body_start:] if i in empty_whole else True for c, i in chosen.items()},
                         index=frame.index)
    plan = layout.classify_body(frame, rows, empty, TABLES[TABLE_OF_KIND[guess.kind]].key, figure_columns(guess.kind),
                                {c: guess.labels[i] for c, i in chosen.items()}, set(hidden_rows),
                                left_edge=min(chosen.values()), content=content[body_start:])
    non_data += plan.non_data
    cells = frame[plan.data]
    if plan.subheadings is not None:
        cells = cells.assign(subheading=plan.subheadings[plan.data])
    cells, spans = _merged_down(cells, merged, chosen, TABLES[TABLE_OF_KIND[guess.kind]].merged_fill)
    return SheetTable(
        file=file, sheet=sheet, kind=guess.kind,
        header_rows=tuple(range(header_first + 1, guess.row + 2)),
        columns={column: guess.labels[index] for column, index in chosen.items()},
        column_letters={column: column_letter(index) for column, index in chosen.items()},
        units={column: unit for column, index in chosen.items()
               if (unit := split_header(guess.labels[index])[1]) is not None},
        cells=cells.reset_index(drop=True), totals=plan.totals, duplicate_columns=duplicates,
        ignored_columns=list(unmatched), ignored_letters=unmatched, non_data=non_data, rows_with_content=seen,
        merged_spans=spans,
    )


def _rows_above_the_body(top: list, content, header_first: int, header_last: int) -> tuple:
    """(ledger entries, grid index where data may start) for the title rows, the header rows and a
    column-numbering row under the header ("(1) (2) (3)...")."""
    non_data = [layout.ledger_entry(r + 1, "title", layout.row_text(top[r]))
                for r in range(header_first) if content[r]]
    non_data += [layout.ledger_entry(r + 1, "header", layout.row_text(top[r]))
                 for r in range(header_first, header_last + 1) if content[r]]
    body_start = header_last + 1
    if len(top) > body_start and _is_numbering_row(top[body_start]):
        non_data.append(layout.ledger_entry(body_start + 1, "numbering", layout.row_text(top[body_start])))
        body_start += 1
    return non_data, body_start


def _merged_down(cells: pd.DataFrame, merged, chosen: dict, fill_columns: tuple) -> tuple:
    """(cells, spans) for the cells merged down from a data row over later data rows. A person reads
    the value written once in the first row beside every row of the range; in a column of
    `fill_columns` (the zone, the ownership) each row gets it, elsewhere the rows are left as they are
    (a figure cannot belong to several enterprises). Every span is kept for its finding."""
    column_at = {index: column for column, index in chosen.items()}
    rows = cells["source_row"].to_numpy()  # ascending
    cells = cells.copy() if merged else cells
    spans = []
    for (top, left), (bottom, right) in merged:
        column = column_at.get(left)
        first, end = rows.searchsorted(top + 1), rows.searchsorted(bottom + 1, side="right")
        if column is None or end - first < 2 or rows[first] != top + 1:
            continue  # not a read column, or not from a data row over later data rows
        filled = column in fill_columns
        if filled:
            position = cells.columns.get_loc(column)
            block = cells.iloc[first:end, position]
            cells.iloc[first:end, position] = block.where(~layout.empty_cells(block), block.iloc[0])
        address = f"{column_letter(left)}{top + 1}:{column_letter(right)}{bottom + 1}"
        spans.append(MergedSpan(column, address, top + 1, bottom + 1, filled))
    return cells, spans


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

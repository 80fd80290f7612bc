"""Turn raw sheet tables into typed canonical tables: numbers, yes/no, tax codes, zones, units.

Types come from the pandera models (one source of truth). Every cell that cannot be typed
becomes a finding with its value as submitted; the row stays, so quarantine can show it.
How each column is typed is in heza.ingest.cells; this module goes over sheets and the period.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
import pyarrow.compute as pc

from heza.findings import by_distinct, display_value, finding, findings_frame
from heza.ingest.arrow_text import arrow_text, flags
from heza.ingest.cells import (
    clean_column, legacy_text_problems, lookalike_cells, map_distinct, parse_booleans, parse_numbers,
    restore_tax_codes,
)
from heza.ingest.files import FileRead
from heza.ingest.headers import closest_header, fold, value_index
from heza.ingest.numbers import format_number
from heza.ingest.reference import ZoneRegistry
from heza.ingest.tables import CellError, SheetTable
from schemas.columns import column_specs
from schemas.tables import COLUMN_LABELS, TABLE_OF_KIND



@dataclass
class NormalisedTable:
    """One canonical table of the period: typed rows, the same rows as submitted, and findings."""

    name: str
    typed: pd.DataFrame
    submitted: pd.DataFrame
    findings: pd.DataFrame
    column_letters: dict = field(default_factory=dict)  # (file, sheet, column) -> letter


TYPING_THREADS = 2  # the office machine's cores; more threads only wait for the GIL


# -- one sheet -----------------------------------------------------------------------------------

def normalise_sheet(table: SheetTable, registry: ZoneRegistry, rate: float | None,
                    first_row_id: int, total_tolerance: float, max_cell_chars: int = 2000):
    """(typed frame, submitted frame, findings) for one sheet; row_ids start at first_row_id."""
    kind, name = table.kind, TABLE_OF_KIND[table.kind]
    specs = column_specs(kind)
    index = pd.RangeIndex(first_row_id, first_row_id + len(table.cells))
    cells = table.cells.set_axis(index)
    records = []
    cell_finding = _cell_finder(table, cells, name, records)
    _sheet_findings(table, cells, name, records, cell_finding)
    typed = _typed_columns(table, cells, specs, rate, max_cell_chars, name, records, cell_finding)
    headed = _zones_from_subheadings(cells, registry)
    if kind != "claims":
        for column, position, detail in lookalike_cells(typed, registry):
            cell_finding("CELL_LOOKALIKE_LETTERS", column, position, detail)
        typed["zone_code"] = map_distinct(typed["zone_code"].fillna(headed), registry.code_for)
    if "ownership" in typed:
        words = value_index()["ownership"]
        typed["ownership"] = map_distinct(typed["ownership"], lambda text: words.get(fold(text)))
    records.extend(_column_findings(table, cells, specs, headed, name))
    if table.totals:
        records.extend(_total_row_findings(table, typed.assign(source_row=cells["source_row"]), specs, rate, name,
                                           total_tolerance))
    typed["source_file"] = pd.Series(table.file, index=index, dtype="string")
    typed["source_sheet"] = pd.Series(table.sheet, index=index, dtype="string")
    typed["source_row"] = cells["source_row"].astype("Int64")
    typed["row_id"] = index
    # as submitted: raw cells, turned into text only for the few rows quarantine shows (publish.split_rows)
    submitted = pd.DataFrame({c: cells[c] if c in cells else None for c in specs}, index=index)
    for column in ("source_file", "source_sheet", "source_row", "row_id"):
        submitted[column] = typed[column]
    return typed, submitted, records


def _where(table: SheetTable) -> dict:
    return {"source_file": table.file, "source_sheet": table.sheet}


def _cell_finder(table: SheetTable, cells: pd.DataFrame, name: str, records: list):
    """cell_finding(code, column, row_id, detail): adds to `records` one finding about a cell, with
    its Excel row and cell address and its value as submitted."""
    where, rows, columns = _where(table), cells["source_row"].to_numpy(), {}

    def cell_finding(code, column, position, detail=("", "")):
        at = cells.index.get_loc(position)  # by offset: a frame lookup per finding costs milliseconds at 1M rows
        row = int(rows[at])
        letter = table.column_letters.get(column, "")
        if column in cells and column not in columns:
            columns[column] = cells[column].array
        records.append(finding(
            code, table=name, detail_vi=detail[0], detail_en=detail[1], **where, source_row=row,
            column=column, cell=f"{letter}{row}" if letter else None,
            value=display_value(columns[column][at]) if column in cells else None,
            row_id=int(position),
        ))

    return cell_finding


def _sheet_findings(table: SheetTable, cells: pd.DataFrame, name: str, records: list, cell_finding) -> None:
    """What the reader noticed about the sheet: hidden rows, columns or sheet, CSV lines read alone
    for an unbalanced quote, lines of a mixed-encoding file read as Windows-1258."""
    where, index = _where(table), cells.index
    if table.hidden_rows or table.hidden_columns:
        hidden = ", ".join([*(f"dòng/row {r}" for r in table.hidden_rows[:20]),
                            *(f"cột/column {c}" for c in table.hidden_columns[:20])])
        records.append(finding("SHEET_HIDDEN_CONTENT", table=name, **where, value=hidden))
    stray = cells["source_row"].isin(table.stray_quote_rows).to_numpy(dtype=bool) if table.stray_quote_rows \
        else None
    for column in table.columns if stray is not None else ():
        quoted = stray & cells[column].astype("string").str.contains('"', regex=False).fillna(False).to_numpy(bool)
        for position in index[quoted]:
            cell_finding("CELL_UNBALANCED_QUOTE", column, position)
    if table.hidden_sheet:  # read only because no visible sheet of its kind is there
        records.append(finding("SHEET_HIDDEN_CONTENT", table=name, **where, value="trang tính ẩn / hidden sheet"))
    for span in table.merged_spans:
        _merged_span_findings(span, cells, cell_finding)
    if table.recoded_rows:
        row_ids = pd.Series(index.to_numpy(), index=cells["source_row"].to_numpy())
        for row, line in sorted(table.recoded_rows.items()):
            row_id = row_ids.get(row)
            records.append(finding(
                "CELL_MIXED_ENCODING", table=name, **where, source_row=int(row), value=line[:300],
                row_id=None if row_id is None else int(row_id),
                detail_vi="dòng này đọc theo Windows-1258, các dòng khác theo UTF-8",
                detail_en="this line was read as Windows-1258, the others as UTF-8"))


def _merged_span_findings(span, cells: pd.DataFrame, cell_finding) -> None:
    """A value given to every row of its merged cell is said once, on the cell; a figure or name merged
    over several rows belongs to none of them for sure, so each of those rows gets an error."""
    rows = f"{span.first_row}–{span.last_row}"
    positions = cells.index[cells["source_row"].between(span.first_row, span.last_row).to_numpy()]
    if span.filled:
        cell_finding("CELL_MERGED_FILLED", span.column, positions[0],
                     (f"ô gộp {span.address}: giá trị áp cho các dòng {rows}",
                      f"merged cell {span.address}: the value applies to rows {rows}"))
        return
    for position in positions:
        cell_finding("CELL_MERGED_ACROSS_ROWS", span.column, position,
                     (f"ô gộp {span.address} trải qua các dòng {rows}", f"merged cell {span.address} spans rows {rows}"))


def _typed_columns(table: SheetTable, cells: pd.DataFrame, specs: dict, rate: float | None,
                   max_cell_chars: int, name: str, records: list, cell_finding) -> pd.DataFrame:
    """Every canonical column typed by its spec (missing ones empty); each cell that cannot be
    typed becomes a finding, and the cell is left empty in the typed frame. A CSV's columns (Arrow
    text, whose kernels release the GIL) are typed in two threads; a workbook's (Python objects,
    which hold it) in one. Findings are taken in the columns' order, whichever thread ends first."""
    index = cells.index
    columns = {column: cells[column] if column in cells else pd.Series(None, index=index, dtype=object)
               for column in specs}

    def type_one(column):
        return _typed_column(columns[column], column, specs[column], table, rate, max_cell_chars)

    if all(isinstance(cells[column].dtype, pd.StringDtype) for column in specs if column in cells):
        # pandas' casts set warning filters with catch_warnings, which is process-wide: two threads
        # can leave one's filter behind; the filters are put back as they were once both are done
        with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=TYPING_THREADS) as pool:
            results = list(pool.map(type_one, specs))
    else:
        results = list(map(type_one, specs))
    typed = pd.DataFrame(index=index)
    for column, (values, companions, problems, broken, by_majority) in zip(specs, results):
        for position in broken:
            cell_finding("CELL_ERROR_VALUE", column, position)
        if by_majority:
            records.append(finding("CELL_MIXED_CONVENTION", table=name, **_where(table), column=column,
                                   cell=table.column_letters.get(column)))
        typed[column] = values
        for companion, companion_values in companions.items():
            typed[companion] = companion_values
        for position, (code, *detail) in problems.items():
            cell_finding(code, column, position, tuple(detail))
    return typed


def _typed_column(values: pd.Series, column: str, spec, table: SheetTable, rate: float | None,
                  max_cell_chars: int) -> tuple:
    """(typed column, {name: companion column}, {row: problem}, error cells' rows, typed by the
    majority's number convention) for one column: no side effect, so it can run in a thread."""
    broken = []
    if table.has_error_cells:
        errors = values.map(lambda v: isinstance(v, CellError))
        broken = list(values.index[errors.to_numpy()])
        values = values.mask(errors, None)
    companions, problems, by_majority = {}, {}, False
    if spec.dtype in {"Int64", "Float64"}:
        typed, problems, by_majority = parse_numbers(values, spec, table.units.get(column), rate)
    elif spec.dtype == "boolean":
        typed, problems = parse_booleans(values)
    elif column == "tax_code":
        typed, companions["tax_code_restored"] = restore_tax_codes(values)
    else:
        typed = clean_column(values)
    if spec.dtype == "string":
        problems = {**problems, **legacy_text_problems(typed), **_too_long(typed, max_cell_chars)}
    return typed, companions, problems, broken, by_majority


def _too_long(text: pd.Series, max_cell_chars: int) -> dict:
    """{row: CELL_TOO_LONG problem} for the text cells longer than the limit."""
    long_bytes = flags(pc.greater(pc.binary_length(arrow_text(text)), max_cell_chars))  # chars <= bytes
    if not long_bytes.any():
        return {}
    too_long = text.str.len().gt(max_cell_chars).fillna(False) & long_bytes
    return {position: ("CELL_TOO_LONG", f"{len(text[position])} ký tự > {max_cell_chars}",
                       f"{len(text[position])} characters > {max_cell_chars}")
            for position in text.index[too_long.to_numpy()]}


def _zones_from_subheadings(cells: pd.DataFrame, registry: ZoneRegistry) -> pd.Series:
    """The zone a subheading row names ("KCN Đình Vũ" over a group of rows), for each row under it;
    missing where there is none. It fills the zone where a row does not write one."""
    if "subheading" not in cells:
        return pd.Series(pd.NA, index=cells.index, dtype="string")
    return pd.Series(by_distinct(cells["subheading"], registry.code_for), index=cells.index, dtype="string")


def _missing_column(table: SheetTable, cells: pd.DataFrame, column: str, name: str) -> dict:
    """One SHEET_MISSING_COLUMN for the sheet, on its header row: the header written instead (the
    unrecognised one most like a known name of the column, in its cell) and that name, and the rows
    it holds back. Every row of the sheet is held back by it (heza.findings.row_errors)."""
    label = COLUMN_LABELS.get(column, (column, column))
    close = closest_header(table.kind, column, table.ignored_columns)
    held = _rows_held(cells)
    if close:
        detail = (f"không nhận ra tên cột '{close[0]}' (gần nhất: '{close[1]}', tức cột {label[0]}); {held[0]}",
                  f"the header '{close[0]}' is not known (closest: '{close[1]}', the {label[1]} column); {held[1]}")
    else:
        detail = (f"không có cột {label[0]}; {held[0]}", f"no {label[1]} column; {held[1]}")
    return finding("SHEET_MISSING_COLUMN", table=name, detail_vi=detail[0], detail_en=detail[1], **_where(table),
                   column=column, source_row=table.header_rows[-1] if table.header_rows else None,
                   cell=f"{table.ignored_letters[close[0]]}{table.header_rows[-1]}" if close else None,
                   value=close[0] if close else None)


def _rows_held(cells: pd.DataFrame) -> tuple:
    """'49 dòng (8–56) bị giữ lại': the rows a finding about the whole sheet holds back."""
    rows = cells["source_row"]
    if not len(rows):
        return "không có dòng nào", "no rows"
    span = f"{rows.min()}–{rows.max()}" if rows.max() > rows.min() else f"{rows.min()}"
    return f"{len(rows)} dòng ({span}) bị giữ lại", f"{len(rows)} rows ({span}) held back"


def _column_findings(table: SheetTable, cells: pd.DataFrame, specs: dict, headed: pd.Series, name: str) -> list:
    """SHEET_MISSING_COLUMN (a required column the header lacks; the zone may come from subheadings)
    and SHEET_DUPLICATE_COLUMN (two headers meaning one column), each once for the sheet, on its
    header row: one cause, one finding, however many rows it holds back."""
    index, records = cells.index, []
    named_by_headings = {"zone_code"} if len(index) and headed.notna().all() else set()
    for column in [c for c, s in specs.items() if s.required and c not in table.columns and c not in named_by_headings]:
        records.append(_missing_column(table, cells, column, name))
    held = _rows_held(cells)
    for column, labels in table.duplicate_columns.items():
        label = COLUMN_LABELS.get(column, (column, column))
        written = ", ".join(f"'{text}'" for text in labels)
        records.append(finding(
            "SHEET_DUPLICATE_COLUMN", table=name, detail_vi=f"các cột {written} đều là cột {label[0]}; {held[0]}",
            detail_en=f"the headers {written} all mean the {label[1]} column; {held[1]}", **_where(table),
            column=column, source_row=table.header_rows[-1] if table.header_rows else None, value=labels[-1]))
    return records


def _total_row_findings(table, typed, specs, rate, name, tolerance):
    """Compare each total row with the sums of the rows it closes, column by column."""
    records = []
    rows = typed["source_row"] if "source_row" in typed else table.cells["source_row"].set_axis(typed.index)
    for total in table.totals:
        row, (first, last) = total["source_row"], total["closes"]
        if first > last:  # a bare total with no rows to close: nothing to compare
            continue
        closed = rows.between(first, last).to_numpy(dtype=bool)
        for column, spec in specs.items():
            if spec.dtype not in {"Int64", "Float64"} or column not in table.columns:
                continue
            raw = pd.Series([total.get(column)], dtype=object)
            written, problems, _ = parse_numbers(raw, spec, table.units.get(column), rate)
            if problems or pd.isna(written.iloc[0]):
                continue
            written_total, computed = float(written.iloc[0]), float(typed.loc[closed, column].sum(skipna=True))
            scale = table.units[column].scale if column in table.units else 1.0
            if abs(written_total - computed) > tolerance * max(1.0, scale):
                letter = table.column_letters.get(column, "")
                records.append(finding(
                    "SHEET_TOTAL_ROW_MISMATCH", table=name, source_file=table.file, source_sheet=table.sheet,
                    source_row=row, column=column, cell=f"{letter}{row}",
                    value=display_value(total.get(column)),
                    detail_vi=f"dòng tổng {format_number(written_total)}, tổng các dòng {first}–{last} "
                              f"{format_number(computed)}",
                    detail_en=f"total row {format_number(written_total, 'en')}, sum of rows {first}–{last} "
                              f"{format_number(computed, 'en')}",
                ))
    return records


# -- the period ----------------------------------------------------------------------------------

def normalise_file(file: FileRead, registry: ZoneRegistry, rate: float | None, total_tolerance: float = 0.5,
                   max_cell_chars: int = 2000) -> dict:
    """{table name: NormalisedTable} of one file, row ids from 0 across its sheets (the map step:
    it needs nothing from any other file), plus the file's own findings under "files"."""
    parts: dict = {name: ([], [], []) for name in TABLE_OF_KIND.values()}
    letters: dict = {name: {} for name in TABLE_OF_KIND.values()}
    next_id = 0
    for table in file.tables if file.error is None else []:
        name = TABLE_OF_KIND[table.kind]
        typed, submitted, records = normalise_sheet(table, registry, rate, next_id, total_tolerance, max_cell_chars)
        next_id += len(typed)
        parts[name][0].append(typed)
        parts[name][1].append(submitted)
        parts[name][2].extend(records)
        letters[name].update({(table.file, table.sheet, c): l for c, l in table.column_letters.items()})
    tables = {name: _normalised_table(kind, name, *parts[name], letters[name]) for kind, name in TABLE_OF_KIND.items()}
    tables["files"] = NormalisedTable("files", pd.DataFrame(), pd.DataFrame(), findings_frame(_file_findings(file)))
    return tables


def _file_findings(file: FileRead) -> list:
    """FILE_UNREADABLE for a file that could not be read, else the reader's own findings (stray cells)."""
    if file.error is None:
        return list(file.findings)
    return [finding("FILE_UNREADABLE", source_file=file.file, detail_vi=file.error.message_vi,
                    detail_en=file.error.message_en, value=file.error.reason)]


def _normalised_table(kind: str, name: str, typed_parts: list, submitted_parts: list, records: list,
                      letters: dict) -> NormalisedTable:
    typed = pd.concat(typed_parts) if typed_parts else _empty_typed(kind)
    submitted = pd.concat(submitted_parts) if submitted_parts else \
        pd.DataFrame(columns=[*column_specs(kind), "source_file", "source_sheet", "source_row", "row_id"])
    return NormalisedTable(name, typed, submitted, findings_frame(records), letters)


def combine_files(per_file: list) -> dict:
    """The period's tables from each file's (normalise_file), in file order: row ids made unique
    across the period by offsetting each file's by the rows of the files before it."""
    offset, shifted = 0, []
    for tables in per_file:
        shifted.append({name: _shift_rows(table, offset) for name, table in tables.items()})
        offset += sum(len(table.typed) for name, table in tables.items() if name != "files")
    names = [*TABLE_OF_KIND.values(), "files"]
    combined = {}
    for name in names:
        parts = [tables[name] for tables in shifted]
        kind = next((k for k, n in TABLE_OF_KIND.items() if n == name), None)
        if name == "files":
            combined[name] = NormalisedTable(name, pd.DataFrame(), pd.DataFrame(),
                                             findings_frame([p.findings for p in parts]))
            continue
        filled = [p for p in parts if len(p.typed)]
        combined[name] = _normalised_table(kind, name, [p.typed for p in filled], [p.submitted for p in filled],
                                           [p.findings for p in parts],
                                           {k: v for p in parts for k, v in p.column_letters.items()})
    return combined


def _shift_rows(table: NormalisedTable, offset: int) -> NormalisedTable:
    if not offset or table.name == "files":
        return table

    def shifted(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.set_axis(frame.index + offset)
        return frame.assign(row_id=frame["row_id"].to_numpy() + offset) if "row_id" in frame.columns else frame

    findings = table.findings.assign(row_id=table.findings["row_id"] + offset)
    return NormalisedTable(table.name, shifted(table.typed), shifted(table.submitted), findings, table.column_letters)


def _empty_typed(kind: str) -> pd.DataFrame:
    specs = column_specs(kind)
    frame = pd.DataFrame({name: pd.Series(dtype=spec.dtype) for name, spec in specs.items()})
    if kind == "enterprise":
        frame["tax_code_restored"] = pd.Series(dtype="boolean")
    for column, dtype in (("source_file", "string"), ("source_sheet", "string"), ("source_row", "Int64"),
                          ("row_id", "int64")):
        frame[column] = pd.Series(dtype=dtype)
    return frame

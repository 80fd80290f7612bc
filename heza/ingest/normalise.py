"""Turn raw sheet tables into typed canonical tables: numbers, yes/no, tax codes, zones, units.

Types come from the pandera models (one source of truth). Every cell that cannot be typed
becomes a finding with its value as submitted; the row stays, so quarantine can show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from heza.findings import by_distinct, display_column, display_value, finding, findings_frame, is_text
from heza.ingest.headers import (
    LEGACY_MARKS, confusable_letters, describe_confusables, fold, legacy_text_encoding, value_index,
)
from heza.ingest.files import FileRead
from heza.ingest.numbers import column_convention, format_number, parse_figure, resolve_readings
from heza.ingest.reference import ZoneRegistry
from heza.ingest.tables import CellError, SheetTable
from schemas.columns import ColumnSpec, column_specs
from schemas.checks import tax_code_valid

TABLE_OF_KIND = {"enterprise": "enterprises", "zone": "zones", "claims": "claims"}
_COUNT_UNITS = {None, "persons", "enterprises", "projects"}


@dataclass
class NormalisedTable:
    """One canonical table of the period: typed rows, the same rows as submitted, and findings."""

    name: str
    typed: pd.DataFrame
    submitted: pd.DataFrame
    findings: pd.DataFrame
    column_letters: dict = field(default_factory=dict)  # (file, sheet, column) -> letter


def _squeeze_spaces(text: pd.Series) -> pd.Series:
    """Runs of white space to one space, only on the few cells that have them."""
    crowded = text.str.contains(r"\s\s|[\t\n\r\u00a0]", regex=True).fillna(False).to_numpy(dtype=bool)
    if crowded.any():
        text = text.copy()
        text[crowded] = text[crowded].str.replace(r"\s+", " ", regex=True)
    return text


def clean_column(values: pd.Series) -> pd.Series:
    """Text cells: NFC, single spaces, trimmed, empty -> missing; numbers written back without '.0'."""
    text = display_column(values).astype("string")
    text = _squeeze_spaces(text.str.normalize("NFC")).str.strip()
    return text.mask(text == "")


# -- numbers -------------------------------------------------------------------------------------

_PLAIN_INTEGER = r"-?\d{1,15}"


def parse_numbers(values: pd.Series, spec: ColumnSpec, header_unit, rate: float | None):
    """Typed values, per-cell problems {position: (rule, detail vi, detail en)} and whether the
    column's majority convention decided an ambiguous figure, for one sheet column.

    Vectorised: real numbers and plain digit strings are converted at once; every other text is
    parsed once per distinct value."""
    whole = spec.dtype == "Int64"
    raw = values.to_numpy(dtype=object)
    text = is_text(values)
    result = np.full(len(values), np.nan)
    problem_codes = np.full(len(values), None, dtype=object)
    if (~text).any():
        others = raw[~text]
        numbers = pd.to_numeric(pd.Series(others), errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)
        if pd.api.types.infer_dtype(others, skipna=True) in {"floating", "integer", "mixed-integer-float", "empty"}:
            strange = np.zeros(len(others), dtype=bool)
        else:  # dates, booleans: not a number
            strange = np.fromiter((v is not None and not (isinstance(v, float) and v != v)
                                   and (isinstance(v, bool) or not isinstance(v, (int, float))) for v in others),
                                  dtype=bool, count=len(others))
        numbers[strange] = np.nan
        result[~text] = numbers
        _mark(problem_codes, np.isin(np.arange(len(values)), np.flatnonzero(~text)[strange]),
              ("CELL_NOT_A_NUMBER", "", ""))
    by_majority = False
    if text.any():
        texts = pd.Series(raw[text], dtype="string").str.strip()
        plain = texts.str.fullmatch(_PLAIN_INTEGER).fillna(False).to_numpy(dtype=bool)
        positions = np.flatnonzero(text)
        result[positions[plain]] = texts[plain].astype("float64").to_numpy()
        rest = positions[~plain]
        if len(rest):
            codes, uniques = pd.factorize(pd.Series(raw[rest], dtype=object), use_na_sentinel=True)
            figures = [parse_figure(u) for u in uniques]
            weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
            convention, mixed = column_convention(figures, weights)
            parsed = [_one_figure(f, whole, spec, convention, mixed) for f in figures]
            unique_values = np.array([p[0] for p in parsed] + [np.nan], dtype="float64")
            unique_problems = np.array([p[1] for p in parsed] + [None], dtype=object)
            result[rest] = unique_values[codes]
            problem_codes[rest] = unique_problems[codes]
            by_majority = any(p[2] for p, w in zip(parsed, weights) if w)
    if header_unit is not None:
        result = result * header_unit.scale
        source_unit = header_unit.unit
        if source_unit in {"USD", "VND"} and spec.unit in {"USD", "VND"} and source_unit != spec.unit:
            if rate is None:
                _mark(problem_codes, ~np.isnan(result), ("CELL_NO_EXCHANGE_RATE", "", ""))
                result[:] = np.nan
            else:
                result = result / rate if source_unit == "VND" else result * rate
    if whole:
        fractional = ~np.isnan(result) & (np.abs(result - np.round(result)) > 1e-9)
        _mark(problem_codes, fractional & (problem_codes == None), ("CELL_NOT_WHOLE", "", ""))  # noqa: E711
    has_problem = problem_codes != None  # noqa: E711
    result[has_problem] = np.nan
    problems = {values.index[i]: problem_codes[i] for i in np.flatnonzero(has_problem)}
    series = pd.Series(result, index=values.index)
    typed = series.round().astype("Int64") if whole else series.astype("Float64")
    return typed, problems, by_majority


def _mark(problems: np.ndarray, where: np.ndarray, problem: tuple) -> None:
    for position in np.flatnonzero(where):  # a tuple per cell: numpy would try to spread it
        problems[position] = problem


def _one_figure(figure, whole: bool, spec: ColumnSpec, convention, mixed) -> tuple:
    """(value, problem or None, decided by the majority convention) for one distinct text."""
    if figure.error == "missing":
        return np.nan, None, False
    if figure.error:
        return np.nan, ("CELL_NOT_A_NUMBER", "", ""), False
    if figure.qualifier:
        return np.nan, ("CELL_QUALIFIED", "", ""), False
    allowed = _COUNT_UNITS if whole else {None, spec.unit}
    if figure.unit not in allowed:
        return np.nan, ("CELL_UNIT_MISMATCH", f"'{figure.unit}' ≠ '{spec.unit or 'số đếm'}'",
                        f"'{figure.unit}' is not '{spec.unit or 'a count'}'"), False
    reading = resolve_readings(figure, whole, convention)
    if reading is None:
        options = " / ".join(f"{r.value:g}" for r in figure.readings.values())
        return np.nan, ("CELL_AMBIGUOUS_NUMBER", f"có thể là {options}", f"could be {options}"), False
    majority = figure.ambiguous and mixed and resolve_readings(figure, whole, None) is None
    return reading.value * figure.scale, None, majority


# -- text, yes/no, codes ------------------------------------------------------------------------

def _boolean(value):
    """True/False for one distinct cell of a yes/no column; None when the word is not a yes or a no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = display_value(value)
    if text is None or text.strip() in {"", "-"}:
        return False
    return value_index()["boolean"].get(fold(text) or text.strip())


def parse_booleans(values: pd.Series):
    """Có/Không, x/blank, 1/0, TRUE/FALSE, ✓: an empty cell means no."""
    verdicts = by_distinct(values, _boolean)
    missing = values.isna().to_numpy()
    verdicts[missing] = False
    unknown = np.array([v is None for v in verdicts], dtype=bool)
    problems = {values.index[i]: ("CELL_NOT_BOOLEAN", "", "") for i in np.flatnonzero(unknown)}
    return pd.Series(verdicts, index=values.index, dtype="boolean"), problems


def restore_tax_codes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Compact tax codes to 10 or 10-3 digits, giving back a leading zero Excel dropped."""
    text = clean_column(values)
    spaced = text.str.contains(r"[\s.]", regex=True).fillna(False).to_numpy(dtype=bool)
    if spaced.any():
        text[spaced] = text[spaced].str.replace(r"[\s.]", "", regex=True)
    thirteen = text.str.fullmatch(r"\d{13}").fillna(False)
    text = text.mask(thirteen, text.str.slice(0, 10) + "-" + text.str.slice(10))
    nine = text.str.fullmatch(r"\d{9}(-\d{3})?").fillna(False).astype(bool)
    padded = "0" + text
    restorable = nine & tax_code_valid(padded.where(nine))
    return text.mask(restorable, padded), restorable.astype("boolean")


def map_distinct(values: pd.Series, function) -> pd.Series:
    """A text column mapped once per distinct value; values the function does not know stay."""
    mapped = pd.Series(by_distinct(values, function), index=values.index, dtype="string")
    return mapped.fillna(values)


_LEGACY_SUSPECT = "[" + re.escape("".join(sorted(LEGACY_MARKS))) + "]|Ã|Ä|Æ|á»|áº"


def legacy_text_problems(text: pd.Series) -> dict:
    """{row: CELL_LEGACY_ENCODING problem} for text cells typed in a legacy Vietnamese font encoding
    (TCVN3 'C«ng ty', VNI 'Coâng ty') or UTF-8 read as Windows-1252 ('CÃ´ng ty'): shown as is they
    would be published garbled. Vectorised: one regex over the column, then once per distinct
    suspect value."""
    suspect = text.str.contains(_LEGACY_SUSPECT, regex=True).fillna(False).to_numpy(dtype=bool)
    if not suspect.any():
        return {}
    verdicts = by_distinct(text[suspect], legacy_text_encoding)
    problems = {}
    for position, verdict in zip(np.flatnonzero(suspect), verdicts):
        if verdict:
            problems[text.index[position]] = ("CELL_LEGACY_ENCODING", f"bảng mã {verdict}", f"{verdict} encoding")
    return problems


def lookalike_cells(typed: pd.DataFrame, registry: ZoneRegistry) -> list:
    """[(column, row position, (detail vi, detail en))] for zone codes and names holding letters of
    another script (Cyrillic 'С' in 'KCN Đình Vũ') and tax codes holding non-ASCII characters:
    such a cell matches no zone (registry.code_for refuses it), and says which zone it resembles.
    Looked at once per distinct value."""
    found = []
    if "zone_code" in typed:
        letters = by_distinct(typed["zone_code"], lambda text: confusable_letters(text) or None)
        for position in np.flatnonzero(pd.notna(letters)):
            text = typed["zone_code"].iloc[position]
            like = registry.resembles(text)
            chars = describe_confusables(letters[position])
            found.append(("zone_code", typed.index[position], (
                f"chữ của bảng chữ khác, trông như chữ Latin: {chars}" + (f"; giống khu {like}" if like else ""),
                f"letters of another script that look Latin: {chars}" + (f"; resembles zone {like}" if like else ""))))
    if "tax_code" in typed:
        foreign = typed["tax_code"].str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(dtype=bool)
        for position in np.flatnonzero(foreign):
            chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in dict.fromkeys(typed["tax_code"].iloc[position])
                              if not c.isascii())
            found.append(("tax_code", typed.index[position], (f"ký tự không phải chữ số ASCII: {chars}",
                                                              f"characters that are not ASCII digits: {chars}")))
    return found


# -- one sheet -----------------------------------------------------------------------------------

def normalise_sheet(table: SheetTable, registry: ZoneRegistry, rate: float | None,
                    first_row_id: int, total_tolerance: float, max_cell_chars: int = 2000):
    """(typed frame, submitted frame, findings) for one sheet; row_ids start at first_row_id."""
    kind, name = table.kind, TABLE_OF_KIND[table.kind]
    specs = column_specs(kind)
    cells = table.cells
    index = pd.RangeIndex(first_row_id, first_row_id + len(cells))
    cells = cells.set_axis(index)
    where = {"source_file": table.file, "source_sheet": table.sheet}
    records = []

    def cell_finding(code, column, position, detail=("", "")):
        row = int(cells.at[position, "source_row"])
        letter = table.column_letters.get(column, "")
        records.append(finding(
            code, table=name, detail_vi=detail[0], detail_en=detail[1], **where, source_row=row,
            column=column, cell=f"{letter}{row}" if letter else None,
            value=display_value(cells.at[position, column]) if column in cells else None,
            row_id=int(position),
        ))

    typed = pd.DataFrame(index=index)
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
    if table.recoded_rows:
        row_ids = pd.Series(index.to_numpy(), index=cells["source_row"].to_numpy())
        for row, line in sorted(table.recoded_rows.items()):
            row_id = row_ids.get(row)
            records.append(finding(
                "CELL_MIXED_ENCODING", table=name, **where, source_row=int(row), value=line[:300],
                row_id=None if row_id is None else int(row_id),
                detail_vi="dòng này đọc theo Windows-1258, các dòng khác theo UTF-8",
                detail_en="this line was read as Windows-1258, the others as UTF-8"))
    for column, spec in specs.items():
        values = cells[column] if column in cells else pd.Series(None, index=index, dtype=object)
        if table.has_error_cells:
            broken = values.map(lambda v: isinstance(v, CellError))
            for position in index[broken.to_numpy()]:
                cell_finding("CELL_ERROR_VALUE", column, position)
            values = values.mask(broken, None)
        problems: dict = {}
        if spec.dtype in {"Int64", "Float64"}:
            typed[column], problems, by_majority = parse_numbers(values, spec, table.units.get(column), rate)
            if by_majority:
                records.append(finding("CELL_MIXED_CONVENTION", table=name, **where, column=column,
                                       cell=table.column_letters.get(column)))
        elif spec.dtype == "boolean":
            typed[column], problems = parse_booleans(values)
        elif column == "tax_code":
            typed[column], typed["tax_code_restored"] = restore_tax_codes(values)
        else:
            typed[column] = clean_column(values)
        if spec.dtype == "string":
            problems.update(legacy_text_problems(typed[column]))
            too_long = typed[column].str.len().gt(max_cell_chars).fillna(False)
            for position in index[too_long.to_numpy()]:
                problems[position] = ("CELL_TOO_LONG", f"{len(typed[column][position])} ký tự > {max_cell_chars}",
                                      f"{len(typed[column][position])} characters > {max_cell_chars}")
        for position, (code, *detail) in problems.items():
            cell_finding(code, column, position, tuple(detail))

    headed = pd.Series(pd.NA, index=index, dtype="string")
    if "subheading" in cells:  # "KCN Đình Vũ" over a group of rows names their zone where none is written
        headed = pd.Series(by_distinct(cells["subheading"], registry.code_for), index=index, dtype="string")
    if kind != "claims":
        for column, position, detail in lookalike_cells(typed, registry):
            cell_finding("CELL_LOOKALIKE_LETTERS", column, position, detail)
        typed["zone_code"] = map_distinct(typed["zone_code"].fillna(headed), registry.code_for)
    if "ownership" in typed:
        words = value_index()["ownership"]
        typed["ownership"] = map_distinct(typed["ownership"], lambda text: words.get(fold(text)))

    named_by_headings = {"zone_code"} if len(index) and headed.notna().all() else set()
    for column in [c for c, s in specs.items() if s.required and c not in table.columns and c not in named_by_headings]:
        detail = (f"không có cột '{column}' (các cột đọc được: {', '.join(table.columns.values())})",
                  f"no '{column}' column (columns read: {', '.join(table.columns.values())})")
        records.extend(finding("SHEET_MISSING_COLUMN", table=name, detail_vi=detail[0], detail_en=detail[1],
                               **where, column=column, source_row=int(cells.at[p, "source_row"]),
                               row_id=int(p)) for p in index)
        if not len(index):
            records.append(finding("SHEET_MISSING_COLUMN", table=name, detail_vi=detail[0],
                                   detail_en=detail[1], **where, column=column))
    for column, labels in table.duplicate_columns.items():
        detail = (f"các cột {labels} đều là '{column}'", f"columns {labels} all mean '{column}'")
        records.extend(finding("SHEET_DUPLICATE_COLUMN", table=name, detail_vi=detail[0], detail_en=detail[1],
                               **where, column=column, source_row=int(cells.at[p, "source_row"]),
                               row_id=int(p)) for p in index)

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

def normalise_period(files: list[FileRead], registry: ZoneRegistry, rate: float | None,
                     total_tolerance: float = 0.5, max_cell_chars: int = 2000) -> dict:
    """{table name: NormalisedTable} over every readable sheet of the period, plus file findings."""
    parts: dict = {name: ([], [], []) for name in TABLE_OF_KIND.values()}
    letters: dict = {name: {} for name in TABLE_OF_KIND.values()}
    file_findings = []
    next_id = 0
    for file in files:
        if file.error is not None:
            file_findings.append(finding(
                "FILE_UNREADABLE", source_file=file.file, detail_vi=file.error.message_vi,
                detail_en=file.error.message_en, value=file.error.reason,
            ))
            continue
        file_findings.extend(file.findings)  # the reader's own findings (stray cells)
        for table in file.tables:
            name = TABLE_OF_KIND[table.kind]
            typed, submitted, records = normalise_sheet(table, registry, rate, next_id, total_tolerance,
                                                        max_cell_chars)
            next_id += len(typed)
            parts[name][0].append(typed)
            parts[name][1].append(submitted)
            parts[name][2].extend(records)
            letters[name].update({(table.file, table.sheet, c): l for c, l in table.column_letters.items()})
    tables = {}
    for kind, name in TABLE_OF_KIND.items():
        typed_parts, submitted_parts, records = parts[name]
        typed = pd.concat(typed_parts) if typed_parts else _empty_typed(kind)
        submitted = pd.concat(submitted_parts) if submitted_parts else pd.DataFrame(columns=[*column_specs(kind), "source_file", "source_sheet", "source_row", "row_id"])
        tables[name] = NormalisedTable(name, typed, submitted, findings_frame(records), letters[name])
    tables["files"] = NormalisedTable("files", pd.DataFrame(), pd.DataFrame(), findings_frame(file_findings))
    return tables


def _empty_typed(kind: str) -> pd.DataFrame:
    specs = column_specs(kind)
    frame = pd.DataFrame({name: pd.Series(dtype=spec.dtype) for name, spec in specs.items()})
    if kind == "enterprise":
        frame["tax_code_restored"] = pd.Series(dtype="boolean")
    for column, dtype in (("source_file", "string"), ("source_sheet", "string"), ("source_row", "Int64"),
                          ("row_id", "int64")):
        frame[column] = pd.Series(dtype=dtype)
    return frame

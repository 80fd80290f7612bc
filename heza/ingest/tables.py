"""What reading hands on: a sheet read as a table (`SheetTable`) or set aside (`SkippedSheet`),
the cell values calamine does not give as shown (`CellError`, `PercentText`), and `ReadError`
for a file that cannot be read at all. Every reader module of heza.ingest builds on these."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from heza.ingest.numbers import format_number


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

    def __reduce__(self):
        """Rebuilt from all three fields when unpickled: a file's result crosses to a Dask worker and back."""
        return type(self), (self.reason, self.message_vi, self.message_en)


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
    ignored_columns: list = field(default_factory=list)  # headers that name no known column, as written
    ignored_letters: dict = field(default_factory=dict)  # each of those headers -> its column letter
    non_data: list = field(default_factory=list)  # ledger entries: every row with content that is not data
    rows_with_content: int = 0  # rows of the sheet with at least one non-empty cell, counted apart
    hidden_rows: list = field(default_factory=list)  # Excel row numbers hidden in the sheet
    hidden_columns: list = field(default_factory=list)  # Excel column letters hidden in the sheet
    has_error_cells: bool = False  # the grid holds CellError values
    formatted_empty_rows: int = 0  # rows with formatting but no value past the last row read (never loaded)
    hidden_sheet: bool = False  # read although hidden: no visible sheet of its kind
    stray_quote_rows: list = field(default_factory=list)  # CSV lines read alone for an unbalanced quote
    recoded_rows: dict = field(default_factory=dict)  # row -> line read as Windows-1258 in a UTF-8 file
    merged_spans: list = field(default_factory=list)  # MergedSpan of each cell merged down over data rows


@dataclass(frozen=True)
class MergedSpan:
    """A cell merged down over data rows in a read column: its value is written once, in the first row,
    and a person sees it beside every row of the range."""

    column: str  # canonical column
    address: str  # the merged range as Excel names it, e.g. D4:D6
    first_row: int  # Excel rows of the range
    last_row: int
    filled: bool  # the value was given to every row (a column of table.merged_fill) or not


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


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column name Excel shows."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def percent_decimals(format_code: str) -> int | None:
    """Decimals shown by a number format that displays a percentage ('0.0%' -> 1, '0%' -> 0), or
    None when the format is not a percentage (its first section, quoted text and escapes aside)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", format_code.split(";")[0])
    if "%" not in section:
        return None
    number = section[:section.index("%")]
    fraction = number.split(".", 1)[1] if "." in number else ""
    return len(re.match(r"[0#?]*", fraction).group())


def percent_text(value: float, decimals: int) -> PercentText:
    """0.077 at 1 decimal -> '7,7%': written the Vietnamese way, as Excel shows it in Vietnam."""
    return PercentText(format_number(value * 100, "vi", decimals) + "%")

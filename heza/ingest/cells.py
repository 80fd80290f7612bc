"""Type the cells of one sheet column: numbers (conventions, units in the header, VND/USD), yes/no
words, tax codes (a leading zero Excel dropped given back), clean text; and find the text cells that
are garbled (legacy encodings) or hold letters of another script. Each problem is returned per cell,
for normalise to turn into a finding with the value as submitted.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heza.findings import by_distinct, display_column, display_value, is_text
from heza.ingest.arrow_text import arrow_text, as_series, flags, matches, may_match, nfc
from heza.ingest.headers import (
    LEGACY_MARKS, confusable_letters, describe_confusables, fold, legacy_text_encoding, value_index,
)
from heza.ingest.numbers import column_convention, parse_figure, resolve_readings
from heza.ingest.reference import ZoneRegistry
from schemas.checks import tax_code_valid
from schemas.columns import ColumnSpec

_COUNT_UNITS = {None, "persons", "enterprises", "projects"}


# Python's \s (what str.isspace() calls white space; nothing above U+3000 is) in the RE2 syntax of
# Arrow's kernels, whose own \s is ASCII only: the same cells are squeezed as with Python's re
_SPACE_CHARS = "".join(f"\\x{{{code:04x}}}" for code in range(0x3001) if chr(code).isspace())
_SPACE = f"[{_SPACE_CHARS}]"
_CROWDED = rf"{_SPACE}{_SPACE}|[\t\n\r\x{{00a0}}]"


def _squeeze_spaces(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Runs of white space to one space, only in the few cells that have them (two in a row, a tab,
    a line break, a no-break space)."""
    if not may_match(text, _CROWDED):
        return text
    crowded = pc.match_substring_regex(text, _CROWDED)
    if not pc.any(crowded).as_py():
        return text
    return pc.if_else(crowded, pc.replace_substring_regex(text, f"{_SPACE}+", " "), text)


def clean_column(values: pd.Series) -> pd.Series:
    """Text cells: NFC, single spaces, trimmed, empty -> missing; numbers written back without '.0'.
    On Arrow's string kernels: a million names take a fraction of a second."""
    text = values if isinstance(values.dtype, pd.StringDtype) \
        else display_column(values)  # blank cells are trimmed to missing below
    trimmed = pc.utf8_trim_whitespace(_squeeze_spaces(nfc(arrow_text(text))))
    return as_series(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed), values.index)


# -- numbers -------------------------------------------------------------------------------------

_PLAIN_INTEGER = r"-?\d{1,15}"


def parse_numbers(values: pd.Series, spec: ColumnSpec, header_unit, rate: float | None):
    """Typed values, per-cell problems {position: (rule, detail vi, detail en)} and whether the
    column's majority convention decided an ambiguous figure, for one sheet column.

    Vectorised: real numbers and plain digit strings are converted at once; every other text is
    parsed once per distinct value."""
    whole = spec.dtype == "Int64"
    text = is_text(values)
    strings = isinstance(values.dtype, pd.StringDtype)  # a CSV column: text or missing, kept in Arrow
    raw = None if strings else values.to_numpy(dtype=object)
    result = np.full(len(values), np.nan)
    problems = _CellProblems(len(values))
    if not strings and (~text).any():
        _numbers_from_values(raw, text, result, problems)
    by_majority = False
    if text.any():
        texts = (values if text.all() else values[text]) if strings else pd.Series(raw[text], dtype="string")
        by_majority = _numbers_from_text(texts, text, whole, spec, result, problems)
    if header_unit is not None:
        result = _in_column_unit(result, problems, header_unit, spec.unit, rate)
    if whole:
        fractional = ~np.isnan(result) & (np.abs(result - np.round(result)) > 1e-9)
        problems.mark(fractional & ~problems.found(), ("CELL_NOT_WHOLE", "", ""))
    result[problems.found()] = np.nan
    series = pd.Series(result, index=values.index)
    typed = series.round().astype("Int64") if whole else series.astype("Float64")
    return typed, problems.by_row(values.index), by_majority


class _CellProblems:
    """The problem of each cell of a column as a small code (0: none) into the few distinct problems
    met: a million cells cost one integer array, never a Python object each."""

    def __init__(self, size: int):
        self.kinds: list = [None]
        self.codes = np.zeros(size, dtype=np.int32)

    def mark(self, where: np.ndarray, problem: tuple) -> None:
        """`problem` for the cells `where` (a mask or positions)."""
        self.kinds.append(problem)
        self.codes[where] = len(self.kinds) - 1

    def spread(self, positions: np.ndarray, distinct: list, picks: np.ndarray) -> None:
        """At each of `positions`, the problem distinct[pick] (None: no problem)."""
        codes = np.arange(len(self.kinds), len(self.kinds) + len(distinct), dtype=np.int32)
        codes[[problem is None for problem in distinct]] = 0
        self.kinds.extend(distinct)
        self.codes[positions] = codes[picks]

    def found(self) -> np.ndarray:
        return self.codes != 0

    def by_row(self, index) -> dict:
        """{row: (rule, detail vi, detail en)} of the cells with a problem."""
        return {index[i]: self.kinds[self.codes[i]] for i in np.flatnonzero(self.codes)}


def _numbers_from_values(raw: np.ndarray, text: np.ndarray, result: np.ndarray,
                         problems: _CellProblems) -> None:
    """Fill `result` for the cells that are not text: numbers as they are; dates and booleans are
    not numbers (CELL_NOT_A_NUMBER)."""
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
    problems.mark(np.flatnonzero(~text)[strange], ("CELL_NOT_A_NUMBER", "", ""))


def _numbers_from_text(texts: pd.Series, text: np.ndarray, whole: bool, spec: ColumnSpec,
                       result: np.ndarray, problems: _CellProblems) -> bool:
    """Fill `result` and `problems` for the text cells (`texts`, as written, at the positions
    `text`): plain integers at once on Arrow's kernels (`_plain_integers`), every other text
    parsed once per distinct value under the column's convention. Returns whether that majority
    convention decided an ambiguous figure."""
    strings = arrow_text(texts)
    plain, values = _plain_integers(strings)
    if len(strings) == len(result):  # every cell is text (a CSV column): no positions to look up
        result[:], rest = values, np.flatnonzero(~plain)
    else:
        positions = np.flatnonzero(text)
        result[positions], rest = values, positions[~plain]  # NaN where not plain, until read below
    if not len(rest):
        return False
    others = pc.filter(strings, ~plain).to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(others, use_na_sentinel=True)
    figures = [parse_figure(u) for u in uniques]
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
    convention, mixed = column_convention(figures, weights)
    parsed = [_one_figure(f, whole, spec, convention, mixed) for f in figures]
    unique_values = np.array([p[0] for p in parsed] + [np.nan], dtype="float64")
    result[rest] = unique_values[codes]
    problems.spread(rest, [p[1] for p in parsed] + [None], codes)  # a missing cell (code -1): the None
    return any(p[2] for p, w in zip(parsed, weights) if w)


def _plain_integers(strings: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(which cells are plain integers, their values): cells of ASCII digits only (the usual cell)
    are cast at once; only the others are trimmed and matched for a sign and white space, so a
    clean column costs one check and one cast, no regex."""
    plain = flags(pc.and_(pc.ascii_is_decimal(strings), pc.less_equal(pc.binary_length(strings), 15)))
    if plain.all():
        return plain, pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False)
    values = np.full(len(strings), np.nan)
    values[plain] = pc.cast(pc.filter(strings, plain), pa.float64()).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain)
    stripped = pc.utf8_trim_whitespace(strings.take(rest))
    signed = flags(pc.match_substring_regex(stripped, f"^(?:{_PLAIN_INTEGER})$"))
    values[rest[signed]] = pc.cast(pc.filter(stripped, signed), pa.float64()).to_numpy(zero_copy_only=False)
    plain[rest[signed]] = True
    return plain, values


def _in_column_unit(result: np.ndarray, problems: _CellProblems, header_unit, unit: str | None,
                    rate: float | None) -> np.ndarray:
    """Values scaled by the header's unit (triệu USD, tỷ đồng) and converted between VND and USD at
    the reference rate; without a rate every figure is a CELL_NO_EXCHANGE_RATE problem."""
    result = result * header_unit.scale
    source_unit = header_unit.unit
    if source_unit in {"USD", "VND"} and unit in {"USD", "VND"} and source_unit != unit:
        if rate is None:
            problems.mark(~np.isnan(result), ("CELL_NO_EXCHANGE_RATE", "", ""))
            result[:] = np.nan
        else:
            result = result / rate if source_unit == "VND" else result * rate
    return result


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
    """Có/Không, x/blank, 1/0, TRUE/FALSE, ✓: an empty cell means no. Each distinct cell is read
    once; the verdicts are spread back as arrays, never a Python value per row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    verdicts = [_boolean(value) for value in uniques]
    known = np.array([verdict is not None for verdict in verdicts] + [True])  # the last: a missing cell
    truth = np.array([bool(verdict) for verdict in verdicts] + [False])
    unknown = ~known[codes]
    problems = {values.index[i]: ("CELL_NOT_BOOLEAN", "", "") for i in np.flatnonzero(unknown)}
    return pd.Series(pd.arrays.BooleanArray(truth[codes], unknown), index=values.index), problems


def restore_tax_codes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Compact tax codes to 10 or 10-3 digits, giving back a leading zero Excel dropped. The few
    cells to change are found on Arrow's kernels and only they are rewritten; a cell of ten ASCII
    digits (the usual one) is left as it is without a regex."""
    text = clean_column(values)
    strings = arrow_text(text)
    odd = ~flags(pc.and_(pc.ascii_is_decimal(strings), pc.equal(pc.binary_length(strings), 10)))
    restorable = np.zeros(len(text), dtype=bool)
    if odd.any():
        fixed, restorable[odd] = _restored_tax_codes(text[odd])
        text = as_series(pc.replace_with_mask(strings, pa.array(odd), arrow_text(fixed).combine_chunks()), text.index)
    return text, pd.Series(restorable, index=text.index, dtype="boolean")


def _restored_tax_codes(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(codes compacted and given back their zero, which were given it) for cleaned tax codes."""
    text = text.copy()
    spaced = matches(text, f"[{_SPACE_CHARS}.]")
    if spaced.any():
        text[spaced] = text[spaced].str.replace(r"[\s.]", "", regex=True)
    thirteen = matches(text, r"^\d{13}$")
    if thirteen.any():
        text[thirteen] = text[thirteen].str.slice(0, 10) + "-" + text[thirteen].str.slice(10)
    nine = matches(text, r"^\d{9}(-\d{3})?$")
    restorable = np.zeros(len(text), dtype=bool)
    if nine.any():
        padded = "0" + text[nine]
        restorable[nine] = tax_code_valid(padded).to_numpy(dtype=bool)
        text[restorable] = padded[restorable[nine]].to_numpy()
    return text, restorable


def map_distinct(values: pd.Series, function) -> pd.Series:
    """A text column mapped once per distinct value; values the function does not know stay."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pa.array([function(value) for value in uniques] + [None], pa.large_string())
    codes[codes < 0] = len(uniques)  # a missing cell: the None at the end
    return as_series(pa.chunked_array([pc.coalesce(mapped.take(codes), arrow_text(values).combine_chunks())]),
                     values.index)


_LEGACY_SUSPECT = "[" + re.escape("".join(sorted(LEGACY_MARKS))) + "]|Ã|Ä|Æ|á»|áº"


def legacy_text_problems(text: pd.Series) -> dict:
    """{row: CELL_LEGACY_ENCODING problem} for text cells typed in a legacy Vietnamese font encoding
    (TCVN3 'C«ng ty', VNI 'Coâng ty') or UTF-8 read as Windows-1252 ('CÃ´ng ty'): shown as is they
    would be published garbled. Vectorised: one regex over the column, then once per distinct
    suspect value."""
    strings = arrow_text(text)
    if pc.all(pc.string_is_ascii(strings)).as_py() or not may_match(strings, _LEGACY_SUSPECT):
        return {}  # every suspect mark is a letter beyond ASCII; the usual column has none at all
    suspect = flags(pc.match_substring_regex(strings, _LEGACY_SUSPECT))
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
        foreign = flags(pc.invert(pc.string_is_ascii(arrow_text(typed["tax_code"]))))
        for position in np.flatnonzero(foreign):
            chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in dict.fromkeys(typed["tax_code"].iloc[position])
                              if not c.isascii())
            found.append(("tax_code", typed.index[position], (f"ký tự không phải chữ số ASCII: {chars}",
                                                              f"characters that are not ASCII digits: {chars}")))
    return found

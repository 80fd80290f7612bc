"""Parse figures written the Vietnamese way ("99.570", "7,5%", "hơn 10,2 tỷ USD") or the English way.

A form that is ambiguous on its own ("99.570", "1,234") keeps both readings; the column it sits
in decides (see `resolve_readings`), and where nothing decides, it stays an error: never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

VI, EN = "vi", "en"

QUALIFIERS = {
    "hơn": "over", "trên": "over", ">": "over", "≥": "over", ">=": "over",
    "dưới": "under", "<": "under", "≤": "under", "<=": "under",
    "xấp xỉ": "about", "khoảng": "about", "gần": "about", "~": "about", "≈": "about",
}
SCALES = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
UNIT_WORDS = {  # a unit as written in a figure -> its canonical name
    "%": "%", "usd": "USD", "us$": "USD", "$": "USD", "đồng": "VND", "vnd": "VND", "vnđ": "VND",
    "đ": "VND", "người": "persons", "lao động": "persons", "doanh nghiệp": "enterprises",
    "dn": "enterprises", "dự án": "projects", "đảng viên": "persons",
}
MISSING_TEXT = {"", "-", "–", "—"}

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")


def _alternation(words) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_FIGURE = re.compile(
    rf"^(?P<qualifier>{_alternation(QUALIFIERS)})?\s*"
    r"(?P<sign>[-−+])?\s*"
    r"(?P<number>\d(?:[\d.,' ]*\d)?)\s*"
    rf"(?P<scale>{_alternation(SCALES)})?\s*"
    rf"(?P<unit>{_alternation(UNIT_WORDS)})?$"
)


@dataclass(frozen=True)
class Reading:
    """One way to read the digits: the value and how many decimals were written."""

    value: float
    decimals: int


@dataclass(frozen=True)
class ParsedFigure:
    """What a cell or claim says: its reading(s), qualifier, scale and unit; or why it is not a number."""

    text: str
    readings: dict = field(default_factory=dict)  # convention (vi/en/None) -> Reading
    qualifier: str | None = None
    scale: float = 1.0
    unit: str | None = None
    error: str | None = None

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1

    @property
    def convention(self) -> str | None:
        """The convention this figure proves, if it is unambiguous and tells one."""
        if len(self.readings) == 1:
            return next(iter(self.readings))
        return None

    @property
    def reading(self) -> Reading | None:
        """The single reading, or None when ambiguous or not a number."""
        return next(iter(self.readings.values())) if len(self.readings) == 1 else None

    @property
    def value(self) -> float | None:
        reading = self.reading
        return None if reading is None else reading.value * self.scale


def clean_text(text: str) -> str:
    """NFC, full-width digits to ASCII, every kind of space to one plain space, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip()


def _digits_readings(number: str) -> dict:
    """Readings of a digit string with '.', ',' or ' ' separators, keyed by the convention they need."""
    if " " in number or "'" in number:
        groups = re.split(r"[ ']", number)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups[1:])):
            return {}
        number = "".join(groups)
    dots, commas = number.count("."), number.count(",")
    if not dots and not commas:
        return {None: Reading(float(number), 0)}
    if dots and commas:
        decimal_mark = "," if number.rfind(",") > number.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        whole, _, fraction = number.rpartition(decimal_mark)
        if number.count(decimal_mark) != 1 or not _valid_groups(whole, group_mark):
            return {}
        convention = VI if decimal_mark == "," else EN
        return {convention: Reading(float(whole.replace(group_mark, "") + "." + fraction), len(fraction))}
    mark = "." if dots else ","
    parts = number.split(mark)
    if len(parts) > 2:  # only grouping marks repeat
        if not _valid_groups(number, mark):
            return {}
        return {VI if mark == "." else EN: Reading(float("".join(parts)), 0)}
    whole, fraction = parts
    as_decimal = Reading(float(whole + "." + fraction), len(fraction))
    decimal_convention = VI if mark == "," else EN
    grouping_convention = EN if mark == "," else VI
    if len(fraction) != 3 or whole == "0" or len(whole) > 3:
        return {decimal_convention: as_decimal}
    return {grouping_convention: Reading(float(whole + fraction), 0), decimal_convention: as_decimal}


def _valid_groups(number: str, mark: str) -> bool:
    groups = number.split(mark)
    return 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])


def parse_figure(raw) -> ParsedFigure:
    """Parse one cell or claim. Real numbers pass through; text follows the contract's grammar."""
    if raw is None:
        return ParsedFigure("", error="missing")
    if isinstance(raw, bool):
        return ParsedFigure(str(raw), error="not_a_number")
    if isinstance(raw, (int, float)):
        if raw != raw:  # NaN
            return ParsedFigure("", error="missing")
        return ParsedFigure(str(raw), {None: Reading(float(raw), 0)})
    text = clean_text(str(raw))
    if text in MISSING_TEXT:
        return ParsedFigure(text, error="missing")
    match = _FIGURE.match(text.casefold())
    if not match:
        return ParsedFigure(text, error="not_a_number")
    readings = _digits_readings(match["number"])
    if not readings:
        return ParsedFigure(text, error="bad_grouping")
    if match["sign"] in {"-", "−"}:
        readings = {k: Reading(-r.value, r.decimals) for k, r in readings.items()}
    return ParsedFigure(
        text,
        readings,
        qualifier=QUALIFIERS.get(match["qualifier"]) if match["qualifier"] else None,
        scale=SCALES.get(match["scale"], 1.0) if match["scale"] else 1.0,
        unit=UNIT_WORDS.get(match["unit"]) if match["unit"] else None,
    )


def column_convention(figures, weights=None) -> tuple[str | None, bool]:
    """The convention most unambiguous cells of one column prove, and whether both occur; `weights`
    says how many cells each figure stands for (figures are parsed once per distinct text).

    A tie, or no evidence, gives None: the column does not decide.
    """
    counts = {VI: 0, EN: 0}
    for figure, weight in zip(figures, weights if weights is not None else iter(lambda: 1, None)):
        if figure.convention in counts:
            counts[figure.convention] += int(weight)
    mixed = bool(counts[VI] and counts[EN])
    if counts[VI] > counts[EN]:
        return VI, mixed
    if counts[EN] > counts[VI]:
        return EN, mixed
    return None, mixed


def resolve_readings(figure: ParsedFigure, whole_numbers: bool, convention: str | None) -> Reading | None:
    """Pick one reading of an ambiguous figure, by the column's type, then its convention; else None."""
    if not figure.ambiguous:
        return figure.reading
    if whole_numbers:
        whole = [r for r in figure.readings.values() if float(r.value).is_integer()]
        if len(whole) == 1:
            return whole[0]
    if convention is not None:
        return figure.readings.get(convention)
    return None


def format_number(value: float, lang: str = "vi", decimals: int = 0) -> str:
    """99570 -> '99.570' (vi) or '99,570' (en); 7.7029 with decimals=2 -> '7,70' / '7.70'."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return text

"""Match what submitters write (headers, ownership words, yes/no, zone names) to canonical names.

The vocabulary is data (headers.toml); this module only knows how to compare words: case,
diacritics, punctuation, line breaks, spacing and word order do not matter.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from heza.ingest.numbers import SCALES, UNIT_WORDS, clean_text

VOCABULARY_FILE = Path(__file__).with_name("headers.toml")
SHEET_KINDS = ("enterprise", "zone", "claims")
CLOSE_ENOUGH = 0.6  # how alike (0–1, difflib) an unrecognised header and a known name must be to be named
_PARENTHESES = re.compile(r"\(([^()]*)\)")
# punctuation and symbols are spaces; letters of any script stay, so that a look-alike (Cyrillic 'С'
# in 'KСN', 'Да' in a yes/no cell) keeps the text from matching instead of vanishing from it
_NOT_ALNUM = re.compile(r"[^\w%$]+|_")


def fold(text: str) -> str:
    """Lower case, no diacritics, 'đ' as 'd', punctuation as spaces, single spaces; letters of
    other scripts are kept (never dropped), so they cannot make a text match silently."""
    text = unicodedata.normalize("NFD", clean_text(str(text)).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


def word_key(text: str) -> frozenset:
    """The set of folded words: the same for every spelling and word order of one header."""
    return frozenset(fold(text).split())


@dataclass(frozen=True)
class HeaderUnit:
    """A unit written in a header: its scale (1, 10^3, 10^6, 10^9) and currency or measure."""

    text: str
    scale: float
    unit: str | None


def split_header(text: str) -> tuple[str, HeaderUnit | None]:
    """Split "Vốn đăng ký (triệu USD)" into its words and its unit; words in parentheses that are
    not a unit stay part of the header."""
    unit = None
    words = clean_text(str(text))
    for inside in _PARENTHESES.findall(words):
        parsed = parse_unit(inside)
        if parsed is not None:
            unit = parsed
            words = words.replace(f"({inside})", " ")
    return words, unit


_FOLDED_SCALES = {fold(word): scale for word, scale in SCALES.items()}
_FOLDED_UNITS = {fold(word): unit for word, unit in UNIT_WORDS.items()}


def parse_unit(text: str) -> HeaderUnit | None:
    """Read "USD", "triệu USD", "tỷ đồng", "trieu USD", "%", "người" as a scale and a unit."""
    words = fold(text).split()
    scale, unit = 1.0, None
    if words and words[0] in _FOLDED_SCALES:
        scale = _FOLDED_SCALES[words.pop(0)]
    phrase = " ".join(words)
    if phrase in _FOLDED_UNITS:
        unit = _FOLDED_UNITS[phrase]
    elif phrase:
        return None
    if unit is None and scale == 1.0:
        return None
    return HeaderUnit(text=clean_text(text), scale=scale, unit=unit)


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return tomllib.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def header_index() -> dict:
    """{kind: {word_key: canonical column}}, plus 'ignored': {word_key: None}."""
    vocab = vocabulary()
    index = {kind: {} for kind in SHEET_KINDS}
    for kind in SHEET_KINDS:
        for column, aliases in vocab[kind].items():
            for alias in [column.replace("_", " "), *aliases]:
                index[kind][word_key(split_header(alias)[0])] = column
    index["ignored"] = {word_key(alias): None for alias in vocab["ignored"]["aliases"]}
    return index


@lru_cache(maxsize=8192)
def _header_key(text: str) -> frozenset:
    """The word key of a header without its unit; cached, as every row that might be the header of
    every sheet is matched against each kind (tens of thousands of calls for the sample month)."""
    return word_key(split_header(text)[0])


def match_header(kind: str, text: str) -> str | None:
    """The canonical column a header means for one kind of sheet, or None."""
    return header_index()[kind].get(_header_key(text))


def closest_header(kind: str, column: str, labels) -> tuple[str, str] | None:
    """(header, alias): of the headers a sheet wrote that matched nothing, the one most like a known
    name of `column`, and that name; None when none comes close (the column is simply absent)."""
    aliases = vocabulary()[kind].get(column, [])
    scored = [(SequenceMatcher(None, fold(split_header(label)[0]), fold(alias)).ratio(), label, alias)
              for label in labels for alias in aliases]
    score, label, alias = max(scored, default=(0.0, "", ""))
    return (label, alias) if score >= CLOSE_ENOUGH else None


def is_ignored_header(text: str) -> bool:
    return _header_key(text) in header_index()["ignored"]


@lru_cache(maxsize=1)
def value_index() -> dict:
    """{'ownership': {folded: canonical}, 'boolean': {folded: bool}}."""
    vocab = vocabulary()["values"]
    ownership = {fold(alias): code for code, aliases in vocab["ownership"].items() for alias in aliases}
    ownership.update({fold(code): code for code in vocab["ownership"]})
    boolean = {fold(alias) or alias.strip(): True for alias in vocab["boolean"]["true"]}
    boolean.update({fold(alias) or alias.strip(): False for alias in vocab["boolean"]["false"]})
    # a symbol ('✓') folds to nothing: it is kept as written, so that '✗' or '×' (also nothing once
    # folded) is not read as '✓'
    return {"ownership": ownership, "boolean": boolean}


@lru_cache(maxsize=1)
def row_words() -> dict:
    rows = vocabulary()["rows"]
    return {name: tuple(fold(word) for word in words) for name, words in rows.items()}


def starts_with_any(text: str, words: tuple) -> bool:
    folded = fold(text)
    return any(folded == word or folded.startswith(word + " ") for word in words)


_ZONE_PREFIXES = ("khu cong nghiep va khu phi thue quan", "khu cong nghiep", "khu kinh te",
                  "kcn va khu phi thue quan", "kcn", "kkt")


def zone_keys(name: str) -> set:
    """Every folded way a zone may be written: full name, without "KCN"/"KKT", without (…)."""
    folded = fold(name)
    keys = {folded, fold(_PARENTHESES.sub(" ", clean_text(name)))}
    for key in list(keys):
        for prefix in _ZONE_PREFIXES:
            if key.startswith(prefix + " "):
                keys.add(key[len(prefix) + 1:])
    return {key for key in keys if key}


_TCVN3_MARKS = set("¸µ¶·¹¨©ª«¬®¤¥¦§¢£")
_VNI_MARKS = set("øïëöüåäûñ")


def legacy_encoding(text: str) -> str | None:
    """'TCVN3' or 'VNI' when text looks typed in a pre-Unicode Vietnamese font encoding: their
    letters come out as symbols (·, ¸, ¶ …) or foreign letters (ø, ï, ñ …) that Vietnamese never uses."""
    tcvn3 = sum(ch in _TCVN3_MARKS for ch in text)
    vni = sum(ch in _VNI_MARKS for ch in text)
    if max(tcvn3, vni) < 3:
        return None
    return "TCVN3" if tcvn3 >= vni else "VNI"


# -- look-alike letters (Unicode TR39 confusables, the part Vietnamese text meets) ----------------

# Letters of other scripts drawn like Latin ones: Cyrillic and Greek capitals and small letters,
# and the Latin letter each imitates (after TR39's confusables.txt, Latin targets only).
_LOOKALIKES = dict(zip(
    "АВСЕНІЈКМОРЅТХУЬаеіјорсѕухԁһԛԝӏЗз" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχϲϳ",
    "ABCEHIJKMOPSTXYbaeijopcsyxdhqwl33" "ABEZHIKMNOPTYXaikvoptuxcj",
    strict=True,
))


def confusable_letters(text: str) -> list:
    """The letters of a text that belong to another script than Latin (Cyrillic 'С', Greek 'Ο' …):
    Vietnamese is written in Latin letters only, so in a code or a name each one is a look-alike.
    Plain text, digits and punctuation give []; fast on ASCII and on Vietnamese."""
    if text.isascii():
        return []
    found = []
    for char in unicodedata.normalize("NFD", text):
        if char.isalpha() and not unicodedata.name(char, "").startswith("LATIN") and char not in found:
            found.append(char)
    return found


def describe_confusables(letters: list) -> str:
    """"'С' (CYRILLIC CAPITAL LETTER ES, giống/like 'C')" for each look-alike letter."""
    return ", ".join(
        f"'{char}' ({unicodedata.name(char, 'U+%04X' % ord(char))}"
        + (f", ~ '{_LOOKALIKES[char]}')" if char in _LOOKALIKES else ")") for char in letters)


def skeleton(text: str) -> str:
    """The text with each look-alike letter replaced by the Latin letter it imitates (TR39 skeleton,
    reduced to the scripts that meet Vietnamese text); only used to say which zone a code resembles."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(_LOOKALIKES.get(char, char) for char in decomposed))


# -- legacy encodings in one cell ------------------------------------------------------------------

LEGACY_MARKS = _TCVN3_MARKS | _VNI_MARKS
_TCVN3_DISTINCT = _TCVN3_MARKS - set("©®")  # symbols no name holds; © ® may stand in brand names
_LATIN1 = re.compile(r"^[\x00-\xff‘’“”•–—€‚ƒ„…†‡ˆ‰Š‹ŒŽšœžŸ˜™›]*$")
_VNI_TONE = re.compile(r"[aeiouyAEIOUY][øïëöüåäûõù]|[ñÑ]")  # VNI writes a tone as a letter after its vowel
# UTF-8 bytes of Vietnamese read as Windows-1252: 'ô' -> 'Ã´', 'đ' -> 'Ä‘', 'ư' -> 'Æ°', 'ạ' -> 'áº¡'
_CONTINUATION = re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore"))
_UTF8_AS_1252 = re.compile(rf"[ÃÄÆ][{_CONTINUATION}]|á[º»]")


def legacy_text_encoding(text: str) -> str | None:
    """'TCVN3', 'VNI' or 'UTF-8/Windows-1252' when one cell's text is garbled Vietnamese: typed in
    a pre-Unicode font encoding (TCVN3 'C«ng ty', VNI 'Coâng ty Haûi Ñaêng') or UTF-8 read as
    Windows-1252 ('CÃ´ng ty'). Such text only holds Latin-1 characters, and marks that
    Vietnamese never uses; one distinctive TCVN3 symbol, or two VNI tone letters after a vowel, decide."""
    if not isinstance(text, str) or text.isascii():
        return None
    if _UTF8_AS_1252.search(text):
        return "UTF-8/Windows-1252"
    if not _LATIN1.match(text):
        return None  # real Vietnamese Unicode (ư, ơ, ạ …): not a legacy encoding
    if any(char in _TCVN3_DISTINCT for char in text) or sum(char in _TCVN3_MARKS for char in text) >= 2:
        return "TCVN3"
    if len(_VNI_TONE.findall(text)) >= 2:  # not 'Søren Müller', whose marks follow consonants
        return "VNI"
    return None

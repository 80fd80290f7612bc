"""The ways people mistype a figure, named: what turns the right value into the written one.

A value the edits fix (or one of several tied fixes) is `explained` when the written value is one
slip away from it: one keystroke (a digit added, dropped, doubled, two neighbours swapped), a
thousand or million unit slip (triệu vs tỷ), or a sign. Each slip has its words here, Vietnamese
and English, with the digit(s) it is about.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SLIP_WORDS = {
    "digit_added": ("có thể gõ thừa chữ số {d}", "perhaps an extra digit {d} was typed"),
    "digit_doubled": ("có thể gõ lặp chữ số {d}", "perhaps the digit {d} was typed twice"),
    "digit_dropped": ("có thể gõ thiếu chữ số {d}", "perhaps the digit {d} was left out"),
    "digits_swapped": ("có thể gõ đảo hai chữ số {d}", "perhaps two digits were swapped ({d})"),
    "unit_thousand": ("có thể nhầm đơn vị: gấp 1.000 lần", "perhaps a unit slip: 1,000 times too large"),
    "unit_thousandth": ("có thể nhầm đơn vị: nhỏ hơn 1.000 lần", "perhaps a unit slip: 1,000 times too small"),
    "unit_million": ("có thể nhầm đơn vị (triệu/tỷ…): gấp 1.000.000 lần",
                     "perhaps a unit slip (million/billion…): 1,000,000 times too large"),
    "unit_millionth": ("có thể nhầm đơn vị (triệu/tỷ…): nhỏ hơn 1.000.000 lần",
                       "perhaps a unit slip (million/billion…): 1,000,000 times too small"),
    "sign": ("có thể gõ nhầm dấu trừ", "perhaps a wrong minus sign"),
}
_UNITS = {"unit_thousand": 1e3, "unit_thousandth": 1e-3, "unit_million": 1e6, "unit_millionth": 1e-6}


def _keystroke(written: str, right: str) -> tuple | None:
    """(slip, digits) when `written` is `right` with one digit added, doubled, dropped, or two
    neighbouring digits swapped."""
    if len(written) == len(right) + 1:
        for i in range(len(written)):
            if written[:i] + written[i + 1:] == right:
                d = written[i]
                neighbours = written[i - 1:i] + written[i + 1:i + 2]
                return ("digit_doubled" if d != "0" and d in neighbours else "digit_added"), d
    if len(right) == len(written) + 1:
        found = _keystroke(right, written)
        return ("digit_dropped", found[1]) if found else None
    if len(written) == len(right):
        differ = [i for i in range(len(written)) if written[i] != right[i]]
        if len(differ) == 2 and differ[1] == differ[0] + 1 and written[differ[0]] == right[differ[1]] \
                and written[differ[1]] == right[differ[0]]:
            return "digits_swapped", written[differ[0]] + written[differ[1]]
    return None


def slip_of(written: float, right: float) -> tuple | None:
    """(slip code, digits) naming how `right` could have been typed as `written`; None if no
    known slip turns one into the other."""
    if math.isnan(written) or math.isnan(right) or written == right:
        return None
    if written == -right:
        return "sign", ""
    for code, factor in _UNITS.items():
        if right != 0 and abs(written - right * factor) <= 1e-12 * abs(right * factor):
            return code, ""
    if written <= 0 or right <= 0 or not (float(written).is_integer() and float(right).is_integer()) \
            or max(written, right) >= 1e15:
        return None
    return _keystroke(str(int(written)), str(int(right)))


def slips(written: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """slip_of over two arrays, computed once per distinct pair: (codes, digits), None where none."""
    pairs = pd.DataFrame({"w": written, "r": right})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    found = [slip_of(float(w), float(r)) for w, r in uniques]
    code = np.array([f[0] if f else None for f in found] + [None], dtype=object)
    digits = np.array([f[1] if f else None for f in found] + [None], dtype=object)
    return code[codes], digits[codes]


def slip_words(codes, digits, lang: int) -> np.ndarray:
    """The slip in words (lang 0: Vietnamese, 1: English), None where there is none."""
    return np.array([None if c is None else SLIP_WORDS[c][lang].format(d=d) for c, d in zip(codes, digits)],
                    dtype=object)

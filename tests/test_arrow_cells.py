"""The cell typing done on Arrow's kernels (heza.ingest.arrow_text, heza.ingest.cells) says what
the per-value Python it replaced said: blank cells, NFC, plain numbers, yes/no words."""

from __future__ import annotations

import sys

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heza.ingest.arrow_text import blank_strings, nfc
from heza.ingest.cells import map_distinct, parse_booleans, parse_numbers
from schemas.columns import column_specs


def _strings(values) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(values, pa.large_string())], pa.large_string())


def test_a_blank_cell_is_one_that_trimming_leaves_empty_for_every_code_point():
    characters = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code < 0xE000]
    cells = _strings(["", " x", "x ", *characters, *(c + c for c in characters[:0x3100])])
    trimmed_empty = pc.equal(pc.utf8_trim_whitespace(cells), "")
    assert pc.all(pc.equal(blank_strings(cells), trimmed_empty)).as_py()


def test_a_column_already_in_nfc_is_returned_as_it_is():
    cells = _strings(["Công ty TNHH Đình Vũ", None, "VSIP", ""])
    assert nfc(cells) is cells


def test_a_decomposed_cell_is_composed_and_the_others_kept():
    cells = _strings(["Co\u0302ng ty", "VSIP", None, "Đình Vũ"])
    assert nfc(cells).to_pylist() == ["Công ty", "VSIP", None, "Đình Vũ"]


def test_each_cell_is_normalised_on_its_own_not_with_the_cell_before_it():
    """'e' then a lone combining acute: joined they would compose to 'é', each alone is NFC."""
    cells = _strings(["e", "\u0301", "e\u0301"])
    assert nfc(cells).to_pylist() == ["e", "\u0301", "é"]


def test_plain_digits_are_read_at_once_and_every_other_text_by_its_convention():
    spec = column_specs("enterprise")["workers_total"]
    cells = pd.Series([" 12 ", "-7", "0042", "1.234.567", "123456789012345", "١٢", "N/A", None, "99.570"],
                      dtype="string")
    typed, problems, _ = parse_numbers(cells, spec, None, None)
    assert typed.tolist()[:6] == [12, -7, 42, 1_234_567, 123_456_789_012_345, 12]  # Arabic-Indic digits too
    assert typed.isna().tolist()[6:8] == [True, True]
    assert {position: problem[0] for position, problem in problems.items()} == {6: "CELL_NOT_A_NUMBER"}
    assert typed.iloc[8] == 99_570  # a count column reads the ambiguous form as whole


def test_a_yes_no_column_reads_each_word_once_and_an_empty_cell_as_no():
    typed, problems = parse_booleans(pd.Series(["Có", "Không", None, "x", "maybe", "Có"], dtype="string"))
    assert typed.tolist()[:4] == [True, False, False, True] and typed.iloc[5]
    assert pd.isna(typed.iloc[4]) and list(problems) == [4]


def test_a_mapped_column_keeps_the_values_the_mapping_does_not_know():
    mapped = map_distinct(pd.Series(["a", None, "b", "a"], dtype="string"), {"a": "A"}.get)
    assert mapped.tolist() == ["A", pd.NA, "b", "A"]

"""The cell typing done on Arrow's kernels (heza.ingest.arrow_text, heza.ingest.cells) says what
the per-value Python it replaced said: blank cells, NFC, plain numbers, yes/no words; and each
shortcut for the usual clean column (one search over a column's bytes, plain digits cast at once,
ten-digit tax codes left alone) says what asking every cell says."""

from __future__ import annotations

import re
import sys
import threading
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import example, given
from hypothesis import strategies as st

from heza.ingest.arrow_text import (
    _NFC_ANYWHERE, blank_strings, is_nfc, may_contain, may_match, nfc, nfc_as_it_stands,
)
from heza.ingest.cells import (
    _CROWDED, _LEGACY_SUSPECT, _PLAIN_INTEGER, _plain_integers, _restored_tax_codes, clean_column, map_distinct,
    parse_booleans, parse_numbers, restore_tax_codes,
)
from heza.ingest.csv_text import _composed_utf8_grid, _decoded_grid
from heza.samples.workbooks import windows_1258
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


# characters a column of cells is drawn from: ASCII figures and white space, Vietnamese composed and
# decomposed, legacy-font marks, no-break and wide spaces, digits of other scripts, Greek, Hangul jamo
_ALPHABET = st.sampled_from([*"0123456789 -.,\t\nabcÃ©º", "Công", "Đình", "ạ", "o\u0302", "e\u0301", "\u0301",
                             "\u00a0", "\u3000", "\u2000", "\u037e", "١", "\u1100", "\u1161", "“", "€"])
_CELL = st.one_of(st.none(), st.lists(_ALPHABET, max_size=6).map("".join))


def _chunked(cells: list, cut: int) -> pa.ChunkedArray:
    """The cells in two chunks, the second a slice (not at the start of its buffer), as Arrow's CSV
    reader and filters hand them on."""
    whole = pa.array(["pad", *cells], pa.large_string())
    cut = min(cut, len(cells))
    return pa.chunked_array([whole.slice(1, cut), whole.slice(1 + cut)], pa.large_string())


def test_every_character_counted_nfc_anywhere_is_so_beside_any_other():
    """No combining class, NFC alone, and never the second character of a canonical composition:
    then no neighbour can compose with it or reorder it, so a text of them is NFC as it stands."""
    seconds = {int(d.split()[1], 16) for c in map(chr, range(sys.maxunicode + 1))
               if (d := unicodedata.decomposition(c)) and not d.startswith("<") and len(d.split()) == 2}
    seconds |= set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul vowels and finals
    ranges = [tuple(int(bound[3:-1], 16) for bound in part.split("-"))
              for part in re.findall(r"\\x\{[0-9A-F]+\}-\\x\{[0-9A-F]+\}", _NFC_ANYWHERE)]
    assert len(ranges) == 3
    for first, last in ranges:
        for code in range(first, last + 1):
            character = chr(code)
            assert not unicodedata.combining(character) and code not in seconds, hex(code)
            assert unicodedata.normalize("NFC", character) == character, hex(code)


@given(st.lists(_CELL, max_size=8), st.integers(0, 8))
def test_a_column_is_nfc_exactly_when_every_cell_is(cells, cut):
    strings = _chunked(cells, cut)
    assert is_nfc(strings) == all(cell is None or unicodedata.is_normalized("NFC", cell) for cell in cells)
    assert nfc(strings).to_pylist() == [None if c is None else unicodedata.normalize("NFC", c) for c in cells]
    if nfc_as_it_stands("".join(cell or "" for cell in cells).encode("utf-8")):
        assert all(cell is None or unicodedata.is_normalized("NFC", cell) for cell in cells)


@given(st.lists(_CELL, max_size=8), st.integers(0, 8))
def test_one_search_over_a_column_finds_what_searching_each_cell_finds(cells, cut):
    strings = _chunked(cells, cut)
    for pattern in (_CROWDED, _LEGACY_SUSPECT, f"[^{_NFC_ANYWHERE}]"):
        if pc.any(pc.match_substring_regex(strings, pattern)).as_py():
            assert may_match(strings, pattern)
    single = pc.any(pc.match_substring_regex(strings, f"[^{_NFC_ANYWHERE}]")).as_py() or False
    assert may_match(strings, f"[^{_NFC_ANYWHERE}]") == single  # one character never straddles two cells
    assert may_contain(strings, b"\n") == any("\n" in cell for cell in cells if cell is not None)


@given(st.lists(_CELL, max_size=8), st.integers(0, 8))
def test_plain_integers_are_those_trimming_and_matching_each_cell_finds(cells, cut):
    strings = _chunked(cells, cut)
    stripped = pc.utf8_trim_whitespace(strings)
    expected = np.asarray(pc.fill_null(pc.match_substring_regex(stripped, f"^(?:{_PLAIN_INTEGER})$"), False))
    plain, values = _plain_integers(strings)
    assert plain.tolist() == expected.tolist()
    assert values[plain].tolist() == [float(c.strip()) for c, p in zip(cells, expected) if p]


@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(list("0123456789 .-")), max_size=14).map("".join),
                          st.sampled_from(["0100000003", "100000003", "0100000003001", "010 000 0003", "01000000"])),
                max_size=8))
def test_ten_digit_tax_codes_left_alone_restore_as_every_cell_through_the_rules(cells):
    values = pd.Series(cells, dtype="string")
    restored, given_back = restore_tax_codes(values)
    expected, expected_back = _restored_tax_codes(clean_column(values))
    assert restored.tolist() == expected.tolist()
    assert given_back.tolist() == expected_back.tolist()


@given(st.lists(st.lists(_CELL.map(lambda cell: cell or ""), min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from([",", ";", "\t"]), st.booleans())
@example(rows=[["\t", "\t", ""]], delimiter=",", bom=False)  # quoted tabs once made the sniffer choose tab
@example(rows=[["", "\t", "\n\t0"], ["", "\t", "\n\t"]], delimiter=",", bom=False)  # and quoted line breaks
def test_a_utf8_csv_read_straight_from_its_bytes_is_the_grid_decoding_it_whole_gives(rows, delimiter, bom):
    """The shortcut for a UTF-8 file already in NFC reads the same grid, encoding and delimiter as
    decoding and normalising the whole text, or leaves the file to that path."""
    lines = [["Mã số thuế", "Tên doanh nghiệp", "Tổng số lao động"], *rows]
    text = "".join(delimiter.join('"' + c.replace('"', '""') + '"' if set(c) & set('"\n;,\t') else c for c in line)
                   + "\n" for line in lines)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    straight, decoded = _composed_utf8_grid(data), _decoded_grid(data)
    if straight is not None:
        assert straight[0].equals(decoded[0]) and straight[1:4] == decoded[1:4]
    else:
        assert not all(unicodedata.is_normalized("NFC", cell) for row in rows for cell in row) or "\r" in text


def test_only_a_utf8_file_whose_every_cell_is_nfc_is_read_straight_from_its_bytes():
    header = "Mã số thuế;Tên doanh nghiệp;Tổng số lao động\n"
    composed = header + "0100000003;Công ty TNHH Đình Vũ;12\n"
    assert _composed_utf8_grid(composed.encode("utf-8")) is not None
    assert _composed_utf8_grid(b"\xef\xbb\xbf" + composed.encode("utf-8"))[1] == "utf-8-sig"
    for data in ((header + "0100000003;Co\u0302ng ty;12\n").encode("utf-8"),  # decomposed
                 (header + "0100000003;Hỏi\u037e đáp;12\n").encode("utf-8"),  # NFC turns U+037E into ';'
                 composed.encode("utf-16"), windows_1258(composed),
                 # a Windows-1258 line past the head the delimiter is sniffed from
                 (composed * 150).encode("utf-8") + windows_1258("0100000003;Công ty Hải Đăng;12\n")):
        assert _composed_utf8_grid(data) is None


def test_a_csv_typed_in_two_threads_gives_what_one_thread_gives_whichever_column_ends_first(tmp_path, monkeypatch):
    """A CSV's columns are typed in two threads: with the first column held back until the last one
    is done, the typed table (its columns in their order) and its findings are still those of typing
    one column after another."""
    from heza.config import DEFAULTS
    from heza.ingest import normalise
    from heza.ingest.files import read_file
    from heza.ingest.reference import load_zone_registry
    from tests.scratch import REFERENCE

    header = ("Mã số thuế,Tên doanh nghiệp,Mã khu,Loại hình doanh nghiệp,Có tổ chức Đảng,Có tổ chức dân quân tự vệ,"
              "Số đảng viên,Tổng số lao động,Lao động nữ,Lao động nam,Vốn đăng ký (USD)\n")
    rows = ["0100000003,Công ty A,VSIP,FDI,Có,Không,12,100,40,60,1000000",
            "12345,Công ty B,VSIP,FDI,có lẽ,Không,mười,1.234,2,3,khoảng 5 triệu",
            "0100000010,Cong ty Ã¡,VSIP,FDI,Không,?,3,1,5,abc,7 tỷ",
            "0100000027,Công ty D,DINHVU,Ngoài nhà nước,Không,Có,2,10,,10,"]
    path = tmp_path / "doanh_nghiep.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    file = read_file(path, DEFAULTS["limits"])
    registry = load_zone_registry(REFERENCE)
    monkeypatch.setattr(normalise, "TYPING_THREADS", 1)
    one_after_another = normalise.normalise_file(file, registry, 23996.0)
    monkeypatch.setattr(normalise, "TYPING_THREADS", 2)

    first = next(iter(column_specs("enterprise")))
    others_done = threading.Event()
    typed_column = normalise._typed_column

    held = []

    def held_back(values, column, *args):
        if column == first:
            held.append(others_done.wait(5))  # True only if the last column ended while this one waited
        result = typed_column(values, column, *args)
        if column == list(column_specs("enterprise"))[-1]:
            others_done.set()
        return result

    monkeypatch.setattr(normalise, "_typed_column", held_back)
    threaded = normalise.normalise_file(file, registry, 23996.0)
    assert held == [True]
    assert threaded.keys() == one_after_another.keys()
    for name, table in one_after_another.items():
        if isinstance(table, pd.DataFrame):
            pd.testing.assert_frame_equal(threaded[name], table)
            continue
        for part in ("typed", "submitted", "findings"):
            pd.testing.assert_frame_equal(getattr(threaded[name], part), getattr(table, part))
    findings = one_after_another["enterprises"].findings
    assert findings["rule"].nunique() >= 4, findings["rule"].tolist()


def test_typing_a_csv_in_two_threads_leaves_the_warning_filters_as_they_were(tmp_path):
    """pandas sets warning filters with catch_warnings, which is process-wide: two typing threads,
    switching as often as the interpreter allows, once left 'ignore UserWarning' behind for good."""
    import warnings

    from heza.config import DEFAULTS
    from heza.ingest import normalise
    from heza.ingest.files import read_file
    from heza.ingest.reference import load_zone_registry
    from tests.scratch import REFERENCE

    header = ("Mã số thuế,Tên doanh nghiệp,Mã khu,Loại hình doanh nghiệp,Có tổ chức Đảng,"
              "Số đảng viên,Tổng số lao động,Lao động nữ,Lao động nam,Vốn đăng ký (USD)\n")
    rows = ["0100000003,Công ty A,VSIP,FDI,Có,12,100,40,60,1000000",
            "12345,Công ty B,VSIP,FDI,có lẽ,mười,1.234,2,3,khoảng 5 triệu"] * 50
    path = tmp_path / "doanh_nghiep.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    file, registry = read_file(path, DEFAULTS["limits"]), load_zone_registry(REFERENCE)
    before, interval = list(warnings.filters), sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            normalise.normalise_file(file, registry, 23996.0)
            assert warnings.filters == before
    finally:
        sys.setswitchinterval(interval)

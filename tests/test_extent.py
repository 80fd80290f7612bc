"""The fast parts of reading a workbook say the same as the slow ones did: a sheet's extent found
by a literal search for its own namespace prefix still sees a cell written under another prefix;
addresses parsed by numpy are Excel's; a cell's emptiness found on Arrow is Python's str.strip().
(The flags read in the extent's pass are tested in tests/test_values.py.)"""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from heza.config import DEFAULTS
from heza.ingest.layout import empty_cells
from heza.ingest.tables import CellError, column_letter
from heza.ingest.extent import _distinct
from heza.ingest.xlsx import _VALUE_CELL, _addresses, _cell_patterns, sheet_extent

LIMITS = DEFAULTS["limits"]


def _sheet(rows: str, prefix: str = "") -> bytes:
    namespace = f' xmlns:{prefix[:-1]}="main"' if prefix else ""
    return f'<{prefix}worksheet{namespace}><{prefix}sheetData>{rows}</{prefix}sheetData></{prefix}worksheet>'.encode()


def _row(number: int, cells: str, prefix: str = "") -> str:
    return f'<{prefix}row r="{number}">{cells}</{prefix}row>'


def _value(address: str, prefix: str = "") -> str:
    return f'<{prefix}c r="{address}" t="n"><{prefix}v>1</{prefix}v></{prefix}c>'


def test_a_prefixed_sheet_is_measured_and_its_far_cell_is_stray():
    p = "x:"
    data = _sheet(_row(1, _value("A1", p) + _value("B1", p), p) + _row(2, _value("A2", p), p)
                  + _row(1048576, _value("XFD1048576", p), p), p)
    extent = sheet_extent(data, LIMITS)
    assert (extent.rows, extent.columns) == (2, 2) and extent.stray == [(1048575, 16383)]


def test_a_far_cell_under_another_prefix_than_the_rows_is_still_stray():
    data = _sheet(_row(1, _value("A1") + _value("B1")) + _row(2, _value("A2") + _value("XFD2", "y:")))
    extent = sheet_extent(data, LIMITS)
    assert (extent.rows, extent.columns) == (2, 2) and extent.stray == [(1, 16383)]


def test_cells_closed_without_a_value_neither_extend_the_table_nor_are_stray():
    data = _sheet(_row(1, _value("A1") + _value("B1")) + _row(2, '<c r="A2" s="1"/><c r="XFD2" s="1"></c>')
                  + _row(900000, '<c r="Z900000" s="1"/>'))
    extent = sheet_extent(data, LIMITS)
    assert (extent.rows, extent.columns, extent.stray) == (1, 2, [])
    assert extent.formatted_empty_rows == 2  # rows 2 and 900000: formatting only, counted


def test_addresses_are_read_as_excel_names_them():
    columns = [0, 1, 25, 26, 27, 51, 52, 701, 702, 703, 16383]
    rows = [0, 8, 9, 99, 1048575]
    names = [f"{column_letter(c)}{r + 1}".encode() for c in columns for r in rows]
    parsed_rows, parsed_columns = _addresses(names)
    assert parsed_columns.tolist() == [c for c in columns for _ in rows]
    assert parsed_rows.tolist() == rows * len(columns)


def test_a_cell_is_empty_exactly_when_python_strips_it_to_nothing():
    cells = ["", " ", "\u3000", "\u00a0\t", "\u200b", "a", " b ", None, float("nan"), 0.0, 1, True, False,
             datetime.date(2024, 2, 1), CellError("#REF!"), "\x1c", "Đ"]
    expected = [v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())
                for v in cells]
    assert empty_cells(pd.Series(cells, dtype=object)).tolist() == expected
    text = [v for v in cells if isinstance(v, str)]
    assert empty_cells(pd.Series(text, dtype=object)).tolist() == [not v.strip() for v in text]
    assert empty_cells(pd.Series(text, dtype="string")).tolist() == [not v.strip() for v in text]
    assert empty_cells(pd.Series([1.0, np.nan, 2], dtype=object)).tolist() == [False, True, False]


# the value-cell search as first written, lazy ([^>]*?): the greedy one must find the same cells
_LAZY_VALUE_CELL = rb'c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*?(?<!/)>(?!</(?:\w+:)?c>)'
_TAG_PARTS = st.sampled_from(['<c r="A1"', '<c r="XFD1048576"', '<x:c r="B2"', '<c r="a1"', ' s="1"', ' t="s"',
                              ' t="e"', "/", ">", "/>", "</c>", "</x:c>", "<v>1</v>", "<f>A1>0</f>", '"', " ",
                              "\n", "<c>", "<row r=\"1\">"])


@given(st.lists(_TAG_PARTS, max_size=30))
def test_the_greedy_value_cell_search_finds_what_the_lazy_one_did(parts):
    data = "".join(parts).encode()
    for prefix, pattern in ((b"", _cell_patterns(b"")[0]), (b"x:", _cell_patterns(b"x:")[0]),
                            (rb"(?:\w+:)?", _VALUE_CELL)):
        assert pattern.findall(data) == re.findall(b"<" + prefix + _LAZY_VALUE_CELL, data)


@given(st.lists(st.integers(min_value=-1, max_value=10**8), min_size=1, max_size=50))
def test_distinct_positions_are_np_unique_s(positions):
    assert _distinct(np.array(positions)).tolist() == np.unique(positions).tolist()

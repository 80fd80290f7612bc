"""The published workbooks written a column at a time with Arrow (issue 16) hold, part for part and
byte for byte, what the row-by-row writer wrote: on the sample month's published tables, on a hostile
frame, and on any float, whole number or text (property tests against cell_xml, the one definition of
a cell)."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import heza.present.tables_xlsx as tables_xlsx
from heza.present.tables_xlsx import _STYLE, _kind, write_table_xlsx
from heza.present.words import OWNERSHIP_WORDS, YES_NO, column_label, pick, table_label
from heza.present.xlsx_columns import float_cells, joined, number_cells, row_numbers, text_cells
from heza.present.xlsx_writer import AMOUNT, BOLD, INTEGER, TEXT, StreamingWorkbook, cell_xml


def _row_values(name: str, kind: str, series: pd.Series, lang: str) -> list:
    """A column as the row-by-row writer gave its cells (the code this replaced): None when empty."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if kind == "yes_no":
        return [None if v is None else pick(lang, YES_NO[bool(v)]) for v in values]
    if kind == "integer" or kind == "plain":
        return [None if v is None else int(v) for v in values]
    if kind == "amount":
        return [None if v is None else float(v) for v in values]
    if name == "ownership":
        return [None if v is None else pick(lang, OWNERSHIP_WORDS.get(v, (v, v))) for v in values]
    return [None if v is None else str(v) for v in values]


def _write_row_by_row(frame: pd.DataFrame, table: str, path, lang: str) -> None:
    """The published table as the row-by-row writer wrote it: every cell through Sheet.append."""
    kinds = [_kind(c, frame[c]) for c in frame.columns]
    labels = [column_label(c, lang) for c in frame.columns]
    styles = {i: _STYLE[k] for i, k in enumerate(kinds) if _STYLE[k] is not None}
    book = StreamingWorkbook(path)
    sheet = book.add_sheet(table_label(table, lang)[:31], {i: min(max(len(label) + 2, 12), 45)
                                                           for i, label in enumerate(labels)}, freeze_header=True)
    sheet.append(labels, styles={i: BOLD for i in range(len(labels))})
    cells = [_row_values(c, k, frame[c], lang) for c, k in zip(frame.columns, kinds)]
    for row in zip(*cells):
        sheet.append(list(row), styles=styles)
    book.close()


def _parts(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _assert_same_parts(frame: pd.DataFrame, table: str, folder, lang: str = "vi") -> None:
    write_table_xlsx(frame, table, folder / "columns.xlsx", lang)
    _write_row_by_row(frame, table, folder / "rows.xlsx", lang)
    columnar, row_by_row = _parts(folder / "columns.xlsx"), _parts(folder / "rows.xlsx")
    assert list(columnar) == list(row_by_row)
    for name, data in row_by_row.items():
        assert columnar[name] == data, name


def _hostile_frame() -> pd.DataFrame:
    texts = ["", None, "a & b < c > d \" ' e", "x\x00y\x07z\x0b\x1f\ufffe\uffff\t\n\r", "é" * 40_000,
             "Công ty TNHH Điện tử Đồ Sơn", "=SUM(A1)", "]]>", "&amp;", "  spaces  "]
    n = len(texts)
    return pd.DataFrame({
        "tax_code": pd.array(["0100000001", "0200010083", None, "", "0000000000", "01", "0312345678-001",
                              "9", "0", "00"], dtype="string"),
        "enterprise_name": pd.array(texts, dtype="string"),
        "notes": pd.Series(texts, dtype=object),
        "ownership": pd.array(["state", "private", "fdi", None, "unheard-of", "state", "fdi", "", "private", "fdi"],
                              dtype="string"),
        "has_party_org": pd.array([True, False, None] * 3 + [True], dtype="boolean"),
        "has_militia": np.array([True, False] * 5),
        "workers_total": pd.array([0, -1, None, 2**62, -2**62, 1, 10**15, 999, None, 12], dtype="Int64"),
        "capital_usd": pd.array([0.1, 1e16, 1e15, -0.0, 0.0, 1.0, 5e-324, None, 1 / 3, 1e-5], dtype="Float64"),
        "exports_usd": np.array([np.nan, np.inf, -np.inf, 1.5e300, -2.5, 123456789012345.67, 9007199254740993.0,
                                 1e-4, 0.00012345678, 5000000.0]),
        "period_start": pd.date_range("2024-02-01", periods=n, freq="D"),
        "source_row": pd.array(list(range(2, n + 1)) + [None], dtype="Int64"),
    })


def test_sample_tables_are_the_row_by_row_writers_xml_part_for_part(sample_month, tmp_path):
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths
    from heza.config import load_settings
    from schemas import DATA_TABLES

    ctx = prepare(load_settings(), "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx)
    for table in DATA_TABLES:
        published = assessment.splits[table].published
        assert len(published) > 0
        for lang in ("vi", "en"):
            folder = tmp_path / f"{table}-{lang}"
            folder.mkdir()
            _assert_same_parts(published, table, folder, lang)


@pytest.mark.parametrize("chunk", [3, 50_000])
def test_a_hostile_frame_is_the_row_by_row_writers_xml_part_for_part(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(tables_xlsx, "_CHUNK", chunk)  # across chunk boundaries too
    _assert_same_parts(_hostile_frame(), "enterprises", tmp_path)


def test_rows_with_no_cell_are_left_out_as_before(tmp_path):
    frame = pd.DataFrame({"has_party_org": pd.array([None, True, None], dtype="boolean"),
                          "source_row": pd.array([None, None, 4], dtype="Int64")})
    _assert_same_parts(frame, "enterprises", tmp_path)
    sheet = _parts(tmp_path / "columns.xlsx")["xl/worksheets/sheet1.xml"].decode()
    assert '<row r="2">' not in sheet and '<row r="3">' in sheet and '<row r="4">' in sheet


def test_whole_numbers_never_print_as_floats_and_whole_floats_keep_their_point():
    rows = row_numbers(2, 2)
    whole = joined(number_cells(pa.array([1, 1_000_000]), "A", rows, INTEGER)).to_pylist()
    floats = joined(float_cells(np.array([1.0, 1_000_000.0]), "B", rows, 2, AMOUNT)).to_pylist()
    assert whole == [f'<c r="A2" s="{INTEGER}"><v>1</v></c>', f'<c r="A3" s="{INTEGER}"><v>1000000</v></c>']
    assert floats == [f'<c r="B2" s="{AMOUNT}"><v>1.0</v></c>', f'<c r="B3" s="{AMOUNT}"><v>1000000.0</v></c>']


def _expected(letter: str, values: list, style) -> list:
    return [cell_xml(f"{letter}{i + 2}", value, None, style) for i, value in enumerate(values)]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.floats(-1e17, 1e17).map(round).map(float),
                min_size=1, max_size=60))
def test_any_float_is_spelt_as_repr_spells_it(values):
    cells = joined(float_cells(np.array(values, dtype=np.float64), "C", row_numbers(2, len(values)), 2, AMOUNT))
    assert cells.to_pylist() == _expected("C", [None if v != v else v for v in values], AMOUNT)


@given(st.lists(st.none() | st.integers(-2**63, 2**63 - 1), min_size=1, max_size=60))
def test_any_whole_number_is_spelt_as_str_spells_it(values):
    cells = joined(number_cells(pa.array(values, pa.int64()), "D", row_numbers(2, len(values)), None))
    assert cells.to_pylist() == _expected("D", values, None)


@given(st.lists(st.none() | st.text() | st.text(st.sampled_from("&<>\"'\x00\x1f\ufffe\uffff\n\réĐ")), min_size=1,
                max_size=30))
def test_any_text_is_cleaned_and_escaped_as_cell_xml_does(values):
    texts = pa.array(values, pa.large_string())
    for style in (TEXT, None):
        cells = joined(text_cells(texts, "E", row_numbers(2, len(values)), 2, style))
        assert cells.to_pylist() == _expected("E", values, style)

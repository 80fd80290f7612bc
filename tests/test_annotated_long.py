"""The annotated copy of a long sheet (past `limits.annotated_whole_rows`) holds its header and the rows
with findings only, at their own row numbers, and says so on its first sheet; a shorter sheet is
copied whole. A million-row copy took minutes and gigabytes and nobody reads it whole (issue 16)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from openpyxl import load_workbook

from heza.assess.context import prepare
from heza.assess.core import assess_paths
from heza.present.annotate import annotate_submissions
from heza.samples.synthetic import tax_codes
from tests.corpus import csv_file
from tests.test_rules import enterprise_rows

RED = "FFFFC7CE"


def _copy(settings, tmp_path, whole_rows: int):
    """A CSV of 60 enterprise rows, rows 31 and 52 (Excel rows) breaking the gender balance, annotated."""
    codes, valid = tax_codes(np.arange(10_000_000, 10_000_100))
    overrides = [{"tax_code": code} for code in codes[valid][:60]]
    overrides[29]["female"] = overrides[50]["female"] = 61
    tmp_path.mkdir(exist_ok=True)
    [path] = csv_file(tmp_path, "dn_dai.csv", enterprise_rows(*overrides))
    settings = replace(settings, limits={**settings.limits, "annotated_whole_rows": whole_rows})
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    [copy] = annotate_submissions(assessment.findings, list(assessment.files), letters, tmp_path / "out",
                                  settings.limits)
    return load_workbook(copy)


def _marks(sheet) -> dict:
    """{address: (fill, comment)} of every marked cell."""
    return {cell.coordinate: (cell.fill.fgColor.rgb, cell.comment.text if cell.comment else None)
            for row in sheet.iter_rows() for cell in row if cell.fill.fgColor.rgb == RED or cell.comment}


def _rows_with_values(sheet) -> list:
    return [row[0].row for row in sheet.iter_rows() if any(cell.value is not None for cell in row)]


def test_a_sheet_longer_than_the_limit_is_copied_as_its_header_and_marked_rows(settings, tmp_path):
    book = _copy(settings, tmp_path, whole_rows=20)
    sheet = book["dn_dai"]
    assert _rows_with_values(sheet) == [1, 31, 52]
    assert sheet["A1"].value == "Mã số thuế"
    assert _marks(sheet) == _marks(_copy(settings, tmp_path / "whole", whole_rows=61)["dn_dai"])
    assert {address[1:] for address in _marks(sheet)} == {"31", "52"}
    notes = [cell.value for row in book.worksheets[0].iter_rows() for cell in row
             if isinstance(cell.value, str) and "bản sao này chỉ gồm" in cell.value]
    assert notes == ["Trang dn_dai có 61 dòng: bản sao này chỉ gồm các dòng tiêu đề và 2 dòng có phát hiện, "
                     "ở đúng số dòng của tệp đã gửi"]


def test_a_sheet_within_the_limit_is_copied_whole_and_says_nothing_of_it(settings, tmp_path):
    book = _copy(settings, tmp_path, whole_rows=61)
    assert _rows_with_values(book["dn_dai"]) == list(range(1, 62))
    texts = [cell.value for row in book.worksheets[0].iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not [text for text in texts if "bản sao này chỉ gồm" in text]


def test_the_rows_a_partial_copy_holds_are_the_whole_copys_rows_cell_for_cell(settings, tmp_path):
    """The partial copy takes its rows from the reader's frame without turning the others into lists:
    the same values, at the same cells, as the whole copy's."""
    partial = _copy(settings, tmp_path, whole_rows=20)["dn_dai"]
    whole = _copy(settings, tmp_path / "whole", whole_rows=61)["dn_dai"]

    def values(sheet, number):
        return [cell.value for cell in sheet[number]]

    assert [values(partial, n) for n in (1, 31, 52)] == [values(whole, n) for n in (1, 31, 52)]
    assert values(whole, 31)[0] and any(isinstance(value, str) for value in values(whole, 31)[1:])

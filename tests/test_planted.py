"""The localiser on rows with planted slips of every kind the issue names (heza/samples/planted.py):
what it vouches for is always the planted truth, and what it explains by a slip nearly always.
Run with -s to see the rates per slip kind."""

from __future__ import annotations

import pandas as pd
import pytest

from heza.assess.blame import localise_table
from heza.assess.slips import slip_of
from heza.samples.planted import KEYSTROKE_KINDS, PLANTED_KINDS, SLIP_KINDS, our_answers, planted_rows, rates, score

ROWS = 900  # 100 per slip kind and table


@pytest.fixture(scope="module", params=["enterprises", "zones"])
def outcomes(request) -> pd.DataFrame:
    written, truth = planted_rows(request.param, ROWS, seed=13)
    found = score(truth, our_answers(localise_table(request.param, written)))
    print(f"\n{request.param}: planted slips, % of rows\n{rates(found).to_string()}")
    return found


def test_the_generator_plants_one_slip_of_the_named_kind_per_row():
    written, truth = planted_rows("enterprises", ROWS, seed=13)
    assert set(truth["kind"]) == set(PLANTED_KINDS) and len(truth) >= 0.95 * ROWS
    keystrokes = truth[truth["kind"].isin(KEYSTROKE_KINDS)]
    named = [slip_of(w, t) for w, t in zip(keystrokes["written_value"], keystrokes["true_value"])]
    assert all(found is not None and found[0] in (kind, "digit_added") for found, kind in zip(named, keystrokes["kind"]))
    unit = truth[truth["kind"] == "unit_million"]
    assert (unit["written_value"] == unit["true_value"] * 1e6).all()
    missing = truth[truth["kind"] == "missing"]
    assert all(written.loc[missing.index, f].isna().iloc[i] for i, f in enumerate(missing["field"]))


def test_every_determined_value_is_the_planted_true_value(outcomes):
    determined = outcomes[outcomes["sure_value"]]
    assert len(determined) >= 100
    assert determined["sure_value_right"].all()


def test_an_explained_value_is_the_planted_one_in_at_least_95_percent_of_explained_kinds(outcomes):
    explained = outcomes[outcomes["explained"] & outcomes["kind"].isin(SLIP_KINDS)]
    assert len(explained) >= 150
    assert explained["explained_right"].mean() >= 0.95


def test_no_cell_or_value_is_vouched_for_wrongly(outcomes):
    assert not outcomes["wrong_with_confidence"].any()


def test_a_slip_of_every_explained_kind_that_breaks_the_balance_is_mostly_found(outcomes):
    """Of the balance slips (not the managerial count, whose edit a slip may still satisfy),
    each kind is blamed on the planted cell with the planted value in most rows."""
    balance = outcomes[outcomes["kind"].isin(SLIP_KINDS) & (outcomes["field"] != "workers_managerial")]
    right = (balance["blamed_right"] & balance["value_right"]).groupby(balance["kind"]).mean()
    assert set(right.index) == set(SLIP_KINDS)
    assert (right >= 0.6).all(), right.to_dict()


def test_a_female_male_swap_breaks_no_edit_so_nothing_is_blamed(outcomes):
    swapped = outcomes[outcomes["kind"] == "female_male_swapped"]
    assert len(swapped) >= 50 and not swapped["detected"].any()


def test_an_empty_balance_cell_is_always_filled_with_its_true_value(outcomes):
    missing = outcomes[(outcomes["kind"] == "missing") & (outcomes["field"] != "workers_managerial")]
    assert len(missing) >= 50
    assert (missing["sure_value"] & missing["sure_value_right"]).all()


ZONE_SLIPS = {  # zone: (its row's figures by column index, the cell with the slip, what the clerk reads there)
    "VSIP": ({2: 500, 3: 30, 4: 20}, "C2", "Gợi ý: 50 (có thể gõ thừa chữ số 0)"),
    "NOMURA": ({3: 6}, "D3", "Gợi ý: 60 (có thể gõ thiếu chữ số 0)"),
    "DOSON": ({4: 40_000}, "E4", "Gợi ý: 40 (có thể nhầm đơn vị: gấp 1.000 lần)"),
    "DINHVU": ({4: -40}, "E5", "Gợi ý: 40 (có thể gõ nhầm dấu trừ)"),
    "TIENTHANH": ({4: 440}, "E6", "Gợi ý: 40 (có thể gõ lặp chữ số 4)"),
}  # the other columns as tests.test_rules.ZONE_GOOD: 100 workers, 60 female, 40 male; NAMCAUKIEN is right


def test_a_zone_clerk_sees_one_red_cell_per_slip_with_its_suggestion_and_no_red_elsewhere(settings, tmp_path):
    from openpyxl import load_workbook

    from heza.assess.context import prepare
    from heza.assess.core import assess_paths
    from heza.present.annotate import annotate_submissions
    from tests.conftest import write_workbook
    from tests.test_rules import zone_rows

    rows = [{0: zone, **figures} for zone, (figures, _, _) in ZONE_SLIPS.items()]
    path = write_workbook(tmp_path / "khu.xlsx", {"Khu": zone_rows(*rows, {0: "NAMCAUKIEN"})})
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    [copy] = annotate_submissions(assessment.findings, list(assessment.files), letters, tmp_path / "out",
                                  settings.limits)
    sheet = load_workbook(copy)["Khu"]
    red = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row if cell.fill.fgColor.rgb == "FFFFC7CE"}
    assert set(red) == {address for _, address, _ in ZONE_SLIPS.values()}
    for _, address, text in ZONE_SLIPS.values():
        assert text in red[address].comment.text
    workers = [cell for row in sheet["C2:E7"] for cell in row if cell.coordinate not in red]
    assert all(cell.fill.fgColor.rgb in (None, "00000000") for cell in workers)  # the right counts: no colour


def test_on_the_sample_month_every_determined_value_is_the_true_one(sample_month, settings):
    """The sample's deliberate error rows ("Công ty TNHH Mẫu Lỗi …") share one true row (200
    workers, 120 female, 80 male, 20 managerial), each with one cell broken: a value the localiser
    calls determined must be that row's value, as the other error rows write it."""
    from heza.assess.context import prepare
    from heza.assess.core import assess_paths

    files = sorted(p for p in (sample_month / "raw" / "2024-02").rglob("*") if p.is_file())
    assessment = assess_paths(files, prepare(settings, "2024-02"))
    rows = assessment.tables["enterprises"].typed
    errors = rows[rows["enterprise_name"].str.startswith("Công ty TNHH Mẫu Lỗi").fillna(False)]
    findings = assessment.findings
    determined = findings[(findings["value_grade"] == "determined") & findings["row_id"].isin(errors["row_id"])]
    assert len(determined) >= 1
    for _, hit in determined.iterrows():
        true = errors[hit["blamed"]].mode().iloc[0]
        assert hit["suggested"] == str(int(true)), (hit["blamed"], hit["suggested"], true)

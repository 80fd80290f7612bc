"""Error localisation: the cell to blame, how sure, and the value, through the real path (an .xlsx
file, the reader, pandera, the localiser with HiGHS) and on generated rows with planted slips."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from heza.assess import localise
from heza.assess.blame import localise_table
from heza.assess.slips import slip_of
from tests.test_rules import enterprise_rows, findings_for, zone_rows


def _hit(findings: pd.DataFrame, rule: str) -> pd.Series:
    return findings[findings["rule"] == rule].iloc[0]


def test_a_total_typed_with_an_extra_zero_is_explained_among_three_tied_fixes(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"female": 30, "male": 20, "total": 500,
                                                                        "managerial": 5})})
    hit = _hit(findings, "ENT_GENDER_SUM")
    assert (hit["cell_grade"], hit["value_grade"], hit["blamed"], hit["suggested"]) == \
        ("explained", "explained", "workers_total", "50")
    assert hit["cell"] == "H2"  # the total's cell, not the female count's
    assert hit["reason_vi"] == "có thể gõ thừa chữ số 0" and "extra digit 0" in hit["reason_en"]


def test_an_empty_female_count_is_determined_by_the_balance(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"female": None, "male": 20, "total": 50,
                                                                        "managerial": 5})})
    hit = _hit(findings, "ENT_REQUIRED")
    assert (hit["cell_grade"], hit["value_grade"], hit["blamed"], hit["suggested"], hit["cell"]) == \
        ("certain", "determined", "workers_female", "30", "I2")


def test_managerial_above_a_balanced_total_is_certain_but_its_value_unknown(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"female": 30, "male": 20, "total": 50,
                                                                        "managerial": 70})})
    hit = _hit(findings, "ENT_MANAGERIAL_RANGE")
    assert (hit["cell_grade"], hit["value_grade"], hit["blamed"]) == ("certain", "unknown", "workers_managerial")
    assert pd.isna(hit["suggested"]) and hit["cell"] == "K2"


def test_three_tied_fixes_with_no_slip_are_ambiguous_and_all_named(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"DN": enterprise_rows({"female": 60, "male": 40, "total": 60})})
    hit = _hit(findings, "ENT_GENDER_SUM")
    assert (hit["cell_grade"], hit["value_grade"]) == ("ambiguous", "unknown") and pd.isna(hit["suggested"])
    # the tied fixes in the columns' order (total, female, male), whatever order HiGHS found them in
    assert hit["blamed"] == "workers_total|workers_female|workers_male"
    assert "Tổng số lao động (người) = 100 hoặc Lao động nữ (người) = 20 hoặc Lao động nam (người) = 0" \
        in hit["reason_vi"]
    assert "workers_" not in hit["reason_vi"] + hit["reason_en"]


def test_the_zone_report_balance_is_localised_too(settings, tmp_path):
    findings = findings_for(settings, tmp_path, {"Khu": zone_rows({2: 100, 3: 6, 4: 40})}, name="khu.xlsx")
    hit = _hit(findings, "ZONE_GENDER_SUM")
    assert (hit["blamed"], hit["suggested"], hit["cell_grade"]) == ("workers_female", "60", "explained")
    assert hit["reason_en"] == "perhaps the digit 0 was left out"


@pytest.mark.parametrize("written, right, slip", [
    (500, 50, ("digit_added", "0")), (5, 50, ("digit_dropped", "0")), (1223, 123, ("digit_doubled", "2")),
    (132, 123, ("digits_swapped", "32")), (50_000, 50, ("unit_thousand", "")), (50, 50e6, ("unit_millionth", "")),
    (-20, 20, ("sign", "")), (480, 30, None), (40, 0, None)])
def test_known_slips_are_named(written, right, slip):
    assert slip_of(float(written), float(right)) == slip


def test_a_balance_off_by_one_at_1e15_is_still_found_and_fixed_exactly():
    frame = _frame(total=[10**15 + 1], female=[10**15], male=[0], managerial=[0])
    found = localise_table("enterprises", frame)
    assert set(found["blamed"].iloc[0].split("|")) == {"workers_female", "workers_male", "workers_total"}
    pattern = localise.Pattern((1e15 + 1, 1e15, 0.0, 0.0), (False,) * 4, (True,) * 6)
    component = next(c for c in localise.components("enterprises") if "workers_total" in c.fields)
    sets = localise.minimal_sets(component, pattern)
    assert len(sets) == 3
    values = localise.determined_values(component, pattern.active, frozenset({0}), np.array([pattern.values]))
    assert values[0, 0] == 10**15


def _frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    data = {"row_id": np.arange(n), "party_members": pd.array([5] * n, dtype="Int64"),
            "has_party_org": pd.array([True] * n, dtype="boolean"),
            "capital_usd": pd.array([1e6] * n, dtype="Float64"), "export_usd": pd.array([1.0] * n, dtype="Float64"),
            "import_usd": pd.array([1.0] * n, dtype="Float64")}
    for name, values in columns.items():
        data[f"workers_{name}"] = pd.array(values, dtype="Int64")
    return pd.DataFrame(data)


SLIPS = {
    "extra_zero": lambda v, rng: v * 10,
    "dropped_digit": lambda v, rng: int(str(v)[:-1] or 0) if v >= 10 else v,
    "swap": lambda v, rng: int(str(v)[1] + str(v)[0] + str(v)[2:]) if v >= 10 else v,
    "thousand": lambda v, rng: v * 1000,
    "sign": lambda v, rng: -v,
    "empty": lambda v, rng: None,
}


def test_every_determined_value_is_the_planted_true_value_and_explained_ones_nearly_always():
    rng = np.random.default_rng(13)
    n = 600
    female, male = rng.integers(1, 900, n), rng.integers(1, 900, n)
    total = female + male
    managerial = (total * rng.uniform(0, 0.3, n)).astype(int)
    true = {"female": female, "male": male, "total": total, "managerial": managerial}
    written = {name: list(map(int, values)) for name, values in true.items()}
    planted_field = rng.choice(["female", "male", "total"], n)
    planted_slip = rng.choice(list(SLIPS), n)
    for i in range(n):
        field = planted_field[i]
        written[field][i] = SLIPS[planted_slip[i]](int(true[field][i]), rng)
    found = localise_table("enterprises", _frame(**written))
    found = found[found["component"] == "workers_total"].set_index("row_id")
    truth = pd.DataFrame({"field": "workers_" + pd.Series(planted_field), "value": [
        str(int(true[f][i])) for i, f in enumerate(planted_field)]})
    determined = found[found["value_grade"] == "determined"]
    assert len(determined) > 50
    assert (determined["blamed"] == truth.loc[determined.index, "field"]).all()
    assert (determined["suggested"] == truth.loc[determined.index, "value"]).all()
    explained = found[found["value_grade"] == "explained"]
    assert len(explained) > 100
    right = (explained["blamed"] == truth.loc[explained.index, "field"]) & \
        (explained["suggested"] == truth.loc[explained.index, "value"])
    assert right.mean() >= 0.95


def test_the_annotated_workbook_marks_only_the_blamed_cell_red(settings, tmp_path):
    from openpyxl import load_workbook

    from heza.assess.context import prepare
    from heza.assess.core import assess_paths
    from heza.present.annotate import annotate_submissions
    from tests.conftest import write_workbook

    path = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({"female": 30, "male": 20, "total": 500,
                                                                         "managerial": 5})})
    assessment = assess_paths([path], prepare(settings, "2024-02"))
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    [copy] = annotate_submissions(assessment.findings, list(assessment.files), letters, tmp_path / "out",
                                  settings.limits)
    sheet = load_workbook(copy)["DN"]
    total, female, male = sheet["H2"], sheet["I2"], sheet["J2"]
    assert total.fill.fgColor.rgb == "FFFFC7CE"
    assert "Gợi ý: 50 (có thể gõ thừa chữ số 0)" in total.comment.text
    for cell in (female, male):
        assert cell.fill.fgColor.rgb in (None, "00000000")
        assert "Ô liên quan, có thể đúng; ô cần sửa: H2" in cell.comment.text


def test_heza_validate_json_and_report_json_carry_the_grades(settings, tmp_path):
    import json

    from click.testing import CliRunner

    from heza.assess.context import prepare
    from heza.assess.core import assess_paths
    from heza.cli import main
    from heza.release.report_data import report_data
    from tests.conftest import write_workbook

    path = write_workbook(tmp_path / "dn_2024-02.xlsx", {"DN": enterprise_rows({"female": None, "male": 20,
                                                                                 "total": 50, "managerial": 5})})
    result = CliRunner().invoke(main, ["validate", str(path), "--period", "2024-02", "--json"])
    [hit] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "ENT_REQUIRED"]
    expected = {"blamed": "workers_female", "cell_grade": "certain", "value_grade": "determined",
                "suggested": "30", "reason_vi": "tính từ các ô khác của dòng",
                "reason_en": "computed from the row's other cells"}
    assert {key: hit[key] for key in expected} == expected
    ctx = prepare(settings, "2024-02")
    [hit] = [f for f in report_data(assess_paths([path], ctx), ctx)["findings"] if f["rule"] == "ENT_REQUIRED"]
    assert {key: hit[key] for key in expected} == expected
    text = CliRunner().invoke(main, ["validate", str(path), "--period", "2024-02"]).output
    assert "gợi ý: 30 (tính từ các ô khác của dòng)" in text


def _least_weight_sets_by_brute_force(component, pattern) -> list:
    """Every set of filled fields of least total weight that lets the row satisfy its active edits,
    found by trying every subset with a linear program (the other fields fixed): no MIP, no cuts."""
    matrix, values, observed, _, v, rhs, is_eq = localise.scaled_system(component, pattern)
    weights = [localise.field_weight(f) for f in component.fields]
    filled = [j for j in range(len(values)) if observed[j]]
    found = [set(chosen) for size in range(len(filled) + 1) for chosen in combinations(filled, size)
             if localise._feasible(matrix, rhs, is_eq, v, observed, frozenset(chosen))]
    least = min((sum(weights[j] for j in s) for s in found), default=None)
    free = set(np.flatnonzero(pattern.free))
    return sorted((frozenset(s | free) for s in found if sum(weights[j] for j in s) == least), key=sorted)


@given(st.data())
def test_the_localisers_programs_find_every_least_weight_fix_brute_force_finds(data):
    component = data.draw(st.sampled_from([c for table in ("enterprises", "zones")
                                           for c in localise.components(table) if len(c.fields) > 1]))
    k, e = len(component.fields), len(component.edits)
    values = data.draw(st.lists(st.one_of(st.none(), st.integers(-5, 3000)), min_size=k, max_size=k))
    active = data.draw(st.lists(st.booleans(), min_size=e, max_size=e).filter(any))
    pattern = localise.Pattern(tuple(np.nan if x is None else float(x) for x in values),
                               tuple(x is None for x in values), tuple(active))
    expected = _least_weight_sets_by_brute_force(component, pattern)
    assume(expected and min(len(s) for s in expected) > 0)  # a row that breaks something
    assert localise.minimal_sets(component, pattern) == expected

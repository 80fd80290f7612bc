"""The rule set is checked before any data is read: planted contradictions, redundant rules and
rules that can never fail are found and named with the rules involved; the real catalogue has no
contradiction, and an infeasible one stops `heza validate` before it reads a file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from heza.assess import rulecheck
from heza.assess.rulecheck import check_rules, check_table, problem_text
from heza.cli import main
from schemas import RULES
from schemas.edits import parse_edit


def _edits(*lines) -> list:
    return [parse_edit(code, text, when) for code, text, when in lines]


def test_a_planted_contradiction_is_infeasible_and_names_only_the_rules_involved():
    edits = _edits(("A", "workers_female + workers_male == workers_total", None), ("B", "workers_total <= -1", None),
                   ("C", "workers_female >= 0", None), ("D", "workers_male >= 0", None),
                   ("E", "workers_managerial <= workers_total", None))
    [problem] = [p for p in check_table("enterprises", edits) if p.kind == "infeasible"]
    assert set(problem.rules) == {"A", "B", "C", "D"}
    assert "Tổng số lao động (người) <= -1" in problem_text(problem, "vi")
    assert "workers_" not in problem_text(problem, "vi") + problem_text(problem, "en")


def test_a_contradiction_only_under_a_condition_says_which():
    edits = _edits(("P", "party_members >= 3", "has_party_org"), ("Q", "party_members <= 2", None))
    [problem] = check_table("enterprises", edits)
    assert (problem.kind, set(problem.rules), problem.case) == ("infeasible", {"P", "Q"}, (("has_party_org", True),))
    assert "(khi Có tổ chức Đảng = có)" in problem_text(problem, "vi")


def test_a_redundant_rule_is_named_with_what_implies_it():
    edits = _edits(("A", "workers_managerial <= workers_total", None), ("B", "workers_total <= 100", None),
                   ("C", "workers_managerial <= 200", None))
    [problem] = check_table("enterprises", edits)
    assert (problem.kind, problem.rules) == ("redundant", ("C", "A", "B"))


def test_a_rule_that_can_never_fail_is_found():
    edits = _edits(("T", "workers_total + 1 >= workers_total", None), ("A", "workers_total >= 0", None))
    assert [(p.kind, p.rules) for p in check_table("enterprises", edits)] == [("never_fails", ("T",))]


def test_a_rule_on_a_cell_that_may_be_empty_does_not_make_another_redundant():
    edits = _edits(("A", "workers_managerial >= 0", None), ("B", "workers_managerial <= workers_total", None),
                   ("C", "workers_total >= 0", None))
    assert check_table("enterprises", edits) == []


def test_the_catalogue_has_no_contradiction_and_its_one_redundancy_is_reported():
    problems = check_rules()
    assert not [p for p in problems if p.kind == "infeasible"]
    assert {(p.kind, p.edits[0].text) for p in problems} == {("redundant", "workers_total >= 0")}
    result = CliRunner().invoke(main, ["rules", "check", "--lang", "en"])
    assert result.exit_code == 0 and "REDUNDANT" in result.output and "Enterprises" in result.output


def test_an_infeasible_catalogue_stops_validate_before_reading_data(project, tmp_path, monkeypatch):
    planted = dict(RULES, ENT_GENDER_SUM=replace(RULES["ENT_GENDER_SUM"], edits=(
        *RULES["ENT_GENDER_SUM"].edits, parse_edit("ENT_GENDER_SUM", "workers_total <= -1"))))
    monkeypatch.setattr(rulecheck, "RULES", planted)
    rulecheck.startup_check.cache_clear()
    try:
        never_read = tmp_path / "dn.xlsx"
        never_read.write_bytes(b"not a workbook")
        result = CliRunner().invoke(main, ["validate", str(never_read), "--period", "2024-02"])
        assert result.exit_code == 2
        assert "Không dòng nào có thể thỏa đồng thời các quy tắc ENT_COUNT_NEGATIVE, ENT_GENDER_SUM" in result.output
        assert "No row could ever pass" in result.output
        assert CliRunner().invoke(main, ["rules", "check"]).exit_code == 1
    finally:
        rulecheck.startup_check.cache_clear()


_SMALL = st.integers(min_value=-3, max_value=3)


@given(st.integers(min_value=1, max_value=4).flatmap(lambda columns: st.tuples(
    st.lists(_SMALL, min_size=columns, max_size=columns),
    st.lists(st.tuples(st.lists(_SMALL, min_size=columns, max_size=columns), st.integers(-20, 20), st.booleans()),
             min_size=1, max_size=5))))
def test_the_rule_checks_linear_programs_have_the_minimum_scipys_linprog_finds(system):
    # the rule checks solve with highspy directly; scipy.optimize.linprog (HiGHS too) is the reference
    from scipy.optimize import linprog

    cost, rows = system
    matrix = np.array([row for row, _, _ in rows], dtype=float)
    rhs = np.array([bound for _, bound, _ in rows], dtype=float)
    is_eq = np.array([equal for _, _, equal in rows])
    ours = rulecheck.lp_minimum(np.array(cost, dtype=float), matrix, np.where(is_eq, rhs, -np.inf), rhs)
    theirs = linprog(cost, A_ub=matrix[~is_eq] if (~is_eq).any() else None, b_ub=rhs[~is_eq] if (~is_eq).any() else None,
                     A_eq=matrix[is_eq] if is_eq.any() else None, b_eq=rhs[is_eq] if is_eq.any() else None,
                     bounds=[(None, None)] * len(cost), method="highs")
    assume(theirs.status in (0, 2, 3))  # 4: HiGHS could not tell infeasible from unbounded for scipy
    expected = None if theirs.status == 2 else -np.inf if theirs.status == 3 else theirs.fun
    assert (ours is None) == (expected is None)
    if expected is not None:
        assert ours == pytest.approx(expected, abs=1e-7)

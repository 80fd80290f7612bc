"""The programs heza solves with highspy (heza/assess/highs.py) have the optimum scipy.optimize.milp
finds, HiGHS too through another route: small random linear and mixed-integer programs here; the
localiser's own programs (big-M switches, cuts) are checked against brute force in tests/test_localise.py."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from heza.assess.highs import solve

_SMALL = st.integers(min_value=-3, max_value=3)


@given(st.integers(min_value=1, max_value=4).flatmap(lambda columns: st.tuples(
    st.lists(_SMALL, min_size=columns, max_size=columns),
    st.lists(st.tuples(st.lists(_SMALL, min_size=columns, max_size=columns), st.integers(-20, 20), st.booleans()),
             min_size=1, max_size=5),
    st.lists(st.booleans(), min_size=columns, max_size=columns),
    st.lists(st.sampled_from([(None, None), (0, 1), (-5, 5), (0, None)]), min_size=columns, max_size=columns))))
def test_a_mixed_integer_program_has_the_optimum_scipys_milp_finds(program):
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost, rows, integer, bounds = program
    matrix = np.array([row for row, _, _ in rows], dtype=float)
    rhs = np.array([bound for _, bound, _ in rows], dtype=float)
    lower = np.where([equal for _, _, equal in rows], rhs, -np.inf)
    low = np.array([-np.inf if b[0] is None else b[0] for b in bounds], dtype=float)
    high = np.array([np.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    ours = solve(np.array(cost, dtype=float), matrix, lower, rhs, low, high, np.array(integer))
    theirs = milp(cost, integrality=np.array(integer, dtype=int), bounds=Bounds(low, high),
                  constraints=LinearConstraint(matrix, lower, rhs), options={"mip_rel_gap": 0})
    assume(theirs.status in (0, 2, 3))  # 4: HiGHS could not tell infeasible from unbounded for scipy
    assert ours.status == {0: "optimal", 2: "infeasible", 3: "unbounded"}[theirs.status] or (
        theirs.status != 0 and ours.status == "infeasible_or_unbounded")
    if theirs.status == 0:
        assert ours.objective == pytest.approx(theirs.fun, abs=1e-6)
        x, whole = ours.x, np.array(integer)
        assert (matrix @ x <= rhs + 1e-6).all() and (matrix @ x >= lower - 1e-6).all()
        assert np.allclose(x[whole], np.round(x[whole]), atol=1e-6)


def test_an_infeasible_program_says_so():
    # x >= 1 and x <= 0
    assert solve(np.zeros(1), np.array([[1.0], [1.0]]), np.array([1.0, -np.inf]), np.array([np.inf, 0.0])).status \
        == "infeasible"


def test_a_program_without_variables_holds_when_its_rows_hold_zero():
    assert solve(np.zeros(0), np.zeros((1, 0)), np.array([-1.0]), np.array([1.0])).status == "optimal"
    assert solve(np.zeros(0), np.zeros((1, 0)), np.array([1.0]), np.array([2.0])).status == "infeasible"


def test_an_unbounded_program_says_so():
    assert solve(np.array([1.0]), np.array([[1.0]]), np.array([-np.inf]), np.array([0.0])).status == "unbounded"

"""Linear and mixed-integer programs, solved by HiGHS through highspy, for the rule-set check and the
error localiser: one way to build a model, and scipy.optimize never loaded on the assessment's path
(its import alone, 0,3 s, was a sixth of a `heza validate` that finds a broken row)."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

_STATUS = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kInfeasible: "infeasible",
           highspy.HighsModelStatus.kUnbounded: "unbounded",
           highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded"}


@dataclass(frozen=True)
class Solution:
    status: str  # "optimal", "infeasible", "unbounded" or (a MIP HiGHS cannot tell) "infeasible_or_unbounded"
    x: np.ndarray | None  # the variables' values when optimal
    objective: float | None


def solve(cost: np.ndarray, matrix: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          variable_lower: np.ndarray | None = None, variable_upper: np.ndarray | None = None,
          integer: np.ndarray | None = None) -> Solution:
    """min cost @ x over lower <= matrix @ x <= upper and the variables' bounds (free by default),
    the variables where `integer` is true whole numbers. Infinite bounds may be given as +-inf."""
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    columns = len(cost)
    unbounded = np.full(columns, np.inf)
    solver.addVars(columns, _finite(-unbounded if variable_lower is None else variable_lower),
                   _finite(unbounded if variable_upper is None else variable_upper))
    solver.changeColsCost(columns, np.arange(columns, dtype=np.int32), np.asarray(cost, dtype=float))
    if integer is not None and np.any(integer):
        which = np.flatnonzero(integer).astype(np.int32)
        solver.changeColsIntegrality(len(which), which, np.full(len(which), highspy.HighsVarType.kInteger))
    matrix = np.asarray(matrix, dtype=float).reshape(len(lower), columns)
    rows, where = np.nonzero(matrix)
    solver.addRows(len(matrix), _finite(lower), _finite(upper), len(rows),
                   np.searchsorted(rows, np.arange(len(matrix))).astype(np.int32), where.astype(np.int32),
                   matrix[rows, where])
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:  # presolve could not tell which
        solver.setOptionValue("presolve", "off")
        solver.run()
        status = solver.getModelStatus()
    if status not in _STATUS:
        raise RuntimeError(f"HiGHS: {solver.modelStatusToString(status)}")
    if status != highspy.HighsModelStatus.kOptimal:
        return Solution(_STATUS[status], None, None)
    return Solution("optimal", np.array(solver.getSolution().col_value),
                    float(solver.getInfo().objective_function_value))


def _finite(bounds) -> np.ndarray:
    """Bounds as HiGHS takes them: its own infinity for +-inf."""
    return np.clip(np.asarray(bounds, dtype=float), -highspy.kHighsInf, highspy.kHighsInf)

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
    # "optimal", "infeasible", "unbounded", "infeasible_or_unbounded" (a MIP HiGHS cannot settle) or
    # "other" (a limit reached, or a status HiGHS does not name): the caller decides what each means
    status: str
    x: np.ndarray | None  # the variables' values when optimal
    objective: float | None


def solve(cost: np.ndarray, matrix: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          variable_lower: np.ndarray | None = None, variable_upper: np.ndarray | None = None,
          integer: np.ndarray | None = None) -> Solution:
    """min cost @ x over lower <= matrix @ x <= upper and the variables' bounds (free by default;
    +-inf for none), the variables where `integer` is true whole numbers, solved to optimality (no
    MIP gap: a least-weight fix is the least, whatever the weights)."""
    columns = len(cost)
    matrix = np.asarray(matrix, dtype=float).reshape(len(lower), columns)
    if columns == 0:  # HiGHS calls a model without variables empty: its rows hold or they do not
        holds = bool(np.all((np.asarray(lower) <= 0) & (np.asarray(upper) >= 0)))
        return Solution("optimal", np.zeros(0), 0.0) if holds else Solution("infeasible", None, None)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    free = np.full(columns, np.inf)
    solver.addVars(columns, np.asarray(-free if variable_lower is None else variable_lower, dtype=float),
                   np.asarray(free if variable_upper is None else variable_upper, dtype=float))
    solver.changeColsCost(columns, np.arange(columns, dtype=np.int32), np.asarray(cost, dtype=float))
    if integer is not None and np.any(integer):
        which = np.flatnonzero(integer).astype(np.int32)
        solver.changeColsIntegrality(len(which), which, np.full(len(which), highspy.HighsVarType.kInteger))
    rows, where = np.nonzero(matrix)
    solver.addRows(len(matrix), np.asarray(lower, dtype=float), np.asarray(upper, dtype=float), len(rows),
                   np.searchsorted(rows, np.arange(len(matrix))).astype(np.int32), where.astype(np.int32),
                   matrix[rows, where])
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:  # presolve could not tell which
        solver.setOptionValue("presolve", "off")
        solver.run()
        status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return Solution(_STATUS.get(status, "other"), None, None)
    return Solution("optimal", np.array(solver.getSolution().col_value),
                    float(solver.getInfo().objective_function_value))

"""Linear and mixed-integer programs, solved by HiGHS through highspy, for the rule-set check, the
error localiser and disclosure control's hiding pattern: one way to build a model, and
scipy.optimize never loaded by a run (its import alone, 0,3 s, was a sixth of a `heza validate` that
finds a broken row, and of what `heza run` adds to Prefect's own start)."""

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


@dataclass(frozen=True)
class SparseRows:
    """A matrix row by row: row r holds `values[starts[r]:starts[r + 1]]` in those `columns`."""

    starts: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    shape: tuple


def sparse_rows(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, shape: tuple) -> SparseRows:
    """The matrix of (row, column, value) entries, an entry given twice summed, each row's columns in
    ascending order (what scipy's csr_array makes of them)."""
    key = np.asarray(rows, dtype=np.int64) * shape[1] + np.asarray(columns, dtype=np.int64)
    entries, which = np.unique(key, return_inverse=True)
    summed = np.bincount(which, weights=np.asarray(values, dtype=float), minlength=len(entries))
    row, column = np.divmod(entries, shape[1])
    return SparseRows(np.searchsorted(row, np.arange(shape[0] + 1)).astype(np.int32), column.astype(np.int32),
                      summed, tuple(shape))


def add_rows(solver: highspy.Highs, matrix: SparseRows, lower: np.ndarray, upper: np.ndarray) -> None:
    """lower <= matrix @ x <= upper, one row each, added to a HiGHS model."""
    solver.addRows(matrix.shape[0], np.asarray(lower, dtype=float), np.asarray(upper, dtype=float),
                   len(matrix.values), matrix.starts[:-1], matrix.columns, matrix.values)


def solve(cost: np.ndarray, matrix, lower: np.ndarray, upper: np.ndarray,
          variable_lower: np.ndarray | None = None, variable_upper: np.ndarray | None = None,
          integer: np.ndarray | None = None, mip_gap: float = 0.0) -> Solution:
    """min cost @ x over lower <= matrix @ x <= upper (a dense array or SparseRows) and the
    variables' bounds (free by default; +-inf for none), the variables where `integer` is true whole
    numbers. A MIP is solved to `mip_gap` (none by default: a least-weight fix is the least, whatever
    the weights)."""
    columns = len(cost)
    if not isinstance(matrix, SparseRows):
        dense = np.asarray(matrix, dtype=float).reshape(len(lower), columns)
        rows, where = np.nonzero(dense)
        matrix = sparse_rows(rows, where, dense[rows, where], dense.shape)
    if columns == 0:  # HiGHS calls a model without variables empty: its rows hold or they do not
        holds = bool(np.all((np.asarray(lower) <= 0) & (np.asarray(upper) >= 0)))
        return Solution("optimal", np.zeros(0), 0.0) if holds else Solution("infeasible", None, None)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", float(mip_gap))
    free = np.full(columns, np.inf)
    solver.addVars(columns, np.asarray(-free if variable_lower is None else variable_lower, dtype=float),
                   np.asarray(free if variable_upper is None else variable_upper, dtype=float))
    solver.changeColsCost(columns, np.arange(columns, dtype=np.int32), np.asarray(cost, dtype=float))
    if integer is not None and np.any(integer):
        which = np.flatnonzero(integer).astype(np.int32)
        solver.changeColsIntegrality(len(which), which, np.full(len(which), highspy.HighsVarType.kInteger))
    add_rows(solver, matrix, lower, upper)
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

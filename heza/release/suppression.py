"""Secondary cell suppression of a two-way table with its totals, and the attacker's audit of it.

A table is a grid of rows x columns whose last row and last column are the totals, so each row and
each column is one equation: its cells add up to its total. Hiding only the sensitive cells is not
enough: a hidden cell alone in its row is its total minus the others. `protect` chooses the other
cells to hide with a mixed-integer program (every hidden cell shares each of its lines with another
hidden cell, and the partners of a sensitive cell can move it by at least the protection range),
then audits the pattern as an attacker would: for each sensitive cell, the smallest and largest
value the published cells and totals allow (linear programs). A cell the audit can pin down more
tightly than the protection range gets a larger requirement and the pattern is solved again; what
is still exposed after that is reported, and the caller does not publish the table. Both programs
are solved by HiGHS through highspy: the pattern by heza.assess.highs.solve (to HiGHS's default MIP
gap, as scipy's milp solved it before), the audit by one model per pattern whose cost alone changes
from bound to bound (each re-solve starts from the last optimal basis).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from heza.assess.highs import add_rows, solve, sparse_rows

ROUNDS = 4  # patterns tried, each doubling the requirement of the cells the audit found exposed
PATTERN_MIP_GAP = 1e-4  # HiGHS's own default, which scipy's milp left in place


@dataclass(frozen=True)
class Protection:
    """The cells to hide (rows x columns), the attacker's interval of every sensitive cell of every
    measure (measures x rows x columns, NaN elsewhere) and the sensitive cells still exposed."""

    hidden: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    exposed: np.ndarray


def table_lines(rows: int, columns: int) -> tuple:
    """Each row and then each column of the grid as one equation, cells minus total is zero, flattened:
    (line, cell, sign) per entry, entries of a line contiguous, and where each line starts (plus the end)."""
    index = np.arange(rows * columns).reshape(rows, columns)
    cell = np.r_[index.ravel(), index.T.ravel()]
    line = np.r_[np.repeat(np.arange(rows), columns), rows + np.repeat(np.arange(columns), rows)]
    sign = np.r_[np.tile(np.r_[np.ones(columns - 1), -1.0], rows), np.tile(np.r_[np.ones(rows - 1), -1.0], columns)]
    starts = np.r_[np.arange(rows) * columns, rows * columns + np.arange(columns + 1) * rows]
    return line, cell, sign, starts


def _line_mates(line: np.ndarray, starts: np.ndarray, entries: np.ndarray) -> tuple:
    """For each of `entries`, every entry of its line: (which of `entries`, the line's entry), line by line."""
    lengths = np.diff(starts)[line[entries]]
    owner = np.repeat(np.arange(len(entries)), lengths)
    first = np.repeat(starts[line[entries]], lengths)
    return owner, first + np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def hiding_pattern(values: np.ndarray, sensitive: np.ndarray, need: np.ndarray,
                   shape: tuple) -> np.ndarray | None:
    """The cheapest set of cells to hide (fewest cells, then least value), or None if none exists.

    values, sensitive, need: measures x cells of a grid of `shape`. Every sensitive cell is hidden;
    every hidden cell has another hidden cell in each of its lines; in each line of a sensitive cell
    the hidden partners hold at least `need` of the measure it is sensitive in. The constraints come
    line by line, cell by cell: the partner row, then one capacity row per measure the cell is
    sensitive in (a sparse matrix, the same model HiGHS was always given)."""
    cells = values.shape[1]
    line, cell, _, starts = table_lines(*shape)
    entries = np.arange(len(cell))
    flagged = sensitive[:, cell]  # measures x entries
    first_row = np.cumsum(1 + flagged.sum(axis=0)) - (1 + flagged.sum(axis=0))
    owner, mate = _line_mates(line, starts, entries)
    same = cell[mate] == cell[owner]
    row_parts, column_parts, data_parts = [first_row[owner]], [cell[mate]], [np.where(same, -1.0, 1.0)]
    entry_of, measure_of = np.nonzero(flagged.T)  # capacity rows: by entry, then measure
    capacity_row = first_row[entry_of] + 1 + np.arange(len(entry_of)) - np.searchsorted(entry_of, entry_of)
    cap_owner, cap_mate = _line_mates(line, starts, entry_of)
    coefficient = np.where(cell[cap_mate] == cell[entry_of[cap_owner]], 0.0, values[measure_of[cap_owner], cell[cap_mate]])
    keep = coefficient != 0
    row_parts.append(capacity_row[cap_owner][keep])
    column_parts.append(cell[cap_mate][keep])
    data_parts.append(coefficient[keep])
    size = len(cell) + len(entry_of)
    matrix = sparse_rows(np.concatenate(row_parts), np.concatenate(column_parts), np.concatenate(data_parts),
                         (size, cells))
    lower_bounds = np.zeros(size)
    lower_bounds[capacity_row] = need[measure_of, cell[entry_of]]
    scale = np.maximum(values[:, -1:], 1.0)  # each measure's grand total
    cost = 1.0 + (values / scale).sum(axis=0)
    result = solve(cost, matrix, lower_bounds, np.full(size, np.inf), sensitive.any(axis=0).astype(float),
                   np.ones(cells), np.ones(cells, dtype=bool), mip_gap=PATTERN_MIP_GAP)
    return None if result.status != "optimal" else result.x > 0.5


def attacker_intervals(values: np.ndarray, hidden: np.ndarray, sensitive: np.ndarray, shape: tuple,
                       parts=()) -> tuple:
    """(lower, upper): measures x cells, for each sensitive cell the least and greatest value it can
    take given every published cell, every line's equation, values >= 0 and, for each (part, whole)
    pair of measures, part <= whole in every cell (NaN where not sensitive, inf when unbounded).

    One model per pattern: its equations are built once, and each bound is a re-solve after changing
    one cost, which HiGHS starts from the previous optimal basis."""
    lower = np.full(values.shape, np.nan)
    upper = np.full(values.shape, np.nan)
    targets = np.argwhere(sensitive & hidden[None, :])
    if not len(targets):
        return lower, upper
    solver = _attacker_solver(values, hidden, shape, parts)
    position = np.cumsum(hidden) - 1  # a hidden cell's place among the hidden cells
    variables = targets[:, 0] * int(hidden.sum()) + position[targets[:, 1]]
    for (m, c), k in zip(targets, variables):  # two solves per sensitive cell: the audit itself
        lower[m, c] = _extreme(solver, int(k), 1.0)
        upper[m, c] = -_extreme(solver, int(k), -1.0)
    return lower, upper


def attacker_equations(values: np.ndarray, hidden: np.ndarray, shape: tuple, parts=()) -> tuple:
    """(matrix, row_lower, row_upper) of what the attacker knows, over the variables (measure, hidden
    cell) measure-major: per line with a hidden cell and per measure, its hidden cells' signed sum is
    minus the signed sum of its published cells; per (part, whole) and hidden cell, part - whole <= 0."""
    measures, count = values.shape[0], int(hidden.sum())
    line, cell, sign, starts = table_lines(*shape)
    secret = hidden[cell]
    open_lines = np.flatnonzero(np.bincount(line, weights=secret, minlength=len(starts) - 1) > 0)
    rank = np.full(len(starts) - 1, -1)
    rank[open_lines] = np.arange(len(open_lines))
    position = np.cumsum(hidden) - 1
    rows, columns, data, known = [], [], [], []
    for m in range(measures):
        rows.append(rank[line[secret]] * measures + m)
        columns.append(m * count + position[cell[secret]])
        data.append(sign[secret])
        published = sign[~secret] * values[m, cell[~secret]]
        known.append(-np.bincount(line[~secret], weights=published, minlength=len(starts) - 1)[open_lines])
    equations = len(open_lines) * measures
    for k, (part, whole) in enumerate(parts):
        rows += [equations + k * count + np.arange(count)] * 2
        columns += [part * count + np.arange(count), whole * count + np.arange(count)]
        data += [np.ones(count), -np.ones(count)]
    size = equations + len(parts) * count
    matrix = sparse_rows(np.concatenate(rows), np.concatenate(columns), np.concatenate(data), (size, measures * count))
    target = np.stack(known, axis=1).ravel()  # line-major, as the rows are numbered
    return matrix, np.r_[target, np.full(size - equations, -np.inf)], np.r_[target, np.zeros(size - equations)]


def _attacker_solver(values: np.ndarray, hidden: np.ndarray, shape: tuple, parts) -> highspy.Highs:
    """HiGHS holding the attacker's equations, every variable >= 0, no cost yet."""
    matrix, row_lower, row_upper = attacker_equations(values, hidden, shape, parts)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("simplex_strategy", 4)  # primal: a changed cost leaves the last basis feasible
    solver.addVars(matrix.shape[1], np.zeros(matrix.shape[1]), np.full(matrix.shape[1], np.inf))
    add_rows(solver, matrix, row_lower, row_upper)
    return solver


def _extreme(solver: highspy.Highs, k: int, sense: float) -> float:
    """min(sense * x_k) over the attacker's feasible values, -inf when unbounded; the only cost in
    the model is x_k's while it is solved. The warm primal simplex can call a bounded problem
    unbounded (seen at values of 1e9), so that verdict is re-checked by a fresh default solve."""
    solver.changeColCost(k, sense)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        solver.clearSolver()
        solver.setOptionValue("simplex_strategy", 1)  # dual, from scratch, as scipy's linprog solves it
        solver.run()
        solver.setOptionValue("simplex_strategy", 4)
    status, value = solver.getModelStatus(), solver.getInfo().objective_function_value
    solver.changeColCost(k, 0.0)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        solver.clearSolver()  # an unbounded end leaves no optimal basis: the next bound starts afresh
        return -np.inf  # the true values are a solution, so the model is never infeasible
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {solver.modelStatusToString(status)}")
    return float(value)


def exposed_cells(values: np.ndarray, sensitive: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                  protection: float) -> np.ndarray:
    """Sensitive cells whose interval does not reach the protection range on both sides."""
    slack = 1e-6 * np.maximum(values, 1.0)
    safe = (lower <= values * (1 - protection) + slack) & (upper >= values * (1 + protection) - slack)
    return sensitive & ~safe


def protect(values: np.ndarray, sensitive: np.ndarray, protection: float, parts=()) -> Protection:
    """Hide the sensitive cells of a group of measures that share one pattern, and enough others.

    values, sensitive: measures x rows x columns (totals last). `parts`: (part, whole) measure
    indices where one bounds the other in every cell (what an attacker also knows)."""
    measures, rows, columns = values.shape
    flat, flags = values.reshape(measures, -1).astype(float), sensitive.reshape(measures, -1)

    def audit(hidden: np.ndarray) -> Protection:
        lower, upper = attacker_intervals(flat, hidden, flags, (rows, columns), parts)
        exposed = exposed_cells(flat, flags, lower, upper, protection)
        return Protection(hidden.reshape(rows, columns), lower.reshape(values.shape), upper.reshape(values.shape),
                          exposed.reshape(values.shape))

    result = audit(flags.any(axis=0))
    factor = np.ones(flat.shape)
    for _ in range(ROUNDS if flags.any() else 0):
        found = hiding_pattern(flat, flags, protection * factor * flat, (rows, columns))
        if found is None:
            break
        result = audit(found)
        if not result.exposed.any():
            break
        factor = np.where(result.exposed.reshape(flat.shape), factor * 2, factor)
    return result

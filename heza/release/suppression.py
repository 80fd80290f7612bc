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
are solved by HiGHS (scipy.optimize.milp, linprog).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

ROUNDS = 4  # patterns tried, each doubling the requirement of the cells the audit found exposed


@dataclass(frozen=True)
class Protection:
    """The cells to hide (rows x columns), the attacker's interval of every sensitive cell of every
    measure (measures x rows x columns, NaN elsewhere) and the sensitive cells still exposed."""

    hidden: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    exposed: np.ndarray


def table_lines(rows: int, columns: int) -> list:
    """Each row and column of the grid as (flat cell indices, signs): cells minus total is zero."""
    index = np.arange(rows * columns).reshape(rows, columns)
    row_signs = np.r_[np.ones(columns - 1), -1.0]
    column_signs = np.r_[np.ones(rows - 1), -1.0]
    return [(index[r], row_signs) for r in range(rows)] + [(index[:, c], column_signs) for c in range(columns)]


def hiding_pattern(values: np.ndarray, sensitive: np.ndarray, need: np.ndarray,
                   shape: tuple) -> np.ndarray | None:
    """The cheapest set of cells to hide (fewest cells, then least value), or None if none exists.

    values, sensitive, need: measures x cells of a grid of `shape`. Every sensitive cell is hidden;
    every hidden cell has another hidden cell in each of its lines; in each line of a sensitive cell
    the hidden partners hold at least `need` of the measure it is sensitive in."""
    measures, cells = values.shape
    rows, lower_bounds = [], []
    for line, _ in table_lines(*shape):
        for i in line:
            partners = np.zeros(cells)
            partners[line] = 1.0
            partners[i] = -1.0  # sum of the others >= y_i
            rows.append(partners)
            lower_bounds.append(0.0)
            for m in np.flatnonzero(sensitive[:, i]):
                capacity = np.zeros(cells)
                capacity[line] = values[m, line]
                capacity[i] = 0.0
                rows.append(capacity)
                lower_bounds.append(need[m, i])
    scale = np.maximum(values[:, -1:], 1.0)  # each measure's grand total
    cost = 1.0 + (values / scale).sum(axis=0)
    result = milp(cost, integrality=np.ones(cells), bounds=Bounds(sensitive.any(axis=0).astype(float), 1.0),
                  constraints=LinearConstraint(np.array(rows), np.array(lower_bounds), np.inf))
    return None if result.status != 0 or result.x is None else result.x > 0.5


def attacker_intervals(values: np.ndarray, hidden: np.ndarray, sensitive: np.ndarray, shape: tuple,
                       parts=()) -> tuple:
    """(lower, upper): measures x cells, for each sensitive cell the least and greatest value it can
    take given every published cell, every line's equation, values >= 0 and, for each (part, whole)
    pair of measures, part <= whole in every cell (NaN where not sensitive, inf when unbounded)."""
    hidden_cells = np.flatnonzero(hidden)
    measures = values.shape[0]
    variable = {(m, c): k for k, (m, c) in enumerate((m, c) for m in range(measures) for c in hidden_cells)}
    equations, targets = [], []
    for line, signs in table_lines(*shape):
        mask = hidden[line]
        if not mask.any():
            continue
        for m in range(measures):
            row = np.zeros(len(variable))
            for c, s in zip(line[mask], signs[mask]):
                row[variable[m, c]] = s
            equations.append(row)
            targets.append(-float(np.dot(signs[~mask], values[m, line[~mask]])))
    inequalities = []
    for part, whole in parts:
        for c in hidden_cells:
            row = np.zeros(len(variable))
            row[variable[part, c]], row[variable[whole, c]] = 1.0, -1.0
            inequalities.append(row)
    lower = np.full(values.shape, np.nan)
    upper = np.full(values.shape, np.nan)
    for m, c in zip(*np.nonzero(sensitive & hidden[None, :])):
        lower[m, c] = _extreme(variable[m, c], 1.0, equations, targets, inequalities, len(variable))
        upper[m, c] = -_extreme(variable[m, c], -1.0, equations, targets, inequalities, len(variable))
    return lower, upper


def _extreme(k: int, sense: float, equations, targets, inequalities, size: int) -> float:
    """min(sense * x_k) over the attacker's feasible values; -inf when unbounded."""
    objective = np.zeros(size)
    objective[k] = sense
    result = linprog(objective, A_ub=np.array(inequalities) if inequalities else None,
                     b_ub=np.zeros(len(inequalities)) if inequalities else None,
                     A_eq=np.array(equations), b_eq=np.array(targets), bounds=(0, None), method="highs")
    if result.status == 3:
        return -np.inf
    if result.status != 0:
        raise RuntimeError(f"HiGHS: {result.message}")
    return float(result.fun)


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

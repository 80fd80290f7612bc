"""Error localisation (Fellegi–Holt): for each row that breaks a linear rule, every set of fields
of least total weight whose change lets the row satisfy every edit, ties enumerated, never sampled.

The edits are the ones rules.toml declares (schemas/edits.py). They split into components (fields
linked through edits: total, female, male, managerial; each amount alone), solved apart. Rows are
grouped by pattern: which edits apply, which cells are empty, and which sets of fields could fix
the row (each set's implied edits, by elimination, evaluated on all rows at once). Rows of one
pattern have the same least-weight sets, so the solver runs once per pattern (a few dozen for
hundreds of failing rows), and rows that pass never reach it. Components are small (2^fields sets).

Each pattern is a mixed-integer program solved exactly by HiGHS (heza/assess/highs.py): x_j the
field's new value, z_j = 1 when field j changes, |x_j - v_j| <= M z_j, minimise sum w_j z_j. Values
are scaled by the pattern's largest so that M stays small (no limit bites at 1e15 VND); every edit
the row breaks must have a changed field (a cover, decided in the row's own units, so a slip too
small for the solver's tolerance is never passed over); each set found is checked again by a
linear program with the other fields fixed, then cut off with its supersets and the program is
solved again until the least weight rises.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from functools import lru_cache

import numpy as np
import pandas as pd

from heza.assess.highs import solve
from schemas.catalogue import field_weight, table_edits
from schemas.columns import column_specs
from schemas.tables import TABLES

MAX_SOLVES = 64  # per pattern: more minimal sets than this is beyond what a person can weigh anyway


@dataclass(frozen=True)
class Component:
    """Fields linked through edits, and those edits."""

    fields: tuple
    edits: tuple
    whole: tuple  # per field: a count, whose values are whole numbers


@dataclass(frozen=True)
class Pattern:
    """What the solver sees for one group of rows."""

    values: tuple  # per field: its value (scaled), NaN when empty
    free: tuple  # per field: an empty required cell, to be filled
    active: tuple  # per edit: it applies to the rows and none of its cells is left empty


@lru_cache(maxsize=None)
def components(table: str) -> tuple:
    """The table's edits grouped into components of fields linked by them."""
    edits = table_edits(table)
    parent: dict = {}

    def root(field):
        while parent.setdefault(field, field) != field:
            field = parent[field]
        return field

    for edit in edits:
        for column in edit.columns[1:]:
            parent[root(column)] = root(edit.columns[0])
        root(edit.columns[0])
    groups: dict = {}
    for field in parent:
        groups.setdefault(root(field), []).append(field)
    specs = column_specs(TABLES[table].kind)
    return tuple(Component(tuple(fields), tuple(e for e in edits if e.columns and root(e.columns[0]) == key),
                           tuple(specs[f].dtype == "Int64" for f in fields))
                 for key, fields in groups.items())


def _matrix(component: Component) -> np.ndarray:
    """Edits x fields coefficient matrix."""
    position = {f: i for i, f in enumerate(component.fields)}
    matrix = np.zeros((len(component.edits), len(component.fields)))
    for e, edit in enumerate(component.edits):
        for column, coefficient in edit.coefficients:
            matrix[e, position[column]] = coefficient
    return matrix


@dataclass(frozen=True)
class RowState:
    """A component over all rows at once: values, empty cells, which edits apply and which fail."""

    values: np.ndarray  # rows x fields, NaN = empty
    free: np.ndarray  # rows x fields: an empty required cell
    active: np.ndarray  # rows x edits
    failing: np.ndarray  # rows x edits

    @property
    def needs(self) -> np.ndarray:
        """Rows that break an edit, or leave empty a required cell that an edit would fix."""
        return self.failing.any(axis=1) | self.free.any(axis=1)


def row_state(component: Component, frame: pd.DataFrame, kind: str) -> RowState:
    """The component's values and edits for every row, vectorised."""
    specs = column_specs(kind)
    values = np.column_stack([frame[f].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                              for f in component.fields])
    applies = np.column_stack([e.applies(frame).to_numpy() for e in component.edits])
    empty = np.isnan(values)
    for e, edit in enumerate(component.edits):
        if edit.empty_as_zero:
            for column in edit.columns:
                j = component.fields.index(column)
                values[applies[:, e] & empty[:, j], j] = 0.0
    empty = np.isnan(values)
    required = np.array([specs[f].required for f in component.fields])
    free = empty & required
    matrix = _matrix(component)
    absent = (empty & ~required).astype(float) @ (matrix != 0).T > 0  # rows x edits
    active = applies & ~absent
    rhs = np.array([e.rhs for e in component.edits])
    is_eq = np.array([e.op == "==" for e in component.edits])
    broken = _broken(matrix, rhs, is_eq, np.where(empty, 0.0, values))
    has_free = free.astype(float) @ (matrix != 0).T > 0
    return RowState(values, free & (active.astype(float) @ (matrix != 0) > 0), active, active & broken & ~has_free)


def _broken(matrix: np.ndarray, rhs: np.ndarray, is_eq: np.ndarray, values: np.ndarray) -> np.ndarray:
    """rows x edits: the edit fails on the values as written (not rescaled, so that whole numbers
    are exact), beyond float rounding of its own terms."""
    lhs = values @ matrix.T
    slack = np.finfo(float).eps * (np.abs(values) @ np.abs(matrix).T + np.abs(rhs))
    return np.where(is_eq, np.abs(lhs - rhs) > slack, lhs - rhs > slack)


def _eliminate(matrix: np.ndarray, rhs: np.ndarray, is_eq: np.ndarray, fields) -> tuple:
    """The edits implied on the other fields once `fields` may take any value: each field is
    substituted out through an equality that holds it, else by Fourier–Motzkin on the inequalities."""
    for j in fields:
        holding = np.flatnonzero(is_eq & (matrix[:, j] != 0))
        if len(holding):
            e = holding[0]
            factor = matrix[:, j] / matrix[e, j]
            matrix, rhs = matrix - np.outer(factor, matrix[e]), rhs - factor * rhs[e]
            keep = np.arange(len(rhs)) != e
            matrix, rhs, is_eq = matrix[keep], rhs[keep], is_eq[keep]
            continue
        pos, neg = np.flatnonzero(matrix[:, j] > 0), np.flatnonzero(matrix[:, j] < 0)
        rest = np.flatnonzero(matrix[:, j] == 0)
        rows = [matrix[rest]] + [matrix[p] / matrix[p, j] - matrix[n] / matrix[n, j] for p in pos for n in neg]
        bounds = [rhs[rest]] + [np.array([rhs[p] / matrix[p, j] - rhs[n] / matrix[n, j]]) for p in pos for n in neg]
        matrix, rhs = np.vstack(rows), np.concatenate(bounds)
        is_eq = np.concatenate([is_eq[rest], np.zeros(len(pos) * len(neg), dtype=bool)])
    return matrix, rhs, is_eq


def _feasibility_bits(component: Component, free: tuple, active: tuple, values: np.ndarray) -> np.ndarray:
    """rows x subsets: whether changing that subset of written fields (and filling the empty ones)
    can satisfy the edits, from the implied edits of each subset evaluated on every row at once.
    Rows with the same bits have the same least-weight sets: the solver runs once for them."""
    matrix = _matrix(component)[list(active)]
    edits = [e for e, on in zip(component.edits, active) if on]
    rhs, is_eq = np.array([e.rhs for e in edits]), np.array([e.op == "==" for e in edits], dtype=bool)
    written = [j for j in range(len(free)) if not free[j]]
    filled = [j for j in range(len(free)) if free[j]]
    bits = []
    for size in range(len(written) + 1):
        for subset in combinations(written, size):
            implied, bound, equal = _eliminate(matrix, rhs, is_eq, [*filled, *subset])
            fixed = np.where(np.isnan(values), 0.0, values)
            bits.append(~_broken(implied, bound, equal, fixed).any(axis=1))
    return np.column_stack(bits) if bits else np.zeros((len(values), 0), dtype=bool)


def patterns(component: Component, state: RowState, rows: np.ndarray) -> tuple[np.ndarray, list]:
    """(group number per row, one Pattern per group) for the rows that need localising: rows are
    grouped by their empty cells, the edits that apply and which sets of fields could fix them."""
    values, free, active = state.values[rows], state.free[rows], state.active[rows]
    masks = pd.DataFrame(np.hstack([free, active])).groupby(list(range(free.shape[1] + active.shape[1])),
                                                           sort=False).ngroup().to_numpy()
    keys = []
    for mask in np.unique(masks):
        mine = masks == mask
        first = np.flatnonzero(mine)[0]
        bits = _feasibility_bits(component, tuple(free[first]), tuple(active[first]), values[mine])
        keys.append(pd.DataFrame(bits, index=np.flatnonzero(mine)).assign(mask=mask))
    key = pd.concat(keys).sort_index()
    group = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(rows))).groupby(group).first().to_numpy()
    return group, [Pattern(tuple(values[i]), tuple(free[i]), tuple(active[i])) for i in first]


def scaled_system(component: Component, pattern: Pattern) -> tuple:
    """(matrix, values, observed, scale, scaled values, scaled right-hand sides, is an equality) of
    the pattern's active edits, values and right-hand sides divided by the largest of them, so that
    the programs' big-M stays small at 1e15 VND."""
    matrix = _matrix(component)[list(pattern.active)]
    edits = [e for e, on in zip(component.edits, pattern.active) if on]
    values = np.array(pattern.values)
    observed = ~np.isnan(values)
    scale = max(np.abs(values[observed]).max(initial=0.0), *(abs(e.rhs) for e in edits), 1.0)
    v, rhs = np.where(observed, values, 0.0) / scale, np.array([e.rhs for e in edits]) / scale
    return matrix, values, observed, scale, v, rhs, np.array([e.op == "==" for e in edits], dtype=bool)


def minimal_sets(component: Component, pattern: Pattern) -> list:
    """Every least-weight set of filled fields (indices) that lets the pattern satisfy its edits;
    an empty required cell is always in the set (it has to be filled). Ordered by the fields'
    positions, not as the solver happened to find them: the report, the letter and `blamed` list a
    tie's sets in this order, which must not change with HiGHS's version or build. A program HiGHS
    cannot solve (a limit reached) ends the search with the sets found so far."""
    matrix, values, observed, scale, v, rhs, is_eq = scaled_system(component, pattern)
    k = len(values)
    big_m = 10.0 * (1.0 + np.abs(matrix).sum())
    weights = np.array([field_weight(f) for f in component.fields])
    # rows over (x, z): the edits; x_j - M z_j <= v_j and x_j + M z_j >= v_j for each filled field
    rows = [np.hstack([matrix, np.zeros_like(matrix)]), np.hstack([np.eye(k), -big_m * np.eye(k)])[observed],
            np.hstack([np.eye(k), big_m * np.eye(k)])[observed]]
    lower = [np.where(is_eq, rhs, -np.inf), np.full(observed.sum(), -np.inf), v[observed]]
    upper = [rhs, v[observed], np.full(observed.sum(), np.inf)]
    broken = _broken(matrix, rhs * scale, is_eq, np.where(observed, values, 0.0)[None, :])[0]
    touched = (matrix != 0) & observed

    def constrain(row: np.ndarray, low: float, high: float) -> None:
        rows.append(row[None, :])
        lower.append([low])
        upper.append([high])

    for e in np.flatnonzero(broken & ~(matrix != 0)[:, ~observed].any(axis=1)):  # a broken edit needs a change
        constrain(np.hstack([np.zeros(k), touched[e]]), 1.0, np.inf)
    cost = np.concatenate([np.zeros(k), np.where(observed, weights, 0.0)])
    variable_lower = np.concatenate([np.full(k, -np.inf), np.zeros(k)])
    variable_upper = np.concatenate([np.full(k, np.inf), observed.astype(float)])
    integer = np.concatenate([np.zeros(k, dtype=bool), np.ones(k, dtype=bool)])
    found, best = [], None
    for _ in range(MAX_SOLVES):
        result = solve(cost, np.vstack(rows), np.concatenate(lower), np.concatenate(upper), variable_lower,
                       variable_upper, integer)
        if result.status != "optimal" or (best is not None and result.objective > best + 1e-6):
            break
        chosen = frozenset(np.flatnonzero(result.x[k:] > 0.5))
        if _feasible(matrix, rhs, is_eq, v, observed, chosen):
            found.append(frozenset(chosen | set(np.flatnonzero(pattern.free))))
            best = result.objective if best is None else best
        if not chosen:
            break
        cut = np.zeros(2 * k)  # this set and its supersets are not found again
        cut[[k + j for j in chosen]] = 1
        constrain(cut, -np.inf, len(chosen) - 1.0)
    return sorted(found, key=sorted)


def _feasible(matrix, rhs, is_eq, v, observed, chosen) -> bool:
    """Whether changing `chosen` (and filling the empty cells) can satisfy the edits: a linear
    program without big-M, the other fields fixed at their values."""
    fixed = observed.copy()
    fixed[list(chosen)] = False
    return solve(np.zeros(len(v)), matrix, np.where(is_eq, rhs, -np.inf), rhs, np.where(fixed, v, -np.inf),
                 np.where(fixed, v, np.inf)).status == "optimal"


def determined_values(component: Component, active: tuple, fields: frozenset, values: np.ndarray) -> np.ndarray | None:
    """rows x len(fields) values the equalities fix once the other fields keep their values (None
    when they leave a field free); NaN for a row where the fixed values break an edit or a count
    would not be whole."""
    order = sorted(fields)
    matrix = _matrix(component)[list(active)]
    edits = [e for e, on in zip(component.edits, active) if on]
    is_eq = np.array([e.op == "==" for e in edits], dtype=bool)
    rhs = np.array([e.rhs for e in edits])
    mine = matrix[:, order]
    if not order or not is_eq.any() or np.linalg.matrix_rank(mine[is_eq]) < len(order):
        return None
    rest = np.where(np.isnan(values), 0.0, values).copy()
    rest[:, order] = 0.0
    target = rhs[is_eq][:, None] - matrix[is_eq] @ rest.T
    solved = np.linalg.lstsq(mine[is_eq], target, rcond=None)[0].T  # rows x fields
    full = rest.copy()
    full[:, order] = solved
    lhs = full @ matrix.T
    tolerance = 1e-9 * np.maximum(np.abs(full).max(axis=1, initial=0.0), 1.0)[:, None]
    fits = np.where(is_eq, np.abs(lhs - rhs) <= tolerance, lhs <= rhs + tolerance).all(axis=1)
    for i, j in enumerate(order):
        if component.whole[j]:
            whole = np.round(solved[:, i])
            fits &= np.abs(solved[:, i] - whole) <= tolerance[:, 0]
            solved[:, i] = whole
    return np.where(fits[:, None], solved, np.nan)


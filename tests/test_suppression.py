"""Disclosure control against the plain formulations it replaced, on random data: every constraint
row built densely one cell at a time (the MILP), one fresh linprog per attacker bound (the audit), a
groupby per cell (the primary rules' sums, contributors and largest contributors). The sparse model
and the re-solved attacker model must give the same hidden pattern, the same intervals and the same
exposed cells; the cell statistics the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from heza.release.disclosure import OWNERSHIP_AXIS, _rank_in_cell, cell_index, cell_stats
from heza.release.suppression import attacker_intervals, exposed_cells, hiding_pattern, protect

SEEDS = range(60)


def lines_one_by_one(rows: int, columns: int) -> list:
    """Each row, then each column, as (flat cell indices, signs): cells minus total."""
    index = np.arange(rows * columns).reshape(rows, columns)
    row_signs, column_signs = np.r_[np.ones(columns - 1), -1.0], np.r_[np.ones(rows - 1), -1.0]
    return [(index[r], row_signs) for r in range(rows)] + [(index[:, c], column_signs) for c in range(columns)]


def dense_pattern(values, sensitive, need, shape):
    """The hiding MILP with one dense row per (line, cell) and per (line, cell, sensitive measure)."""
    cells = values.shape[1]
    rows, lower_bounds = [], []
    for line, _ in lines_one_by_one(*shape):
        for i in line:
            partners = np.zeros(cells)
            partners[line], partners[i] = 1.0, -1.0
            rows.append(partners)
            lower_bounds.append(0.0)
            for m in np.flatnonzero(sensitive[:, i]):
                capacity = np.zeros(cells)
                capacity[line], capacity[i] = values[m, line], 0.0
                rows.append(capacity)
                lower_bounds.append(need[m, i])
    cost = 1.0 + (values / np.maximum(values[:, -1:], 1.0)).sum(axis=0)
    result = milp(cost, integrality=np.ones(cells), bounds=Bounds(sensitive.any(axis=0).astype(float), 1.0),
                  constraints=LinearConstraint(np.array(rows), np.array(lower_bounds), np.inf))
    return None if result.status != 0 or result.x is None else result.x > 0.5


def linprog_intervals(values, hidden, sensitive, shape, parts=()):
    """Each bound of each sensitive hidden cell by its own linprog over dense equations."""
    hidden_cells = np.flatnonzero(hidden)
    variable = {(m, c): k for k, (m, c) in enumerate((m, c) for m in range(len(values)) for c in hidden_cells)}
    equations, targets, inequalities = [], [], []
    for line, signs in lines_one_by_one(*shape):
        mask = hidden[line]
        for m in range(len(values)) if mask.any() else ():
            row = np.zeros(len(variable))
            for c, s in zip(line[mask], signs[mask]):
                row[variable[m, c]] = s
            equations.append(row)
            targets.append(-float(np.dot(signs[~mask], values[m, line[~mask]])))
    for part, whole in parts:
        for c in hidden_cells:
            row = np.zeros(len(variable))
            row[variable[part, c]], row[variable[whole, c]] = 1.0, -1.0
            inequalities.append(row)
    lower, upper = np.full(values.shape, np.nan), np.full(values.shape, np.nan)
    for m, c in zip(*np.nonzero(sensitive & hidden[None, :])):
        for sense, out in ((1.0, lower), (-1.0, upper)):
            objective = np.zeros(len(variable))
            objective[variable[m, c]] = sense
            result = linprog(objective, A_ub=np.array(inequalities) if inequalities else None,
                             b_ub=np.zeros(len(inequalities)) if inequalities else None,
                             A_eq=np.array(equations), b_eq=np.array(targets), bounds=(0, None), method="highs")
            assert result.status in (0, 3)
            out[m, c] = sense * (-np.inf if result.status == 3 else result.fun)
    return lower, upper


def random_table(seed: int) -> tuple:
    """(values measures x rows x columns with consistent totals, sensitive, parts): measure 1, when
    there is one, is a part of measure 0 in every cell; some cells are zero."""
    rng = np.random.default_rng(seed)
    measures, rows, columns = int(rng.integers(1, 4)), int(rng.integers(2, 9)), int(rng.integers(2, 6))
    inner = rng.integers(0, 50, (measures, rows - 1, columns - 1)) * (rng.random((measures, rows - 1, columns - 1)) > 0.2)
    parts = [(1, 0)] if measures > 1 else []
    if parts:
        inner[1] = np.floor(inner[0] * rng.uniform(0.6, 1.0, inner[0].shape))
    values = np.zeros((measures, rows, columns))
    values[:, :-1, :-1] = inner
    values[:, -1, :-1], values[:, :-1, -1], values[:, -1, -1] = inner.sum(1), inner.sum(2), inner.sum((1, 2))
    sensitive = (rng.random(values.shape) < 0.15) & (values > 0)
    return values, sensitive, parts


@pytest.mark.parametrize("seed", SEEDS)
def test_the_sparse_hiding_model_chooses_the_same_cells_as_the_dense_one(seed):
    values, sensitive, _ = random_table(seed)
    flat, flags = values.reshape(len(values), -1), sensitive.reshape(len(values), -1)
    need = 0.1 * flat * np.random.default_rng(seed).integers(1, 4, flat.shape)
    ours, theirs = hiding_pattern(flat, flags, need, values.shape[1:]), dense_pattern(flat, flags, need, values.shape[1:])
    assert (ours is None) == (theirs is None)
    assert ours is None or np.array_equal(ours, theirs)


@pytest.mark.parametrize("scale", [1, 10_000_000])
def test_the_attacker_model_gives_the_intervals_of_one_linprog_per_bound(scale):
    """Random patterns (not only safe ones), so that intervals are narrow, wide and unbounded; at the
    scale of amounts in USD too, where a warm primal simplex alone called bounded cells unbounded."""
    unbounded = narrow = 0
    for seed in SEEDS:
        values, sensitive, parts = random_table(seed)
        values = values * scale
        flat, flags = values.reshape(len(values), -1), sensitive.reshape(len(values), -1)
        hidden = flags.any(axis=0) | (np.random.default_rng(seed).random(flat.shape[1]) < 0.3)
        ours = attacker_intervals(flat, hidden, flags, values.shape[1:], parts)
        theirs = linprog_intervals(flat, hidden, flags, values.shape[1:], parts)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
        assert np.array_equal(exposed_cells(flat, flags, *ours, 0.1), exposed_cells(flat, flags, *theirs, 0.1))
        unbounded += int(np.isinf(theirs[1]).sum())
        narrow += int(exposed_cells(flat, flags, *theirs, 0.1).sum())
    assert unbounded and narrow  # both kinds of answer were compared


@pytest.mark.parametrize("seed", SEEDS[:20])
def test_protect_hides_and_exposes_what_the_plain_formulation_does(seed):
    """The whole loop (pattern, audit, doubled requirement) with the plain parts in its place."""
    values, sensitive, parts = random_table(seed)
    ours = protect(values, sensitive, 0.1, parts)
    measures, rows, columns = values.shape
    flat, flags = values.reshape(measures, -1), sensitive.reshape(measures, -1)
    hidden, factor = flags.any(axis=0), np.ones(flat.shape)
    lower, upper = linprog_intervals(flat, hidden, flags, (rows, columns), parts)
    for _ in range(4 if flags.any() else 0):
        found = dense_pattern(flat, flags, 0.1 * factor * flat, (rows, columns))
        if found is None:
            break
        hidden = found
        lower, upper = linprog_intervals(flat, hidden, flags, (rows, columns), parts)
        exposed = exposed_cells(flat, flags, lower, upper, 0.1)
        if not exposed.any():
            break
        factor = np.where(exposed, factor * 2, factor)
    assert np.array_equal(ours.hidden.ravel(), hidden)
    np.testing.assert_allclose(ours.lower.reshape(flat.shape), lower, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours.upper.reshape(flat.shape), upper, rtol=1e-9, atol=1e-6)
    assert np.array_equal(ours.exposed.reshape(flat.shape), exposed_cells(flat, flags, lower, upper, 0.1))


@pytest.mark.parametrize("top", [1, 2, 3])
def test_cell_statistics_are_a_groupby_of_each_cells_enterprises(top):
    """Ties, zeros and one-enterprise cells included: the `top` largest of a total are found among
    the leaders of its (zone, ownership) cells."""
    rng = np.random.default_rng(top)
    enterprises = pd.DataFrame({"zone_code": rng.choice(["Z1", "Z2", "Z3", "Z4"], 400, p=[0.5, 0.3, 0.19, 0.01]),
                                "ownership": rng.choice(OWNERSHIP_AXIS[:-1], 400, p=[0.05, 0.35, 0.6]),
                                "capital_usd": pd.array(rng.integers(0, 6, 400) * 1000, dtype="Int64")})
    zones = ["Z1", "Z2", "Z3", "Z4"]
    ours = cell_stats(enterprises, "capital_usd", zones, cell_index(enterprises, zones), top)
    for zone, kind in ours.index:
        rows = enterprises[((enterprises["zone_code"] == zone) | (zone == "HP"))
                           & ((enterprises["ownership"] == kind) | (kind == "total"))]["capital_usd"].astype(float)
        assert ours.loc[(zone, kind)].tolist() == [rows.sum(), (rows > 0).sum(), rows.nlargest(top).sum()]


@given(st.lists(st.tuples(st.sampled_from([0, 1, 5, 1602, 40_000]), st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e9])
                          | st.floats(-1e12, 1e12)), max_size=80))
def test_enterprises_are_ranked_in_their_cell_in_lexsorts_order(pairs):
    """Ties keep the enterprises' order, as lexsort's; cells past int16 are sorted as they are."""
    cells = np.array([cell for cell, _ in pairs], dtype=np.int64)
    value = np.array([number for _, number in pairs], dtype=float)
    order, rank = _rank_in_cell(cells, value)
    expected = np.lexsort((-value, cells))
    assert np.array_equal(order, expected)
    assert np.array_equal(rank, [int((cells[expected[:i]] == cells[expected[i]]).sum()) for i in range(len(pairs))])

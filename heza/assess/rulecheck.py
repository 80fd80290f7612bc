"""Checks of the rule set itself, before any data is read: a set no row could ever pass
(infeasible), a rule the others already imply (redundant), and a rule that can never fail.

Each table's edits (rules.toml) are checked in every case of their conditions (a Party
organisation or not), by linear programs solved with HiGHS (heza/assess/highs.py: every process
checks the rules first, and scipy.optimize's import alone cost more than all its programs). The rules
named are the fewest that show the problem (found by dropping rules one at a time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from heza.assess.highs import solve
from schemas.catalogue import RULES
from schemas.columns import column_specs
from schemas.tables import COLUMN_LABELS, TABLES

_TOLERANCE = 1e-9
PROBLEM_KINDS = ("infeasible", "redundant", "never_fails")


class RuleSetError(ValueError):
    """The rule catalogue cannot be used: no row could ever pass its rules."""


@dataclass(frozen=True)
class Problem:
    kind: str  # one of PROBLEM_KINDS
    table: str
    edits: tuple  # the edits that show it (for redundant: the implied one first, then what implies it)
    case: tuple = ()  # ((condition column, value), ...) where it was found

    @property
    def rules(self) -> tuple:
        return tuple(dict.fromkeys(e.rule for e in self.edits))


def _system(edits) -> tuple:
    columns = sorted({c for e in edits for c in e.columns})
    matrix = np.zeros((len(edits), len(columns)))
    for i, edit in enumerate(edits):
        for column, coefficient in edit.coefficients:
            matrix[i, columns.index(column)] = coefficient
    return columns, matrix, np.array([e.rhs for e in edits]), np.array([e.op == "==" for e in edits], dtype=bool)


def _optimum(edits, objective: dict) -> float | None:
    """The least value of sum(objective[c] * c) subject to the edits: None if none satisfies
    them all, -inf if it is unbounded."""
    columns = sorted({c for e in edits for c in e.columns} | set(objective))
    if not edits:
        return 0.0 if not any(objective.values()) else -np.inf
    _, matrix, rhs, is_eq = _system(edits)
    known = sorted({c for e in edits for c in e.columns})
    full = np.zeros((len(edits), len(columns)))
    full[:, [columns.index(c) for c in known]] = matrix
    cost = np.array([objective.get(c, 0.0) for c in columns])
    return lp_minimum(cost, full, np.where(is_eq, rhs, -np.inf), rhs)


def lp_minimum(cost: np.ndarray, matrix: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float | None:
    """min cost @ x over lower <= matrix @ x <= upper, x free: None if infeasible, -inf if unbounded."""
    solution = solve(cost, matrix, lower, upper)
    if solution.status not in ("optimal", "infeasible", "unbounded"):
        raise RuntimeError(f"HiGHS could not solve a program of the rule set's check ({solution.status})")
    return {"infeasible": None, "unbounded": -np.inf}.get(solution.status, solution.objective)


def feasible(edits) -> bool:
    return _optimum(list(edits), {}) is not None


def implies(premises, edit) -> bool:
    """Whether every assignment satisfying the premises satisfies the edit."""
    terms = dict(edit.coefficients)
    most = _optimum(list(premises), {c: -a for c, a in terms.items()})  # -max of the edit's left side
    if most is None:
        return True
    if most == -np.inf or -most > edit.rhs + _TOLERANCE:
        return False
    if edit.op == "<=":
        return True
    least = _optimum(list(premises), terms)
    return least is not None and least != -np.inf and least >= edit.rhs - _TOLERANCE


def _fewest(edits: list, keeps) -> list:
    """Drop edits one at a time while `keeps(rest)` still holds: a minimal subset that shows it."""
    kept = list(edits)
    for edit in list(kept):
        rest = [e for e in kept if e is not edit]
        if keeps(rest):
            kept = rest
    return kept


def _cases(edits) -> list:
    """Every combination of the condition columns' values (one empty case when there are none)."""
    conditions = sorted({e.when for e in edits if e.when})
    return [dict(zip(conditions, values)) for values in product((True, False), repeat=len(conditions))]


def _applying(edits, case: dict) -> list:
    return [e for e in edits if e.when is None or case[e.when] != e.when_negated]


def check_table(table: str, edits) -> list:
    """The problems of one table's edits: infeasible in some case of the conditions; implied by
    the others in every case where it applies (redundant); true whatever the values (never fails)."""
    edits, problems = list(edits), []
    required = {name for name, spec in column_specs(TABLES[table].kind).items() if spec.required}
    implied: list = [[] for _ in edits]  # per edit, per case where it applies: what implies it, or None
    for case in _cases(edits):
        active = _applying(edits, case)
        if not feasible(active):
            problems.append(Problem("infeasible", table, tuple(_fewest(active, lambda rest: not feasible(rest))),
                                    tuple(sorted(case.items()))))
            continue
        for i, edit in enumerate(edits):
            if edit not in active:
                continue
            # a premise on a cell that may be left empty does not always apply: it cannot imply
            others = [e for e in active if e is not edit and set(e.columns) <= set(edit.columns) | required]
            implied[i].append(_fewest(others, lambda rest, edit=edit: implies(rest, edit))
                              if implies(others, edit) else None)
    for edit, found in zip(edits, implied):
        if implies([], edit):
            problems.append(Problem("never_fails", table, (edit,)))
        elif found and all(premises is not None for premises in found):
            problems.append(Problem("redundant", table, (edit, *found[0])))
    return problems


def check_rules(rules: dict | None = None) -> list:
    """Every problem of the rule set, table by table."""
    rules = RULES if rules is None else rules
    tables: dict = {}
    for entry in rules.values():
        tables.setdefault(entry.table, []).extend(entry.edits)
    return [problem for table, edits in tables.items() if edits for problem in check_table(table, edits)]


@lru_cache(maxsize=1)
def startup_check() -> tuple:
    """The catalogue's problems, once per process; an infeasible rule set stops the run before any
    data is read (no row could ever be published)."""
    problems = tuple(check_rules())
    infeasible = [p for p in problems if p.kind == "infeasible"]
    if infeasible:
        raise RuleSetError("; ".join(problem_text(p, "vi") + " / " + problem_text(p, "en") for p in infeasible))
    return problems


_WORDS = {
    "infeasible": ("Không dòng nào có thể thỏa đồng thời các quy tắc {rules}: {edits}",
                   "No row could ever pass the rules {rules} together: {edits}"),
    "redundant": ("Quy tắc {rules} thừa: {edit} đã được suy ra từ {premises}",
                  "Rule {rules} is redundant: {edit} follows from {premises}"),
    "never_fails": ("Quy tắc {rules} không bao giờ sai: {edit}", "Rule {rules} can never fail: {edit}"),
}
_WHEN = (" (khi {cases})", " (when {cases})")
_YES_NO = (("có", "không"), ("yes", "no"))


def edit_in_words(edit, lang: str) -> str:
    """The edit as written in rules.toml, each column by its name in words."""
    i = 1 if lang == "en" else 0
    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: COLUMN_LABELS.get(m.group(0), (m.group(0),) * 2)[i], edit.text)


def problem_text(problem: Problem, lang: str) -> str:
    """One problem in words (Vietnamese, or English for lang "en")."""
    i = 1 if lang == "en" else 0
    first, rest = problem.edits[0], problem.edits[1:]
    text = _WORDS[problem.kind][i].format(
        rules=", ".join(problem.rules if problem.kind == "infeasible" else (first.rule,)),
        edits="; ".join(edit_in_words(e, lang) for e in problem.edits), edit=edit_in_words(first, lang),
        premises="; ".join(f"{edit_in_words(e, lang)} ({e.rule})" for e in rest))
    if problem.case:
        cases = ", ".join(f"{COLUMN_LABELS.get(c, (c, c))[i]} = {_YES_NO[i][0 if v else 1]}" for c, v in problem.case)
        text += _WHEN[i].format(cases=cases)
    return text

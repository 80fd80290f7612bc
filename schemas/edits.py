"""The linear row rules ("edits") as data: each is written once in rules.toml beside its code
(`edits = ["workers_female + workers_male == workers_total"]`) and read here into coefficient
form, so that the pandera checks and the error localiser use the same declaration.

An edit is `sum(coefficient * column) <= rhs` or `== rhs`; `>=` is stored negated. A `when`
column (or `not column`) makes the edit apply only to rows where that yes/no column says so;
the localiser treats the condition as fixed. An empty cell leaves the edit to the required-value
rule (it passes), unless the rule says `empty = "zero"`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import pandas as pd

_OPS = {ast.Eq: "==", ast.LtE: "<=", ast.GtE: ">="}


class EditSyntaxError(ValueError):
    """An edit in rules.toml that is not a linear comparison of columns and numbers."""


@dataclass(frozen=True)
class Edit:
    rule: str
    text: str
    coefficients: tuple  # ((column, coefficient), ...), columns in the order written
    op: str  # "==" or "<="
    rhs: float
    when: str | None = None  # a yes/no column; the edit applies where it is true
    when_negated: bool = False  # ... or where it is false
    empty_as_zero: bool = False

    @property
    def columns(self) -> tuple:
        return tuple(column for column, _ in self.coefficients)

    def applies(self, frame: pd.DataFrame) -> pd.Series:
        """Rows the edit is about (its condition holds; an unknown condition: not about)."""
        if self.when is None:
            return pd.Series(True, index=frame.index)
        condition = frame[self.when].astype("boolean")
        return (~condition if self.when_negated else condition).fillna(False).astype(bool)

    def holds(self, frame: pd.DataFrame) -> pd.Series:
        """True where the row satisfies the edit, does not fall under it, or leaves a cell empty."""
        lhs = 0
        for column, coefficient in self.coefficients:
            values = frame[column].astype("Float64")
            lhs = lhs + coefficient * (values.fillna(0) if self.empty_as_zero else values)
        ok = (lhs == self.rhs) if self.op == "==" else (lhs <= self.rhs)
        return (ok.fillna(True).astype(bool)) | ~self.applies(frame)


def _linear(node, sign: float, terms: dict) -> float:
    """Adds sign * node's column terms into `terms`; returns sign * its constant part."""
    if isinstance(node, ast.Name):
        terms[node.id] = terms.get(node.id, 0.0) + sign
        return 0.0
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return sign * float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _linear(node.operand, -sign if isinstance(node.op, ast.USub) else sign, terms)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left = _linear(node.left, sign, terms)
        return left + _linear(node.right, -sign if isinstance(node.op, ast.Sub) else sign, terms)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for number, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(number, ast.Constant) and isinstance(number.value, (int, float)):
                return _linear(other, sign * float(number.value), terms)
    raise EditSyntaxError(f"not linear: {ast.unparse(node)}")


def parse_edit(rule: str, text: str, when: str | None = None, empty: str | None = None) -> Edit:
    """'a + 2*b >= c - 3' -> Edit(coefficients ((a, -1), (b, -2), (c, 1)), '<=', 3)."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise EditSyntaxError(f"{rule}: cannot read the edit {text!r}") from error
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in _OPS):
        raise EditSyntaxError(f"{rule}: {text!r} must be one comparison with ==, <= or >=")
    terms: dict = {}
    try:
        constant = _linear(tree.left, 1.0, terms) + _linear(tree.comparators[0], -1.0, terms)
    except EditSyntaxError as error:
        raise EditSyntaxError(f"{rule}: {text!r}: {error}") from error
    op = _OPS[type(tree.ops[0])]
    sign = -1.0 if op == ">=" else 1.0
    coefficients = tuple((c, sign * a) for c, a in terms.items() if a != 0)
    negated = bool(when) and when.startswith("not ")
    return Edit(rule, text, coefficients, "==" if op == "==" else "<=", -sign * constant,
                when.removeprefix("not ").strip() if when else None, negated, empty == "zero")

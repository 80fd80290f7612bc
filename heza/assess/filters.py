"""A small, safe filter language for the indicator catalogue, evaluated on DataFrames without eval().

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expr ")" | "@" name | column [op value | "in" "(" values ")"]
    op         := = == != < <= > >=
    value      := 'text' | "text" | number | true | false

A bare column means "is true" (for yes/no columns); "@name" uses a named filter of the catalogue.
"""

from __future__ import annotations

import re

import pandas as pd

_TOKEN = re.compile(r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|=|<|>)
                        |(?P<paren>[(),])|(?P<ref>@[a-z_][a-z0-9_]*)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))""", re.X)
_COMPARE = {"=": "eq", "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


class FilterError(ValueError):
    """Raised when a catalogue filter is not in the grammar or names an unknown column."""


def tokenize(text: str) -> list:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError(f"cannot read filter at '{text[position:]}' in: {text}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, columns: set, named: dict):
        self.text, self.tokens, self.position = text, tokenize(text), 0
        self.columns, self.named = columns, named

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if token == (None, None) or (kind and token[0] != kind) or (value and token[1].lower() != value):
            raise FilterError(f"expected {value or kind} at token {self.position + 1} in: {self.text}")
        self.position += 1
        return token

    def parse(self):
        node = self.expr()
        if self.position != len(self.tokens):
            raise FilterError(f"unexpected '{self.peek()[1]}' in: {self.text}")
        return node

    def expr(self):
        node = self.term()
        while self.peek() == ("word", "or"):
            self.take()
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek() == ("word", "and"):
            self.take()
            node = ("and", node, self.factor())
        return node

    def factor(self):
        kind, value = self.peek()
        if (kind, value) == ("word", "not"):
            self.take()
            return ("not", self.factor())
        if (kind, value) == ("paren", "("):
            self.take()
            node = self.expr()
            self.take("paren", ")")
            return node
        if kind == "ref":
            self.take()
            name = value[1:]
            if name not in self.named:
                raise FilterError(f"unknown named filter @{name} in: {self.text}")
            return self.named[name]
        column = self.take("word")[1]
        if column not in self.columns:
            raise FilterError(f"unknown column '{column}' in: {self.text}")
        kind, value = self.peek()
        if kind == "op":
            self.take()
            return ("compare", column, _COMPARE[value], self.value())
        if (kind, value) == ("word", "in"):
            self.take()
            self.take("paren", "(")
            values = [self.value()]
            while self.peek() == ("paren", ","):
                self.take()
                values.append(self.value())
            self.take("paren", ")")
            return ("in", column, values)
        return ("true", column)

    def value(self):
        kind, value = self.take()
        if kind == "string":
            return value[1:-1]
        if kind == "number":
            return float(value)
        if kind == "word" and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise FilterError(f"expected a value, got '{value}' in: {self.text}")


def compile_filter(text: str | None, columns, named: dict | None = None):
    """Parse a filter once into a tree; None or "" means every row."""
    if not text or not text.strip():
        return ("all",)
    return _Parser(text, set(columns), named or {}).parse()


def apply_filter(tree, frame: pd.DataFrame) -> pd.Series:
    """The rows a compiled filter selects, as a boolean Series (missing values never match)."""
    op = tree[0]
    if op == "all":
        return pd.Series(True, index=frame.index)
    if op == "and":
        return apply_filter(tree[1], frame) & apply_filter(tree[2], frame)
    if op == "or":
        return apply_filter(tree[1], frame) | apply_filter(tree[2], frame)
    if op == "not":
        return ~apply_filter(tree[1], frame)
    if op == "true":
        return frame[tree[1]].fillna(False).astype(bool)
    if op == "in":
        return frame[tree[1]].isin(tree[2]).fillna(False).astype(bool)
    _, column, method, value = tree
    return getattr(frame[column], method)(value).fillna(False).astype(bool)


def expand_filter(text: str, named_texts: dict) -> str:
    """The filter as words, with every @name replaced by its definition (for the report)."""
    def replace(match):
        return f"({expand_filter(named_texts[match.group(1)], named_texts)})" if match.group(1) in named_texts \
            else match.group(0)
    return re.sub(r"@([a-z_][a-z0-9_]*)", replace, text or "")

"""The rule catalogue (rules.toml) as typed records: code, table, severity, columns, messages."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    severity: str
    message_vi: str
    message_en: str
    columns: tuple = ()


def _load() -> dict:
    data = tomllib.loads(Path(__file__).with_name("rules.toml").read_text(encoding="utf-8"))
    rules = {}
    for code, entry in data.items():
        if entry["severity"] not in SEVERITIES:
            raise ValueError(f"rules.toml: {code} has unknown severity {entry['severity']!r}")
        rules[code] = Rule(code, entry["table"], entry["severity"], entry["vi"], entry["en"],
                           tuple(entry.get("columns", ())))
    return rules


RULES: dict = _load()


def rule(code: str) -> Rule:
    """The catalogue entry for a code; an unknown code is a programming error, not a data error."""
    return RULES[code]

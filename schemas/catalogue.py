"""The rule catalogue (rules.toml) as typed records: code, table, severity, columns, messages, and
the linear edits a rule is made of (with the field weights the error localiser uses)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from schemas.edits import parse_edit

SEVERITIES = ("error", "warning", "info")  # info: published, a value changed by [correct] apply


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    severity: str
    message_vi: str
    message_en: str
    columns: tuple = ()
    edits: tuple = ()  # schemas.edits.Edit: the rule as linear constraints, where it is linear
    ess_level: int | None = None  # ESS validation level 0-5 (see rules.toml), for report.ess.json


def _load() -> tuple[dict, dict]:
    data = tomllib.loads(Path(__file__).with_name("rules.toml").read_text(encoding="utf-8"))
    weights = {column: float(weight) for column, weight in data.pop("field_weights", {}).items()}
    rules = {}
    for code, entry in data.items():
        if entry["severity"] not in SEVERITIES:
            raise ValueError(f"rules.toml: {code} has unknown severity {entry['severity']!r}")
        edits = tuple(parse_edit(code, text, entry.get("when"), entry.get("empty")) for text in entry.get("edits", ()))
        rules[code] = Rule(code, entry["table"], entry["severity"], entry["vi"], entry["en"],
                           tuple(entry.get("columns", ())), edits, entry.get("ess_level"))
    return rules, weights


RULES, FIELD_WEIGHTS = _load()


def table_edits(table: str) -> tuple:
    """Every edit of a table's rules, in catalogue order."""
    return tuple(edit for entry in RULES.values() if entry.table == table for edit in entry.edits)


def field_weight(column: str) -> float:
    """How much a column is trusted: changing it costs this much (1 unless rules.toml says)."""
    return FIELD_WEIGHTS.get(column, 1.0)


def rule(code: str) -> Rule:
    """The catalogue entry for a code; an unknown code is a programming error, not a data error."""
    return RULES[code]

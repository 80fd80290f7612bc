"""The rule catalogue and the checks agree: every code has a check, every check a code."""

import re

from heza.config import PROJECT_ROOT
from schemas import RULES, TABLES, enterprise_schema, reconciliation_schema, zone_schema
from schemas.claims import ClaimIdentities, ClaimsTable


def _schema_check_codes() -> set:
    codes = set()
    for schema in (enterprise_schema(["X"]), zone_schema(["X"]), reconciliation_schema(),
                   ClaimsTable.to_schema(), ClaimIdentities.to_schema()):
        checks = list(schema.checks) + [c for col in schema.columns.values() for c in col.checks]
        codes |= {check.name.split(":")[0] for check in checks}
    return codes | {table.required_rule for table in TABLES.values() if table.required_rule}  # nullable=False


def _code_check_codes() -> set:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "heza").rglob("*.py")))
    return set(re.findall(r'"((?:FILE|SHEET|CELL|PERIOD|DISCLOSURE|VALUE)_[A-Z_]+)"', text))


def test_every_rule_in_the_catalogue_has_a_check():
    assert set(RULES) <= _schema_check_codes() | _code_check_codes()


def test_every_check_has_a_rule_in_the_catalogue():
    assert (_schema_check_codes() | _code_check_codes()) <= set(RULES)


def test_every_rule_has_a_known_severity_and_both_languages():
    for rule in RULES.values():
        assert rule.severity in {"error", "warning", "info"}
        assert rule.message_vi and rule.message_en


def test_every_rule_has_an_ess_validation_level():
    """report.ess.json names each rule's ESS validation level (0 format ... 5 other institutions)."""
    missing = {code: rule.ess_level for code, rule in RULES.items() if rule.ess_level not in range(6)}
    assert not missing

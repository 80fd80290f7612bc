"""The linear rules are data: rules.toml's edits parse into coefficient form, and the pandera
checks of those rules are built from them (one declaration for the checks and the localiser)."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas import RULES, enterprise_schema
from schemas.catalogue import field_weight, table_edits
from schemas.edits import EditSyntaxError, parse_edit


def test_an_edit_is_read_into_coefficients_moved_to_one_side():
    edit = parse_edit("X", "a + 2*b >= c - 3")
    assert (edit.coefficients, edit.op, edit.rhs) == ((("a", -1.0), ("b", -2.0), ("c", 1.0)), "<=", 3.0)
    balance = parse_edit("X", "workers_female + workers_male == workers_total")
    assert balance.coefficients == (("workers_female", 1.0), ("workers_male", 1.0), ("workers_total", -1.0))
    assert (balance.op, balance.rhs) == ("==", 0.0)


@pytest.mark.parametrize("text", ["a * b <= 3", "a < 3", "a <= b <= c", "max(a) >= 0", "a +", "a"])
def test_an_edit_that_is_not_one_linear_comparison_is_refused(text):
    with pytest.raises(EditSyntaxError):
        parse_edit("X", text)


def test_a_conditional_edit_applies_only_where_its_condition_holds():
    edit = parse_edit("X", "party_members >= 3", when="has_party_org", empty="zero")
    frame = pd.DataFrame({"party_members": pd.array([2, 2, None, 5], dtype="Int64"),
                          "has_party_org": pd.array([True, False, True, True], dtype="boolean")})
    assert edit.holds(frame).tolist() == [False, True, False, True]
    negated = parse_edit("X", "party_members <= 0", when="not has_party_org")
    assert negated.holds(frame).tolist() == [True, False, True, True]


def test_the_linear_rules_are_declared_as_edits_beside_their_codes():
    assert [e.text for e in RULES["ENT_GENDER_SUM"].edits] == ["workers_female + workers_male == workers_total"]
    assert [e.text for e in RULES["ENT_MANAGERIAL_RANGE"].edits] == ["workers_managerial <= workers_total"]
    assert {e.columns[0] for e in RULES["ENT_AMOUNT_NEGATIVE"].edits} == {"capital_usd", "export_usd", "import_usd"}
    assert RULES["ENT_PARTY_CELL_TOO_SMALL"].edits[0].when == "has_party_org"
    assert [e.text for e in RULES["ZONE_GENDER_SUM"].edits] == ["workers_female + workers_male == workers_total"]
    assert {e.rule for e in table_edits("zones")} == {"ZONE_COUNT_NEGATIVE", "ZONE_AMOUNT_NEGATIVE", "ZONE_GENDER_SUM"}
    assert field_weight("workers_total") == 1.0


def test_the_pandera_checks_of_the_linear_rules_are_built_from_their_edits():
    schema = enterprise_schema(["VSIP"])
    frame_checks = {check.name for check in schema.checks}
    assert {"ENT_GENDER_SUM", "ENT_MANAGERIAL_RANGE", "ENT_PARTY_CELL_TOO_SMALL", "ENT_MEMBERS_WITHOUT_ORG"} <= frame_checks
    assert "ENT_AMOUNT_NEGATIVE" in {check.name for check in schema.columns["capital_usd"].checks}
    assert "ENT_COUNT_NEGATIVE" in {check.name for check in schema.columns["workers_male"].checks}

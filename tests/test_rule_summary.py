"""The rule summary: every rule of the catalogue with the units it checked, passed and failed, the
change since last month (from a real two-month run of the sample: 2024-01, then 2024-02), a history
that a re-run never duplicates, and a rule that did not apply said in words."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.assess.rule_summary import UNIT_KEYS, _filled, unit_of
from heza.config import load_settings
from heza.present.publication import present_release
from heza.present.report import render_text
from heza.present.words import UNIT_WORDS
from heza.release.publish import publish_period
from heza.release.rule_history import HISTORY
from heza.samples.haiphong import DELIBERATE_ERRORS, DELIBERATE_WARNINGS
from schemas import RULES


def _publish(period: str) -> dict:
    """Check and publish one period of the scratch project as `heza run` does, without Prefect."""
    ctx = prepare(load_settings(), period)
    assessment = assess_paths(period_inputs(ctx), ctx)
    folder, report = publish_period(assessment, ctx, present=present_release)
    return _run({"assessment": assessment, "report": report, "folder": folder, "ctx": ctx})


def _run(run: dict) -> dict:
    """A run of the shared sample pair with what these tests read of it."""
    folder = run["folder"]
    return {**run, "run_id": run["ctx"].run_id, "html": (folder / "report.html").read_text(encoding="utf-8"),
            "text": render_text(run["report"], folder)}


@pytest.fixture(scope="module")
def months(sample_pair):
    """The sample's two months published in order in one scratch project: {period: run}."""
    return {"root": sample_pair["root"], **{period: _run(sample_pair[period]) for period in ("2024-01", "2024-02")}}


def _rules(run: dict) -> dict:
    return {item["rule"]: item for item in run["report"]["rule_summary"]["rules"]}


def _summary_row(html: str, code: str) -> str:
    """The rule summary table's row of one rule, as HTML."""
    table = html[html.index('id="rule-summary"'):]
    table = table[:table.index("</table>")]
    return next(row for row in table.split("<tr") if f">{code}<" in row.replace("<wbr>", ""))


def test_every_rule_of_the_catalogue_has_a_unit_said_in_words():
    for code in RULES:
        assert unit_of(code) in UNIT_KEYS and unit_of(code) in UNIT_WORDS, code


def test_every_rule_is_summarised_and_its_counts_add_up(months):
    for period in ("2024-01", "2024-02"):
        rules = _rules(months[period])
        assert sorted(rules) == sorted(RULES)
        for code, item in rules.items():
            assert item["checked"] == item["passed"] + item["failed"], (period, code, item)
            assert item["passed"] >= 0 and item["failed"] >= 0, (period, code, item)
            assert item["applied"] == (item["checked"] > 0), (period, code, item)


def test_failed_rows_of_a_row_rule_are_the_rows_with_its_findings(months):
    run = months["2024-02"]
    findings, counts = run["assessment"].findings, run["report"]["counts"]
    tables = {"enterprise_rows": "enterprises", "zone_rows": "zones"}
    for code, item in _rules(run).items():
        if item["unit"] not in tables:
            continue
        mine = findings[(findings["rule"] == code) & findings["row_id"].notna()]
        assert item["failed"] == mine["row_id"].nunique(), code
        assert item["checked"] == counts[tables[item["unit"]]]["rows_read"], code
    # every rule the sample breaks on purpose shows failures; two rows share one duplicated tax code
    rules = _rules(run)
    for code in [*DELIBERATE_ERRORS, *DELIBERATE_WARNINGS]:
        assert rules[code.split("/")[0]]["failed"] >= 1, code
    assert rules["ENT_TAX_CODE_DUPLICATE"]["failed"] == 2
    # held-back rows are those with an error finding: no row rule fails more rows than were held back
    assert max(rules[c]["failed"] for c in rules if rules[c]["unit"] == "enterprise_rows"
               and rules[c]["severity"] == "error") <= counts["enterprises"]["rows_quarantined"]


def test_the_change_since_last_month_comes_from_last_months_run(months):
    january, february = _rules(months["2024-01"]), _rules(months["2024-02"])
    summary = months["2024-02"]["report"]["rule_summary"]
    assert summary["previous_period"] == "2024-01"
    assert months["2024-01"]["report"]["rule_summary"]["previous_period"] is None  # nothing before January
    for code, item in february.items():
        before = january[code]
        if item["applied"] and before["applied"]:
            assert item["failed_previous"] == before["failed"] and item["change"] == item["failed"] - before["failed"]
        else:
            assert item["failed_previous"] is None and item["change"] is None, code
    # January is clean, February has two rows with one duplicated tax code: ▲ 2 in the page
    assert january["ENT_TAX_CODE_DUPLICATE"]["failed"] == 0
    row = _summary_row(months["2024-02"]["html"], "ENT_TAX_CODE_DUPLICATE")
    assert "▲ 2" in row and "Mã số thuế trùng trong kỳ" in row and "dòng doanh nghiệp" in row
    # a cumulative figure could only be compared once January was published: new in February
    assert not january["ZONE_CUMULATIVE_DECREASE"]["applied"] and february["ZONE_CUMULATIVE_DECREASE"]["failed"] == 1
    assert "mới" in _summary_row(months["2024-02"]["html"], "ZONE_CUMULATIVE_DECREASE")
    assert "so với tháng trước ▲ 2" in months["2024-02"]["text"]


def test_failing_rules_come_first_and_people_read_words_not_codes(months):
    html = months["2024-02"]["html"]
    table = html[html.index('id="rule-summary"'):]
    table = table[:table.index("</table>")]
    rows = table.split("<tr")[2:]  # after the head
    failing = ["font-weight:bold" in row for row in rows]  # the failed count is in bold red
    assert failing == sorted(failing, reverse=True) and any(failing) and not all(failing)
    shown = re.sub(r'<td class="code".*?</td>', "", table, flags=re.S)
    assert re.findall(r"\b[A-Z]{3,}_[A-Z_]+\b", shown) == []  # codes only in the small code column
    assert table.count('class="code"') == len(RULES) + 1
    assert 'alt="Số đơn vị không đạt theo tháng, theo quy tắc"' in html


def test_a_rule_that_did_not_apply_says_so(months):
    january = months["2024-01"]
    item = _rules(january)["PERIOD_PREVIOUS_COLUMN_MISSING"]  # no earlier publication to compare with
    assert (item["applied"], item["checked"], item["failed"]) == (False, 0, 0)
    row = _summary_row(january["html"], "PERIOD_PREVIOUS_COLUMN_MISSING")
    assert "không áp dụng tháng này" in row and ">0<" not in row
    assert "Kỳ công bố trước thiếu một cột lũy kế (cột lũy kế): không áp dụng tháng này" in january["text"]


def test_the_history_keeps_one_line_per_period_and_rule_even_when_a_period_is_run_again(months, monkeypatch,
                                                                                        tmp_path):
    root = tmp_path / "project"  # publishes again: on its own copy of the shared pair's project
    shutil.copytree(months["root"], root, symlinks=True)
    monkeypatch.setenv("HEZA_CONFIG", str(root / "heza.toml"))
    path = root / "processed" / HISTORY
    again = _publish("2024-02")
    history = pd.read_csv(path, dtype={"period": "string"})
    assert len(history) == 2 * len(RULES) and not history.duplicated(["period", "rule"]).any()
    assert set(history.loc[history["period"] == "2024-02", "run_id"]) == {again["run_id"]}
    assert set(history.loc[history["period"] == "2024-01", "run_id"]) == {months["2024-01"]["run_id"]}
    # the chart's months: January and February once each
    assert sorted({line["period"] for line in again["report"]["rule_history"]}) == ["2024-01", "2024-02"]
    # without the history, last month's counts come from last month's report.json
    path.unlink()
    rerun = _publish("2024-02")
    assert rerun["report"]["rule_summary"]["previous_period"] == "2024-01"
    assert _rules(rerun)["ENT_TAX_CODE_DUPLICATE"]["change"] == 2
    assert set(pd.read_csv(path, dtype={"period": "string"})["period"]) == {"2024-02"}
    assert json.loads((root / "processed" / "2024-02" / "report.json").read_text())["run_id"] == rerun["run_id"]


@given(st.lists(st.none() | st.text(st.sampled_from(" \t\n\u00a0\u3000\u200bax")) | st.integers() | st.floats(),
                max_size=40), st.booleans())
def test_a_filled_cell_is_one_that_pandas_strip_leaves_non_empty(cells, as_strings):
    """Cells as submitted (text, numbers, missing; Arrow strings or Python objects): filled when
    present and, for text, not only white space by str.strip()."""
    values = pd.Series(cells, dtype=object)
    if as_strings:
        values = values.map(lambda v: v if v is None else str(v)).astype("string")
    expected = [not pd.isna(v) and (not isinstance(v, str) or pd.Series([v], dtype="string").str.strip()[0] != "")
                for v in values]
    assert _filled(values).tolist() == expected

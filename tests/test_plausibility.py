"""Month on month: the Hidiroglou-Berthelot edit against a hand computation of its formula, unit
slips, values that cannot be compared, enterprises that come and go, zone totals that move, and the
call list, on hand-made tables and on the real sample pair (2024-01 published, then 2024-02)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from heza.assess.context import prepare
from heza.assess.core import STAGES, assess_paths, check_month_on_month
from heza.assess.plausibility import hb_edit, load_last_release, match, unit_factor
from heza.config import ConfigError, load_settings
from heza.samples.haiphong import DELIBERATE_ERRORS, PLANTED_CHANGES
from tests.scratch import scratch_project

MONTH_RULES = {"PERIOD_NO_PREVIOUS", "PERIOD_CHANGE_OUTLIER", "PERIOD_UNIT_SLIP", "PERIOD_NEW_ENTERPRISE",
               "PERIOD_GONE_ENTERPRISE", "PERIOD_ZONE_TOTAL_CHANGE"}


# -- the edit against its formula, computed by hand ----------------------------------------------

def _quantile(values: list, p: float) -> float:
    """Linear interpolation between order statistics (what pandas' quantile does by default)."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    return ordered[low] + (h - low) * (ordered[min(low + 1, len(ordered) - 1)] - ordered[low])


def _reference_hb(units: list, u: float, a: float, c: float, min_group: int) -> dict:
    """The issue's definition, one unit at a time: r = x / y; s = 1 - r_M / r below the median
    r_M, r / r_M - 1 above; E = s * max(x, y)^U; bounds E_M -/+ C * max(E_M - E_Q1, E_Q3 - E_M, |A E_M|);
    a zone with fewer than min_group units is judged among all units."""
    def judge(members):
        ratios = {i: units[i][1] / units[i][2] for i in members}
        median = _quantile(list(ratios.values()), 0.5)
        effects = {i: ((1 - median / r) if r < median else (r / median - 1)) * max(units[i][1], units[i][2]) ** u
                   for i, r in ratios.items()}
        q1, em, q3 = (_quantile(list(effects.values()), p) for p in (0.25, 0.5, 0.75))
        spread = max(em - q1, q3 - em, abs(a * em))
        return {i: (effects[i], em - c * spread, em + c * spread) for i in members}

    zones = {zone for zone, _, _ in units}
    everyone = judge(range(len(units)))
    result = {}
    for zone in zones:
        members = [i for i, (z, _, _) in enumerate(units) if z == zone]
        own = judge(members) if len(members) >= min_group else {i: everyone[i] for i in members}
        result.update(own)
    return result


HAND_TABLE = [  # zone, this month, last month
    ("A", 120, 100), ("A", 980, 1000), ("A", 51, 50), ("A", 2100, 2000), ("A", 300, 310), ("A", 12000, 1200),
    ("A", 75, 70), ("B", 400, 390), ("B", 90, 100), ("B", 5000, 5000),
]


def test_the_hb_edit_agrees_with_a_hand_computation_of_its_formula():
    zones, x, y = (pd.Series(col) for col in zip(*HAND_TABLE))
    ours = hb_edit(x.astype(float), y.astype(float), zones, 0.5, 0.05, 4, min_group=5)
    expected = _reference_hb(HAND_TABLE, 0.5, 0.05, 4, 5)
    for i, (effect, lower, upper) in expected.items():
        assert ours.loc[i, "effect"] == pytest.approx(effect)
        assert (ours.loc[i, "lower"], ours.loc[i, "upper"]) == (pytest.approx(lower), pytest.approx(upper))
        assert bool(ours.loc[i, "outlier"]) == (effect < lower or effect > upper)
    assert ours.index[ours["outlier"]].tolist() == [5]  # 1.200 -> 12.000


def test_a_zone_with_too_few_enterprises_is_judged_among_all_zones():
    steady = [("A", 100 + i, 100 + i) for i in range(20)] + [("A", 101, 100), ("A", 99, 100)]
    small = [("B", 300, 100), ("B", 100, 100), ("B", 100, 100)]
    zones, x, y = (pd.Series(col) for col in zip(*(steady + small)))
    pooled = hb_edit(x.astype(float), y.astype(float), zones, 0.5, 0.05, 4, min_group=5)
    alone = hb_edit(x.astype(float), y.astype(float), zones, 0.5, 0.05, 4, min_group=1)
    jump = len(steady)
    assert bool(pooled.loc[jump, "outlier"]) and not bool(alone.loc[jump, "outlier"])


def test_values_that_cannot_be_compared_are_left_out_not_flagged():
    x = pd.Series([0.0, np.nan, 50.0, -5.0, 100.0, 100.0])
    y = pd.Series([100.0, 100.0, np.nan, 10.0, 0.0, 100.0])
    result = hb_edit(x, y, pd.Series(["A"] * 6), 0.5, 0.05, 4, min_group=1)
    assert result.index.tolist() == [5] and not result["outlier"].any()


def test_a_variable_with_nothing_to_compare_gives_no_edit():
    empty = hb_edit(pd.Series([np.nan, 0.0]), pd.Series([5.0, 5.0]), pd.Series(["A", "A"]), 0.5, 0.05, 4, 1)
    assert empty.empty


def test_tax_codes_match_last_month_by_position_and_a_missing_code_never_matches():
    codes = pd.Series(["A", "B", None, "D"], dtype="string")
    among = pd.Series(["B", "A", None], dtype="string")
    assert match(codes, among).tolist() == [1, 0, -1, -1]
    assert match(codes, among.iloc[0:0]).tolist() == [-1, -1, -1, -1]


def test_a_ratio_near_a_thousand_or_the_exchange_rate_is_a_unit_slip_with_its_factor():
    ratios = pd.Series([1000.0, 1 / 1000, 23_996.0, 1 / 24_100, 1050.0, 900.0, 1.5, 10.0])
    money = unit_factor(ratios, currency=True, rate=23_996.0, tolerance=0.1)
    assert money.tolist()[:5] == [1000.0, 0.001, 23_996.0, pytest.approx(1 / 23_996), 1000.0]
    assert money[5:].isna().all()  # 900 is 10,5 % from 1.000; 1,5 and 10 are no slip
    counts = unit_factor(ratios, currency=False, rate=23_996.0, tolerance=0.1)
    assert counts[[2, 3]].isna().all() and counts[0] == 1000.0  # workers have no exchange rate


def test_an_unreadable_last_publication_counts_as_none(tmp_path):
    folder = tmp_path / "2024-01"
    folder.mkdir()
    (folder / "enterprises.csv").write_bytes(b"\xff\xfe garbage \x00\x01")
    (folder / "zones.csv").write_text("zone_code\nVSIP\n", encoding="utf-8")
    assert not load_last_release(tmp_path, "2024-01").exists


def test_the_settings_check_the_plausibility_parameters(tmp_path, monkeypatch):
    config = scratch_project(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("capital_usd_c = 7", 'capital_usd_c = "7"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[plausibility\] capital_usd_c"):
        load_settings(config)
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("HEZA_PLAUSIBILITY_CAPITAL_USD_C", "4")
    assert load_settings(config).plausibility["capital_usd_c"] == 4


def test_the_month_on_month_check_is_a_stage_of_the_core_and_a_task_of_the_flow():
    from flows.monthly import _STAGE_TASKS

    assert STAGES[-1] is check_month_on_month
    assert [t.name for t in _STAGE_TASKS][-1] == "check-month-on-month"


# -- the real sample pair ------------------------------------------------------------------------

@pytest.fixture
def pair(sample_assessment, sample_pair):
    """2024-02 checked with no previous publication, then 2024-01 published and 2024-02 checked and
    published again: the sample pair as staff would run it (both made once per run, shared)."""
    january, february = sample_pair["2024-01"], sample_pair["2024-02"]
    return {"alone": sample_assessment, "january": january["assessment"], "february": february["assessment"],
            "report": february["report"], "folder": february["folder"], "settings": february["ctx"].settings,
            "ctx": february["ctx"]}


def _month_findings(assessment):
    findings = assessment.findings
    return findings[findings["rule"].isin(MONTH_RULES)]


def test_a_month_without_a_previous_publication_says_so_once_and_runs_every_other_check(pair):
    for assessment in (pair["alone"], pair["january"]):
        assert _month_findings(assessment)["rule"].tolist() == ["PERIOD_NO_PREVIOUS"]
        assert assessment.month_on_month is None
    alone = pair["alone"].findings
    assert set(alone.loc[alone["severity"] == "error", "rule"]) >= {c.split("/")[0] for c in DELIBERATE_ERRORS}
    assert "2024-01" in alone.loc[alone["rule"] == "PERIOD_NO_PREVIOUS", "message_vi"].iloc[0]


def test_every_planted_change_is_found_as_a_warning_and_nothing_more_is_held_back(pair):
    february, alone = pair["february"], pair["alone"]
    found = _month_findings(february)
    assert set(found["rule"]) == {code.split("/")[0] for code in PLANTED_CHANGES}
    assert set(found["severity"]) == {"warning"}
    assert february.splits["enterprises"].counts == alone.splits["enterprises"].counts == \
        {"rows_read": 753, "rows_published": 739, "rows_quarantined": 14}
    flagged = february.month_on_month.found
    slips = flagged[flagged["factor"].notna()]
    assert sorted(slips["factor"].round(0)) == [1000.0, 23_996.0]
    assert set(slips["variable"]) == {"capital_usd"}
    jumps = flagged[flagged["factor"].isna()].set_index("variable")["ratio"]
    assert jumps["workers_total"].max() == pytest.approx(10, rel=0.05)
    assert jumps["export_usd"].max() == pytest.approx(6, rel=0.1)
    assert jumps["import_usd"].min() == pytest.approx(0.2, rel=0.1)
    assert found.loc[found["rule"] == "PERIOD_GONE_ENTERPRISE", "message_vi"].str.contains("Đã Chuyển Đi").all()
    assert found.loc[found["rule"] == "PERIOD_ZONE_TOTAL_CHANGE", "column"].tolist() == ["workers_total"]


def test_the_slip_that_moves_release_figures_out_of_tolerance_heads_the_call_list(pair):
    calls = pair["report"]["calls"]
    first = calls[0]
    assert [p["variable"] for p in first["problems"]] == ["capital_usd"] and first["problems"][0]["factor"] == 1000
    flipped = {m["indicator"]: (m["status"], m["status_if_corrected"]) for m in first["moves"]}
    assert flipped["capital_usd_party_org"] == ("pass", "fail")
    assert flipped["share_capital_party_org_pct"] == ("pass", "fail")
    assert first["flips"] == 2 and all(call["flips"] < 2 for call in calls[1:])
    assert [c["rank"] for c in calls] == list(range(1, len(calls) + 1))


def test_the_report_opens_with_the_call_list_in_words(pair):
    html = (pair["folder"] / "report.html").read_text(encoding="utf-8")
    block = html[html.index('id="call-list"'):html.index("</table>", html.index('id="call-list"'))]
    assert html.index('id="call-list"') < html.index('id="wrong-figures"')
    first = pair["report"]["calls"][0]
    assert first["enterprise_name"] in block and first["tax_code"] in block and first["zone_name"] in block
    assert "Vốn đăng ký (USD): tháng trước" in block and "hơn 10,2 tỷ USD" in block and "Khớp dữ liệu → Sai" in block
    text = block.replace("doanh_<wbr>nghiep_<wbr>", "")
    for identifier in ("capital_usd", "workers_total", "PERIOD_", "True", "share_", "_party_org"):
        assert identifier not in text


def test_a_file_checked_alone_lists_no_enterprise_as_gone(pair):
    settings = pair["settings"]
    ctx = prepare(settings, "2024-02", whole_period=False)
    one = settings.raw / "2024-02" / "doanh_nghiep_DOSON_2024-02.xlsx"
    findings = assess_paths([one], ctx).findings
    assert "PERIOD_GONE_ENTERPRISE" not in set(findings["rule"])
    assert "PERIOD_UNIT_SLIP" in set(findings["rule"])


def test_report_json_holds_the_call_list_as_plain_json(pair):
    saved = json.loads((pair["folder"] / "report.json").read_text(encoding="utf-8"))
    assert saved["calls"] == json.loads(json.dumps(pair["report"]["calls"], allow_nan=False))

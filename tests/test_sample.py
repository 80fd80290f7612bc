"""The bundled sample: the reader's tables match what the generator wrote, and the clean 2024-02
rows reproduce the article's consistent figures."""

from __future__ import annotations

import pytest

from heza.samples.haiphong import DELIBERATE_ERRORS, clean_enterprises, bad_enterprises, with_warnings
import random


@pytest.fixture
def february(sample_assessment):
    """The committed sample's 2024-02 as checked (tests/conftest.py: once per run, a copy per test)."""
    return sample_assessment


def test_the_reader_reads_every_row_the_generator_wrote(february):
    rng = random.Random(20240229)
    from heza.ingest.reference import load_zone_registry
    from heza.config import load_settings

    codes = load_zone_registry(load_settings().reference).active_in("2024-02")
    rows = clean_enterprises(rng, codes)
    with_warnings(rows)
    rows += bad_enterprises(rng, codes)
    assessment = february
    typed = assessment.tables["enterprises"].typed
    assert len(typed) == len(rows) == 753
    assert int(typed["workers_male"].sum()) == sum(r.workers_male or 0 for r in rows)
    assert typed["capital_usd"].sum() == pytest.approx(sum(r.capital_usd or 0 for r in rows))
    assert len(assessment.tables["zones"].typed) == 15
    assert not [f.file for f in assessment.files if f.error is not None]


def test_exactly_the_deliberately_bad_rows_are_quarantined(february):
    assessment = february
    findings = assessment.findings
    errors = findings[(findings["severity"] == "error") & findings["table"].isin(["enterprises", "zones", "files"])]
    assert set(errors["rule"]) == {code.split("/")[0] for code in DELIBERATE_ERRORS}
    assert assessment.splits["enterprises"].counts == {"rows_read": 753, "rows_published": 739,
                                                       "rows_quarantined": 14}
    assert assessment.splits["zones"].counts == {"rows_read": 15, "rows_published": 15, "rows_quarantined": 0}


def test_the_clean_rows_reproduce_the_article(february):
    assessment = february
    published = assessment.splits["enterprises"].published
    non_state = published[published["ownership"] != "state"]
    party = non_state[non_state["has_party_org"]]
    assert (len(non_state), len(party)) == (727, 56)
    assert int(party["party_members"].sum()) == 789
    assert [int(party[c].sum()) for c in ("workers_total", "workers_female", "workers_male",
                                          "workers_managerial")] == [99_570, 59_356, 40_214, 10_317]
    assert 195_793 <= int(published["workers_total"].sum()) <= 195_830
    assert party["capital_usd"].sum() > 10.2e9
    assert party["capital_usd"].sum() / published["capital_usd"].sum() > 0.42
    assert party["export_usd"].sum() / published["export_usd"].sum() == pytest.approx(0.40, abs=0.02)
    zones = assessment.splits["zones"].published
    assert int(zones["fdi_projects_cum"].sum()) == 542 and int(zones["di_projects_cum"].sum()) == 221
    assert zones["fdi_capital_usd_cum"].sum() == pytest.approx(26.3e9)
    assert zones["di_capital_vnd_cum"].sum() == pytest.approx(320_508e9)

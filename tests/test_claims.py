"""Indicator claims: the article's figures against the sample data and against each other."""

from __future__ import annotations

import copy
import math
import shutil

import pandas as pd
import pytest

from heza.assess.catalogue import CatalogueError, load_catalogue
from heza.assess.claims import claim_interval
from heza.config import PROJECT_ROOT, load_settings
from heza.assess.filters import FilterError, compile_filter
from heza.ingest.numbers import parse_figure
from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_file, assess_period
from tests.conftest import write_workbook
from tests.scratch import scratch_project

CLAIMS_HEADER = ["STT", "Mã chỉ tiêu", "Phạm vi", "Giá trị", "Ghi chú"]


@pytest.fixture
def article(sample_assessment):
    """The sample's 2024-02 with the article's claims as written (the sample as checked once per run)."""
    table = sample_assessment.claims.table.set_index("indicator")
    return table, sample_assessment.findings[sample_assessment.findings["table"] == "claims"]


def test_the_share_of_party_org_enterprises_fails_with_both_figures(article):
    table, findings = article
    claim = table.loc["share_nonstate_party_org_pct"]
    assert claim["status"] == "fail"
    assert round(claim["recomputed"], 2) == 7.70 and (claim["lower"], claim["upper"]) == (7.45, 7.55)
    hit = findings[(findings["rule"] == "CLAIM_FAILS_DATA") & (findings["value"].str.startswith("7,5%"))]
    assert "7,70%" in hit.iloc[0]["message_vi"] and "7,45%" in hit.iloc[0]["message_vi"]


def test_female_plus_male_workers_identity_holds(article):
    table, findings = article
    broken = findings.loc[findings["rule"] == "CLAIM_IDENTITY_BROKEN", "value"]
    assert not broken.str.contains("workers_party_org").any()
    assert {table.loc[c, "status"] for c in ("workers_party_org", "workers_female_party_org",
                                             "workers_male_party_org")} == {"pass"}


def test_the_share_of_workers_passes(article):
    assert article[0].loc["share_workers_party_org_pct", "status"] == "pass"


def test_di_capital_in_usd_fails_at_the_reference_rate_and_shows_the_implied_rate(article):
    table, findings = article
    claim = table.loc["di_capital_usd_cum"]
    assert claim["status"] == "fail"
    assert round(claim["recomputed"] / 1e9, 2) == 13.36
    name, low, high, central = claim["implied"]
    assert name == "vnd_per_usd" and round(central) == 23_794 and low < 23_794 < high
    messages = " ".join(findings.loc[findings["row_id"] == claim["row_id"], "message_vi"])
    assert "13,36 tỷ USD" in messages and "23.794" in messages


def test_the_managerial_share_passes_under_the_catalogue_definition_which_the_report_states(article):
    claim = article[0].loc["share_managerial_party_org_pct"]
    assert claim["status"] == "pass"
    assert "workers_managerial_total" in claim["definition_en"]
    assert "not of all workers" in claim["definition_en"]


def test_a_share_of_an_external_total_is_not_checkable_and_shows_what_the_claims_imply(article):
    table, findings = article
    claim = table.loc["share_party_members_committee_pct"]
    assert claim["status"] == "not_checkable"
    assert claim["implied"][:3] == ("party_committee_members", 1019, 1031)
    warning = findings[(findings["rule"] == "CLAIM_NOT_CHECKABLE")].iloc[0]
    assert warning["severity"] == "warning" and "1.019" in warning["message_vi"]


def test_every_article_claim_has_a_status(article):
    table, _ = article
    assert set(table["status"]) <= {"pass", "fail", "consistent", "not_checkable"}
    assert len(table) == 19


@pytest.mark.parametrize("text, whole, expected", [
    ("7,5%", False, (7.45, 7.55, True, False)),
    ("77%", False, (76.5, 77.5, True, False)),
    ("26,3 tỷ USD", False, (26.25e9, 26.35e9, True, False)),
    ("99.570", True, (99_570, 99_570, True, True)),
    ("hơn 42%", False, (42, math.inf, False, False)),
    ("dưới 5%", False, (-math.inf, 5, False, False)),
    ("xấp xỉ 40%", False, (38, 42, True, True)),
])
def test_the_interval_a_figure_stands_for_follows_how_it_is_written(text, whole, expected):
    figure = parse_figure(text)
    reading = figure.reading or figure.readings["vi"]
    got = claim_interval(reading.value * figure.scale, reading.decimals, figure.scale, figure.qualifier, 0.05, whole)
    assert got == pytest.approx(expected)


def test_the_about_tolerance_is_configurable():
    figure = parse_figure("khoảng 100")
    assert claim_interval(100, 0, 1, figure.qualifier, 0.10)[:2] == pytest.approx((90, 110))


@pytest.fixture(scope="module")
def sample_files(once_per_run) -> dict:
    """Each file of the sample's 2024-02 but its draft release, read and typed once per run (the map
    step, as a Dask worker returns it; tests/test_scale.py proves that this changes nothing):
    {file name: result}."""
    def assess_each(root):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(scratch_project(root, ("2024-02",))))
            ctx = prepare(load_settings(), "2024-02")
            return {path.name: assess_file(path, ctx) for path in period_inputs(ctx)
                    if not path.name.startswith("chi_tieu")}

    return once_per_run("claims-sample-files", assess_each)


def _claims_month(settings, files: dict, rows, name="chi_tieu.xlsx"):
    """The sample's 2024-02 with `rows` as its draft release, checked in the test's own project: the
    draft release read here, the other files' results taken from `files` (a copy each)."""
    folder = settings.raw / "2024-02"
    for path in (PROJECT_ROOT / "data" / "raw" / "2024-02").glob("*"):
        if not path.name.startswith("chi_tieu"):
            shutil.copy(path, folder / path.name)
    write_workbook(folder / name, {"Chỉ tiêu": [CLAIMS_HEADER, *rows]})
    ctx = prepare(settings, "2024-02")
    return assess_period([copy.deepcopy(files[path.name]) if path.name in files else assess_file(path, ctx)
                          for path in period_inputs(ctx)], ctx)


@pytest.fixture
def month(project, settings, sample_files):
    """(settings, the sample's files as read once) for a month whose draft release the test writes."""
    (settings.raw / "2024-02").mkdir(parents=True)
    return settings, sample_files


def test_a_claim_scoped_to_one_zone_is_recomputed_for_that_zone(month):
    assessment = _claims_month(*month, [[1, "enterprises_total", "VSIP", "48"],
                                       [2, "enterprises_total", "KCN VSIP Hải Phòng", "47"]])
    published = assessment.splits["enterprises"].published
    expected = int((published["zone_code"] == "VSIP").sum())
    table = assessment.claims.table
    assert set(table["recomputed"]) == {expected}
    assert table["status"].tolist() == ["pass" if expected == 48 else "fail", "pass" if expected == 47 else "fail"]


def test_an_economic_zone_scope_covers_the_industrial_zones_inside_it(month):
    assessment = _claims_month(*month, [[1, "enterprises_total", "DVCH", "1"]])
    published = assessment.splits["enterprises"].published
    inside = {"DVCH", "TRANGDUE", "VSIP", "DINHVU", "NAMDINHVU1", "MPDINHVU", "ANDUONG", "CUANGO",
              "NAMTRANGCAT", "XUANCAU", "TRANGDUE3"}
    assert assessment.claims.table["recomputed"].iloc[0] == published["zone_code"].isin(inside).sum()


def test_an_unknown_indicator_or_unparseable_figure_is_an_error_naming_sheet_and_row(month):
    assessment = _claims_month(*month, [[1, "so_ga_trong_khu", "HP", "5"], [2, "workers_total", "HP", "nhiều lắm"]])
    findings = assessment.findings[assessment.findings["table"] == "claims"]
    unknown = findings[findings["rule"] == "CLAIM_UNKNOWN_INDICATOR"].iloc[0]
    bad = findings[findings["rule"] == "CLAIM_UNPARSEABLE"].iloc[0]
    assert (unknown["source_sheet"], unknown["source_row"], unknown["severity"]) == ("Chỉ tiêu", 2, "error")
    assert (bad["source_sheet"], bad["source_row"], bad["value"]) == ("Chỉ tiêu", 3, "nhiều lắm")
    assert set(assessment.claims.table["status"]) == {"fail"}


@pytest.mark.parametrize("committee, status", [("1.025", "consistent"), ("1.200", "fail")])
def test_a_committee_total_is_checked_against_its_members_and_share(month, committee, status):
    assessment = _claims_month(*month, [[1, "party_members_party_org", "HP", "789"],
                                       [2, "share_party_members_committee_pct", "HP", "77%"],
                                       [3, "party_committee_members", "HP", committee]])
    statuses = assessment.claims.table.set_index("indicator")["status"]
    assert statuses["party_committee_members"] == status
    assert statuses["share_party_members_committee_pct"] == status
    assert ("CLAIM_IDENTITY_BROKEN" in set(assessment.findings["rule"])) == (status == "fail")


def test_a_staff_member_adds_an_indicator_by_editing_the_catalogue_alone(month, monkeypatch, tmp_path):
    catalogue = (PROJECT_ROOT / "heza" / "indicators.toml").read_text(encoding="utf-8")
    catalogue += ('\n[indicators.enterprises_fdi_with_militia]\nvi = "Doanh nghiệp FDI có tổ chức DQTV"\n'
                  'en = "FDI enterprises with a militia unit"\nkind = "count"\ntable = "enterprises"\n'
                  'sentence_vi = "Đếm doanh nghiệp FDI có tổ chức dân quân tự vệ."\n'
                  'sentence_en = "Counts foreign-invested enterprises with a militia unit."\n'
                  "filter = \"ownership = 'foreign_invested' and has_militia\"\nunit = \"enterprises\"\n")
    (tmp_path / "my_indicators.toml").write_text(catalogue, encoding="utf-8")
    monkeypatch.setenv("HEZA_PATHS_INDICATORS", str(tmp_path / "my_indicators.toml"))
    assessment = _claims_month(load_settings(), month[1], [[1, "enterprises_fdi_with_militia", "HP", "10"]])
    published = assessment.splits["enterprises"].published
    expected = int(((published["ownership"] == "foreign_invested") & published["has_militia"]).sum())
    assert assessment.claims.table["recomputed"].iloc[0] == expected


@pytest.mark.parametrize("text", ["__import__('os').system('x')", "ownership.str.len() > 0",
                                  "ownership = ", "no_such_column = 1", "@unknown_filter"])
def test_filters_outside_the_grammar_are_refused(text):
    with pytest.raises(FilterError):
        compile_filter(text, ["ownership", "has_party_org"], {})


def test_a_catalogue_entry_with_an_unknown_reference_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[indicators.x]\nkind = "ratio"\nunit = "%"\nnumerator = "a"\ndenominator = "b"\n',
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match="unknown 'a'"):
        load_catalogue(path)


def test_indicators_csv_has_the_contract_columns(published_sample):
    folder, report, _ = published_sample
    table = pd.read_csv(folder / "indicators.csv")
    assert list(table.columns[:10]) == ["indicator", "scope", "reported", "reported_value", "qualifier",
                                        "recomputed", "lower", "upper", "status", "note"]
    # the unit right after the contract's columns, from the catalogue, so a figure is never read bare
    assert table.columns[10] == "unit"
    units = dict(zip(table["indicator"], table["unit"]))
    assert units["workers_party_org"] == "persons" and units["enterprises_nonstate"] == "enterprises"
    assert units["di_capital_vnd_cum"] == "VND" and units["fdi_projects_cum"] == "projects"
    assert set(table["unit"].dropna()) <= {"persons", "enterprises", "projects", "USD", "VND", "%"}
    assert "%" in set(table["unit"]) and "USD" in set(table["unit"])
    assert len(report["claims"]) == 19 and report["claims"][0]["status"] in {"pass", "fail"}

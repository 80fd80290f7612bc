"""Optional correction ([correct] apply): off by default and inert when off; with "determined" the
values the rules fix are published corrected, with "explained" also those a slip explains; every
change has a finding, a corrected_fields word and a corrections.csv line, and the books balance."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.config import ConfigError, load_settings
from heza.present.publication import present_release
from heza.release.publish import publish_period
from heza.release.tiers import corrections_for, tier_files
from tests.conftest import write_workbook
from tests.test_rules import enterprise_rows

DETERMINED = {"female": None, "male": 20, "total": 50, "managerial": 5}  # female = 50 - 20
EXPLAINED = {"female": 30, "male": 20, "total": 500, "managerial": 5}  # total 500 for 50: an extra 0
UNKNOWN = {"female": 30, "male": 20, "total": 50, "managerial": 70}  # any managerial up to 50 would do
SAMPLE_ROW = ("doanh_nghiep_VSIP_2024-02.xlsx", 56)  # the sample's empty female count (120 by the balance)


def _assess(settings, tmp_path, apply: str):
    path = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({}, DETERMINED, EXPLAINED, UNKNOWN)})
    return assess_paths([path], prepare(replace(settings, correct={"apply": apply}), "2024-02"))


def _published_rows(assessment) -> pd.DataFrame:
    return assessment.splits["enterprises"].published.set_index("source_row")


def _release(settings, apply: str | None):
    settings = settings if apply is None else replace(settings, correct={"apply": apply})
    ctx = prepare(settings, "2024-02")
    folder, report = publish_period(assess_paths(period_inputs(ctx), ctx, settings.raw), ctx, present=present_release)
    return folder.resolve(), report


def _data_files(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.suffix == ".csv" or p.name == "datapackage.json"}


def test_with_determined_only_the_value_the_rules_fix_is_corrected(settings, tmp_path):
    assessment = _assess(settings, tmp_path, "determined")
    published = _published_rows(assessment)
    assert published.loc[3, "workers_female"] == 30 and published.loc[3, "corrected_fields"] == "Lao động nữ (người)"
    assert 4 not in published.index and 5 not in published.index  # the explained and the unknown stay held back
    assert pd.isna(published.loc[2, "corrected_fields"])  # a row published as written says nothing
    corrections = assessment.corrections
    assert corrections[["source_row", "column", "original", "corrected"]].astype(object).fillna("").values.tolist() \
        == [[3, "Lao động nữ", "", "30"]]  # the header as the submitter wrote it; the cell was empty


def test_with_explained_a_slip_is_corrected_too_and_an_open_value_never(settings, tmp_path):
    assessment = _assess(settings, tmp_path, "explained")
    published = _published_rows(assessment)
    assert published.loc[4, "workers_total"] == 50 and published.loc[4, "corrected_fields"] == "Tổng số lao động (người)"
    assert published.loc[3, "workers_female"] == 30 and 5 not in published.index
    line = assessment.corrections.set_index("source_row").loc[4]
    assert (line["original"], line["corrected"], line["reason_vi"]) == ("500", "50", "có thể gõ thừa chữ số 0")
    assert line["cell"] == "H4" and line["rules"] == "ENT_GENDER_SUM"


def test_every_corrected_value_has_a_finding_and_the_row_no_error(settings, tmp_path):
    findings = _assess(settings, tmp_path, "explained").findings
    corrected = findings[findings["rule"] == "VALUE_CORRECTED"].set_index("source_row")
    assert sorted(corrected.index) == [3, 4] and set(corrected["severity"]) == {"info"}
    assert "Tổng số lao động (người) 500 → 50 (có thể gõ thừa chữ số 0)" in corrected.loc[4, "message_vi"]
    assert "workers_" not in " ".join(corrected["message_vi"])
    errors = findings[(findings["severity"] == "error") & findings["source_row"].isin([3, 4])]
    assert errors.empty


def test_with_none_nothing_is_corrected(settings, tmp_path):
    assessment = _assess(settings, tmp_path, "none")
    assert assessment.corrections is None and list(_published_rows(assessment).index) == [2]
    assert "corrected_fields" not in assessment.splits["enterprises"].published
    assert not (assessment.findings["rule"] == "VALUE_CORRECTED").any()


def test_a_correction_that_leaves_another_error_on_its_row_is_not_made(settings, tmp_path):
    path = write_workbook(tmp_path / "dn.xlsx", {"DN": enterprise_rows({**DETERMINED, "capital": -1})})
    assessment = assess_paths([path], prepare(replace(settings, correct={"apply": "explained"}), "2024-02"))
    assert assessment.corrections.empty and len(assessment.splits["enterprises"].published) == 0


def test_an_unknown_apply_value_is_a_clear_error_naming_the_allowed_ones(project):
    config = project / "heza.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('apply = "none"', 'apply = "all"'), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert "[correct] apply" in message and "phải là một trong" in message and "must be one of" in message
    assert all(f'"{value}"' in message for value in ("none", "determined", "explained")) and "'all'" in message


def test_apply_none_leaves_the_release_as_without_the_setting(published_sample):
    """The shared publication is the shipped heza.toml's, whose [correct] apply is "none"."""
    live, report, settings = published_sample
    assert settings.correct == {"apply": "none"}
    explicit = live.resolve()
    config = settings.root / "heza.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index("[correct]")], encoding="utf-8")  # no [correct] section at all
    without, _ = _release(load_settings(), None)
    without_files = _data_files(without)
    assert _data_files(explicit) == without_files
    assert not any("corrections" in name for name in without_files)
    quarantined = pd.read_csv(explicit / "quarantine" / "enterprises_giu_lai.csv", dtype=str)
    assert ((quarantined["source_file"] == SAMPLE_ROW[0]) & (quarantined["source_row"] == str(SAMPLE_ROW[1]))).any()
    assert "corrected_fields" not in pd.read_csv(explicit / "enterprises.csv", nrows=1).columns
    assert report["tally"]["rows_corrected"] == 0 and report["ledger"]["corrected"] == 0
    assert "rows_corrected" not in report["counts"]["enterprises"]


def test_determined_on_the_sample_publishes_corrected_lists_it_and_balances(sample_month, settings):
    folder, report = _release(settings, "determined")
    published = pd.read_csv(folder / "enterprises.csv", dtype=str)
    row = published[(published["source_file"] == SAMPLE_ROW[0]) & (published["source_row"] == str(SAMPLE_ROW[1]))]
    assert row[["workers_female", "corrected_fields"]].values.tolist() == [["120", "Lao động nữ (người)"]]
    corrections = pd.read_csv(folder / "corrections.csv", dtype=str, keep_default_na=False)
    assert corrections[["source_file", "source_row", "column", "cell", "original", "corrected", "grade"]].values.tolist() \
        == [[SAMPLE_ROW[0], str(SAMPLE_ROW[1]), "Lao động Nữ", "J56", "", "120", "các quy tắc xác định giá trị"]]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in manifest["outputs"]}
    for path in ("corrections.csv", "internal/corrections.csv", "restricted/corrections.csv"):
        assert listed[path]["rows"] == 1 and len(listed[path]["sha256"]) == 64
    package = json.loads((folder / "internal" / "datapackage.json").read_text(encoding="utf-8"))
    assert "corrections.csv" in {r["path"] for r in package["resources"]}
    ledger, counts = report["ledger"], report["counts"]["enterprises"]
    assert ledger["balanced"] and ledger["corrected"] == 1 == counts["rows_corrected"] == report["tally"]["rows_corrected"]
    assert ledger["rows_with_content"] == ledger["published_as_written"] + ledger["corrected"] + ledger["quarantined"] \
        + ledger["release_figures"] + ledger["non_data_rows"]
    assert counts["rows_read"] == counts["rows_published"] + counts["rows_quarantined"]
    assert manifest["invariant_source_rows_equal_published_quarantined_figures_and_non_data"] is True
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "1 dòng được sửa tự động theo quy tắc rồi công bố" in text


def test_a_restricted_columns_correction_keeps_its_values_out_of_the_internal_tier():
    corrections = pd.DataFrame({
        "table": ["enterprises", "enterprises"], "source_file": ["a.xlsx"] * 2, "source_sheet": ["DN"] * 2,
        "source_row": [3, 4], "column": ["Số đảng viên", "Lao động nữ"], "cell": ["G3", "I4"], "original": ["", "5"],
        "corrected": ["12", "30"], "reason_vi": ["x", "y"], "reason_en": ["x", "y"], "grade": ["g", "g"],
        "rules": ["R", "R"], "field": ["party_members", "workers_female"], "row_id": [0, 1]})
    internal, restricted = corrections_for(corrections, "internal"), corrections_for(corrections, "restricted")
    assert internal["corrected"].tolist()[0] is pd.NA or pd.isna(internal["corrected"].tolist()[0])
    assert internal["corrected"].tolist()[1] == "30" and restricted["corrected"].tolist() == ["12", "30"]
    assert "field" not in internal and "row_id" not in internal


def test_corrected_fields_below_restricted_never_names_a_restricted_field(sample_month, settings):
    assessment = _sample_with_party_correction(settings)
    files = tier_files(assessment.splits, None, _no_disclosure(), assessment.corrections)
    internal = files["internal"]["enterprises.csv"]["corrected_fields"].dropna()
    restricted = files["restricted"]["enterprises.csv"]["corrected_fields"].dropna()
    assert "Số đảng viên (người)" in " ".join(restricted) and "Số đảng viên" not in " ".join(internal)
    assert "Lao động nữ (người)" in " ".join(internal)


def _sample_with_party_correction(settings):
    """The sample month's assessment, its corrected row said to have had its Party members corrected too."""
    ctx = prepare(replace(settings, correct={"apply": "determined"}), "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    split = assessment.splits["enterprises"]
    fields = split.published["corrected_fields"]
    split.published["corrected_fields"] = fields.where(fields.isna(), fields + "; Số đảng viên (người)")
    return assessment


def _no_disclosure():
    from heza.release.disclosure import Disclosure

    return Disclosure(tables=(), indicators=None, findings=pd.DataFrame())


def test_the_ledger_does_not_balance_when_a_published_row_claims_a_correction_nobody_listed():
    from types import SimpleNamespace

    from heza.assess.ledger import source_ledger
    from heza.assess.split import Split

    sheet = SimpleNamespace(file="a.xlsx", sheet="DN", kind="enterprise", rows_with_content=1, cells=[0], non_data=[])
    files = [SimpleNamespace(error=None, tables=[sheet], skipped=[])]
    published = pd.DataFrame({"tax_code": ["0100109106"], "corrected_fields": ["Lao động nữ (người)"]})
    splits = {"enterprises": Split("enterprises", published, published.iloc[:0], rows_read=1)}
    listed = pd.DataFrame({"table": ["enterprises"], "row_id": [0]})
    assert source_ledger(files, splits, 0, listed)["balanced"]
    unlisted = source_ledger(files, splits, 0, listed.iloc[:0])
    assert not unlisted["balanced"] and unlisted["corrected"] == 1 and unlisted["published_as_written"] == 0


@pytest.mark.parametrize("apply, compared", [("none", False), ("explained", True)])
def test_zone_totals_are_reconciled_on_the_corrected_values(settings, tmp_path, apply, compared):
    """A zone reports 160 workers; its rows say 100 and 30 + 20 = 500 (a 0 too many). Held back, the
    broken row leaves the zone's sums in doubt (not compared); corrected to 50 they are compared: 150."""
    from tests.test_rules import zone_rows

    rows = enterprise_rows({}, {**EXPLAINED, "managerial": 10})
    enterprises = write_workbook(tmp_path / "dn.xlsx", {"DN": rows})
    zones = write_workbook(tmp_path / "khu.xlsx", {"Khu": zone_rows({1: 2, 2: 160, 3: 96, 4: 64})})
    assessment = assess_paths([enterprises, zones], prepare(replace(settings, correct={"apply": apply}), "2024-02"))
    findings = assessment.findings
    workers = findings[(findings["table"] == "zones") & (findings["rule"] == "ZONE_WORKERS_MATCH")]
    assert (not workers.empty) is compared
    if compared:
        assert "150" in " ".join(workers["value"].dropna())

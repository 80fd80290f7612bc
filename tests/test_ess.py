"""report.ess.json: the run's results in the ESS validation-report structure (schema 1.0.1), checked
against the JSON Schema written into schemas/, bounded (never one item per passing unit) and
written chunk by chunk."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema
import pandas as pd
import pytest

from heza.config import PROJECT_ROOT
from heza.release import ess
from schemas.catalogue import RULES

SCHEMA = json.loads((PROJECT_ROOT / "schemas" / "ess_validation_report.schema.json").read_text(encoding="utf-8"))


def _validator():
    return jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def test_the_sample_runs_report_ess_json_is_valid_bounded_and_in_the_manifest(published_sample):
    folder, report, _ = published_sample
    items = json.loads((folder / "report.ess.json").read_text(encoding="utf-8"))
    errors = list(_validator().iter_errors(items))
    assert not errors, errors[0].message
    values = Counter(item["value"] for item in items)
    summary = report["rule_summary"]["rules"]
    assert values["0"] == len(report["findings"])  # one item per failing unit (finding)
    assert values["1"] == sum(1 for r in summary if r["applied"] and r["passed"] > 0)  # one per rule for the rest
    assert values["NA"] == sum(1 for r in summary if not r["applied"])
    assert len({item["id"] for item in items}) == len(items)
    gender = next(i for i in items if i["value"] == "0" and "Lao động nữ + lao động nam" in i["rule"]["description"])
    assert gender["rule"]["expression"] == "workers_female + workers_male == workers_total"
    assert gender["data"]["target"][0][:2] == ["enterprises", "doanh_nghiep_NOMURA_2024-02.xlsx"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in manifest["outputs"]}["report.ess.json"]
    assert listed["rows"] == len(items) and len(listed["sha256"]) == 64


def test_the_schema_refuses_an_item_outside_the_standard():
    good = {"id": "1", "type": "validation", "event": {"time": "2024-03-05T07:00:00+00:00", "actor": "a",
                                                        "agent": "heza", "trigger": "t"},
            "rule": {"language": "l", "expression": "x > 0", "severity": "error"},
            "data": {"source": [["2024-02"]], "target": [["enterprises", "a.xlsx"]]}, "value": "0"}
    assert _validator().is_valid([good])
    for broken in ({**good, "value": 0}, {**good, "value": "2"}, {k: v for k, v in good.items() if k != "event"},
                   {**good, "rule": {**good["rule"], "severity": "fatal"}},
                   {**good, "data": {"source": ["2024-02"], "target": [["a"]]}},  # 1.0.0's flat arrays
                   {**good, "event": {**good["event"], "time": "yesterday"}}):
        assert not _validator().is_valid([broken])


def test_items_are_written_a_chunk_at_a_time_into_one_valid_array(tmp_path, monkeypatch):
    monkeypatch.setattr(ess, "CHUNK", 2)
    findings = pd.DataFrame({"rule": ["ENT_GENDER_SUM"] * 5, "table": "enterprises", "source_file": "a.xlsx",
                             "source_sheet": "DN", "source_row": pd.array([2, 3, 4, 5, None], dtype="Int64"),
                             "column": "workers_total"})
    summary = [{"rule": code, "unit": "enterprise_rows", "applied": code != "ENT_REQUIRED", "checked": 9,
                "passed": 4, "failed": 5} for code in ("ENT_GENDER_SUM", "ENT_REQUIRED")]
    event = ess.ess_event("2024-03-05T07:00:00+00:00", "heza test", "run1", "2024-02")
    record = ess.write_ess_report(tmp_path / ess.ESS_FILE, findings, summary, event, "2024-02", "run1")
    items = json.loads((tmp_path / ess.ESS_FILE).read_text(encoding="utf-8"))
    assert _validator().is_valid(items) and record["rows"] == len(items) == 7
    assert [i["value"] for i in items] == ["0"] * 5 + ["1", "NA"]
    assert items[4]["data"]["target"] == [["enterprises", "a.xlsx", "DN", "", "workers_total"]]
    assert "4 passed" in items[5]["data"]["description"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_maps_to_an_ess_rule_slot(code):
    assert _validator().is_valid([{"id": "1", "type": "validation", "value": "NA",
                                   "event": {"time": "2024-03-05T07:00:00Z", "actor": "a", "agent": "b", "trigger": "c"},
                                   "rule": ess.ess_rule(code), "data": {"source": [["p"]], "target": [["t"]]}}])

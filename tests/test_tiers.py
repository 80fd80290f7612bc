"""Publication tiers and disclosure control, on a generated month with planted small cells, a
dominant enterprise, a release figure that would disclose and restricted values that must not leak.
The recomputation test is the attacker: it reads only the published CSV and solves its own LPs."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.config import load_settings
from heza.present.notify import build_message
from heza.present.publication import present_release
from heza.release.outputs import file_sha256
from heza.release.publish import publish_period
from heza.samples.synthetic import ENTERPRISE_HEADERS, enterprise_frame, zone_registry
from schemas import TABLES
from tests.scratch import scratch_project

PERIOD = "2024-02"
RESTRICTED = set(TABLES["enterprises"].restricted)
MARKERS = ("LỘ-ĐẢNG-VIÊN-77", "LỘ-TỔ-CHỨC-ĐẢNG")  # restricted cells as submitted: must stay in restricted/
OWNERSHIP = {"Nhà nước": "state", "Ngoài nhà nước": "domestic_private", "FDI": "foreign_invested"}
GROUP = ("workers_total", "workers_female", "workers_managerial")


def generated_month(settings) -> pd.DataFrame:
    """300 enterprises in 6 zones; Z001 has exactly two state enterprises (a small cell) and two
    party-org enterprises (its Party figure would disclose); one foreign-invested enterprise of Z002
    holds nearly all its cell's capital (dominance); two rows carry restricted values as text."""
    zone_registry(6).to_csv(settings.reference / "zones.csv", index=False)
    frame, _ = enterprise_frame(300, 6, 0.0, seed=3)
    z001 = frame.index[frame["zone_code"] == "Z001"]
    frame.loc[frame["ownership"] == "Nhà nước", "ownership"] = "Ngoài nhà nước"
    frame.loc[z001[:2], "ownership"] = "Nhà nước"
    frame.loc[z001, ["has_party_org", "party_members"]] = ["Không", 0]
    frame.loc[z001[2:4], ["has_party_org", "party_members"]] = ["Có", 12]
    frame.loc[frame["ownership"] == "Nhà nước", ["has_party_org", "party_members"]] = ["Không", 0]
    dominant = frame.index[(frame["zone_code"] == "Z002") & (frame["ownership"] == "FDI")][0]
    frame.loc[dominant, "capital_usd"] = 100 * frame["capital_usd"].sum()
    frame = frame.astype({"party_members": object, "has_party_org": object})
    frame.loc[z001[10], "party_members"] = MARKERS[0]
    frame.loc[z001[11], "has_party_org"] = MARKERS[1]
    folder = settings.raw / PERIOD
    folder.mkdir(parents=True)
    frame.rename(columns=ENTERPRISE_HEADERS).to_csv(folder / "doanh_nghiep.csv", index=False)
    good = frame.drop(index=z001[10:12]).astype({"party_members": int})
    party = good[(good["has_party_org"] == "Có") & (good["ownership"] != "Nhà nước")]
    pd.DataFrame({"Mã chỉ tiêu": ["party_members_party_org", "party_members_party_org"], "Phạm vi": ["Z001", "HP"],
                  "Giá trị": [str(party.loc[party["zone_code"] == "Z001", "party_members"].sum()),
                              str(party["party_members"].sum())],
                  "Ghi chú": ["", ""]}).to_csv(folder / "chi_tieu_2024-02.csv", index=False)
    return good.assign(ownership=good["ownership"].map(OWNERSHIP))


def publish(settings):
    ctx = prepare(settings, PERIOD)
    return publish_period(assess_paths(period_inputs(ctx), ctx, settings.raw), ctx, present=present_release)


@pytest.fixture(scope="module")
def _published_month(once_per_run):
    """The generated month published once per run, for the tests that only read what it gave."""
    def publish_generated(root):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HEZA_CONFIG", str(scratch_project(root)))
            settings = load_settings()
            rows = generated_month(settings)
            folder, report = publish(settings)
        return folder, report, rows, settings

    return once_per_run("tiers", publish_generated)


@pytest.fixture
def month(_published_month):
    """(release folder, report, rows, settings); the report and settings copied, as a test may change them."""
    folder, report, rows, settings = _published_month
    return folder, copy.deepcopy(report), rows.copy(), copy.deepcopy(settings)


def cell(table: pd.DataFrame, zone: str, ownership: str) -> pd.Series:
    return table[(table["zone_code"] == zone) & (table["ownership"] == ownership)].iloc[0]


def test_planted_small_cells_and_a_dominant_enterprise_are_suppressed_and_flagged(month):
    folder, report, _, _ = month
    public = folder / "public"
    for measure in GROUP:
        table = pd.read_csv(public / f"{measure}_by_zone.csv", keep_default_na=False, na_values=[""])
        small = cell(table, "Z001", "state")
        assert pd.isna(small["value"]) and small["flag"] == "DISCLOSURE_SUPPRESSED"
    capital = pd.read_csv(public / "capital_usd_by_zone.csv", keep_default_na=False, na_values=[""])
    dominated = cell(capital, "Z002", "foreign_invested")
    assert pd.isna(dominated["value"]) and dominated["flag"] == "DISCLOSURE_SUPPRESSED"
    assert capital["value"].notna().sum() > len(capital) / 2  # suppression is not wholesale
    counts = pd.read_csv(public / "enterprises_by_zone.csv", keep_default_na=False, na_values=[""])
    assert counts["value"].notna().all() and cell(counts, "Z001", "state")["value"] == 2
    # no enterprise-level row: one row per zone (and the city) and ownership (and the total)
    for path in public.glob("*_by_zone.csv"):
        table = pd.read_csv(path, dtype=str)
        assert list(table.columns) == ["zone_code", "ownership", "value", "flag"] and len(table) == 7 * 4
    assert list(pd.read_csv(public / "zones.csv").columns) == list(TABLES["zones"].public)


def _interval(table: pd.DataFrame, target: int) -> tuple:
    """The attacker: the least and greatest value of hidden cell `target` that the published cells,
    each zone's total over ownership, each ownership's city total and values >= 0 allow."""
    hidden = table.index[table["value"].isna()].tolist()
    position = {row: k for k, row in enumerate(hidden)}
    equations, targets = [], []
    lines = [table[table["zone_code"] == zone] for zone in table["zone_code"].unique()] + \
        [table[table["ownership"] == kind] for kind in table["ownership"].unique()]
    for line in lines:
        total_row = line["ownership"].eq("total") if line["zone_code"].nunique() == 1 else line["zone_code"].eq("HP")
        signs = np.where(total_row, -1.0, 1.0)
        row, known = np.zeros(len(hidden)), 0.0
        for index, sign, value in zip(line.index, signs, line["value"]):
            if index in position:
                row[position[index]] = sign
            else:
                known += sign * value
        if row.any():
            equations.append(row)
            targets.append(-known)
    ends = []
    for sense in (1.0, -1.0):
        objective = np.zeros(len(hidden))
        objective[position[target]] = sense
        result = linprog(objective, A_eq=np.array(equations), b_eq=np.array(targets), bounds=(0, None), method="highs")
        ends.append(np.inf if result.status == 3 else sense * result.fun)
    return ends[0], ends[1]


def _truth(rows: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Each cell's true sum, contributors and two largest, from the enterprise rows (what is protected)."""
    every = pd.concat([rows, rows.assign(ownership="total"), rows.assign(zone_code="HP"),
                       rows.assign(zone_code="HP", ownership="total")])
    values = every.assign(value=pd.to_numeric(every[measure]))
    positive = values[values["value"] > 0]
    keys = ["zone_code", "ownership"]
    return pd.DataFrame({"value": values.groupby(keys)["value"].sum(),
                         "contributors": positive.groupby(keys).size(),
                         "top2": positive.sort_values("value", ascending=False).groupby(keys).head(2)
                         .groupby(keys)["value"].sum()}).fillna(0)


def test_no_suppressed_value_can_be_recomputed_from_what_is_published(month):
    folder, _, rows, settings = month
    protection = settings.disclosure["protection"]
    checked = 0
    for measure in ("workers_total", "workers_female", "capital_usd", "export_usd", "party_members"):
        table = pd.read_csv(folder / "public" / f"{measure}_by_zone.csv", keep_default_na=False, na_values=[""])
        truth = _truth(rows, measure)
        for index in table.index[table["value"].isna()]:
            key = (table.at[index, "zone_code"], table.at[index, "ownership"])
            value, contributors, top2 = truth.loc[key] if key in truth.index else (0.0, 0, 0.0)
            low, high = _interval(table, index)
            if value > 0:
                assert high - low > 0, (measure, key)
            if 0 < contributors < 3 or top2 > 0.85 * value:  # sensitive: protected both ways
                assert low <= value * (1 - protection) + 1e-6 and high >= value * (1 + protection) - 1e-6, \
                    (measure, key, value, low, high)
                checked += 1
    assert checked >= 5


def test_a_release_figure_that_would_disclose_gets_a_finding_and_loses_its_figures(month):
    folder, report, _, _ = month
    found = [f for f in report["findings"] if f["rule"] == "DISCLOSURE_CLAIM"]
    assert [(f["source_file"], f["source_row"]) for f in found] == [("chi_tieu_2024-02.csv", 2)]
    assert "2 doanh nghiệp đóng góp" in found[0]["message_vi"] and found[0]["message_en"]
    public = pd.read_csv(folder / "public" / "indicators.csv", dtype=str, keep_default_na=False)
    z001, city = public[public["scope"] == "Z001"].iloc[0], public[public["scope"] == "HP"].iloc[0]
    assert z001["flag"] == "DISCLOSURE_CLAIM" and z001["reported"] == "" and z001["recomputed"] == ""
    assert city["flag"] == "" and city["reported"] and city["status"] == "pass"


def test_a_public_table_that_breaks_a_rule_is_withheld_and_the_report_names_the_cell(settings):
    generated_month(settings)
    settings.disclosure["protection"] = 1.5  # no pattern can keep a cell 150 % below its value: every table fails
    folder, report = publish(settings)
    public = folder / "public"
    assert not (public / "workers_total_by_zone.csv").exists() and not (public / "party_members_by_zone.csv").exists()
    assert (public / "enterprises_by_zone.csv").exists() and (folder / "internal" / "enterprises.csv").exists()
    assert report["status"] != "not_published"
    withheld = [f for f in report["findings"] if f["rule"] == "DISCLOSURE_TABLE_WITHHELD"]
    cell_finding = next(f for f in withheld if f["column"] == "workers_total" and f["value"] == "Z001")
    assert cell_finding["source_file"] == "public/workers_total_by_zone.csv"
    assert "KCN Tổng hợp Z001 · Nhà nước" in cell_finding["message_vi"]
    assert {t["measure"] for t in report["disclosure"] if not t["published"]} >= set(GROUP)
    assert "Bảng công khai không được công bố" in (folder / "report.html").read_text(encoding="utf-8")


def _leaks(suffix: str, text: str) -> list:
    """Restricted values (the planted markers), restricted columns in a CSV header or a data package,
    and findings on a restricted column that show its value."""
    found = [marker for marker in MARKERS if marker in text]
    if suffix == ".csv" and text:
        found += sorted(RESTRICTED & set(text.splitlines()[0].split(",")))
    if suffix == ".json":
        data = json.loads(text)
        for item in data.get("findings", []):
            on_restricted = item["table"] == "enterprises" and RESTRICTED & set((item["column"] or "").split(","))
            if on_restricted and (item["value"] is not None or item["suggested"] is not None):
                found.append(f"finding {item['rule']} shows {item['value']}")
        for resource in data.get("resources", []):
            found += sorted(RESTRICTED & {f["name"] for f in resource["schema"]["fields"]})
    return found


def test_no_restricted_column_or_value_appears_in_any_public_or_internal_file_or_the_email(month):
    folder, report, _, settings = month
    written = {p: p.read_text(encoding="utf-8") for tier in ("public", "internal") for p in (folder / tier).rglob("*")
               if p.is_file()}
    assert len(written) >= 12
    assert {str(p.relative_to(folder)): _leaks(p.suffix, text) for p, text in written.items()
            if _leaks(p.suffix, text)} == {}
    message = build_message(report, folder, folder, {}, None, settings, "vi")
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert "enterprises_giu_lai.csv" in attachments and not [n for n in attachments if n.endswith(".xlsx")]
    for name, content in attachments.items():
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        assert _leaks(os.path.splitext(name)[1], text) == [], name
    for body in (message.get_body(("html",)), message.get_body(("plain",))):
        assert not [m for m in MARKERS if m in body.get_content()]
    # the values are there for the restricted tier and for an e-mail that is allowed to carry them
    assert all(m in (folder / "restricted" / "quarantine" / "enterprises_giu_lai.csv").read_text(encoding="utf-8")
               for m in MARKERS)
    settings.email["include_restricted"] = True
    allowed = build_message(report, folder, folder, {}, None, settings, "vi")
    assert MARKERS[0] in allowed.get_body(("plain",)).get_content() + allowed.get_body(("html",)).get_content()


def test_every_tier_file_is_in_its_data_package_and_the_manifest_and_passes_frictionless(month):
    folder, _, _, _ = month
    manifest = {o["file"]: o for o in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]}
    for tier in ("public", "internal", "restricted"):
        package = json.loads((folder / tier / "datapackage.json").read_text(encoding="utf-8"))
        csvs = {str(p.relative_to(folder / tier)) for p in (folder / tier).rglob("*.csv")}
        assert {r["path"] for r in package["resources"]} == csvs
        for path in [*csvs, "datapackage.json"]:
            assert manifest[f"{tier}/{path}"]["sha256"] == file_sha256(folder / tier / path)
        result = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json",
                                 str(folder / tier / "datapackage.json")], capture_output=True, text=True,
                                env={**os.environ, "NO_COLOR": "1"})
        assert json.loads(result.stdout)["valid"] is True, result.stdout[:2000]
    internal = pd.read_csv(folder / "internal" / "enterprises.csv", nrows=1)
    restricted = pd.read_csv(folder / "restricted" / "enterprises.csv", nrows=1)
    assert set(restricted.columns) - set(internal.columns) == RESTRICTED


def test_legacy_paths_keep_todays_files_until_switched_off(settings, project):
    generated_month(settings)
    folder, _ = publish(settings)
    assert (folder / "enterprises.csv").read_bytes() == (folder / "restricted" / "enterprises.csv").read_bytes()
    config = project / "heza.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("legacy_paths = true", "legacy_paths = false"),
                      encoding="utf-8")
    folder, report = publish(load_settings())
    assert not (folder / "enterprises.csv").exists() and not (folder / "quarantine").exists()
    assert (folder / "restricted" / "zones.csv").exists() and report["status"] != "not_published"
    outputs = {o["file"] for o in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]}
    assert "enterprises.csv" not in outputs and "internal/enterprises.csv" in outputs


def test_tier_tags_name_published_columns_and_the_party_and_militia_columns_are_restricted():
    for table in TABLES.values():
        assert set(table.public) | set(table.restricted) <= set(table.published)
        assert not set(table.public) & set(table.restricted)
    assert RESTRICTED == {"has_party_org", "has_militia", "party_members"}
    assert TABLES["enterprises"].columns_up_to("public") == []

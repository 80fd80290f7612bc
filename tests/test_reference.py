"""Reference data (data/reference/) are checked against their schema and for plausibility before any
work: a problem stops `heza validate` / `heza run` with exit 2 and a message naming file, row,
column and value, in Vietnamese and English; nothing is read as a silently different value."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from heza.cli import main
from heza.config import load_settings
from heza.assess.context import prepare
from heza.ingest.reference import ReferenceDataError, load_exchange_rates, load_zone_registry, parse_rates
from tests.corpus import good, xlsx

RATES_HEADER = "period,vnd_per_usd,source\n"


def _write(project, name: str, text: str):
    (project / "reference" / name).write_text(text, encoding="utf-8")


def _zones_with(project, old: str, new: str):
    path = project / "reference" / "zones.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _validate(project):
    folder = project / "raw" / "2024-02"
    folder.mkdir(parents=True, exist_ok=True)
    xlsx(folder, "dn.xlsx", good(2))
    return CliRunner().invoke(main, ["validate", str(folder), "--period", "2024-02", "--json"])


def test_a_rate_typed_the_vietnamese_way_is_read_as_thousands(project):
    _write(project, "exchange_rates.csv", RATES_HEADER + '2024-02,23.996,"typed in Excel, vi-VN"\n')
    assert prepare(load_settings(), "2024-02").rate == 23996.0


def test_rates_follow_the_project_number_rules():
    import pandas as pd

    rates = parse_rates(pd.Series(["23.996", "24.100,5", "23996", "23,996", "abc"], dtype="string"))
    assert rates.tolist()[:4] == [23996.0, 24100.5, 23996.0, 23.996]
    assert pd.isna(rates.iloc[4])


def test_a_rate_outside_the_band_stops_the_run_naming_file_row_column_value(project):
    _write(project, "exchange_rates.csv", RATES_HEADER + "2024-01,23950,x\n2024-02,\"23,996\",x\n")
    with pytest.raises(ReferenceDataError) as caught:
        load_exchange_rates(project / "reference", (10_000, 50_000))
    assert caught.value.problems == [("exchange_rates.csv", 3, "vnd_per_usd", "23,996", *caught.value.problems[0][4:])]
    message = str(caught.value)
    assert "dòng 3" in message and "row 3" in message and "'23,996'" in message and "10.000 … 50.000" in message
    result = _validate(project)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "exchange_rates.csv row 3, column vnd_per_usd = '23,996'" in result.output


def test_the_rate_band_is_configuration(project, monkeypatch):
    _write(project, "exchange_rates.csv", RATES_HEADER + "2024-02,26000,x\n")
    monkeypatch.setenv("HEZA_LIMITS_VND_PER_USD_MAX", "25000")
    with pytest.raises(ReferenceDataError, match="vnd_per_usd = '26000'"):
        prepare(load_settings(), "2024-02")
    monkeypatch.setenv("HEZA_LIMITS_VND_PER_USD_MAX", "30000")
    assert prepare(load_settings(), "2024-02").rate == 26000.0


def test_an_unreadable_rate_and_a_non_iso_period_are_named(project):
    _write(project, "exchange_rates.csv", RATES_HEADER + "02/2024,23996,x\n2024-03,khoảng 24 nghìn,x\n")
    with pytest.raises(ReferenceDataError) as caught:
        load_exchange_rates(project / "reference")
    named = {(p[1], p[2], p[3]) for p in caught.value.problems}
    assert named == {(2, "period", "02/2024"), (3, "vnd_per_usd", "khoảng 24 nghìn")}


def test_a_period_entered_twice_is_an_error(project):
    _write(project, "exchange_rates.csv", RATES_HEADER + "2024-02,23996,a\n2024-02,24000,b\n")
    with pytest.raises(ReferenceDataError, match="period occurs more than once"):
        load_exchange_rates(project / "reference")


def test_an_excel_month_in_active_from_is_an_error_naming_the_iso_form(project):
    _zones_with(project, "TRANGDUE3,KCN Tràng Duệ 3,KCN,DVCH,652.73,2023-06,",
                "TRANGDUE3,KCN Tràng Duệ 3,KCN,DVCH,652.73,Jun-23,")
    with pytest.raises(ReferenceDataError) as caught:
        load_zone_registry(project / "reference")
    (file, row, column, value, vi, en), = caught.value.problems
    assert (file, column, value) == ("zones.csv", "active_from", "Jun-23")
    assert row == 17 and "2023-06" in en and "2023-06" in vi
    result = _validate(project)
    assert result.exit_code == 2 and "zones.csv row 17, column active_from = 'Jun-23'" in result.output


@pytest.mark.parametrize("old, new, column, words", [
    ("VSIP,KCN VSIP Hải Phòng", "DOSON,KCN VSIP Hải Phòng", "zone_code", "occurs more than once"),
    ("VSIP,KCN VSIP Hải Phòng", ",KCN VSIP Hải Phòng", "zone_code", "empty"),
    ("VSIP,KCN VSIP Hải Phòng,KCN", "VSIP,KCN VSIP Hải Phòng,KCX", "zone_type", "KCN or KKT"),
    ("VSIP,KCN VSIP Hải Phòng,KCN,DVCH", "VSIP,KCN VSIP Hải Phòng,KCN,DVHC", "parent_zone_code", "not in the registry"),
    ("VSIP,KCN VSIP Hải Phòng", "VSIP,", "zone_name", "name is empty"),
    ("VSIP,KCN VSIP Hải Phòng", "VSІP,KCN VSIP Hải Phòng", "zone_code", "look-alike"),
    ("VSIP,KCN VSIP Hải Phòng", "VSIP,KCN VSIP Hải Рhòng", "zone_name", "look-alike"),
], ids=["duplicate_code", "empty_code", "unknown_type", "unknown_parent", "empty_name", "cyrillic_code",
        "cyrillic_name"])
def test_a_broken_zone_registry_row_is_named(project, old, new, column, words):
    _zones_with(project, old, new)
    with pytest.raises(ReferenceDataError) as caught:
        load_zone_registry(project / "reference")
    hits = [p for p in caught.value.problems if p[2] == column]
    assert hits and all(p[0] == "zones.csv" and p[1] >= 2 for p in hits), caught.value.problems
    assert words in hits[0][5]


def test_the_sample_reference_data_pass(project):
    registry = load_zone_registry(project / "reference")
    assert "VSIP" in registry.codes
    assert load_exchange_rates(project / "reference")["vnd_per_usd"].tolist() == [23996.0, 23950.0]

"""Every case of the bad-input corpus gives its stated outcome through `heza validate`: exit code,
the rule and where (file, sheet, row, column), the refusal reason, rows published and quarantined."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from heza.cli import main
from tests.corpus import _symlink_outside, all_cases, good, xlsx


@pytest.fixture
def small_limits(project, monkeypatch):
    """A lower unzip limit, so that the bomb cases stay cheap to build; limits are configuration."""
    monkeypatch.setenv("HEZA_LIMITS_MAX_UNCOMPRESSED_MB", "50")
    return project


def rows_a_person_counts(paths) -> int | None:
    """Rows with any content, counted by other readers than the pipeline's (openpyxl for workbooks,
    every sheet, hidden or not; the csv module for CSV files); None for other formats."""
    import csv as csv_module

    from openpyxl import load_workbook

    total = 0
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in {".xlsx", ".xlsm"}:
            workbook = load_workbook(path, read_only=True)
            total += sum(any(v is not None and str(v).strip() for v in row)
                         for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))
            workbook.close()
        elif suffix == ".csv":
            data = path.read_bytes()
            for encoding in (("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp1258")):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeError:
                    continue
            total += sum(any(cell.strip() for cell in row)
                         for row in csv_module.reader(text.splitlines(keepends=True), delimiter=_delimiter(text)))
        else:
            return None
    return total


def _delimiter(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return max((",", ";", "\t"), key=first.count)


def run_validate(folder):
    result = CliRunner().invoke(main, ["validate", str(folder), "--period", "2024-02", "--json", "--lang", "en"])
    assert "Traceback" not in result.output
    return result, json.loads(result.stdout[: result.stdout.rindex("}") + 1])


@pytest.mark.parametrize("case", all_cases(), ids=[case.name for case in all_cases()])
def test_corpus_case_gives_its_stated_outcome(case, small_limits, tmp_path):
    folder = tmp_path / "corpus" / case.name / "2024-02"
    folder.mkdir(parents=True)
    paths = case.make(folder)
    result, report = run_validate(folder)
    assert result.exit_code == case.exit_code, result.output[-2000:]
    rules = {f["rule"] for f in report["findings"]}
    assert case.rules <= rules, rules
    if case.where:
        hit = next(f for f in report["findings"] if f["rule"] == sorted(case.rules)[0])
        assert hit["source_file"] == paths[0].name
        assert (hit["source_sheet"], hit["source_row"], hit["column"]) == case.where
        assert hit["message_vi"] and hit["message_en"]
    if case.reason:
        refused = next(f for f in report["findings"] if f["rule"] == "FILE_UNREADABLE")
        assert refused["value"] == case.reason and refused["source_file"] == paths[0].name
        assert refused["message_vi"] != refused["message_en"]
    if case.published is not None:
        assert report["counts"]["enterprises"]["rows_published"] == case.published
    if case.quarantined is not None:
        assert report["counts"]["enterprises"]["rows_quarantined"] == case.quarantined
    if case.skipped:
        assert any(case.skipped in s["reason_en"] for s in report["skipped"]), report["skipped"]
    assert report["ledger"]["balanced"], report["ledger"]
    readable = [p for p in paths if not any(f["rule"] == "FILE_UNREADABLE" and f["source_file"] == p.name
                                            for f in report["findings"])]
    expected = case.rows_seen if case.rows_seen is not None else rows_a_person_counts(readable)
    if expected is not None:
        assert report["ledger"]["rows_with_content"] == expected


def test_a_link_pointing_outside_the_raw_folder_is_not_followed(settings):
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths

    folder = settings.raw / "2024-02"
    folder.mkdir(parents=True)
    _symlink_outside(folder)
    xlsx(folder, "tot.xlsx", good(2))
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    refused = assessment.findings[assessment.findings["rule"] == "FILE_UNREADABLE"]
    assert refused["value"].tolist() == ["outside_raw"] and refused["source_file"].tolist() == ["lien_ket.xlsx"]
    assert assessment.splits["enterprises"].counts["rows_published"] == 2


def _month_of(settings, *makers):
    """A month folder written by corpus makers, checked and published as `heza run` would."""
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import assess_paths
    from heza.present.publication import present_release
    from heza.release.publish import publish_period

    folder = settings.raw / "2024-02"
    folder.mkdir(parents=True)
    for make in makers:
        make(folder)
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx, settings.raw)
    return publish_period(assessment, ctx, present=present_release)[1]


def test_one_hostile_file_among_good_ones_does_not_stop_the_month(settings):
    from tests.corpus import _entities

    report = _month_of(settings, _entities, lambda folder: xlsx(folder, "tot.xlsx", good(3)))
    # published (not stopped); incomplete, since this month's files hold rows of only some active zones
    assert report["status"] == "published_incomplete"
    assert report["counts"]["enterprises"]["rows_published"] == 3
    assert any(f["rule"] == "FILE_UNREADABLE" and f["source_file"] == "laughs.xlsx" for f in report["findings"])


def test_a_hostile_file_alone_publishes_nothing(settings):
    from tests.corpus import _bomb

    settings.limits["max_uncompressed_mb"] = 50
    report = _month_of(settings, _bomb)
    assert report["status"] == "not_published" and not (settings.processed / "2024-02").exists()

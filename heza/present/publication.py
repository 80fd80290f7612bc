"""The pages and workbooks that go into a release folder beside its data: what `publish_period`
calls, so the release is made live with what people read already in it."""

from __future__ import annotations

from pathlib import Path

from heza.assess.subjects import with_subjects
from heza.present.annotate import annotate_each
from heza.present.letter import LetterHead, reply_date, zones_of_files
from heza.release.outputs import file_sha256
from heza.present.report import write_report_html
from heza.present.tables_xlsx import write_tables_xlsx
from schemas import DATA_TABLES


def present_release(report: dict, assessment, ctx, release: Path, shown: Path, lang: str) -> list:
    """report.html (with its charts), enterprises.xlsx and zones.xlsx (the published rows, for people to
    open; not when nothing is published) and one annotated copy (a letter) per submitted file with findings;
    returns the workbooks as manifest output records."""
    write_report_html(report, release, shown, lang)
    tables = [] if assessment.critical else write_tables_xlsx(
        {name: assessment.splits[name] for name in DATA_TABLES}, release, lang)
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    findings = with_subjects(assessment.findings, assessment.tables, ctx.registry.names)
    head = LetterHead(ctx.period, reply_date(ctx.period, ctx.settings.letters["reply_by_day"]))
    names = ctx.registry.names
    zones = {file: tuple((code, names.get(code, code)) for code in codes)
             for file, codes in zones_of_files(assessment.tables).items()}
    copies = annotate_each(findings, list(assessment.files), letters, release / "annotated", ctx.settings.limits,
                           lang, head, zones)
    # which submitted file and zones each copy is for: what the letters to the zones are sent from
    return tables + [{"file": f"annotated/{path.name}", "rows": None, "sha256": file_sha256(path), "source": source,
                      "zones": [code for code, _ in zones.get(source, ())]} for source, path in copies]

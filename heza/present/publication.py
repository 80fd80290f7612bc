"""The pages and workbooks that go into a release folder beside its data: what `publish_period`
calls, so the release is made live with what people read already in it."""

from __future__ import annotations

from pathlib import Path

from heza.present.annotate import annotate_submissions
from heza.release.outputs import file_sha256
from heza.present.report import write_report_html


def present_release(report: dict, assessment, ctx, release: Path, shown: Path, lang: str) -> list:
    """report.html (with its charts) and one annotated copy per submitted file with findings;
    returns the annotated copies as manifest output records."""
    write_report_html(report, release, shown, lang)
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    copies = annotate_submissions(assessment.findings, list(assessment.files), letters, release / "annotated",
                                  ctx.settings.limits, lang)
    return [{"file": f"annotated/{path.name}", "rows": None, "sha256": file_sha256(path)} for path in copies]

"""report.html: Vietnamese by default, English on request, self-contained, everything escaped."""

from __future__ import annotations

import re

import pytest

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.present.publication import present_release
from heza.present.report import render_html, render_text
from heza.release.publish import publish_period
from tests.test_rules import enterprise_rows
from tests.conftest import write_workbook


@pytest.fixture
def published(published_sample):
    folder, report, _ = published_sample
    return folder, report


def test_the_report_is_vietnamese_with_vietnamese_numbers(published):
    folder, report = published
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'lang="vi"' in html and "Kiểm tra dữ liệu tháng 02/2024" in html
    assert "99.570" in html and "7,70%" in html and "13,36 tỷ USD" in html
    # the headline is the run status as the command says it, and the wrong release figures
    assert "ĐÃ CÔNG BỐ (có dòng bị giữ lại) · 2 số liệu dự kiến công bố SAI — không dùng" in html and "Sai" in html


def test_the_report_in_english_uses_english_numbers(published):
    folder, report = published
    html = render_html(report, folder, "en")
    assert 'lang="en"' in html and "99,570" in html and "7.70%" in html and "Wrong" in html


def test_the_report_is_self_contained(published):
    folder, _ = published
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count('src="data:image/png;base64,') == 3  # findings per zone, release figures, rule history


def test_text_from_submissions_is_escaped(project, settings):
    rows = enterprise_rows({"ownership": "<script>alert('x')</script>"})
    (settings.raw / "2024-02").mkdir()
    write_workbook(settings.raw / "2024-02" / "dn<b>.xlsx", {"DN": rows})
    ctx = prepare(settings, "2024-02")
    assessment = assess_paths(period_inputs(ctx), ctx)
    folder, report = publish_period(assessment, ctx, present=present_release)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "dn<b>" not in html and "dn&lt;b&gt;.xlsx" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_the_plain_text_twin_names_the_wrong_figures(published):
    folder, report = published
    text = render_text(report, folder)
    assert "7,5% → 7,70%" in text and "13,47 tỷ USD → 13,36 tỷ USD" in text

"""Nobody reads an identifier: the sample month is run for real (`heza run`, `heza validate`), then
every text a person reads is scanned for internal column names (the table declarations' and the
rules'), indicator codes (the catalogue's) and the words True/False/None/nan. Rule codes may stay
only in their own small column: the elements of class "code" in the pages, the "Mã" column of
the annotated workbooks' first sheet, and the code column of `heza validate`'s lines."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from heza.assess.catalogue import load_catalogue
from schemas import RULES, TABLES
from tests.scratch import scratch_project

FILE = "doanh_nghiep_NOMURA_2024-02.xlsx"  # a duplicate tax code, a gender sum, a small Party cell


def _identifiers() -> set:
    """Internal column names and indicator codes; a plain English word ('enterprises', 'ownership')
    is one only where the reader reads Vietnamese, so those are checked in Vietnamese texts only."""
    columns = {c for t in TABLES.values() if t.model is not None for c in t.model.to_schema().columns}
    columns |= {c for t in TABLES.values() for c in t.published}
    columns |= {c for r in RULES.values() for c in r.columns if "_" in c}
    return columns | set(load_catalogue().indicators) | {"True", "False", "None", "nan"}


IDENTIFIERS = _identifiers()


def offending(text: str, english: bool = False) -> list:
    """The identifiers found in `text` as whole words (an underscore joins a word: a file name
    'enterprises_giu_lai.csv' holds no identifier 'enterprises'; nor does 'enterprises.csv', the name
    of a file a person opens in the release folder)."""
    names = [n for n in IDENTIFIERS if not english or "_" in n or n in {"True", "False", "None", "nan"}]
    return sorted(n for n in names
                  if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w]|\.(?:csv|xlsx|json)\b)", text))


BLOCKS = {"p", "div", "td", "th", "tr", "li", "ul", "table", "h1", "h2", "br", "title", "body"}


class VisibleText(HTMLParser):
    """The text a page shows (and the labels a phone shows before each cell, the images' alt text),
    without <style>, <script> and the elements of class "code"."""

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = tag in ("style", "script") or "code" in (attrs.get("class") or "").split()
        if tag not in ("br", "img", "meta", "wbr", "hr", "input"):
            self.skipping.append(hidden)
        if not any(self.skipping):
            self.parts += [f" {attrs[a]} " for a in ("data-label", "alt", "title") if attrs.get(a)]
            self.parts.append(" " if tag in BLOCKS else "")

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta", "wbr", "hr", "input") and self.skipping:
            self.skipping.pop()
        self.parts.append(" " if tag in BLOCKS else "")

    def handle_data(self, data):
        if not any(self.skipping):
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


def workbook_texts(path: Path, ours: int = 1) -> str:
    """What we wrote into a workbook: every cell of its first `ours` sheets (but the rule codes' own
    column, "Mã") and every comment. The other sheets are the submitter's, as submitted (a claims
    sheet holds the indicator codes its author typed)."""
    texts = []
    book = load_workbook(path)
    for number, sheet in enumerate(book.worksheets):
        rows = list(sheet.iter_rows())
        skip = {cell.column for row in rows for cell in row if cell.value == "Mã"}  # the letter's table header
        for row in rows:
            for cell in row:
                if number < ours and cell.column not in skip and cell.value is not None:
                    texts.append(str(cell.value))
                if cell.comment is not None:  # '[ENT_GENDER_SUM] message': the code is the comment's label
                    texts.append(re.sub(r"^\[[A-Z_]+\] ", "", cell.comment.text, flags=re.M))
    return "\n".join(texts)


def _heza(*args, config: Path, env=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HEZA_CONFIG": str(config), **(env or {})}
    return subprocess.run([sys.executable, "-m", "heza.cli", *args], capture_output=True, text=True,
                          env=environment, cwd=config.parent, timeout=600)


@pytest.fixture(scope="module")
def outputs(once_per_run, prefect_server) -> dict:
    """Every text of the sample month a person reads, by where it is read (read once per run)."""
    return once_per_run("words", lambda root: _texts_read(root, prefect_server))


def _texts_read(root: Path, prefect_server: str) -> dict:
    """The sample month run for real in a project at `root`, and every text of it a person reads."""
    config = scratch_project(root, ("2024-01", "2024-02"))
    run = _heza("run", "--period", "2024-02", config=config, env={"PREFECT_API_URL": prefect_server})
    assert run.returncode == 0, run.stdout + run.stderr
    texts = {"heza run": run.stdout + run.stderr}
    for args in (["raw/2024-02"], [f"raw/2024-02/{FILE}"]):
        checked = _heza("validate", *args, config=config)
        texts[f"heza validate {args[0]}"] = _without_code_column(checked.stdout + checked.stderr)
    english = _heza("validate", "--lang", "en", "raw/2024-02", config=config)
    texts["en: heza validate"] = _without_code_column(english.stdout + english.stderr)
    release = root / "processed" / "2024-02"
    texts["report.html"] = visible((release / "report.html").read_text(encoding="utf-8"))
    [eml] = sorted((root / "outbox").rglob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    texts["e-mail subject"] = message["Subject"]
    texts["e-mail text"] = message.get_body(("plain",)).get_content()
    texts["e-mail html"] = visible(message.get_body(("html",)).get_content())
    for path in sorted((release / "annotated").glob("*.xlsx")):
        texts[f"annotated/{path.name}"] = workbook_texts(path)
    for name in ("enterprises.xlsx", "zones.xlsx"):
        texts[f"{name} headers"] = "\n".join(str(c.value) for c in next(load_workbook(release / name).active.rows))
        texts[f"{name}"] = workbook_texts(release / name)  # the published rows in words: Có/Không, no codes
    return texts


def _without_code_column(output: str) -> str:
    """`heza validate`'s lines: severity, rule code (its own column), then the finding in words."""
    return re.sub(r"^(\S+(?: \S+)?)\s+[A-Z][A-Z_]+\s", r"\1 ", output, flags=re.M)


def test_no_text_a_person_reads_holds_an_internal_name(outputs):
    found = {where: offending(text, english=where.startswith("en:")) for where, text in outputs.items()}
    assert {where: names for where, names in found.items() if names} == {}
    assert len([w for w in outputs if w.startswith("annotated/")]) >= 10  # every annotated copy was read


def test_the_scan_finds_what_it_looks_for():
    """The scan is not blind: each kind of identifier the report once showed is caught where it was."""
    assert offending("Cột: workers_female,workers_male") == ["workers_female", "workers_male"]
    assert offending("has_party_org=True; party_members=-2") == ["True", "has_party_org", "party_members"]
    assert offending("Tỷ lệ … share_nonstate_party_org_pct") == ["share_nonstate_party_org_pct"]
    assert offending("doanh_nghiep_NOMURA_2024-02.xlsx, enterprises_giu_lai.csv, 2024-01/enterprises.csv") == []
    assert offending("các enterprises.") == ["enterprises"]
    assert visible('<p>Có<span class="code">ENT_GENDER_SUM workers_total</span> x</p>').split() == ["Có", "x"]


def test_findings_are_said_in_the_submitters_words(outputs):
    page = outputs["report.html"]
    assert "Lao dong nu: 130; Lao dong nam: 80; Tong so lao dong: 200" in page  # NOMURA's own headers
    assert "Có tổ chức Đảng: Không; Số đảng viên: 1" in page  # DOSON's, and a yes/no as Có/Không
    assert "Công ty TNHH Mẫu Lỗi 03 (MST 0200090995)" in page  # whose row it is
    assert "cũng ở doanh_nghiep_NOMURA_2024-02.xlsx dòng 63" in page  # where the other copy is
    assert "-1.000.000" in page and "Đếm các doanh nghiệp ngoài nhà nước" in page


def test_the_counts_count_rows_and_figures_the_same_everywhere(outputs):
    # 8 rows with a warning; warnings about no row (last month unpublished, public tables with hidden cells)
    # are counted apart, never as rows
    line = "14 dòng bị giữ lại · 2 số liệu sai · 8 dòng có cảnh báo · "
    assert line in outputs["heza run"] and line in outputs["e-mail subject"] and line in outputs["e-mail text"]
    assert line in outputs["heza validate raw/2024-02"]
    assert "Doanh nghiệp: đọc 753, công bố 739, giữ lại 14" in outputs["heza run"]


def test_a_cumulative_decrease_shows_both_figures_as_people_write_numbers():
    from heza.present.finding_text import value_words

    item = {"rule": "ZONE_CUMULATIVE_DECREASE", "column": "di_capital_vnd_cum",
            "value": "200000000000 < 13307000000000"}
    assert value_words(item, {}, "vi") == "200.000.000.000 < 13.307.000.000.000"
    assert value_words(item, {}, "en") == "200,000,000,000 < 13,307,000,000,000"

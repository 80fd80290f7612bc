"""The report and the e-mail in a real browser: Playwright drives Debian's chromium at a laptop width
(1366 px), a phone width (390 px) and printed on A4. Nothing runs off the side, the headline, the
wrong figures and the rows to fix are in view without scrolling sideways, no word is split in the
middle, no value spills out of its cell, and the printout keeps every value.

Screenshots (and the A4 PDFs) are written for people to look at: to $HEZA_SCREENSHOTS when set,
otherwise under pytest's temporary folder; the folder is printed at the end of the run.
"""

from __future__ import annotations

import base64
import copy
import os
import shutil
from pathlib import Path

import pytest

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.config import load_settings
from heza.present.notify import build_message
from heza.present.publication import present_release
from heza.present.report import saved_charts
from heza.release.publish import publish_period
from tests.scratch import scratch_project

WIDTHS = {"1366": (1366, 800), "390": (390, 844)}
A4_PRINTABLE = 700  # px: A4 is 794 px wide at 96 dpi, less the 12 mm margins of the page's @page rule
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _publish_damaged(root: Path) -> tuple:
    """Publish 2024-01 then 2024-02 of a scratch project with one zone's enterprise file unreadable
    (the red INCOMPLETE headline): 2024-02's release folder, its report and the settings."""
    config = scratch_project(root, ("2024-01", "2024-02"))
    (config.parent / "raw" / "2024-02" / "doanh_nghiep_DOSON_2024-02.xlsx").write_bytes(os.urandom(4096))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEZA_CONFIG", str(config))
        settings = load_settings()
        january = prepare(settings, "2024-01")  # published first, so the page opens with the call list
        publish_period(assess_paths(period_inputs(january), january), january, present=present_release)
        ctx = prepare(settings, "2024-02")
        folder, report = publish_period(assess_paths(period_inputs(ctx), ctx), ctx, present=present_release)
    return folder, report, settings


def _mail(folder: Path, report: dict, settings, out: Path) -> Path:
    """The e-mail's HTML part of a release, its inline charts as data: URIs so that the file opens on
    its own, written to `out`."""
    pngs = saved_charts(folder)
    message = build_message(report, folder, folder, pngs, None, settings, "vi")
    html = message.get_body(("html",)).get_content()
    for name, data in pngs.items():
        html = html.replace(f"cid:chart-{name}", "data:image/png;base64," + base64.b64encode(data).decode("ascii"))
    out.write_text(html, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def pages(once_per_run, sample_pair) -> dict:
    """The sample pair's 2024-02 (shared, read-only) and a damaged pair published here, once per run."""
    def publish_pages(root):
        february = sample_pair["2024-02"]
        sample_mail = _mail(february["folder"], copy.deepcopy(february["report"]), february["ctx"].settings,
                            root / "sample-email.html")
        damaged = root / "damaged"
        damaged_folder, damaged_report, damaged_settings = _publish_damaged(damaged)
        damaged_mail = _mail(damaged_folder, damaged_report, damaged_settings, damaged / "email.html")
        assert "CÔNG BỐ THIẾU" in damaged_mail.read_text(encoding="utf-8"), \
            "the damaged month is not published incomplete"
        return {"report-sample": february["folder"] / "report.html", "email-sample": sample_mail,
                "report-damaged": damaged_folder / "report.html", "email-damaged": damaged_mail}

    return once_per_run("browser-pages", publish_pages)


@pytest.fixture(scope="module")
def shots(tmp_path_factory, request) -> Path:
    wanted = os.environ.get("HEZA_SCREENSHOTS")
    folder = Path(wanted).resolve() if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nscreenshots of the report and e-mail (1366 px, 390 px, A4 PDF): {folder}")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a test dependency
        pytest.fail("playwright is not installed: `make .venv/.installed` installs the test dependencies")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found (looked for `chromium` on PATH and {CHROMIUM}): install Debian's "
                    "chromium (`apt-get install chromium`; .ci/run does this); Playwright's own browser "
                    "download is not used")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


# What the page looks like to the reader, measured in the browser:
# - overflow: the page is wider than the window (the reader scrolls sideways);
# - outside: the headline, the call list, the wrong figures or the rows to fix reach past either edge;
# - split: a word (letters, or a figure) broken across two lines; a line may end after a hyphen,
#   and long identifiers such as file names and lists of columns after their _ , ; (or anywhere
#   when nothing else fits), words and figures may not break;
# - spill: a cell whose content is wider than the cell (values cut or drawn over the next one);
# - break_all: an element set to break words anywhere.
MEASURE = r"""
() => {
  const width = window.innerWidth;
  const out = {overflow: document.documentElement.scrollWidth - width, outside: [], split: [], spill: [],
               break_all: [], missing: []};
  const box = (el) => el.getBoundingClientRect();
  for (const id of ["headline", "call-list", "wrong-figures", "rows-to-fix"]) {
    const el = document.getElementById(id);
    if (!el) { out.missing.push(id); continue; }
    for (const part of [el, ...el.querySelectorAll("table, td, th")]) {
      const r = box(part);
      if (r.width && (r.left < -0.5 || r.right > width + 0.5))
        out.outside.push(`${id}: ${part.tagName} ${Math.round(r.left)}..${Math.round(r.right)} ` +
                         part.textContent.trim().slice(0, 40));
    }
  }
  const head = document.getElementById("headline");
  out.headline = head ? {top: box(head).top, bottom: box(head).bottom} : null;
  const word = /^[\p{L}\p{N}.,%()\u2212+]{2,20}$/u;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    for (const m of text.matchAll(/[^\s-]+/g)) {  // a line may end after a hyphen ("2024-" / "02.xlsx")
      const token = m[0].replace(/[:;,.…•·]+$/, "");
      if (!word.test(token)) continue;
      range.setStart(node, m.index);
      range.setEnd(node, m.index + token.length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) out.split.push(token);
    }
  }
  for (const el of document.querySelectorAll("td, th")) {
    if (el.scrollWidth > el.clientWidth + 1)
      out.spill.push(`${el.textContent.trim().slice(0, 40)} (${el.scrollWidth} > ${el.clientWidth})`);
  }
  for (const el of document.querySelectorAll("body *")) {
    if (getComputedStyle(el).wordBreak === "break-all") out.break_all.push(el.tagName);
  }
  return out;
}
"""


def _check(measured: dict, where: str) -> None:
    assert not measured["missing"], f"{where}: no element {measured['missing']}"
    assert measured["overflow"] <= 0, f"{where}: the page is {measured['overflow']} px wider than the window"
    assert not measured["outside"], f"{where}: past the edge: {measured['outside'][:5]}"
    assert not measured["split"], f"{where}: words broken mid-word: {measured['split'][:10]}"
    assert not measured["spill"], f"{where}: cells whose content does not fit: {measured['spill'][:5]}"
    assert not measured["break_all"], f"{where}: word-break:break-all on {measured['break_all'][:5]}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["report-sample", "report-damaged", "email-sample", "email-damaged"])
def test_the_page_reads_without_scrolling_sideways(browser, pages, shots, name, width):
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    try:
        page.goto(pages[name].as_uri())
        measured = page.evaluate(MEASURE)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        _check(measured, f"{name} at {width} px")
        assert measured["headline"]["top"] >= 0 and measured["headline"]["bottom"] <= h, \
            f"{name} at {width} px: the headline is not in view when the page opens: {measured['headline']}"
    finally:
        page.close()


@pytest.mark.parametrize("name", ["report-sample", "report-damaged", "email-sample"])
def test_the_page_prints_on_a4_with_every_value(browser, pages, shots, name):
    page = browser.new_page(viewport={"width": A4_PRINTABLE, "height": 1000})
    try:
        page.goto(pages[name].as_uri())
        page.emulate_media(media="print")
        _check(page.evaluate(MEASURE), f"{name} printed")
        pdf = page.pdf(format="A4", print_background=True)
        (shots / f"{name}-A4.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 1
    finally:
        page.close()

"""`heza web` as a clerk uses it: the real command started as a server on a free port against a
scratch project, Debian's chromium driven by Playwright (launched as tests/test_browser.py does; it
fails, never skips, when chromium is missing). At laptop and phone width: log in as a zone,
upload the sample's workbook with a planted error, see the marked cell and its suggestion,
download the marked workbook and open it with openpyxl, submit, and find the file in raw/. A
hostile upload gets a clear Vietnamese refusal. Screenshots go to $HEZA_SCREENSHOTS when set."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from heza.config import load_settings
from heza.samples.synthetic import write_synthetic_month
from heza.web.auth import set_code
from tests.scratch import scratch_project
from tests.test_browser import WIDTHS, browser  # noqa: F401 - the chromium fixture, launched one way

SAMPLE = "doanh_nghiep_VSIP_2024-02.xlsx"  # J56, 'Lao động Nữ', left empty: the rules give 120
CODE = "ma-vsip-thu"

# The page as the reader sees it: wider than the window; an element (outside the sheet's own
# scrolling box) past the right edge; a word or number broken across two lines.
MEASURE = r"""
() => {
  const width = window.innerWidth, out = {overflow: document.documentElement.scrollWidth - width, outside: [], split: []};
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".grid-wrap")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 0.5) out.outside.push(`${el.tagName} ${el.textContent.trim().slice(0, 30)}`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/[\p{L}\p{N}]{2,}/gu)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) out.split.push(m[0]);
    }
  }
  return out;
}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`heza web` running on a scratch project with the sample months; yields (address, project)."""
    root = tmp_path_factory.mktemp("web")
    config = scratch_project(root, ("2024-01", "2024-02"))
    environment = {**os.environ, "HEZA_CONFIG": str(config)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEZA_CONFIG", str(config))
        set_code(load_settings(), "VSIP", CODE)
    port = _free_port()
    heza = Path(sys.executable).with_name("heza")
    process = subprocess.Popen([str(heza), "web", "--port", str(port)], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(address + "/", timeout=2)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()
                time.sleep(0.1)
        yield address, root
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    wanted = os.environ.get("HEZA_SCREENSHOTS")
    folder = Path(wanted).resolve() if wanted else tmp_path_factory.mktemp("web-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _reads_well(page, where: str) -> None:
    measured = page.evaluate(MEASURE)
    assert measured["overflow"] <= 0, f"{where}: the page is {measured['overflow']} px wider than the window"
    assert not measured["outside"], f"{where}: past the right edge: {measured['outside'][:5]}"
    assert not measured["split"], f"{where}: words broken mid-word: {measured['split'][:10]}"


def _log_in(page, address: str) -> None:
    page.goto(address + "/")
    page.select_option("#account", "VSIP")
    page.fill("#code", CODE)
    page.click("text=Đăng nhập")
    page.wait_for_selector("text=Kiểm tra tệp báo cáo của KCN VSIP Hải Phòng")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_clerk_checks_downloads_and_submits(browser, server, shots, width, tmp_path):  # noqa: F811
    address, project = server
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h}, accept_downloads=True)
    try:
        page.goto(address + "/")
        _reads_well(page, f"login at {width} px")
        page.screenshot(path=str(shots / f"web-login-{width}.png"), full_page=True)
        _log_in(page, address)
        page.select_option("#period", "2024-02")
        page.set_input_files("#file", str(project / "raw" / "2024-02" / SAMPLE))
        page.click("button:has-text('Kiểm tra tệp')")
        page.wait_for_selector("text=Kết quả kiểm tra tệp", timeout=120_000)
        marked = page.locator("table.grid td.error")
        assert marked.count() == 1 and marked.inner_text().strip() == "→ 120"
        assert "Nên sửa thành: 120" in page.inner_text("ul.findings")
        _reads_well(page, f"result at {width} px")
        page.screenshot(path=str(shots / f"web-result-{width}.png"), full_page=True)
        page.click("text=Xem ô J56 trong bảng")  # the link scrolls the sheet to the cell, also on a phone
        box = marked.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= w and 0 <= box["y"] <= h, box
        page.screenshot(path=str(shots / f"web-cell-{width}.png"))
        with page.expect_download() as download:
            page.click("a.button:has-text('Tải bảng tính đánh dấu lỗi')")
        letter = tmp_path / download.value.suggested_filename
        download.value.save_as(letter)
        assert letter.name == "doanh_nghiep_VSIP_2024-02_kiem_tra.xlsx"
        cell = load_workbook(letter)["Danh sách DN"]["J56"]
        assert cell.comment is not None and "120" in cell.comment.text
        page.click("button:has-text('Nộp tệp này cho Ban Quản lý')")
        page.wait_for_selector("text=Đã nộp: biên nhận")
        _reads_well(page, f"receipt at {width} px")
        page.screenshot(path=str(shots / f"web-receipt-{width}.png"), full_page=True)
        stored = project / "raw" / "2024-02" / page.inner_text("dl.receipt dd:nth-of-type(2)").split(" (")[0]
        assert stored.parent.name == "nop_qua_web_VSIP" and stored.is_file()
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == page.inner_text("dd.sha").replace(" ", "")
    finally:
        page.close()


def test_a_hostile_upload_gets_a_clear_vietnamese_refusal(browser, server, shots, tmp_path):  # noqa: F811
    address, project = server
    fake = tmp_path / "bao_cao_thang_2.xlsx"
    fake.write_bytes(b"MZ\x90\x00" + os.urandom(2048))  # a program, named like a workbook
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        _log_in(page, address)
        page.set_input_files("#file", str(fake))
        page.click("button:has-text('Kiểm tra tệp')")
        refusal = page.inner_text("[role=alert]")
        assert "không phải bảng tính Excel" in refusal and "bao_cao_thang_2.xlsx" in refusal
        _reads_well(page, "refusal at 390 px")
        page.screenshot(path=str(shots / "web-refusal-390.png"), full_page=True)
        hostile = fake.read_bytes()
        assert not [p for p in (project / "raw").rglob("*") if p.is_file() and p.read_bytes() == hostile]
    finally:
        page.close()


def test_a_clerk_fixes_the_file_from_the_pages_words_and_submits_the_corrected_one(browser, server, shots, tmp_path):  # noqa: F811
    """Only what the page says: the sheet, the cell and the value to put; the corrected file then
    checks clean and is the version the month reads."""
    address, project = server
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    try:
        _log_in(page, address)
        page.select_option("#period", "2024-02")
        page.set_input_files("#file", str(project / "raw" / "2024-02" / SAMPLE))
        page.click("button:has-text('Kiểm tra tệp')")
        finding = page.inner_text("ul.findings li.error")
        sheet, cell = re.search(r"Trang “(.+?)”, dòng \d+, ô ([A-Z]+\d+)", finding).groups()
        value = re.search(r"Nên sửa thành: (\d+)", finding).group(1)
        book = load_workbook(project / "raw" / "2024-02" / SAMPLE)
        book[sheet][cell] = int(value)
        book.save(tmp_path / "bao_cao_da_sua.xlsx")
        page.click("text=Kiểm tra lại tệp đã sửa")
        page.set_input_files("#file", str(tmp_path / "bao_cao_da_sua.xlsx"))
        page.click("button:has-text('Kiểm tra tệp')")
        page.screenshot(path=str(shots / "web-clean-1366.png"), full_page=True)
        assert "tháng 02/2024" in page.inner_text("main")  # the link kept the month
        assert "không có lỗi" in page.inner_text("[role=status]").lower()  # warnings, if any, are to review
        assert page.locator("ul.findings li.error").count() == 0
        page.click("button:has-text('Nộp tệp này cho Ban Quản lý')")
        assert "Lỗi · cảnh báo\n0 · " in page.inner_text("dl.receipt")
    finally:
        page.close()


def test_the_page_answers_others_while_a_file_is_checked(server, tmp_path):
    """A check runs in its own process and thread: the server keeps serving the other zones. While
    a 10.000-row workbook is checked (seconds), another visitor asks for the login page again and
    again: a server that waited for the check would answer once or twice in all that time, not
    five times and more. No clock in the test: a slower machine only checks for longer."""
    address, project = server
    write_synthetic_month(tmp_path, "2024-02", 10_000, 40, "xlsx", force=True)
    large = (tmp_path / "raw" / "2024-02" / "enterprises.xlsx").read_bytes()
    clerk = httpx.Client(base_url=address, follow_redirects=True, timeout=300)
    token = re.search(r'name="csrf" value="([^"]+)"', clerk.get("/").text).group(1)
    clerk.post("/dang-nhap", data={"csrf": token, "account": "VSIP", "code": CODE})
    token = re.search(r'name="csrf" value="([^"]+)"', clerk.get("/kiem-tra").text).group(1)
    checked = []
    checking = threading.Thread(target=lambda: checked.append(clerk.post("/kiem-tra", data={
        "csrf": token, "period": "2024-02"}, files={"file": ("a.xlsx", large)})))
    checking.start()
    answers = []
    with httpx.Client(base_url=address, timeout=300) as other:
        while checking.is_alive():
            status = other.get("/").status_code
            if checking.is_alive():  # answered while the check still ran
                answers.append(status)
            time.sleep(0.02)  # a visitor, not a load test: about 150 requests in this machine's check
    checking.join()
    assert checked and checked[0].status_code == 200 and "/ket-qua/" in str(checked[0].url)  # the result page
    assert len(answers) >= 5 and set(answers) == {200}, f"{len(answers)} answers during the check: {answers[:10]}"
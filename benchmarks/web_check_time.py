"""How long a clerk waits for a check: `python -m benchmarks.web_check_time SCRATCH_DIR` starts
`heza web` on a scratch project (the sample months, under SCRATCH_DIR, emptied first), logs in as
VSIP and uploads the sample's VSIP workbook three times (the first right after start-up)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.scratch import scratch_project

HEZA = Path(sys.executable).with_name("heza")
SAMPLE = "raw/2024-02/doanh_nghiep_VSIP_2024-02.xlsx"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_checks(root: Path, uploads: int = 3) -> list[float]:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    environment = {**os.environ, "HEZA_CONFIG": str(scratch_project(root, ("2024-01", "2024-02")))}
    subprocess.run([str(HEZA), "web", "add-zone", "VSIP", "--code", "ma-do"], env=environment, check=True,
                   capture_output=True)
    address = f"http://127.0.0.1:{_free_port()}"
    server = subprocess.Popen([str(HEZA), "web", "--port", address.rsplit(":", 1)[1]], env=environment)
    try:
        while True:
            try:
                httpx.get(address)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        clerk = httpx.Client(base_url=address, follow_redirects=True, timeout=300)
        clerk.post("/dang-nhap", data={"csrf": _csrf(clerk.get("/").text), "account": "VSIP", "code": "ma-do"})
        workbook, seconds = (root / SAMPLE).read_bytes(), []
        for _ in range(uploads):
            started = time.monotonic()
            page = clerk.post("/kiem-tra", data={"csrf": _csrf(clerk.get("/kiem-tra").text), "period": "2024-02"},
                              files={"file": ("vsip.xlsx", workbook)})
            assert "→ 120" in page.text, "the marked cell is not on the page"
            seconds.append(time.monotonic() - started)
        return seconds
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    for number, spent in enumerate(time_checks(Path(sys.argv[1])), start=1):
        print(f"upload {number}: {spent:.1f} s")

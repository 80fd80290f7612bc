"""`python -m benchmarks.web_check_time SCRATCH_DIR`: time the check of the sample's VSIP workbook through a running `heza web` (first and later uploads),
against a scratch project with the sample months written under SCRATCH_DIR (emptied first)."""
import os, re, socket, subprocess, sys, time, shutil
from pathlib import Path
import httpx

from tests.scratch import scratch_project

HEZA = Path(sys.executable).with_name("heza")

if __name__ == "__main__":
    root = Path(sys.argv[1]); shutil.rmtree(root, ignore_errors=True); root.mkdir(parents=True)
    config = scratch_project(root, ("2024-01", "2024-02"))
    env = {**os.environ, "HEZA_CONFIG": str(config)}
    subprocess.run([str(HEZA), "web", "add-zone", "VSIP", "--code", "abc"], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    server = subprocess.Popen([str(HEZA), "web", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try: httpx.get(base); break
            except httpx.TransportError: time.sleep(0.1)
        c = httpx.Client(base_url=base, follow_redirects=True, timeout=300)
        csrf = lambda t: re.search(r'name="csrf" value="([^"]+)"', t).group(1)
        c.post("/dang-nhap", data={"csrf": csrf(c.get("/").text), "account": "VSIP", "code": "abc"})
        data = (root / "raw/2024-02/doanh_nghiep_VSIP_2024-02.xlsx").read_bytes()
        for n in range(3):
            t = time.time()
            r = c.post("/kiem-tra", data={"csrf": csrf(c.get("/kiem-tra?ky=2024-02").text), "period": "2024-02"},
                       files={"file": ("v.xlsx", data)})
            print(f"upload {n + 1}: {time.time() - t:.1f} s, status {r.status_code}, marked cell shown: {'→ 120' in r.text}")
    finally:
        server.terminate(); server.wait()

"""`make bench`, the whole command: `heza run --no-email` on the million-row CSV month as a user runs it
(every output, report and annotated copy included), single-process and with `--workers 2`, its
wall and CPU time and the peak memory of its whole process tree (heza, the Prefect server, Dask
workers), against what the machine does with the same file in the same run: Prefect's one-task
flow (the fixed cost no run goes under), Arrow's read + write of the file, and plain pandas +
pandera (benchmarks/plain_pandera.py). Each task's time comes from Prefect's own records (the
run's database), so the next slow stage shows itself. Also a 200.000-row workbook with a few bad
rows against calamine's raw read of it (issue 16, part 6).

    python -m benchmarks.end_to_end [--rows 1000000] [--xlsx-rows 200000]   (--rows 0: the workbook alone)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.fixed_cost import FLOOR_SCRIPT

ROOT = Path(__file__).resolve().parents[1]
_RUN_SUFFIX = re.compile(r"-[0-9a-f]{3}$")
TARGETS = {"run_over_arrow_1m": 6.0, "run_peak_mb_1m": 2000, "workbook_over_calamine": 3.0}


def _tree_rss(process) -> int:
    """Resident memory of a process and all its descendants, in bytes (0 once it is gone)."""
    import psutil

    total = 0
    try:
        for member in [process, *process.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def measured(command: list, env: dict, cwd: Path = ROOT) -> dict:
    """Run a command; its wall time, CPU time (user + system, every descendant) and the peak of its
    process tree's memory, sampled every 0,1 s (the largest single process, from the kernel, too)."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started_at, start = time.time(), time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    watched = psutil.Process(child.pid)

    def sample():
        while child.poll() is None:
            peak[0] = max(peak[0], _tree_rss(watched))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"started_at": started_at, "wall_s": wall, "cpu_s": cpu, "peak_mb": peak[0] / 2**20, "largest_process_mb": after.ru_maxrss / 1024,
            "returncode": child.returncode, "stdout": stdout[-2000:], "stderr": stderr[-2000:]}


def task_times(prefect_home: Path) -> dict:
    """From the Prefect database, the last flow run's: each task's seconds (tasks of the same name summed, e.g.
    one per file), the flow's own span, and the time before the flow started (start-up)."""
    database = sqlite3.connect(f"file:{prefect_home / 'prefect.db'}?mode=ro", uri=True)
    with database:
        flow = database.execute("SELECT start_time, end_time FROM flow_run ORDER BY start_time DESC").fetchone()
        tasks = database.execute("SELECT name, start_time, end_time FROM task_run WHERE end_time IS NOT NULL "
                                 "AND start_time >= ? ORDER BY start_time", (flow[0] if flow else "",)).fetchall()
    database.close()
    seconds: dict = {}
    for name, start, end in tasks:
        stage = _RUN_SUFFIX.sub("", name)  # Prefect names a task's run "<task>-<3 hex digits>"
        stage = "assess-file" if stage.startswith("assess-") and stage != "assess-period" else stage
        seconds[stage] = seconds.get(stage, 0.0) + (_when(end) - _when(start)).total_seconds()
    span = (_when(flow[1]) - _when(flow[0])).total_seconds() if flow and flow[1] else None
    return {"tasks": seconds, "flow_s": span, "flow_start": flow[0] if flow else None}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(str(text).replace(" ", "T"))


def arrow_floor(path: Path, scratch: Path) -> dict:
    """Arrow's own read of the file (every column as text) and write of the same rows as CSV."""
    import pyarrow.csv as pv

    start = time.perf_counter()
    names = pv.read_csv(path, read_options=pv.ReadOptions(block_size=1 << 24)).column_names
    table = pv.read_csv(path, read_options=pv.ReadOptions(block_size=1 << 24),
                        convert_options=pv.ConvertOptions(column_types={n: "string" for n in names}))
    read = time.perf_counter() - start
    start = time.perf_counter()
    pv.write_csv(table, scratch / "arrow.csv")
    write = time.perf_counter() - start
    (scratch / "arrow.csv").unlink()
    return {"arrow_read_s": read, "arrow_write_s": write, "arrow_s": read + write}


def calamine_read(path: Path) -> float:
    """calamine's raw read of a workbook's first sheet into Python values."""
    import python_calamine

    start = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    book.get_sheet_by_index(0).to_python()
    return time.perf_counter() - start


def _env(prefect_home: Path, reference: Path) -> dict:
    return {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING", "HEZA_PATHS_REFERENCE": str(reference),
            "HEZA_LIMITS_MAX_FILE_MB": "10000", "HEZA_LIMITS_MAX_READ_SECONDS": "0",
            "HEZA_PREFECT_STARTUP_TIMEOUT_SECONDS": "900"}  # a first start on a loaded machine is slow


def heza_run(month: Path, label: str, scratch: Path, extra: list | None = None) -> dict:
    """`heza run --no-email` of the month in month/raw, with a Prefect home of its own so that its
    database holds this run's tasks and the one-task flow's that made it."""
    home = scratch / f"prefect-{label}"
    # a Prefect home whose database exists, as a user's has from the second month on and as the floor's
    # has: a first start also creates and migrates the database, which is no cost of heza's
    measured([sys.executable, "-c", FLOOR_SCRIPT], _env(home, month / "reference"))
    command = [sys.executable, "-m", "heza.cli", "run", "--period", "2024-02", "--raw", str(month / "raw"),
               "--out", str(scratch / f"out-{label}"), "--no-email", *(extra or [])]
    result = measured(command, _env(home, month / "reference"))
    if result["returncode"] not in (0, 1):
        raise RuntimeError(f"heza run ({label}) exited {result['returncode']}: {result['stderr']}")
    del result["stdout"], result["stderr"]
    return {**result, **task_times(home), "outputs": published_digest(scratch / f"out-{label}" / "2024-02")}


def published_digest(release: Path) -> str:
    """One sha256 over every published CSV's bytes and the findings in report.json: two runs that
    publish the same rows and find the same things have the same digest."""
    live = release.resolve()
    digest = hashlib.sha256()
    for path in sorted(live.rglob("*.csv")):
        digest.update(str(path.relative_to(live)).encode() + b"\0" + path.read_bytes())
    findings = json.loads((live / "report.json").read_text(encoding="utf-8"))["findings"]
    digest.update(json.dumps(findings, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def prefect_floor(scratch: Path) -> float:
    """A one-task Prefect flow in a fresh process (its database made by a first, uncounted run)."""
    env = {**os.environ, "PREFECT_HOME": str(scratch / "prefect-floor"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    measured([sys.executable, "-c", FLOOR_SCRIPT], env)
    return measured([sys.executable, "-c", FLOOR_SCRIPT], env)["wall_s"]


def plain_pandera(month: Path, scratch: Path) -> dict:
    """The same month through plain pandas + pandera, in its own process."""
    result = measured([sys.executable, "-m", "benchmarks.plain_pandera", str(month / "raw" / "2024-02" /
                                                                               "enterprises.csv"),
                       str(scratch / "pandera_valid.csv"), str(month / "reference" / "zones.csv")], dict(os.environ))
    if result["returncode"]:
        raise RuntimeError(f"plain pandera failed: {result['stderr']}")
    return {**result, **json.loads(result["stdout"].strip().splitlines()[-1])}


def _uptime() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def measure(rows: int, xlsx_rows: int = 200_000, workers: int = 2) -> dict:
    """Everything above in one run, in one scratch folder."""
    from heza.samples.synthetic import write_synthetic_month

    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as folder:
        scratch = Path(folder)
        result = {"rows": rows, "load_before": _uptime(), "prefect_floor_s": prefect_floor(scratch)}
        if rows:  # 0: the workbook alone
            month = scratch / "csv"
            written = write_synthetic_month(month, "2024-02", rows, 400, "csv", force=True)
            result.update(arrow_floor(Path(written["path"]), scratch))
            result["run"] = heza_run(month, "single", scratch)
            result["run_dask"] = heza_run(month, "dask", scratch, ["--workers", str(workers)])
            result["pandera"] = plain_pandera(month, scratch)
        if xlsx_rows:
            book = scratch / "xlsx"
            path = Path(write_synthetic_month(book, "2024-02", xlsx_rows, 400, "xlsx", bad_share=0.0005,
                                              force=True)["path"])
            result["workbook"] = {"rows": xlsx_rows, "calamine_s": calamine_read(path),
                                  "run": heza_run(book, "xlsx", scratch)}
        result["load_after"] = _uptime()
    return result


def verdicts(result: dict) -> dict:
    """(run − Prefect floor) within 6x Arrow's read + write, its peak under 2 GB; the workbook's run
    (less the floor) within 3x calamine's raw read."""
    floor, out = result["prefect_floor_s"], {}
    if "run" in result:
        run = result["run"]
        out = {"run_over_arrow_1m": (run["wall_s"] - floor) / result["arrow_s"] <= TARGETS["run_over_arrow_1m"],
               "run_peak_mb_1m": run["peak_mb"] <= TARGETS["run_peak_mb_1m"],
               "dask_same_outputs": run["outputs"] == result["run_dask"]["outputs"]}
    if "workbook" in result:
        book = result["workbook"]
        out["workbook_over_calamine"] = (book["run"]["wall_s"] - floor) / book["calamine_s"] <= \
            TARGETS["workbook_over_calamine"]
    return out


def table(result: dict) -> str:
    """The whole command against its floors, and each task's share of the single-process run."""
    lines = [] if "run" not in result else _run_table(result)
    if "workbook" in result:
        book, floor = result["workbook"], result["prefect_floor_s"]
        lines.append(f"\n{book['rows']:,}-row workbook: `heza run` {book['run']['wall_s']:.1f}s "
                     f"(peak {book['run']['peak_mb']:.0f} MB), calamine's raw read {book['calamine_s']:.2f}s, "
                     f"(run − Prefect floor) / calamine {(book['run']['wall_s'] - floor) / book['calamine_s']:.1f}")
        lines += _task_lines(book["run"])
    return "\n".join(lines)


def _run_table(result: dict) -> list:
    run, dask, peer, floor = result["run"], result["run_dask"], result["pandera"], result["prefect_floor_s"]
    lines = [f"\nWhole command, {result['rows']:,} rows (CSV), load {result['load_before']} → {result['load_after']}:",
             "", "| what | wall s | CPU s | peak MB | (wall − Prefect floor) / Arrow |", "|---|---:|---:|---:|---:|"]
    for label, item in (("`heza run --no-email`", run), ("`heza run --workers 2` (Dask)", dask)):
        lines.append(f"| {label} | {item['wall_s']:.1f} | {item['cpu_s']:.1f} | {item['peak_mb']:.0f} | "
                     f"{(item['wall_s'] - floor) / result['arrow_s']:.1f} |")
    lines.append(f"| pandas + pandera ({peer['valid_rows']:,} valid rows) | {peer['wall_s']:.1f} | {peer['cpu_s']:.1f} | "
                 f"{peer['peak_mb']:.0f} | |")
    lines.append(f"| one-task Prefect flow | {floor:.1f} | | | |")
    lines.append(f"| Arrow read + write | {result['arrow_s']:.2f} | | | |")
    lines.append(f"\nThe Dask run published the same CSVs and findings as the single-process run: "
                 f"{'yes' if run['outputs'] == dask['outputs'] else 'NO'}")
    return lines + _task_lines(run)


def _task_lines(run: dict) -> list:
    """Each Prefect task's seconds and share of one run, slowest first, after the start-up."""
    lines = ["", "| stage (Prefect task) | s | share of the run |", "|---|---:|---:|"]
    startup = _startup(run)
    if startup is not None:
        lines.append(f"| start-up (imports, reference data, Prefect server) | {startup:.1f} | "
                     f"{startup / run['wall_s']:.0%} |")
    for name, seconds in sorted(run["tasks"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {seconds:.1f} | {seconds / run['wall_s']:.0%} |")
    return lines


def _startup(run: dict) -> float | None:
    """Seconds from the command's start to the flow's, when the run recorded both."""
    if run.get("flow_start") is None or run.get("started_at") is None:
        return None
    return (_when(run["flow_start"]) - datetime.fromtimestamp(run["started_at"], timezone.utc).replace(tzinfo=None)).total_seconds()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    args = parser.parse_args()
    result = measure(args.rows, args.xlsx_rows)
    result["verdicts"] = verdicts(result)
    print(json.dumps(result, indent=2, default=str))
    print(table(result))
    print("targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in result["verdicts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The fixed costs staff wait for (issue 16, part 3), measured as they run the commands:

- `heza run --no-email` of the sample month (data/raw/2024-01, copied into a scratch project) against
  Prefect's own floor: a fresh Python process running a one-task flow against the same kind of
  server, the one Prefect's ephemeral mode starts (uvicorn on 127.0.0.1, what `heza run` starts
  itself), with the same PREFECT_HOME; target: within floor + 2 s;
- `heza validate` of a 1.000-row workbook; target: under 2 s.

The runs alternate (floor, run, floor, run, ...) so that both see the same load on a shared machine;
the medians are compared, and the load average is kept with the figures (in benchmarks/results/latest.json
under "fixed" when `make bench` runs it). A command that fails stops
the measurement (a failed run is fast, not cheap). Alone: `.venv/bin/python -m benchmarks.fixed_cost`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"heza_validate_s": 2.0, "heza_run_over_prefect_floor_s": 2.0}
FLOOR_SCRIPT = "from prefect import flow, task\n@task\ndef one(): return 1\n@flow\ndef f(): return one()\nf()\n"


def _scratch_project(root: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.scratch import scratch_project

    return scratch_project(root, sample_periods=("2024-01",))


def _wall(command: list, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # validate exits 1 on errors found; the run publishes with errors (0)
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def measure(repeat: int = 3) -> dict:
    """Medians of `repeat` alternating runs of the floor and `heza run`, then of `heza validate`."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-fixed-"))
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update({"PREFECT_HOME": str(workdir / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_LOGGING_LEVEL": "CRITICAL", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
                "HEZA_CONFIG": str(_scratch_project(workdir / "project"))})
    from heza.samples.synthetic import write_synthetic_month

    workbook = write_synthetic_month(workdir / "validate", "2024-02", 1000, 15, "xlsx", force=True)["path"]
    floor = [sys.executable, "-c", FLOOR_SCRIPT]
    run = [sys.executable, "-m", "heza.cli", "run", "--period", "2024-01", "--no-email"]
    validate = [sys.executable, "-m", "heza.cli", "validate", workbook, "--period", "2024-02"]
    _wall(floor, env)  # the first start creates Prefect's database: not counted
    floors, runs, validates = [], [], []
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        floors.append(_wall(floor, env))
        runs.append(_wall(run, env))
    for _ in range(repeat):
        validates.append(_wall(validate, env))
    return {"prefect_floor_s": statistics.median(floors), "heza_run_s": statistics.median(runs),
            "heza_run_over_floor_each_s": [round(r - f, 2) for f, r in zip(floors, runs)],
            "heza_validate_s": statistics.median(validates), "repeat": repeat,
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def verdicts(fixed: dict) -> dict:
    return {"heza_validate_s": fixed["heza_validate_s"] <= TARGETS["heza_validate_s"],
            "heza_run_over_prefect_floor_s":
                fixed["heza_run_s"] - fixed["prefect_floor_s"] <= TARGETS["heza_run_over_prefect_floor_s"]}


def line(fixed: dict) -> str:
    return (f"heza validate (1.000-row workbook) {fixed['heza_validate_s']:.2f}s; heza run (sample month "
            f"2024-01, --no-email) {fixed['heza_run_s']:.2f}s; one-task Prefect flow {fixed['prefect_floor_s']:.2f}s "
            f"(run − floor {fixed['heza_run_s'] - fixed['prefect_floor_s']:.2f}s; medians of "
            f"{fixed.get('repeat', 1)} alternating runs, load {fixed.get('load_average', '?')})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    fixed = measure(parser.parse_args().repeat)
    print(json.dumps(fixed))
    print(line(fixed))
    print("targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in verdicts(fixed).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

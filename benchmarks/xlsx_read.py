"""heza's read of one workbook (extent, flags, header, layout, normalising) against calamine's raw
read of the same sheet, alternated in one process, in wall and CPU seconds: on a machine shared
with other jobs the wall clock mostly measures the wait for a core, the CPU time what each costs.

    python -m benchmarks.xlsx_read MONTH_DIR [--repeat N] [--profile]
    (MONTH_DIR as `heza sample --enterprises N --format xlsx --out MONTH_DIR` writes it)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("month", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="profile heza's read once instead")
    args = parser.parse_args()

    import python_calamine

    from heza.config import load_settings
    from heza.ingest.files import read_file
    from heza.ingest.normalise import normalise_file
    from heza.ingest.reference import load_zone_registry
    from schemas.columns import column_specs, figure_columns

    path = next((args.month / "raw").rglob("*.xlsx"))
    limits = {**load_settings().limits, "max_file_mb": 10_000, "max_rows_per_sheet": 10_000_000,
              "max_read_seconds": 0}
    registry = load_zone_registry(args.month / "reference")
    for kind in ("enterprise", "zone", "claims"):  # the schemas' one-time import, outside the timing
        column_specs(kind), figure_columns(kind)

    def calamine() -> None:
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("DN").to_python(skip_empty_area=False)

    def heza() -> None:
        normalise_file(read_file(path, limits), registry, 23996.0)

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(heza)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        return
    for _ in range(args.repeat):
        (raw_wall, raw_cpu), (read_wall, read_cpu) = _clock(calamine), _clock(heza)
        print(f"wall: calamine {raw_wall:.2f}s heza {read_wall:.2f}s ratio {read_wall / raw_wall:.2f} | "
              f"cpu: calamine {raw_cpu:.2f}s heza {read_cpu:.2f}s ratio {read_cpu / raw_cpu:.2f}", flush=True)


def _clock(function) -> tuple:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()

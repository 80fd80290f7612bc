"""Each step of the monthly flow timed in one process, without Prefect: the same functions the flow's
tasks call, in the same order, with the publication's parts (disclosure control, CSVs and report.json,
then report.html, the workbooks and Arrow's CSV write of their rows as their floor, the annotated
copies) apart. For a month too slow to run whole on a loaded machine, and to see which part of
publishing costs what.

    python -m benchmarks.steps MONTH_DIR OUT_DIR    (MONTH_DIR as `heza sample --enterprises N --out` writes it)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def timed_steps(month: Path, out: Path) -> list:
    """[(step, seconds, peak MB so far)] of one run of the month in month/raw."""
    os.environ.update(HEZA_PATHS_REFERENCE=str(month / "reference"), HEZA_LIMITS_MAX_FILE_MB="10000",
                      HEZA_LIMITS_MAX_READ_SECONDS="0")
    import heza.present.publication as publication
    import heza.release.publish as release
    from heza.assess.context import period_inputs, prepare
    from heza.assess.core import STAGES, assess_file, join_files
    from heza.config import load_settings
    from heza.release.publish import publish_period

    steps, clock = [], [time.perf_counter()]

    def mark(name: str) -> None:
        now = time.perf_counter()
        steps.append((name, now - clock[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        clock[0] = now

    def timing(function, name, floor=None):
        def timed(*args, **kwargs):
            mark("publish: CSVs, report.json" if not steps[-1][0].startswith("present") else "(between)")
            result = function(*args, **kwargs)
            mark(f"present: {name}")
            if floor is not None:
                floor(*args)
                mark(f"present: {name} floor (Arrow's CSV write of the same rows)")
            return result
        return timed

    def disclosure_timed(enterprises, *args):
        mark("publish: up to disclosure control")
        result = disclose(enterprises, *args)
        mark(f"publish: disclosure control ({enterprises['zone_code'].nunique()} zones)")
        return result

    for name in ("write_report_html", "write_tables_xlsx", "with_subjects", "annotate_each"):
        floor = _arrow_csv_floor if name == "write_tables_xlsx" else None
        setattr(publication, name, timing(getattr(publication, name), name, floor))
    disclose, release.disclose = release.disclose, disclosure_timed
    ctx = prepare(load_settings(), "2024-02", month / "raw", out)
    mark("prepare")
    assessment = join_files([assess_file(path, ctx, root=ctx.settings.raw) for path in period_inputs(ctx)], ctx)
    mark("assess files + join")
    for stage in STAGES:
        assessment = stage(assessment, ctx)
        mark(stage.__name__)
    publish_period(assessment, ctx, "vi", present=publication.present_release)
    mark("publish: manifest, make live")
    return steps


def _arrow_csv_floor(splits: dict, release: Path, *_) -> None:
    """What the published workbooks are measured against: Arrow writing the same rows as CSV (then
    deleted: not part of the release)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    for name, split in splits.items():
        floor = Path(release) / f"{name}.floor.csv"
        pa_csv.write_csv(pa.Table.from_pandas(split.published, preserve_index=False), floor)
        floor.unlink()


if __name__ == "__main__":
    for step, seconds, peak in timed_steps(Path(sys.argv[1]), Path(sys.argv[2])):
        print(json.dumps({"step": step, "seconds": round(seconds, 2), "peak_mb": round(peak)}, ensure_ascii=False))
    print(json.dumps({"load": os.getloadavg()}))

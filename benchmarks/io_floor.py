"""The I/O floors of issue 16, for `make bench`: Arrow's own read of the CSV month as text, and
Arrow's own CSV write of every file publishing writes, measured in the same process right beside
heza's read + normalise and heza's publish, so that each ratio compares like with like under the
same load. benchmarks/run.py calls `read_floor` and `publish_all` (one hook each)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

TARGETS = {"read_over_arrow_1m": 3.0, "publish_over_arrow_1m": 3.0}


def read_floor(path: Path) -> float:
    """Seconds for Arrow to read the CSV as text: every column a string, the header a row."""
    width = len(arrow_csv.open_csv(path).schema.names)
    start = time.perf_counter()
    arrow_csv.read_csv(path, read_options=arrow_csv.ReadOptions(autogenerate_column_names=True),
                       convert_options=arrow_csv.ConvertOptions(
                           column_types={f"f{i}": pa.string() for i in range(width)}))
    return time.perf_counter() - start


def _files(split, period: str, zone_codes) -> dict:
    """{path in the release folder: rows} of every CSV publishing writes for a month whose rows are
    all enterprises (the tiers as heza.release.tiers lays them out, the legacy copies, quarantine);
    the public tier's aggregates are a few hundred rows after disclosure control, not counted."""
    from heza.release.disclosure import Disclosure
    from heza.release.tiers import tier_files
    from schemas import DATA_TABLES, PUBLISHED_COLUMNS, TABLES
    from heza.assess.split import Split

    splits = {name: split if name == split.table else Split(
        name, pd.DataFrame(columns=PUBLISHED_COLUMNS[name]),
        pd.DataFrame(columns=[*PUBLISHED_COLUMNS[name], "rules", "columns", "messages_vi", "messages_en"]), 0)
        for name in DATA_TABLES}
    empty = Disclosure(tables=(), indicators=None, findings=pd.DataFrame())
    tiers = tier_files(splits, None, empty)
    files = {f"{tier}/{path}": frame for tier, tables in tiers.items() if tier != "public"
             for path, frame in tables.items()}
    for name in DATA_TABLES:
        files[f"{name}.csv"] = splits[name].published
        files[TABLES[name].quarantine_file] = splits[name].quarantined
    return files, tiers


def publish_all(split, period: str, zone_codes) -> dict:
    """heza's publish of every file (tier CSVs and data packages, legacy copies, quarantine, the
    manifest with each file's sha256) against Arrow writing the same rows as CSV, same process."""
    from heza.release.outputs import data_package, write_json
    from heza.release.tiers import write_tiers

    files, tiers = _files(split, period, zone_codes)
    tables = {path: pa.Table.from_pandas(frame, preserve_index=False) for path, frame in files.items()}
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        release = Path(folder)
        start = time.perf_counter()
        (release / "quarantine").mkdir()
        legacy = {path: files[path] for path in files if "/" not in path or path.startswith("quarantine/")}
        outputs = write_tiers({tier: t for tier, t in tiers.items() if tier != "public"}, release, period, zone_codes,
                              also=legacy)
        write_json(data_package(period, zone_codes), release / "datapackage.json")
        write_json({"outputs": outputs}, release / "manifest.json")
        heza = time.perf_counter() - start
        start = time.perf_counter()
        for path, table in tables.items():
            target = release / "arrow" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            arrow_csv.write_csv(table, target)
        arrow = time.perf_counter() - start
    rows = sum(len(frame) for frame in files.values())
    return {"publish_all_s": heza, "arrow_write_s": arrow, "publish_over_arrow": heza / arrow,
            "published_rows_written": rows}


def verdicts(sizes: dict) -> dict:
    million = sizes.get("1000000", {})
    out = {}
    if "read_over_arrow" in million:
        out["read_over_arrow_1m"] = million["read_over_arrow"] <= TARGETS["read_over_arrow_1m"]
    if "publish_over_arrow" in million:
        out["publish_over_arrow_1m"] = million["publish_over_arrow"] <= TARGETS["publish_over_arrow_1m"]
    return out


def columns(size: dict) -> str:
    """One size's floors, for its printed line and the README table's notes."""
    if "arrow_read_s" not in size:
        return ""
    return (f"read {size['read_s']:.2f}s against Arrow's read {size['arrow_read_s']:.2f}s "
            f"({size['read_over_arrow']:.2f}x); publish of every file {size['publish_all_s']:.2f}s against "
            f"Arrow's write {size['arrow_write_s']:.2f}s ({size['publish_over_arrow']:.2f}x)")


def table_lines(report: dict) -> list:
    """The floors under the README table, one line per size."""
    return [f"{size['rows']:,} rows: {columns(size)}" for size in report["sizes"].values() if columns(size)]

"""Where a read's time goes, for `make bench`: one more read + normalise of a month's file with a
plain timer around each part (no profiler, whose own cost would swamp the small calls), so the
table names the part that keeps a read over its floor. benchmarks/run.py calls `read_parts` once
for the 1M-row CSV and once for the 100k-row workbook.

    python -m benchmarks.read_parts MONTH_DIR    (MONTH_DIR as `heza sample --enterprises N --out` writes it)
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

# part -> (module, function) timed; the parts never call one another, so their seconds add up
_EVERY_FORMAT = {
    "SHA-256 of the file": ("heza.ingest.files", "sha256_of"),
    "header, layout, blank cells": ("heza.ingest.files", "table_from_grid"),
    "typing the columns": ("heza.ingest.normalise", "_typed_columns"),
}
PARTS = {
    "csv": {"Arrow's parse": ("heza.ingest.csv_text", "_arrow_grid"),
            "NFC proof": ("heza.ingest.csv_text", "nfc_as_it_stands"), **_EVERY_FORMAT},
    "xlsx": {"calamine's parse": ("heza.ingest.files", "_sheet_grid"),
             "unzip, extent guard, cell flags": ("heza.ingest.files", "bounded_xlsx"), **_EVERY_FORMAT},
}


@contextlib.contextmanager
def _timers(parts: dict):
    """Each named function replaced, for the block, by itself under a timer adding to `seconds`."""
    import importlib

    seconds, originals = dict.fromkeys(parts, 0.0), []
    for part, (module_name, name) in parts.items():
        module = importlib.import_module(module_name)
        function = getattr(module, name)
        originals.append((module, name, function))

        def timed(*args, _part=part, _function=function, **kwargs):
            start = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                seconds[_part] += time.perf_counter() - start

        setattr(module, name, timed)
    try:
        yield seconds
    finally:
        for module, name, function in originals:
            setattr(module, name, function)


def read_parts(path: Path, limits: dict, registry) -> dict:
    """{part: seconds} of one read + normalise of `path`, "other" the rest of the whole."""
    from heza.ingest.files import read_file
    from heza.ingest.normalise import normalise_file

    parts = PARTS["csv" if path.suffix.lower() == ".csv" else "xlsx"]
    with _timers(parts) as seconds:
        start = time.perf_counter()
        normalise_file(read_file(path, limits), registry, 23996.0)
        whole = time.perf_counter() - start
    return {**seconds, "other": whole - sum(seconds.values()), "whole": whole}


def line(label: str, parts: dict) -> str:
    """'<label> 2.10s: Arrow's parse 0.41 · ... · other 0.12'."""
    shown = " · ".join(f"{part} {seconds:.2f}" for part, seconds in parts.items() if part != "whole")
    return f"{label} {parts['whole']:.2f}s: {shown}"


if __name__ == "__main__":
    from heza.config import load_settings
    from heza.ingest.reference import load_zone_registry

    month = Path(sys.argv[1])
    source = next(p for p in sorted((month / "raw").rglob("*")) if p.suffix.lower() in {".csv", ".xlsx"})
    settings_limits = {**load_settings().limits, "max_file_mb": 10_000, "max_rows_per_sheet": 10_000_000,
                       "max_read_seconds": 0}
    print(line(f"{source.name}:", read_parts(source, settings_limits, load_zone_registry(month / "reference"))))

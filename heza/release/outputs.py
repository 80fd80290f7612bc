"""Writing one output: CSVs that open cleanly in Excel and LibreOffice and never run as formulas,
JSON, checksums, and the Frictionless data package generated from the schemas."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from heza.ingest.arrow_text import matches
from heza.release.csv_bytes import csv_files
from schemas import OWNERSHIP_VALUES, PUBLISHED_COLUMNS, TABLES, published_schema

_STARTS_LIKE_FORMULA = "^[=+@\\t\\r-]"  # '=', '+', '-', '@', tab, carriage return first
_PLAIN_NUMBER = re.compile(r"^[-+]?\d[\d.,]*$")
CORRECTIONS_FILE = "corrections.csv"  # the cells [correct] apply changed: where, from what, to what, why
CORRECTED_FIELD = {"name": "corrected_fields", "type": "string",
                   "description": "Ô đã sửa tự động ([correct] apply), trống nếu công bố như đã nộp / "
                                  "fields corrected ([correct] apply), empty when published as submitted"}
_FRICTIONLESS_TYPES = {"string": "string", "Int64": "integer", "Float64": "number", "boolean": "boolean"}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; plain numbers stay."""
    frame = frame.copy(deep=False)  # copy-on-write: the columns not replaced stay shared
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            text = series.astype("string")
            starts = np.flatnonzero(matches(text, _STARTS_LIKE_FORMULA))  # one pass over the column
            if len(starts):  # the few cells that start like a formula: looked at one more time
                candidates = text.iloc[starts]
                risky = ~candidates.str.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
                text = text.copy()
                text.iloc[starts[risky]] = ("'" + candidates[risky]).to_numpy()
            frame[column] = text
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> dict:
    """UTF-8 without BOM, comma, '.' decimals, '\\n' line ends: byte-identical for the same rows
    (pandas' to_csv bytes, built on Arrow: heza.release.csv_bytes), hashed as they are written."""
    return write_csvs(Path(path).parent, {Path(path).name: frame})[0]


def write_csvs(folder: Path, tables: dict) -> list:
    """Each {path in `folder`: table} as write_csv writes it, its output record's file the path. The
    tables are written in one pass, so a column several of them hold (a tier's copy of the same
    rows) is made formula-safe and turned into text once, not once per file."""
    columns = _shared_columns(list(tables.values()))
    digests = [hashlib.sha256() for _ in tables]
    with contextlib.ExitStack() as files:
        streams = [files.enter_context(open(Path(folder) / path, "wb")) for path in tables]
        write_behind((_write_block, (streams[position], digests[position], block))
                     for position, block in csv_files(columns))
    return [{"file": str(path), "rows": len(frame), "sha256": digest.hexdigest()}
            for (path, frame), digest in zip(tables.items(), digests)]


def write_behind(writes: Iterable[tuple[Callable, tuple]]) -> None:
    """Each (function, arguments) of `writes` called in a second thread, in order, while the
    iterable makes the next one: writing, hashing and deflating (which release the GIL) overlap
    with building the next block on Arrow's kernels (which do too). One write waits at most, so
    memory holds two blocks; a failed write raises here before the next is made."""
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        for function, arguments in writes:
            if pending is not None:
                pending.result()
            pending = writer.submit(function, *arguments)
        if pending is not None:
            pending.result()


def _write_block(stream, digest, block) -> None:
    """One block of a CSV to its file and its sha256: the manifest hashes the bytes written."""
    stream.write(block)
    digest.update(block)


def _shared_columns(frames: list) -> list:
    """Each frame as {header: its column made formula-safe}, a column equal to one an earlier frame
    holds under the same name being that one's Series object: csv_files texts it once."""
    seen: dict = {}  # name -> [(a column, it made formula-safe)]
    tables = []
    for frame in frames:
        table = {name: next((safe for column, safe in seen.get(name, ()) if _same_values(column, frame[name])), None)
                 for name in frame.columns}
        new = [name for name, safe in table.items() if safe is None]
        made_safe = neutralise_formulas(frame[new])
        for name in new:
            table[name] = made_safe[name]
            seen.setdefault(name, []).append((frame[name], table[name]))
        tables.append(table)
    return tables


def _same_values(left: pd.Series, right: pd.Series) -> bool:
    """The same values of the same type, so the same text: floats bit for bit (-0.0 is not 0.0),
    other objects as the text they are written as."""
    if left.dtype != right.dtype or len(left) != len(right):
        return False
    if pd.api.types.is_float_dtype(left.dtype):
        bits = [s.to_numpy("float64", na_value=np.nan).view(np.int64) for s in (left, right)]
        return bool(np.array_equal(*bits))
    if left.dtype == object:
        left, right = left.astype("string"), right.astype("string")
    return bool(left.array.equals(right.array))


def write_json(data, path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def schema_fields(schema, zone_codes) -> list:
    """A pandera schema's columns as Frictionless fields: type, description, constraints."""
    fields = []
    for name, column in schema.columns.items():
        field = {"name": name, "type": _FRICTIONLESS_TYPES[re.sub(r"\[.*\]$", "", str(column.dtype))]}
        if column.description:
            field["description"] = column.description
        constraints = {}
        if not column.nullable:
            constraints["required"] = True
        if any(check.name.endswith("_NEGATIVE") for check in column.checks):
            constraints["minimum"] = 0
        if name == "ownership":
            constraints["enum"] = list(OWNERSHIP_VALUES)
        if name == "zone_code":
            constraints["enum"] = sorted(zone_codes)
        if name == "tax_code":
            constraints["pattern"] = r"\d{10}(-\d{3})?"
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return fields


def resource(path: str, fields: list, key: list | None = None) -> dict:
    """One CSV of a release folder as a Frictionless tabular resource."""
    schema = {"fields": fields, "missingValues": [""]}
    if key:
        schema["primaryKey"] = key
    return {"name": Path(path).stem.lower(), "path": path, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schema}


def data_package(period: str, zone_codes, extra_resources: list | None = None, corrected: bool = False) -> dict:
    """A Frictionless Data Package describing the published tables, generated from the schemas (with
    the corrected_fields column when [correct] apply is on)."""
    resources = [resource(f"{table}.csv", schema_fields(published_schema(table, zone_codes), zone_codes)
                          + ([CORRECTED_FIELD] if corrected else []), [TABLES[table].key])
                 for table in PUBLISHED_COLUMNS]
    resources.extend(extra_resources or [])
    return {"name": f"heza-{period}", "title": f"HEZA validated tables {period}",
            "profile": "tabular-data-package", "resources": resources}

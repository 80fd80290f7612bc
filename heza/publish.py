"""Split rows into published and quarantined, and publish a period whole or not at all.

A period's outputs are written to a release folder beside the live one, checked, then made live
by replacing one symbolic link (`os.replace`, atomic on one filesystem). Earlier releases stay
under `.releases/<period>/` as history. A lock file keeps two runs of one period apart.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from heza.findings import display_column, error_row_ids
from schemas import OWNERSHIP_VALUES, PUBLISHED_COLUMNS, published_schema

RELEASES = ".releases"
LOCKS = ".locks"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?\d[\d.,]*$")
_FRICTIONLESS_TYPES = {"string": "string", "Int64": "integer", "Float64": "number", "boolean": "boolean"}


class PublishError(RuntimeError):
    """Raised when a period cannot be published; the previous publication stands."""


class PeriodLockedError(PublishError):
    """Raised when another run holds the period's lock."""


@dataclass
class Split:
    """One table's rows after the rules: what goes out, what is held back, and the counts."""

    table: str
    published: pd.DataFrame
    quarantined: pd.DataFrame
    rows_read: int

    @property
    def counts(self) -> dict:
        return {"rows_read": self.rows_read, "rows_published": len(self.published),
                "rows_quarantined": len(self.quarantined)}

    @property
    def balanced(self) -> bool:
        return self.rows_read == len(self.published) + len(self.quarantined)


def split_rows(table: str, typed: pd.DataFrame, submitted: pd.DataFrame, findings: pd.DataFrame) -> Split:
    """Rows with an error-level finding go to quarantine (as submitted, with every rule and
    message that rejected them); the others are published in a stable order."""
    bad = error_row_ids(findings[findings["table"] == table])
    held = typed["row_id"].isin(bad)
    published = typed[~held].sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    published = published[PUBLISHED_COLUMNS[table]].reset_index(drop=True) if table in PUBLISHED_COLUMNS \
        else published.reset_index(drop=True)
    reasons = findings[(findings["severity"] == "error") & findings["row_id"].notna()]
    reasons = reasons.assign(row_id=reasons["row_id"].astype("int64"))
    joined = reasons.groupby("row_id").agg(
        rules=("rule", lambda s: "; ".join(dict.fromkeys(s))),
        columns=("column", lambda s: "; ".join(dict.fromkeys(s.dropna()))),
        messages_vi=("message_vi", lambda s: " | ".join(dict.fromkeys(s))),
        messages_en=("message_en", lambda s: " | ".join(dict.fromkeys(s))),
    )
    quarantined = submitted[submitted["row_id"].isin(bad)]
    quarantined = quarantined.assign(**{c: display_column(quarantined[c]) for c in quarantined.columns
                                        if c not in {"source_file", "source_sheet", "source_row", "row_id"}})
    quarantined = quarantined.join(joined, on="row_id")
    quarantined = quarantined.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    order = [*PUBLISHED_COLUMNS.get(table, [c for c in submitted.columns if c != "row_id"]),
             "rules", "columns", "messages_vi", "messages_en"]
    quarantined = quarantined[order].reset_index(drop=True)
    return Split(table, published, quarantined, rows_read=len(typed))


# -- writing -------------------------------------------------------------------------------------

def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; plain numbers stay."""
    frame = frame.copy()
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            text = series.astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False) & ~text.str.fullmatch(
                _PLAIN_NUMBER.pattern).fillna(False)
            frame[column] = text.mask(risky, "'" + text)
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> dict:
    """UTF-8 without BOM, comma, '.' decimals, '\\n' line ends: byte-identical for the same rows."""
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return {"file": path.name, "rows": len(frame), "sha256": file_sha256(path)}


def write_json(data, path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_package(period: str, zone_codes, extra_resources: list | None = None) -> dict:
    """A Frictionless Data Package describing the published tables, generated from the schemas."""
    resources = []
    for table in PUBLISHED_COLUMNS:
        schema = published_schema(table, zone_codes)
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
        key = "tax_code" if table == "enterprises" else "zone_code"
        resources.append({
            "name": table, "path": f"{table}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": fields, "primaryKey": [key], "missingValues": [""]},
        })
    resources.extend(extra_resources or [])
    return {"name": f"heza-{period}", "title": f"HEZA validated tables {period}",
            "profile": "tabular-data-package", "resources": resources}


# -- the swap ------------------------------------------------------------------------------------

# Locks held in this context: `heza run` takes the period's lock before Prefect starts and the flow
# (same thread, or a thread Prefect starts with a copy of the context) takes it again. Another
# thread of the process with its own context still waits, as another process does.
_HELD: ContextVar[frozenset] = ContextVar("heza_held_period_locks", default=frozenset())


@contextmanager
def period_lock(processed_dir: Path, period: str, wait_seconds: float = 0):
    """Hold the period's lock for the block; another holder makes this wait, then fail clearly.
    Re-entrant within one context, so `heza run` can hold it before Prefect starts and the flow
    inside it takes it again without waiting on itself."""
    lock_dir = Path(processed_dir) / LOCKS
    key = str((lock_dir / f"{period}.lock").resolve())
    if key in _HELD.get():
        yield
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    handle = open(lock_dir / f"{period}.lock", "a+")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    raise PeriodLockedError(
                        f"Kỳ {period} đang được một lần chạy khác xử lý; hãy chờ lần đó kết thúc rồi chạy lại / "
                        f"another run is processing period {period}; wait for it to finish, then run again"
                    ) from exc
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        token = _HELD.set(_HELD.get() | {key})
        try:
            yield
        finally:
            _HELD.reset(token)
    finally:
        handle.close()


def writable_folder_message(folder: Path) -> str | None:
    """Why `folder` (created if missing) cannot take a release, or None: checked before any work,
    so a read-only or misnamed output folder is one message naming it, not a failure at the end."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".heza-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (f"Không ghi được vào thư mục công bố {folder} ({reason}); hãy chọn thư mục khác (--out) "
                f"hoặc sửa [paths] processed / cannot write to the output folder {folder} ({reason}); "
                f"choose another (--out) or fix [paths] processed")


def lock_holder_message(processed_dir: Path, period: str) -> str | None:
    """The lock's message if another run holds the period now (checked without waiting), else None."""
    try:
        with period_lock(processed_dir, period):
            return None
    except PeriodLockedError as exc:
        return str(exc)


def new_release_dir(processed_dir: Path, period: str, run_id: str) -> Path:
    """An empty folder to write the release into, beside the live one (same filesystem)."""
    folder = Path(processed_dir) / RELEASES / period / f"{run_id}.partial"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())


def make_live(processed_dir: Path, period: str, release: Path) -> Path:
    """Finish the release folder and point `<processed>/<period>` at it in one atomic step."""
    processed_dir = Path(processed_dir)
    _fsync_tree(release)
    final = release.with_name(release.name.removesuffix(".partial"))
    os.replace(release, final)
    live = processed_dir / period
    if live.exists() and not live.is_symlink():  # a folder from before releases existed: keep it as history
        os.replace(live, final.with_name(f"legacy-{int(live.stat().st_mtime)}"))
    temporary = processed_dir / f".{period}.{final.name}.link"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(Path(RELEASES) / period / final.name, target_is_directory=True)
    os.replace(temporary, live)
    return final


def discard_partial_releases(processed_dir: Path, period: str) -> None:
    """Remove release folders a killed run left half-written (never the live or finished ones)."""
    folder = Path(processed_dir) / RELEASES / period
    if folder.exists():
        for partial in folder.glob("*.partial"):
            shutil.rmtree(partial, ignore_errors=True)

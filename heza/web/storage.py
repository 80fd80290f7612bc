"""Where uploads and submissions go. Every name on disk is chosen here, never taken from the client:

- a checked upload: `<state>/tai_len/<random token>/tep.<format by content>` with its result;
- a submission: `<raw>/<YYYY-MM>/nop_qua_web_<ZONE>/bao_cao_lan_<N>.<ext>`, N counting up, nothing
  overwritten. The run reads the folder like any other (subfolders are read) and the version mark
  `_lan_<N>` is one heza.ingest.discover already knows: within the zone's folder only the highest N
  is read, each earlier version is set aside with FILE_SUPERSEDED (a warning naming both files), so
  old versions never come back as duplicate rows. The time of each version is in the receipts,
  `<state>/nop/<YYYY-MM>.jsonl`, one line per submission."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from heza.ingest.files import OLE_MAGIC
from heza.web.auth import state_folder

TOKEN = re.compile(r"^[0-9a-f]{32}$")
SUBMISSION_STEM = "bao_cao_lan_"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def format_by_content(head: bytes, path: Path) -> str | None:
    """'.xlsx', '.ods', '.xls' or '.csv' from the file's bytes (a zip holding a workbook, OLE2, text),
    whatever its name says; None for anything else (an image, a program, a zip of something else)."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIME:
                    return ".ods"
                return ".xlsx" if "[Content_Types].xml" in names and any(
                    n.startswith("xl/") for n in names) else None
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    if head.startswith(OLE_MAGIC):
        return ".xls"  # also an encrypted .xlsx: the reader names that
    return ".csv" if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    """UTF-16 with its BOM, or bytes with no NUL and few control characters (UTF-8, Windows-1258)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if not head or b"\0" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return controls <= len(head) // 100


def new_upload_folder(settings) -> tuple[str, Path]:
    """A fresh folder for one upload; checked uploads older than a session are removed first
    (a submitted file lives on in the raw folder, an unsubmitted one is not kept)."""
    uploads = state_folder(settings) / "tai_len"
    oldest = time.time() - float(settings.web["session_hours"]) * 3600
    for folder in uploads.iterdir() if uploads.is_dir() else ():
        if TOKEN.match(folder.name) and folder.stat().st_mtime < oldest:
            shutil.rmtree(folder, ignore_errors=True)
    token = secrets.token_hex(16)
    folder = uploads / token
    folder.mkdir(parents=True)
    return token, folder


def upload_folder(settings, token: str) -> Path | None:
    """The folder of a checked upload, only for a well-formed token that exists."""
    if not TOKEN.match(token or ""):
        return None
    folder = state_folder(settings) / "tai_len" / token
    return folder if folder.is_dir() else None


def zone_folder(settings, period: str, zone: str) -> Path:
    return settings.raw / period / f"nop_qua_web_{zone}"


def store_submission(settings, period: str, zone: str, upload: Path, result: dict) -> dict:
    """Copy a checked upload into the period's raw folder as the zone's next version; append and
    return its receipt (file name under the period folder, sha256, time, rows read)."""
    folder = zone_folder(settings, period, zone)
    folder.mkdir(parents=True, exist_ok=True)
    versions = [int(m.group(1)) for p in folder.iterdir()
                if (m := re.fullmatch(SUBMISSION_STEM + r"(\d+)", p.stem))]
    number = max(versions, default=0) + 1
    target = folder / f"{SUBMISSION_STEM}{number}{upload.suffix}"
    with upload.open("rb") as source, target.open("xb") as sink:  # 'x': never overwrite
        shutil.copyfileobj(source, sink)
    receipt = {"period": period, "zone": zone, "version": number,
               "file": target.relative_to(settings.raw / period).as_posix(), "sha256": result["sha256"],
               "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "rows": result["rows"], "errors": result["errors"], "warnings": result["warnings"]}
    log = state_folder(settings) / "nop" / f"{period}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(receipt, ensure_ascii=False) + "\n")
    return receipt


def receipts(settings, period: str) -> list[dict]:
    log = state_folder(settings) / "nop" / f"{period}.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def period_status(settings, period: str, zones: list[tuple[str, str]]) -> list[dict]:
    """One line per zone (code, name): its latest submission of the period and how many versions."""
    latest: dict = {}
    for receipt in receipts(settings, period):
        latest[receipt["zone"]] = {**receipt, "versions": receipt["version"]}
    return [{"zone": code, "name": name, **latest.get(code, {})} for code, name in zones]

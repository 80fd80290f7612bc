"""Find a period's input files, name them, and set aside the same submission sent twice (byte for
byte, or an earlier version beside a later one: 'bao_cao.xlsx' and 'bao_cao_v2.xlsx')."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from heza.findings import finding
from heza.ingest.headers import fold
from heza.ingest.tables import SkippedSheet

PERIOD_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def discover_inputs(period_folder: Path) -> list[Path]:
    """Every file under the period folder, subfolders included (zones often get one each), in a
    stable order. Hidden files and Office lock files (~$x.xlsx) are listed too: the reader says why
    it leaves them, so that nothing under the folder goes unmentioned."""
    return sorted(p for p in Path(period_folder).rglob("*") if p.is_file() or p.is_symlink())


def input_name(path: Path) -> str:
    """How a file is named in findings: its path under the period folder (YYYY-MM), so that files of
    the same name in two subfolders stay apart; just its name elsewhere."""
    path = Path(path)
    for parent in path.parents:
        if PERIOD_FOLDER.match(parent.name):
            return path.relative_to(parent).as_posix()
    return path.name


# -- the same submission twice ---------------------------------------------------------------

_VERSION_SUFFIX = re.compile(
    r"(?:[\s_.-]*(?:\((?:ban[\s_]*)?\d+\)|v\d+|ban[\s_]*\d+|lan[\s_]*\d+|sua|final|moi|new|copy|ban[\s_]sao|chinh[\s_]sua))+$")


def _plain(text: str) -> str:
    """Lower case without diacritics ('đ' as 'd'), punctuation kept: '(2)' stays '(2)'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


def _version_of(stem: str) -> tuple[str, int] | None:
    """(base name, rank) when a file stem ends in a version mark ('_v2', ' (2)', '_sua', '_final',
    '_moi', ' bản 2'); the higher the rank, the later the version. None for a plain name."""
    plain = _plain(stem)
    match = _VERSION_SUFFIX.search(plain)
    if not match or match.start() == 0:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", match.group())]
    rank = max(numbers, default=1) + (100 if "final" in match.group() else 0)
    return fold(plain[:match.start()]), rank


def duplicate_submissions(files: list) -> list:
    """[(set-aside index, kept index, "identical" | "superseded")] over the period's FileRead list,
    in its order; pure. Files with the same sha256: the first is read, each later one set aside.
    A file whose name is another's plus a version mark ('bao_cao_v2.xlsx' beside 'bao_cao.xlsx',
    ' (2)', '_sua', '_final'): the latest version is read and the others set aside."""
    decisions, first_of, aside = [], {}, set()
    for index, file in enumerate(files):
        if file.sha256 and file.size:
            kept = first_of.setdefault(file.sha256, index)
            if kept != index:
                decisions.append((index, kept, "identical"))
                aside.add(index)
    groups: dict = {}
    for index, file in enumerate(files):
        if index in aside:
            continue
        name = Path(file.file)
        version = _version_of(name.stem)
        base, rank = version if version else (fold(name.stem), 0)
        groups.setdefault((name.parent.as_posix(), base), []).append((rank, index))  # same folder only
    for members in groups.values():
        if len(members) > 1 and any(rank for rank, _ in members):
            latest = max(members)[1]
            decisions.extend((index, latest, "superseded") for rank, index in sorted(members) if index != latest)
    return sorted(decisions)


def _rows_of(table) -> int:
    """Rows with content of a sheet, read or skipped (what the source ledger counts)."""
    return table.rows if isinstance(table, SkippedSheet) else table.rows_with_content


def set_aside_duplicates(files: list) -> tuple[list, list]:
    """Apply duplicate_submissions: (the files, each set-aside one replaced by a copy that keeps no
    table, its sheets listed as skipped with their rows so the source ledger still counts them;
    one finding per set-aside file naming both files, FILE_IDENTICAL_COPY or FILE_SUPERSEDED)."""
    files, records = list(files), []
    for index, kept_index, kind in duplicate_submissions(files):
        file, kept = files[index], files[kept_index]
        if kind == "identical":
            code = "FILE_IDENTICAL_COPY"
            vi = f"giống hệt từng byte tệp '{kept.file}' (sha256 {kept.sha256[:12]}…), không đọc lại"
            en = f"byte for byte the same as '{kept.file}' (sha256 {kept.sha256[:12]}…), not read again"
        else:
            code = "FILE_SUPERSEDED"
            vi = f"đã có bản mới hơn '{kept.file}' trong cùng thư mục kỳ; chỉ đọc bản mới"
            en = f"a later version '{kept.file}' is in the same period folder; only that one is read"
        reason = (vi[0].upper() + vi[1:], en[0].upper() + en[1:])
        skipped = [SkippedSheet(file.file, sheet.sheet, *reason, rows=_rows_of(sheet))
                   for sheet in [*file.tables, *file.skipped]] or [SkippedSheet(file.file, "", *reason)]
        files[index] = replace(file, tables=[], skipped=skipped, error=None)  # a broken copy is named once
        records.append(finding(code, source_file=file.file, value=kept.file, detail_vi=vi, detail_en=en))
    return files, records

"""Read one submitted file into tables: guarded (size, zip bombs, XML entities, a time limit),
each format by its own module, every sheet through grid.table_from_grid. Never raises for a bad
file: what cannot be read is kept on the `FileRead` as a `ReadError`, in Vietnamese and English.

Nothing here parses values: cells stay as submitted, so that quarantine can show them as they were.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import signal
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from heza.ingest.csv_text import csv_grid, csv_rows
from heza.ingest.discover import input_name
from heza.ingest.extent import STRAY_LISTED, check_extent, stray_findings, stray_ledger_entries, stray_rows
from heza.ingest.grid import as_frame, first_rows, grid_rows, table_from_grid
from heza.ingest.ods import ods_cell_flags, ods_extents
from heza.ingest.tables import ReadError, SheetTable, SkippedSheet
from heza.ingest.xls import xls_cell_flags
from heza.ingest.xlsx import bounded_xlsx

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
INPUT_SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class FileRead:
    """Everything read from one input file, or why it could not be read."""

    file: str
    path: Path
    size: int
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    tables: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    error: ReadError | None = None
    findings: list = field(default_factory=list)  # finding records about the file itself (stray cells)
    sheets: list = field(default_factory=list)  # SheetGrid of every sheet read, for the annotated copy


@dataclass(frozen=True)
class SheetGrid:
    """One sheet as its reader saw it, kept so that the annotated copy does not read the file again:
    a workbook sheet's grid (parsing it again cost seconds per 100.000 rows) as one frame of the
    objects the table already holds (8 bytes a cell; a list per row would also be walked value by
    value by Prefect at every task the run's results pass through), not a CSV's (its text is the
    largest thing a run holds): `sheet_rows` streams a CSV again for the rows the copy needs."""

    name: str
    rows: int  # rows of the grid
    merged: list  # merged ranges ((top, left), (bottom, right)), 0-based
    grid: pd.DataFrame | None = None  # a workbook sheet's cells (as_frame); None for a CSV
    streamed_width: int | None = None  # a CSV Arrow read from its own bytes: its width, to stream it again


def _guard_zip(path: Path, limits: dict) -> None:
    """Refuse decompression bombs and XML entity declarations before any parser sees the file."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ReadError("corrupt", "Tệp bị hỏng hoặc không phải bảng tính (không giải nén được)",
                        "The file is corrupt or not a spreadsheet (not a valid zip archive)") from exc
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        limit = limits["max_uncompressed_mb"] * 1024 * 1024
        if total > limit:
            raise ReadError(
                "too_large_unzipped",
                f"Tệp giải nén ra {total / 2**20:.0f} MB, vượt giới hạn {limits['max_uncompressed_mb']} MB",
                f"The file unzips to {total / 2**20:.0f} MB, more than the limit of "
                f"{limits['max_uncompressed_mb']} MB",
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and ratio > limits["max_compression_ratio"]:
                raise ReadError(
                    "decompression_bomb",
                    f"Thành phần '{member.filename}' nén {ratio:.0f} lần: nghi là bom giải nén",
                    f"Member '{member.filename}' is compressed {ratio:.0f} times: a likely "
                    "decompression bomb",
                )
            if member.filename.endswith((".xml", ".rels")):
                try:
                    with archive.open(member) as stream:
                        head = stream.read(4096)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise ReadError("corrupt", "Tệp bị hỏng (nội dung nén không đọc được)",
                                    "The file is corrupt (a compressed part cannot be read)") from exc
                if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                    raise ReadError(
                        "xml_entities",
                        f"Tệp chứa khai báo thực thể XML ('{member.filename}'), không được phép",
                        f"The file declares XML entities ('{member.filename}'), which is not allowed",
                    )


def cell_flags(path: Path) -> dict:
    """What calamine does not show in an .xls or .ods (an .xlsx's comes with its extent: bounded_xlsx)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xls":
        return xls_cell_flags(path)
    if suffix == ".ods":
        return ods_cell_flags(path)
    return {}


def _workbook_grids(path: Path, limits: dict):
    """(sheet name, grid, marks) for every visible worksheet, read with calamine over each sheet's
    real extent only. marks: error cells, hidden rows/columns, `stray` [(address, value)..., count]
    and `formatted_empty_rows`."""
    import python_calamine

    suffix = path.suffix.lower()
    _check_container(path, suffix, limits)
    extents, strays, source, flags = _extents_and_strays(path, suffix, limits)
    workbook = _open_workbook(source)
    flags = cell_flags(path) if flags is None else flags
    with workbook:
        for meta in workbook.sheets_metadata:
            if "Work" not in str(meta.typ):
                continue
            extent = extents.get(meta.name)
            sheet, grid = _sheet_grid(workbook, meta.name, extent, suffix, limits)
            marks = {**flags.get(meta.name, {}), "hidden_sheet": meta.visible != python_calamine.SheetVisibleEnum.Visible}
            _place_flagged_cells(grid, marks.get("cells", {}), extent)
            try:
                marks["merged"] = list(sheet.merged_cell_ranges or [])
            except Exception:  # not every format knows its merged cells
                marks["merged"] = []
            if not marks["merged"] and extent is not None:  # .ods: calamine does not give them
                marks["merged"] = extent.merged
            marks["stray"] = strays.get(meta.name, [])
            marks["stray_rows"] = stray_rows(extent, marks["stray"]) if extent is not None and extent.stray else []
            marks["formatted_empty_rows"] = extent.formatted_empty_rows if extent is not None else 0
            yield meta.name, grid, marks


def _check_container(path: Path, suffix: str, limits: dict) -> None:
    """Refuse an encrypted workbook, a zip bomb or XML entities, and an .xls that is no OLE file."""
    head = path.read_bytes()[:8]
    if suffix in {".xlsx", ".xlsm", ".ods", ".xlsb"}:
        if head == OLE_MAGIC:
            raise ReadError("encrypted", "Tệp được đặt mật khẩu (mã hoá), không đọc được; hãy gửi bản không mật khẩu",
                            "The file is password-protected (encrypted); please send it without a password")
        _guard_zip(path, limits)
    elif suffix == ".xls" and head != OLE_MAGIC:
        raise ReadError("corrupt", "Tệp .xls bị hỏng hoặc không phải bảng tính Excel",
                        "The .xls file is corrupt or not an Excel workbook")


def _extents_and_strays(path: Path, suffix: str, limits: dict) -> tuple:
    """({sheet: SheetExtent}, {sheet: [(address, value)..., count]}, source for calamine, cell flags
    or None): measured from the XML for .xlsx/.xlsm (stray cells removed from the source, the flags
    found in the same read) and .ods; none otherwise."""
    extents, strays, source, flags = {}, {}, str(path), None
    if suffix in {".xlsx", ".xlsm"}:
        try:
            extents, strays, source, flags = bounded_xlsx(path, limits)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ReadError("corrupt", f"Tệp bị hỏng hoặc không đọc được: {exc}",
                            f"The file is corrupt or cannot be read: {exc}") from exc
    elif suffix == ".ods":
        extents = ods_extents(path, limits)
        for name, extent in extents.items():  # calamine loads every sheet of an .ods whole when it opens it
            check_extent(name, *extent.full, limits)
            if extent.stray:
                strays[name] = [*extent.stray_values[:STRAY_LISTED], len(extent.stray)]
    return extents, strays, source, flags


def _open_workbook(source):
    """The calamine workbook of a path (str) or of an in-memory copy."""
    import python_calamine

    try:
        return (python_calamine.CalamineWorkbook.from_path(source) if isinstance(source, str)
                else python_calamine.CalamineWorkbook.from_filelike(source))
    except Exception as exc:  # calamine raises its own error types for every broken file
        raise ReadError("corrupt", f"Tệp bị hỏng hoặc không đọc được: {exc}",
                        f"The file is corrupt or cannot be read: {exc}") from exc


def _sheet_grid(workbook, name: str, extent, suffix: str, limits: dict) -> tuple:
    """(calamine sheet, grid) of one worksheet, refused before allocation when larger than the limits."""
    if extent is not None and extent.known:
        check_extent(name, extent.rows, extent.columns, limits)
    try:
        sheet = workbook.get_sheet_by_name(name)
        if extent is not None and extent.known and suffix == ".ods":
            # the table only: stray cells far below or right of it are not copied
            grid = [row[:extent.columns] for row in itertools.islice(sheet.iter_rows(), extent.rows)]
        else:
            check_extent(name, sheet.total_height, sheet.total_width, limits)
            grid = sheet.to_python(skip_empty_area=False)
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError("corrupt", f"Trang tính '{name}' không đọc được: {exc}",
                        f"Sheet '{name}' cannot be read: {exc}") from exc
    return sheet, grid


def _place_flagged_cells(grid: list, cells: dict, extent) -> None:
    """Write the error and percentage cells calamine does not show into the grid, growing it where
    needed; cells past a bounded table are left out (reported as stray cells, never allocated)."""
    bounded = extent is not None and extent.known
    for (row, col), error in cells.items():
        if bounded and (row >= extent.rows or col >= extent.columns):
            continue
        while len(grid) <= row:
            grid.append([])
        grid[row].extend([""] * (col + 1 - len(grid[row])))
        grid[row][col] = error


def read_sheets(path: Path, limits: dict) -> list:
    """[(sheet name, grid, marks)] of a readable file, as the reader saw it (CSV: one sheet, its
    stem); marks as `_workbook_grids` gives them (merged ranges, stray cells...)."""
    return [(sheet, first_rows(grid, len(grid)), marks) for sheet, grid, marks in sheet_grids(path, limits)]


def sheet_rows(file: FileRead, sheet: SheetGrid, indexes) -> list:
    """The rows at `indexes` (0-based, ascending) of one sheet of a file read, as lists of the values
    its reader saw; a CSV is read again (streamed when Arrow read it from its own bytes)."""
    if sheet.grid is not None:
        return grid_rows(sheet.grid, indexes)
    if sheet.streamed_width:
        return csv_rows(file.path, file.delimiter, sheet.streamed_width, indexes)
    return grid_rows(csv_grid(file.path)[0], indexes)


def sheet_grids(path: Path, limits: dict):
    """(sheet name, grid, marks) of each sheet of a readable file, one at a time, each grid as its
    reader holds it: a CSV's a frame of text (a tenth of the memory of the same rows as Python
    lists: take the rows needed with `first_rows` / `grid_rows`), a workbook sheet's a list of rows."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        yield path.stem, csv_grid(path)[0], {}
    else:
        yield from _workbook_grids(path, limits)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def time_limit(seconds: float):
    """Stop a read that takes longer than `seconds` (main thread only: Prefect tasks use their own
    timeout instead)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def give_up(signum, frame):
        raise ReadError("too_slow", f"Đọc tệp quá {seconds:g} giây, đã dừng",
                        f"Reading the file took more than {seconds:g} seconds and was stopped")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_file(path: Path, limits: dict, name: str | None = None,
              allowed_root: Path | None = None) -> FileRead:
    """Read one input file. Never raises for a bad file: the error is kept on the result."""
    path = Path(path)
    name = name or input_name(path)
    if path.name.startswith(("~$", ".")):
        skipped = SkippedSheet(name, "", "Tệp khoá tạm của Office hoặc tệp ẩn: không đọc",
                               "An Office lock file or a hidden file: not read")
        return FileRead(file=name, path=path, size=path.lstat().st_size, sha256="", format="", skipped=[skipped])
    if allowed_root is not None and not path.resolve().is_relative_to(Path(allowed_root).resolve()):
        error = ReadError("outside_raw", "Tệp là liên kết trỏ ra ngoài thư mục dữ liệu gốc, không đọc",
                          "The file is a link pointing outside the raw data folder; not read")
        return FileRead(file=name, path=path, size=0, sha256="", format="link", error=error)
    if path.suffix.lower() not in INPUT_SUFFIXES:
        skipped = SkippedSheet(name, "", f"Không phải bảng tính ('{path.suffix}'): bỏ qua",
                               f"Not a spreadsheet ('{path.suffix}'): skipped")
        return FileRead(file=name, path=path, size=path.stat().st_size, sha256=sha256_of(path),
                        format=path.suffix.lower().lstrip("."), skipped=[skipped])
    size = path.stat().st_size
    result = FileRead(file=name, path=path, size=size, sha256=sha256_of(path),
                      format=path.suffix.lower().lstrip("."))
    try:
        with time_limit(float(limits["max_read_seconds"])):
            _read_into(result, path, size, limits)
    except ReadError as error:
        _unread(result, error)
    except (MemoryError, RecursionError, ValueError, IndexError, KeyError, TypeError, UnicodeError,
            zipfile.BadZipFile, OSError, csv.Error) as exc:  # a file no reader copes with must not stop the month
        _unread(result, ReadError("unreadable", f"Tệp không đọc được ({type(exc).__name__}: {exc})",
                                  f"The file cannot be read ({type(exc).__name__}: {exc})"))
    return result


def _unread(result: FileRead, error: ReadError) -> None:
    """A file that could not be read: its error, and nothing half-read kept."""
    result.error, result.tables, result.skipped, result.findings, result.sheets = error, [], [], [], []


def _read_into(result: FileRead, path: Path, size: int, limits: dict) -> None:
    name = result.file
    if size > limits["max_file_mb"] * 1024 * 1024:
        raise ReadError("too_large", f"Tệp {size / 2**20:.1f} MB, vượt giới hạn {limits['max_file_mb']} MB",
                        f"The file is {size / 2**20:.1f} MB, more than the limit of {limits['max_file_mb']} MB")
    if size == 0:
        raise ReadError("empty", "Tệp rỗng (0 byte)", "The file is empty (0 bytes)")
    if result.format == "csv":
        grid, result.encoding, result.delimiter, marks = csv_grid(path)
        sheets = [(path.stem, grid, marks)]
    elif "." + result.format in SPREADSHEET_SUFFIXES:
        sheets = _workbook_grids(path, limits)
    else:
        raise ReadError("unsupported", f"Định dạng '.{result.format}' không được hỗ trợ",
                        f"The format '.{result.format}' is not supported")
    for sheet, grid, marks in sheets:
        frame = as_frame(grid)  # once: the table and the annotated copy read the same frame
        result.sheets.append(SheetGrid(sheet, len(frame), marks.get("merged", []),
                                       None if result.format == "csv" else frame, marks.get("streamed_width")))
        table = table_from_grid(frame, name, sheet, int(limits["header_search_rows"]),
                                int(limits["max_columns_per_sheet"]), marks.get("hidden_rows", ()),
                                marks.get("merged", ()))
        if isinstance(table, SheetTable):
            table.hidden_rows = marks.get("hidden_rows", [])
            table.hidden_columns = marks.get("hidden_columns", [])
            table.has_error_cells = bool(marks.get("cells"))
            table.hidden_sheet = marks.get("hidden_sheet", False)
            table.stray_quote_rows = marks.get("stray_quotes", [])
            table.recoded_rows = marks.get("recoded_rows", {})
        table.formatted_empty_rows = marks.get("formatted_empty_rows", 0)
        if marks.get("stray"):
            result.findings.extend(stray_findings(name, sheet, marks["stray"]))
        if marks.get("stray_rows"):  # rows a person sees, never read: in the ledger as notes
            if isinstance(table, SheetTable):
                table.rows_with_content += len(marks["stray_rows"])
                table.non_data.extend(stray_ledger_entries(marks["stray_rows"]))
            else:
                table.rows += len(marks["stray_rows"])
        (result.tables if isinstance(table, SheetTable) else result.skipped).append(table)
    _set_aside_hidden_sheets(result)
    if not result.tables and not result.skipped:
        raise ReadError("no_sheets", "Sổ tính không có trang tính nào", "The workbook has no worksheets")


def _set_aside_hidden_sheets(result: FileRead) -> None:
    """A hidden sheet (a lookup list, last month's copy) is not read as data when a visible sheet
    of the same kind is there: its rows would all come back as duplicates. It is listed instead."""
    visible_kinds = {table.kind for table in result.tables if not table.hidden_sheet}
    for table in [t for t in result.tables if t.hidden_sheet and t.kind in visible_kinds]:
        result.tables.remove(table)
        result.skipped.append(SkippedSheet(
            result.file, table.sheet,
            "Trang tính bị ẩn, có trang hiện cùng loại: không đọc (bảng tra cứu hoặc bản tháng trước?)",
            "Hidden sheet beside a visible sheet of the same kind: not read (a lookup list or last month's copy?)",
            rows=table.rows_with_content,
        ))

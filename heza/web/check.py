"""Check one uploaded file with the same core as `heza validate` (prepare, then assess_paths), in a
child process: the reader's time limit (SIGALRM, [limits] max_read_seconds) only works in a main
thread, and a child that still runs past it is killed, so one slow or hostile file never holds
the server. The result is plain data for the page (findings in the submitter's words, a grid of
the first rows with the wrong cells marked) and the letter workbook written beside the upload."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.forkserver
import re
import threading
from pathlib import Path

import pandas as pd

from heza.assess.context import prepare
from heza.assess.core import assess_paths
from heza.assess.subjects import with_subjects
from heza.ingest.files import read_sheets
from heza.ingest.numbers import format_number
from heza.ingest.tables import column_letter
from heza.present.annotate import annotate_submissions
from heza.present.letter import LetterHead, reply_date
from heza.present.finding_text import column_words, shown_value, subject_words, submitter_headers, value_words
from heza.present.words import SEVERITY_WORDS, YES_NO, pick, suggestion
from heza.web.words import WEB_WORDS

_ADDRESS = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
_RANK = {"critical": 0, "error": 1, "warning": 2}
MAX_PREVIEW_COLUMNS = 30
MAX_MARKED_ROWS = 200
CHECKS_AT_ONCE = 2  # each check is a process of a few hundred MB; the office machine has few cores
_TURNS = threading.BoundedSemaphore(CHECKS_AT_ONCE)


def _position(address) -> tuple | None:
    """(row, col), 0-based, of an Excel address such as 'J62'."""
    match = _ADDRESS.match(str(address or ""))
    if not match:
        return None
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    return int(match.group(2)) - 1, col - 1


def _finding_view(item: dict, headers: dict) -> dict:
    """One finding as the clerk reads it: where, about whom, which column, the value, what to put."""
    reason = item.get("reason_vi")
    return {"severity": item["severity"], "severity_words": pick("vi", SEVERITY_WORDS.get(item["severity"],
                                                                                          SEVERITY_WORDS["warning"])),
            "sheet": item.get("source_sheet") or "", "row": item.get("source_row"), "cell": item.get("cell") or "",
            "subject": subject_words(item, "vi"), "column": column_words(item, headers, "vi"),
            "value": value_words(item, headers, "vi"), "message": item["message_vi"], "rule": item["rule"],
            "suggested": shown_value(item.get("suggested"), "", "vi") or None,
            "suggestion": suggestion(shown_value(item.get("suggested"), "", "vi") or None, reason)}


def _marks(views: list, sheet: str) -> dict:
    """{(row, col): (severity, words)} of the cells the findings name on one sheet, worst first."""
    marks: dict = {}
    for view in sorted(views, key=lambda v: _RANK.get(v["severity"], 9)):
        where = _position(view["cell"]) if view["sheet"] == sheet else None
        if where is not None and where not in marks:
            marks[where] = (view["severity"], " · ".join(filter(None, [view["message"], view["suggestion"]])),
                            view["suggested"])
    return marks


def _grid_view(sheet: str, grid: list, table, views: list, first_rows: int) -> dict:
    """The header, the first data rows and every row with a marked cell, each cell as written; a
    row with text in its first cell only (a title above the table) spans the grid."""
    marks = _marks(views, sheet)
    top = (max(table.header_rows) if table.header_rows else 0) + first_rows
    wanted = sorted(set(range(min(top, len(grid)))) | {r for r, _ in marks if r < len(grid)})[:MAX_MARKED_ROWS]
    width = min(MAX_PREVIEW_COLUMNS, max([len(grid[r]) for r in wanted] + [c + 1 for _, c in marks] + [1]))
    rows, previous = [], -1
    for index in wanted:
        texts = [_cell_text(grid[index][col]) if col < len(grid[index]) else "" for col in range(width)]
        row = {"number": index + 1, "gap": index != previous + 1, "title": None, "cells": [],
               "header": index + 1 in table.header_rows}
        if texts[0] and not any(texts[1:]) and not any(r == index for r, _ in marks):
            row["title"] = texts[0]
        for col, text in enumerate(texts):
            severity, message, hint = marks.get((index, col), (None, None, None))
            row["cells"].append({"text": text, "severity": severity, "message": message, "suggestion": hint})
        rows.append(row)
        previous = index
    return {"sheet": sheet, "letters": [column_letter(c) for c in range(width)], "rows": rows}


def _cell_text(value) -> str:
    """A cell as a Vietnamese reader writes it: 1.234.567 and 7,5; Có/Không; text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return pick("vi", YES_NO[value])
    if isinstance(value, (int, float)) and math.isfinite(value):
        decimals = 0 if float(value).is_integer() else min(6, len(repr(float(value)).partition(".")[2]))
        return format_number(float(value), "vi", decimals)
    return str(value)


def check_upload(settings, period: str, zone: str, path: Path) -> dict:
    """Everything the page shows about one uploaded file (and its letter written beside it)."""
    ctx = prepare(settings, period, whole_period=False)
    assessment = assess_paths([path], ctx, root=path.parent)
    file = assessment.files[0]
    findings = with_subjects(assessment.findings, assessment.tables, ctx.registry.names)
    findings = findings[findings["source_file"] == file.file]  # not the month's notes (no last month...)
    headers = submitter_headers((file.file, t.sheet, t.columns) for t in file.tables)
    records = findings.astype(object).where(findings.notna(), None).to_dict(orient="records")
    views = sorted((_finding_view(item, headers) for item in records),
                   key=lambda v: (_RANK.get(v["severity"], 9), str(v["sheet"]), v["row"] or 0))
    blocking = _blocking(file, assessment.tables, zone, ctx.registry)
    letters = {key: letter for table in assessment.tables.values() for key, letter in table.column_letters.items()}
    letter = None
    if file.error is None and len(findings):
        head = LetterHead(period, reply_date(period, settings.letters["reply_by_day"]),
                          ((zone, ctx.registry.name_of(zone)),))
        written = annotate_submissions(findings, [file], letters, path.parent, settings.limits, head=head)
        letter = written[0].name if written else None
    grids = []
    if file.error is None:
        by_sheet = {table.sheet: table for table in file.tables}
        grids = [_grid_view(sheet, grid, by_sheet[sheet], views, int(settings.web["preview_rows"]))
                 for sheet, grid, _ in read_sheets(path, settings.limits) if sheet in by_sheet]
    _link_to_cells(views, grids)
    counts = findings["severity"].value_counts()
    return {"sha256": file.sha256, "rows": int(sum(len(t.cells) for t in file.tables)), "findings": views,
            "errors": int(counts.get("error", 0) + counts.get("critical", 0)), "warnings": int(counts.get("warning", 0)),
            "blocking": blocking, "letter": letter, "grids": grids}


def _link_to_cells(views: list, grids: list) -> None:
    """Each finding whose cell is marked in a grid gets the anchor of that cell (the page scrolls
    the grid to it, also sideways on a phone)."""
    for number, grid in enumerate(grids):
        marked = {grid["letters"][col] + str(row["number"])
                  for row in grid["rows"] for col, cell in enumerate(row["cells"]) if cell["severity"]}
        for view in views:
            if view["sheet"] == grid["sheet"] and view["cell"] in marked:
                view["anchor"] = f"o{number}-{view['cell']}"


def _blocking(file, tables: dict, zone: str, registry) -> str | None:
    """Why the file cannot be submitted: unreadable, no table in it, or rows of another zone."""
    if file.error is not None:
        return file.error.message_vi
    if not any(len(t.cells) for t in file.tables):
        return pick("vi", WEB_WORDS["no_table"])
    others = set()
    for table in tables.values():
        typed = getattr(table, "typed", None)
        if typed is not None and "zone_code" in typed:
            others |= set(pd.Series(typed["zone_code"]).dropna().astype(str)) - {zone}
    if others:
        names = ", ".join(registry.names.get(code, code) for code in sorted(others))
        return pick("vi", WEB_WORDS["other_zone"]).format(zones=names)
    return None


def _child(connection, settings, period: str, zone: str, path: Path) -> None:
    try:
        connection.send(("ok", check_upload(settings, period, zone, path)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which shows a Vietnamese page
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def checker():
    """The multiprocessing context of the checks: a fork server that loaded heza.web.warm once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["heza.web.warm"])
    return context


def start_checker() -> None:
    """Start the fork server now (at the page's start), not at the first clerk's upload."""
    checker()
    multiprocessing.forkserver.ensure_running()


def checked_in_child(settings, period: str, zone: str, path: Path) -> tuple[str, object]:
    """('ok', result) or ('failed', why) or ('too_slow', seconds), never waiting past the limit;
    at most CHECKS_AT_ONCE checks run together (the others wait their turn)."""
    with _TURNS:
        return _check_in_child(settings, period, zone, path)


def _check_in_child(settings, period: str, zone: str, path: Path) -> tuple[str, object]:
    context = checker()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, settings, period, zone, path), daemon=True)
    process.start()
    sender.close()
    seconds = float(settings.limits["max_read_seconds"]) + 30  # the reader's own limit, plus start-up
    try:
        if receiver.poll(seconds):
            return receiver.recv()
        return "too_slow", seconds
    except EOFError:
        return "failed", "the checking process ended without an answer"
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)

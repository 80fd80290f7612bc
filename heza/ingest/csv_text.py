"""CSV exports: the text decoded (UTF-8 with or without BOM, UTF-16, Windows-1258, or the two mixed
line by line), the delimiter sniffed, the grid read, and lines with an unbalanced quote read alone."""

from __future__ import annotations

import collections
import csv
import io
import itertools
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as arrow_csv

from heza.ingest.arrow_text import arrow_text, is_nfc, may_contain, nfc_as_it_stands
from heza.ingest.grid import as_frame
from heza.ingest.headers import SHEET_KINDS, match_header
from heza.ingest.tables import ReadError

_ESCAPED_LINE = re.compile(r"[^\n]*[\udc80-\udcff][^\n]*")
_UTF8_LETTER = re.compile(r"[^\x00-\x7f\udc80-\udcff]")
_HEADER_CELLS = 64  # a header's cells looked at for known names: enough for any template


def decode_lines(data: bytes) -> tuple[str, str, dict]:
    """Decode a CSV export: (text, encoding, {line number: decoded line} of lines recoded).

    BOM first, then strict UTF-8. A file that is not UTF-8 is decoded line by line: when some of
    its non-ASCII lines are valid UTF-8, those stay UTF-8 and only the others are read as
    Windows-1258 (one pasted line must not garble every name): the encoding is
    "utf-8+windows-1258" and each recoded line is returned, so that its row gets a finding.
    When none is, the whole file is Windows-1258 (Vietnamese Windows), as exported."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig", {}
        except UnicodeDecodeError:
            pass
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", {}
    else:
        try:
            return data.decode("utf-8"), "utf-8", {}
        except UnicodeDecodeError:
            pass
    escaped = data.decode("utf-8", errors="surrogateescape")  # one pass; bad bytes kept as surrogates
    bad = list(_ESCAPED_LINE.finditer(escaped))
    good_text = _ESCAPED_LINE.sub("", escaped)
    if not _UTF8_LETTER.search(good_text):  # no line is UTF-8 beyond ASCII: a Windows-1258 file
        return data.decode("cp1258", errors="replace"), "windows-1258", {}
    parts, recoded, last, line = [], {}, 0, 1
    for match in bad:
        line += escaped.count("\n", last, match.start())
        fixed = match.group().encode("utf-8", errors="surrogateescape").decode("cp1258", errors="replace")
        parts += [escaped[last:match.start()], fixed]
        recoded[line] = fixed
        last = match.end()
    parts.append(escaped[last:])
    return "".join(parts), "utf-8+windows-1258", recoded


def _record_rows(text: str, lines: dict, delimiter: str) -> dict:
    """{row as a spreadsheet shows it: decoded line} for physical line numbers: the same unless a
    quoted cell holds a line break, in which case the CSV reader counts the records."""
    if '"' not in text:
        return dict(lines)
    wanted, rows = sorted(lines), {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    record, previous_end = 0, 0
    for _ in reader:
        record += 1
        for line in wanted:
            if previous_end < line <= reader.line_num:
                rows[record] = lines[line]
        previous_end = reader.line_num
        if previous_end >= wanted[-1]:
            break
    return rows


def first_lines(text: str, count: int) -> str:
    """The first `count` lines of a text, without splitting or copying all of it (a CSV may hold a
    million): the head up to the count-th line end, read as lines by StringIO, which like Excel and
    Arrow ends a line at "\r" too (a Macintosh export), keeping each line's own ending."""
    return "".join(itertools.islice(io.StringIO(text[:_line_end(text, count)], newline=""), count))


def _line_end(text: str | bytes, count: int) -> int:
    """Where the first `count` lines of a text (or of its bytes) end."""
    newline, end = ("\n" if isinstance(text, str) else b"\n"), 0
    for _ in range(count):
        found = text.find(newline, end)
        if found < 0:
            return len(text)
        end = found + 1
    return end


def sniff_delimiter(text: str) -> str:
    """',' ';' or tab, as a person reading the first lines would choose: the one under which a row
    names the most known columns (the header reads right: a ',' inside "Quản lý, CMKT" or a decimal
    comma in every row does not make ',' the separator of a ';' file), then the one that splits the
    rows most evenly into the most cells, quotes honoured (a tab or ';' inside quoted cells splits
    nothing); the csv module's sniffer breaks ties and decides a file of one column."""
    sample = first_lines(text, 50).replace("\r\n", "\n").replace("\r", "\n")  # the sniffer splits at "\n" only
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t")}
        sniffed = max(counts, key=counts.get)
    candidates = [sniffed, *(d for d in (",", ";", "\t") if d != sniffed)]
    scores = []
    for delimiter in candidates:
        rows = _sample_rows(sample, delimiter)
        scores.append((_named_columns(rows), _evenness(rows)))
    return candidates[scores.index(max(scores))] if max(scores) > (0, (0, 0)) else sniffed


def _sample_rows(sample: str, delimiter: str) -> list:
    """The rows `delimiter` splits the sample into, quotes honoured, but for a row the sample's end
    leaves inside a quote: its width is not known yet (the first lines may stop within a quoted
    cell's line breaks), and a wrong delimiter that opens a quote no later quote closes reads the
    rest of the sample as one wide row (a comma file of cells "tab" and "comma tab", read at tabs,
    is one row of three cells). A line "x" after the sample is a row of its own, or the last cell's
    end when the sample ends inside a quote: either way the last row read is dropped. A quote left
    open past the csv module's cell limit ends the rows there."""
    ended = sample if sample.endswith("\n") else sample + "\n"
    rows = []
    try:
        for row in csv.reader(io.StringIO(ended + "x\n", newline=""), delimiter=delimiter):
            rows.append(row)
    except csv.Error:  # the row in progress is the open one, not in `rows`
        return rows
    return rows[:-1]


def _named_columns(rows: list) -> int:
    """The most cells of one of the first 30 rows (the header is looked for there) that name a
    known column of any kind of sheet (headers.toml)."""
    return max((sum(any(match_header(kind, cell) for kind in SHEET_KINDS) for cell in row[:_HEADER_CELLS] if cell)
                for row in rows[:30]), default=0)


def _evenness(rows: list) -> tuple[float, int]:
    """(share of the rows at the commonest width, that width), blank lines aside; (0, 0) when that
    width is 1 (the delimiter splits nothing)."""
    widths = [len(row) for row in rows if row]
    width, count = max(collections.Counter(widths).items(), key=lambda item: (item[1], item[0]), default=(1, 0))
    return (count / len(widths), width) if width > 1 else (0, 0)


def csv_grid(path: Path) -> tuple:
    """(grid, encoding, delimiter, marks) of a CSV export; marks: "stray_quotes", the lines with an
    unbalanced quote, and "recoded_rows", {row: line as decoded} for the lines of a mixed-encoding
    file read as Windows-1258."""
    data = path.read_bytes()
    grid, encoding, delimiter, width, text, recoded, streamable = _composed_utf8_grid(data) or _decoded_grid(data)
    stray_quotes = []
    quoted = b'"' in data if text is None else '"' in text  # the same question: a UTF-8 byte '"' is only '"'
    # without a quote no cell spans lines; read line by line, the grid is no longer the one Arrow
    # reads again (streamed), even when no line's quotes are odd and none is marked: a '"' inside a
    # cell, one opening the next cell's quote ('a"b,"c'), its close two lines down ('h",i"j')
    relined = quoted and _rows_swallowed(grid, delimiter, width)
    if relined:  # read line by line: a row is a line
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8") if text is None else text
        grid, stray_quotes = _rows_line_by_line(text, delimiter)
        recoded_rows = dict(recoded)
    else:
        recoded_rows = _record_rows(text, recoded, delimiter) if recoded else {}
    return grid, encoding, delimiter, {"stray_quotes": stray_quotes, "recoded_rows": recoded_rows,
                                       "streamed_width": width if streamable and not relined else None}


def _composed_utf8_grid(data: bytes) -> tuple | None:
    """(grid, encoding, delimiter, width, None, {}, True) of a UTF-8 file whose every cell already is NFC
    (nearly every export), read by Arrow straight from its bytes: Arrow checks that every cell is
    UTF-8, and one search over the bytes finds no character NFC could change (else each column is
    asked), so the whole text is never decoded nor normalised in Python (0,3 s of CPU and a text of
    twice the file's size at 1M rows, against 0,2 s for the search). NFC text has the same bytes,
    so the grid is the one `_decoded_grid` reads. None for any other file, which `_decoded_grid`
    reads."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        head = body[:_line_end(body, 200)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not unicodedata.is_normalized("NFC", head):
        return None
    delimiter, width = _delimiter_and_width(head)
    grid = _arrow_grid(body, delimiter, width)
    if grid is None or not (nfc_as_it_stands(body) or all(is_nfc(arrow_text(grid[c])) for c in grid.columns)):
        return None  # Arrow found a row of another width or bytes that are not UTF-8, or a cell is not NFC
    return grid, "utf-8-sig" if len(body) < len(data) else "utf-8", delimiter, width, None, {}, True


def _decoded_grid(data: bytes) -> tuple:
    """(grid, encoding, delimiter, width of the first rows, text, {line: text} recoded, streamable) of
    any CSV export: the whole text decoded (see decode_lines) and normalised to NFC, then read;
    streamable when Arrow read the grid from the file's own bytes (csv_rows can read it again)."""
    try:
        decoded, encoding, recoded = decode_lines(data)
    except UnicodeDecodeError as exc:
        raise ReadError("bad_encoding", "Không xác định được bảng mã của tệp CSV",
                        "The CSV file's text encoding cannot be recognised") from exc
    text = unicodedata.normalize("NFC", decoded)  # the same object when it already is NFC
    unchanged = text is decoded and encoding in {"utf-8", "utf-8-sig"}  # then the file's bytes are the text's
    utf8 = data.removeprefix(b"\xef\xbb\xbf") if unchanged else text.encode("utf-8")
    recoded = {line: unicodedata.normalize("NFC", decoded) for line, decoded in recoded.items()}
    delimiter, width = _delimiter_and_width(text)
    grid = _arrow_grid(utf8, delimiter, width)
    streamable = grid is not None and unchanged
    if grid is None:
        grid = _pandas_grid(text, delimiter, width)
    return grid, encoding, delimiter, width, text, recoded, streamable


def _delimiter_and_width(text: str) -> tuple[str, int]:
    """The delimiter, and the widest of the first 200 rows."""
    delimiter = sniff_delimiter(text)
    head = list(csv.reader(io.StringIO(first_lines(text, 200), newline=""), delimiter=delimiter))
    return delimiter, max((len(row) for row in head), default=1)


def _arrow_options(delimiter: str, width: int) -> dict:
    """How Arrow reads a CSV grid: every cell text, blank lines kept as empty rows, quoted line breaks
    in the cell."""
    names = [str(column) for column in range(width)]
    return {"read_options": arrow_csv.ReadOptions(column_names=names),
            "parse_options": arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                    ignore_empty_lines=False),
            "convert_options": arrow_csv.ConvertOptions(column_types={name: pa.large_string() for name in names},
                                                        strings_can_be_null=False, quoted_strings_can_be_null=False)}


def _arrow_grid(utf8: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """The grid read by Arrow's CSV reader, as pandas' C reader reads it (every cell text, blank
    lines kept as empty rows, quoted line breaks in the cell), at a fraction of its time; None when
    a row is not `width` cells wide (Arrow reads rectangles only: the pandas reader pads)."""
    try:
        table = arrow_csv.read_csv(pa.py_buffer(utf8), **_arrow_options(delimiter, width))
    except pa.ArrowInvalid:
        return None
    return pd.DataFrame({column: pd.Series(pd.arrays.ArrowStringArray(table.column(column)), dtype="string")
                         for column in range(width)})


def csv_rows(path: Path, delimiter: str, width: int, indexes) -> list:
    """The rows at `indexes` (0-based, ascending) of a CSV whose grid `csv_grid` read with Arrow from
    the file's own bytes (its marks' "streamed_width"), as `grid_rows` takes them from that grid, read
    again as a stream: a few rows of a million without holding the file's text (the annotated copy)."""
    wanted = np.asarray(indexes, dtype=np.int64)
    rows, start = [], 0
    if not len(wanted):
        return rows
    with open(path, "rb") as stream:
        if stream.read(3) != b"\xef\xbb\xbf":
            stream.seek(0)
        for batch in arrow_csv.open_csv(stream, **_arrow_options(delimiter, width)):
            end = start + batch.num_rows
            here = wanted[wanted.searchsorted(start):wanted.searchsorted(end)] - start
            if len(here):
                taken = batch.take(pa.array(here))
                rows += [list(row) for row in zip(*(column.to_pylist() for column in taken.columns))]
            start = end
            if start > wanted[-1]:
                break
    return rows


def _pandas_grid(text: str, delimiter: str, width: int):
    """The grid of a CSV whose rows differ in width: pandas' C reader pads short rows; a row wider
    than the first 200 is read by the csv module."""
    try:  # pandas' C reader: Arrow strings, a fraction of the memory of Python lists
        return pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype="string",
                           keep_default_na=False, engine="c", skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError):  # a row wider than the first 200: the csv module copes
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _rows_swallowed(grid, delimiter: str, width: int) -> bool:
    """Whether one cell holds several lines that look like rows of their own: an unbalanced '"' at
    the start of a cell makes the CSV reader run on to the next quote, rows and all."""
    frame = as_frame(grid)
    looks_like_row = rf"(?:[^\n]*{re.escape(delimiter)}){{{max(2, width // 2)}}}"
    for column in frame.columns:
        text = arrow_text(frame[column])
        if not may_contain(text, b"\n"):  # the usual column: one scan of its bytes, no kernel call per cell
            continue
        multi = pc.fill_null(pc.match_substring(text, "\n"), False)
        if pc.any(multi).as_py() and pc.any(pc.match_substring_regex(text.filter(multi), looks_like_row)).as_py():
            return True
    return False


def _rows_line_by_line(text: str, delimiter: str) -> tuple[list, list]:
    """Each physical line as one row, so no quote can swallow the lines after it; a line with an
    odd number of quotes keeps them as characters. Returns the rows and those lines' numbers."""
    rows, stray = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"') % 2:
            rows.append(next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), []))
            stray.append(number)
        else:
            rows.append(next(csv.reader([line], delimiter=delimiter), []))
    return rows, stray

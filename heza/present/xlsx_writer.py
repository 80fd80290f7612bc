"""A small streaming .xlsx writer for the annotated copies and the published tables people open:
values, fills, comments, column widths, a few number formats and a frozen header row.

openpyxl writes about 50.000 cells a second without lxml; a 200.000-row workbook would take most
of a minute. This writes each sheet's XML as text, row by row, straight into the zip: values only
(no formula can be written at all: every text is an inline string), one fill per marked cell and
its comment (with the VML drawing Excel needs to show it).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
_FORMATS = (0, 14, 22, 21, 46)  # general, date, date-time, time, duration ([h]:mm:ss)
_FILL_INDEX = {None: 0, "error": 1, "warning": 2}
BOLD = len(_FORMATS) * 3  # the style index of a bold header cell
# styles after BOLD, for the published tables (enterprises.xlsx): text kept as text when edited
# ("@": a tax code's leading zero), whole numbers with thousands, amounts with two decimals
TEXT, INTEGER, AMOUNT = BOLD + 1, BOLD + 2, BOLD + 3
_TABLE_FORMATS = (49, 3, 4)  # built-in formats "@", "#,##0", "#,##0.00"
# styles for the letter sheet of an annotated copy: a link (blue, underlined), its title (bold, larger)
# and a long text wrapped in its cell
LINK, TITLE, WRAP = AMOUNT + 1, AMOUNT + 2, AMOUNT + 3
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
_LETTERS: list = []


def letters(index: int) -> str:
    """0 -> A, 26 -> AA (cached)."""
    while len(_LETTERS) <= index:
        n, text = len(_LETTERS) + 1, ""
        while n:
            n, remainder = divmod(n - 1, 26)
            text = chr(65 + remainder) + text
        _LETTERS.append(text)
    return _LETTERS[index]


def clean(text: str) -> str:
    """Text an .xlsx can hold: control characters shown as U+FFFD, at most 32.767 characters."""
    text = _ILLEGAL.sub("\ufffd", text)
    return text if len(text) <= 32_767 else text[:32_766] + "…"


def _attribute(text: str) -> str:
    return escape(clean(text), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _number_and_format(value):
    """(number text, format index) of a value that is not text; None if it cannot be stored."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return repr(value) if isinstance(value, float) else str(value), 0
    if isinstance(value, dt.datetime):
        return repr((value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400), 2
    if isinstance(value, dt.date):
        return str((value - _EPOCH.date()).days), 1
    if isinstance(value, dt.time):
        return repr((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400), 3
    if isinstance(value, dt.timedelta):
        return repr(value.total_seconds() / 86400), 4
    return None


_APPLY_FORMAT, _APPLY_FILL = ' applyNumberFormat="1"', ' applyFill="1"'


def _style(index) -> str:
    return f' s="{index}"' if index else ""


def cell_xml(ref: str, value, fill: str | None = None, style: int | None = None) -> str:
    """One <c> element; '' for an empty unmarked cell. Text is always an inline string."""
    fill_index = _FILL_INDEX.get(fill, 0)
    if value is None or value == "":
        if not fill_index and style is None:
            return ""
        return f'<c r="{ref}" s="{style if style is not None else fill_index}"/>'
    if isinstance(value, bool):
        s = style if style is not None else fill_index
        return f'<c r="{ref}" t="b"{_style(s)}><v>{int(value)}</v></c>'
    number = None if isinstance(value, str) else _number_and_format(value)
    if number is None:
        s = style if style is not None else fill_index
        text = escape(clean(str(value)))
        return (f'<c r="{ref}" t="inlineStr"{_style(s)}>'
                f'<is><t xml:space="preserve">{text}</t></is></c>')
    text, fmt = number
    s = style if style is not None else fmt * 3 + fill_index
    return f'<c r="{ref}"{_style(s)}><v>{text}</v></c>'


class Sheet:
    """One worksheet being written: rows appended in order, then closed."""

    def __init__(self, book: "StreamingWorkbook", title: str, index: int, widths: dict | None = None,
                 freeze_header: bool = False):
        self.book, self.title, self.index = book, title, index
        self.comments: list = []  # (ref, row, col, text)
        self.links: list = []  # (ref, location in this workbook: "'Sheet'!C5")
        self.row = 0
        self.stream = book.zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True)
        head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
        if freeze_header:  # the first row stays in view while scrolling
            head += ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
                     'sqref="A2"/></sheetView></sheetViews>')
        if widths:
            head += "<cols>" + "".join(f'<col min="{c + 1}" max="{c + 1}" width="{w}" customWidth="1"/>'
                                       for c, w in sorted(widths.items())) + "</cols>"
        self._buffer = [head + "<sheetData>"]
        self._size = 0

    def append(self, values: list, marks: dict | None = None, styles: dict | None = None,
               links: dict | None = None, row: int | None = None) -> None:
        """One row: values by column; marks {col: (severity, comment)}; styles {col: style index};
        links {col: a place in this workbook, "'Sheet'!C5"}; `row` (1-based, past the last row
        written) leaves the rows before it empty."""
        self.row = self.row + 1 if row is None else max(row, self.row + 1)
        number = str(self.row)
        for col, location in (links or {}).items():
            self.links.append((letters(col) + number, location))
        cells = []
        for col, value in enumerate(values):
            fill = comment = style = None
            if marks and col in marks:
                fill, comment = marks[col]
            if styles and col in styles:
                style = styles[col]
            xml = cell_xml(letters(col) + number, value, fill, style)
            if xml:
                cells.append(xml)
            if comment:
                self.comments.append((letters(col) + number, self.row - 1, col, comment))
        if marks:
            for col, (fill, comment) in marks.items():
                if col >= len(values):
                    cells.append(cell_xml(letters(col) + number, None, fill))
                    if comment:
                        self.comments.append((letters(col) + number, self.row - 1, col, comment))
        if cells:
            text = f'<row r="{number}">' + "".join(cells) + "</row>"
            self._buffer.append(text)
            self._size += len(text)
            if self._size > 1 << 20:
                self._flush()

    def write_rows(self, xml, last_row: int) -> None:
        """Rows already written as XML (the published tables' columns, xlsx_columns.py), after those
        appended so far; `last_row` is the last one's number."""
        self._flush()
        self.stream.write(xml)
        self.row = last_row

    def _flush(self) -> None:
        self.stream.write("".join(self._buffer).encode("utf-8"))
        self._buffer, self._size = [], 0

    def close(self) -> None:
        tail = "</sheetData>"
        if self.links:  # internal links need no relationship: a location, never a URL
            tail += "<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" location="{_attribute(location)}"/>'
                                             for ref, location in self.links) + "</hyperlinks>"
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        if self.comments:
            tail += '<legacyDrawing r:id="rIdVml"/>'
        self._buffer.append(tail + "</worksheet>")
        self._flush()
        self.stream.close()
        if self.comments:
            self._write_comments()

    def _write_comments(self) -> None:
        n = self.index
        comments = "".join(f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">{escape(clean(text))}'
                           f"</t></text></comment>" for ref, _, _, text in self.comments)
        self.book.zip.writestr(f"xl/comments{n}.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                               f'<comments xmlns="{MAIN}"><authors><author>HEZA</author></authors>'
                               f"<commentList>{comments}</commentList></comments>")
        shapes = "".join(
            f'<v:shape id="_x0000_s{1025 + i}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:240pt;height:105pt;z-index:{i + 1};visibility:hidden" fillcolor="#ffffe1" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            f'</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col + 1}, 15, {max(row - 1, 0)}, 2, {col + 4}, 15, {row + 4}, 16</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData>"
            f"</v:shape>" for i, (_, row, col, _) in enumerate(self.comments))
        self.book.zip.writestr(
            f"xl/drawings/vmlDrawing{n}.vml",
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{n}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
            'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            f'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>{shapes}</xml>')
        self.book.zip.writestr(
            f"xl/worksheets/_rels/sheet{n}.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rIdComments" Type="{RELS}/comments" Target="../comments{n}.xml"/>'
            f'<Relationship Id="rIdVml" Type="{RELS}/vmlDrawing" Target="../drawings/vmlDrawing{n}.vml"/>'
            "</Relationships>")


class StreamingWorkbook:
    """An .xlsx written sheet after sheet; `close()` writes the workbook parts."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list = []
        self._open: Sheet | None = None

    def add_sheet(self, title: str, widths: dict | None = None, freeze_header: bool = False) -> Sheet:
        if self._open is not None:
            self._open.close()
        self._open = Sheet(self, title, len(self.sheets) + 1, widths, freeze_header)
        self.sheets.append(self._open)
        return self._open

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{s.index}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (f'<Override PartName="/xl/comments{s.index}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>'
               if s.comments else "")
            for s in self.sheets)
        self.zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))
        self.zip.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        sheets = "".join(f'<sheet name="{_attribute(s.title)}" sheetId="{s.index}" r:id="rId{s.index}"/>'
                         for s in self.sheets)
        self.zip.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>'))
        relations = "".join(f'<Relationship Id="rId{s.index}" Type="{RELS}/worksheet" '
                            f'Target="worksheets/sheet{s.index}.xml"/>' for s in self.sheets)
        relations += f'<Relationship Id="rIdStyles" Type="{RELS}/styles" Target="styles.xml"/>'
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f"{relations}</Relationships>"))
        self.zip.writestr("xl/styles.xml", _styles_xml())
        self.zip.close()


def _styles_xml() -> str:
    """styles.xml: the fills of marked cells, the number formats, bold, link, title and wrapped text."""
    fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{FILLS[k]}"/><bgColor indexed="64"/>'
                    f"</patternFill></fill>" for k in ("error", "warning"))
    xfs = "".join(f'<xf numFmtId="{fmt}" fontId="0" fillId="{[0, 2, 3][fill]}" borderId="0" xfId="0"'
                  f'{_APPLY_FORMAT if fmt else ""}{_APPLY_FILL if fill else ""}/>'
                  for fmt in _FORMATS for fill in range(3))
    xfs += '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    xfs += "".join(f'<xf numFmtId="{fmt}" fontId="0" fillId="0" borderId="0" xfId="0"{_APPLY_FORMAT}/>'
                   for fmt in _TABLE_FORMATS)
    xfs += ('<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
            '<alignment vertical="top" wrapText="1"/></xf>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
        '<fonts count="4"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font>'
        '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/></font>'
        '<font><b/><sz val="14"/><name val="Calibri"/></font></fonts>'
        '<fills count="4"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{WRAP + 1}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')

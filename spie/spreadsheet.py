"""CSV and XLSX files for spreadsheets: the one writer of the platform, with the formula-injection guard.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(OWASP "CSV injection"): a name typed by a partner as `=HYPERLINK(...)` would act on the computer of the
agent who opens the report. Such a text cell gets a leading apostrophe, which spreadsheets show as text.
Numbers (and texts that are only a number, like `-1,5`) are left as they are: they cannot hold a formula.

In an XLSX file a text cell is also written with the string type, so that nothing in it is ever stored as a
formula (openpyxl would otherwise store a text starting with `=` as one).

French spreadsheets expect semicolons and, for accents to show in Excel, UTF-8 with a byte order mark:
those are the defaults. Lines end with CRLF (RFC 4180).
"""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value):
    """The value as a spreadsheet will take it as data: `None` is empty, a would-be formula is quoted."""
    if value is None:
        return ""
    # Texts first, by exact type: exports call this for every cell (a million cells for a large list).
    if type(value) is not str:
        if isinstance(value, (int, float, Decimal)):
            return value
        value = str(value)
    if value[:1] in _FORMULA_FIRST and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable], *, delimiter: str = ";", formula_guard: bool = True) -> str:
    """The rows (the header first) as CSV text.

    `formula_guard=False` is only for machine-readable exchange files whose values must round-trip exactly
    (the data·inclusion export): they are not meant to be opened in a spreadsheet.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row] if formula_guard else row)
    return buffer.getvalue()


def csv_bytes(
    rows: Iterable[Iterable], *, delimiter: str = ";", encoding: str = "utf-8-sig", formula_guard: bool = True
) -> bytes:
    """`csv_text` encoded; by default UTF-8 with a byte order mark, as Excel needs to show accents."""
    return csv_text(rows, delimiter=delimiter, formula_guard=formula_guard).encode(encoding)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(rows: Iterable[Iterable], *, sheet_title: str = "Export") -> bytes:
    """The rows (the header first, in bold) as an XLSX workbook of one sheet, every text cell guarded."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            value = safe_cell(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

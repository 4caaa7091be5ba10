"""The registry of titles as files: CSV (UTF-8 with BOM) and XLSX.

Spreadsheets run a cell that starts with = + - @ (or a tab / carriage return) as a
formula: a base name typed by an applicant must never become one, so such text is
prefixed with an apostrophe in both formats (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_COLUMNS = ("recognized_on", "valid_from", "valid_until")


def safe_cell(value) -> str:
    """Return `value` as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Sequence[dict], columns: Sequence[str], headers: Sequence[str]) -> bytes:
    """Return the rows as CSV bytes: UTF-8 with BOM (Excel then reads Chinese), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(column: str, value):
    if column in DATE_COLUMNS and value:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            pass
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def to_xlsx(rows: Sequence[dict], columns: Sequence[str], headers: Sequence[str],
            sheet_title: str = "titles") -> bytes:
    """Return the rows as an XLSX workbook (dates as dates, text never a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(column, row.get(column)) for column in columns])
    for index, column in enumerate(columns, start=1):
        if column in DATE_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

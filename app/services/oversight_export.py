"""The oversight figures as an XLSX workbook: one sheet per figure, numbers as numbers, text
never a formula (registry_export.safe_cell)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from app.services.registry_export import safe_cell

SHEET_NAME = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet name
SHEET_LENGTH = 31


def _cell(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def _sheet_name(title: str, used: set[str]) -> str:
    name = SHEET_NAME.sub(" ", title)[:SHEET_LENGTH] or "sheet"
    number = 2
    while name in used:  # Excel refuses two sheets of one name
        suffix = f" ({number})"
        name, number = name[:SHEET_LENGTH - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def workbook(sheets: Iterable[tuple[str, Sequence[str], Sequence[Sequence]]]) -> bytes:
    """Return an XLSX with one sheet per (title, headers, rows), headers bold and frozen."""
    book, used = Workbook(), set()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(_sheet_name(title, used))
        sheet.append([safe_cell(header) for header in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

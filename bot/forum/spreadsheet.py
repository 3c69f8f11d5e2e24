"""What every Excel export of the bot shares: cells that keep people's text
as text (never a formula), local times, and a sheet laid out as a table.

openpyxl is imported when the first workbook is made, not when the bot
starts: it is a sixth of the bot's import time, and most processes never
export."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = "dd.mm.yyyy"
MOMENT = "dd.mm.yyyy hh:mm"
NOK = "#,##0"


def new_workbook() -> Workbook:
    """A new, empty workbook written row by row."""
    from openpyxl import Workbook

    return Workbook(write_only=True)


class Cells:
    def __init__(self, sheet) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        self.sheet = sheet
        self._bold = Font(bold=True)
        self._cell = WriteOnlyCell
        self._illegal = ILLEGAL_CHARACTERS_RE

    def text(self, value: object, bold: bool = False) -> WriteOnlyCell | None:
        if value is None or value == "":
            return None
        cell = self._cell(self.sheet, value=self._illegal.sub("", str(value)))
        cell.data_type = "s"  # never a formula, whatever it starts with
        if bold:
            cell.font = self._bold
        return cell

    def number(self, value: object, format: str = NOK) -> WriteOnlyCell | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return self.text(value)
        cell = self._cell(self.sheet, value=int(value))
        cell.number_format = format
        return cell

    def moment(self, value: datetime | date | None, format: str) -> WriteOnlyCell | None:
        if value is None:
            return None
        cell = self._cell(self.sheet, value=value)
        cell.number_format = format
        return cell

    def heading(self, values: list[str]) -> list:
        return [self.text(v, bold=True) for v in values]


def set_widths(sheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def table(book: Workbook, name: str, headings: list[str], widths: list[int], rows: int) -> Cells:
    """A new sheet with a bold heading row, a filter over ``rows`` rows below
    it, and the first two columns and the heading kept in view."""
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name)
    cells = Cells(sheet)
    set_widths(sheet, widths)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{rows + 1}"
    sheet.append(cells.heading(headings))
    return cells


def in_zone(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives back UTC without a zone
        moment = moment.replace(tzinfo=UTC)
    # Excel has no time zones: the local wall-clock time, said in the heading.
    return moment.astimezone(zone).replace(tzinfo=None)


def to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

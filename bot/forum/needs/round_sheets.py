"""The allocation round's sheets of a year's Excel export: the allocation
(the proposal as it stands, or the table as decided) and what each granted
report has reported back."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.forum.allocation.proposal import Allocation
from bot.forum.allocation.reporting import Grant, Progress
from bot.forum.spreadsheet import MOMENT, in_zone, table
from bot.i18n import text

if TYPE_CHECKING:
    from openpyxl import Workbook

ALLOCATION_SHEET = "Tildeling"
REPORTING_SHEET = "Rapportering"


def allocation_sheet(book: Workbook, allocation: Allocation, lang: str) -> None:
    """Report by report in priority order, with the running sum."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    amount = "xlsx_granted" if allocation.is_decided else "xlsx_proposed"
    headings = [
        t("xlsx_priority"),
        t("xlsx_reference"),
        t("field_organisation_id"),
        t("field_title"),
        t("field_amount_applied"),
        t(amount),
        t("xlsx_running_sum"),
    ]
    cells = table(book, ALLOCATION_SHEET, headings, [10, 14, 36, 46, 16, 16, 16], len(allocation.lines))
    for line in allocation.lines:
        cells.sheet.append(
            [
                cells.number(line.priority, "0"),
                cells.text(line.reference),
                cells.text(line.organisation),
                cells.text(line.title),
                cells.number(line.applied),
                cells.number(line.proposed),
                cells.number(line.running),
            ]
        )


def reporting_sheet(book: Workbook, grants: list[Grant], timezone: str, lang: str) -> None:
    """One row per granted report: the values as last sent (a draft is not
    the organisation's word yet, so it is not shown)."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    zone = ZoneInfo(timezone)
    headings = [
        t("xlsx_reference"),
        t("field_organisation_id"),
        t("field_title"),
        t("xlsx_granted"),
        t("xlsx_report_state"),
        t("xlsx_reported_at", timezone=timezone),
        *(
            t(f"grant_field_{name}")
            for name in ("done", "participants", "partner_part", "money_used", "unused", "experience")
        ),
    ]
    cells = table(book, REPORTING_SHEET, headings, [14, 36, 46, 16, 16, 17, 60, 12, 40, 16, 16, 60], len(grants))
    for grant in grants:
        sent = grant.reported.fields
        cells.sheet.append(
            [
                cells.text(grant.report.reference),
                cells.text(grant.organisation),
                cells.text(grant.report.fields.get("title")),
                cells.number(grant.granted),
                cells.text(t(f"xlsx_report_{grant.progress.value}")),
                cells.moment(in_zone(grant.reported.sent_at, zone), MOMENT)
                if grant.progress is Progress.SENT
                else None,
                cells.text(sent.get("done")),
                cells.number(sent.get("participants"), "0"),
                cells.text(sent.get("partner_part")),
                cells.number(sent.get("money_used")),
                cells.number(sent.get("unused")),
                cells.text(sent.get("experience")),
            ]
        )

"""A year's needs reports as an Excel workbook: one row per sent report,
a summary sheet with the overview's figures, and the allocation round's
sheets (bot.forum.needs.round_sheets).

Everything typed by people goes in as text, never as a formula: a title
that starts with "=" stays a title."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.forum.allocation.proposal import Allocation, allocation
from bot.forum.allocation.reporting import Grant, year_grants
from bot.forum.needs.overview import SENT, Figures, Overview, overview
from bot.forum.needs.report import NeedsReport
from bot.forum.needs.round_sheets import allocation_sheet, reporting_sheet
from bot.forum.roster import Forum
from bot.forum.spreadsheet import (
    CONTENT_TYPE,
    DATE,
    MOMENT,
    NOK,
    Cells,
    in_zone,
    new_workbook,
    set_widths,
    table,
    to_bytes,
)
from bot.i18n import NB, TEXTS, text

if TYPE_CHECKING:
    from openpyxl import Workbook

REPORTS_SHEET = "Behovsmeldinger"
SUMMARY_SHEET = "Sammendrag"
__all__ = ["CONTENT_TYPE", "Export", "filename", "gather", "workbook"]


def filename(year: int) -> str:
    return f"behovsmeldinger-{year}.xlsx"


@dataclass(frozen=True)
class Export:
    summary: Overview
    reports: list[tuple[NeedsReport, str]]  # with the organisation's name
    allocation: Allocation
    grants: list[Grant]


async def gather(uow, forum: Forum, year: int) -> Export:
    """What the workbook shows, read in one unit of work."""
    reports = await uow.needs_reports.with_organisation_names(forum.id, year, SENT)
    return Export(
        await overview(uow, forum, year, sent=reports),
        reports,
        await allocation(uow, forum, year),
        await year_grants(uow, forum.id, year),
    )


def workbook(export: Export, made_at: datetime, lang: str = "nb") -> bytes:
    """The .xlsx file. Plain CPU work: run it off the event loop."""
    book = new_workbook()
    _reports_sheet(book, export, lang)
    _summary_sheet(book, export.summary, made_at, lang)
    allocation_sheet(book, export.allocation, lang)
    reporting_sheet(book, export.grants, export.summary.forum.timezone, lang)
    return to_bytes(book)


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --- the sheets -----------------------------------------------------------


def _reports_sheet(book: Workbook, export: Export, lang: str) -> None:
    forum = export.summary.forum
    zone = ZoneInfo(forum.timezone)
    area_names = {a.code: a.name for a in export.summary.areas}

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    headings = [
        t("xlsx_reference"),
        t("field_organisation_id"),
        t("field_title"),
        t("field_education"),
        t("field_competence_areas"),
        t("field_target_groups"),
        t("field_participants"),
        t("field_period_start"),
        t("field_period_end"),
        t("field_amount_applied"),
        t("field_own_contribution"),
        t("xlsx_granted"),
        t("xlsx_status"),
        t("xlsx_submitted_at", timezone=forum.timezone),
        t("field_contact_name"),
        t("field_contact_email"),
        t("field_contact_phone"),
    ]
    cells = table(
        book,
        REPORTS_SHEET,
        headings,
        [13, 32, 40, 30, 50, 18, 10, 12, 12, 14, 14, 14, 15, 17, 24, 30, 16],
        len(export.reports),
    )
    sheet = cells.sheet

    def names(key_prefix: str, codes: object) -> str:
        codes = [c for c in codes or [] if isinstance(c, str)] if isinstance(codes, list) else []
        return ", ".join(t(key_prefix + c) if key_prefix + c in TEXTS[NB] else c for c in codes)

    for report, organisation in export.reports:
        f = report.fields
        sheet.append(
            [
                cells.text(report.reference),
                cells.text(organisation),
                cells.text(f.get("title")),
                cells.text(names("education_", f.get("education"))),
                cells.text(
                    "; ".join(area_names.get(c, c) for c in f.get("competence_areas") or [] if isinstance(c, str))
                ),
                cells.text(names("target_", f.get("target_groups"))),
                cells.number(f.get("participants"), "0"),
                cells.moment(_iso_date(f.get("period_start")), DATE),
                cells.moment(_iso_date(f.get("period_end")), DATE),
                cells.number(f.get("amount_applied")),
                cells.number(f.get("own_contribution")),
                cells.number(report.granted_amount),
                cells.text(t(f"status_{report.status.value}")),
                cells.moment(in_zone(report.submitted_at, zone), MOMENT),
                cells.text(f.get("contact_name")),
                cells.text(f.get("contact_email")),
                cells.text(f.get("contact_phone")),
            ]
        )


def _summary_sheet(book: Workbook, summary: Overview, made_at: datetime, lang: str) -> None:
    sheet = book.create_sheet(SUMMARY_SHEET)
    cells = Cells(sheet)
    zone = ZoneInfo(summary.forum.timezone)
    years = (summary.year, *summary.earlier_years)

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    def figures(*each: Figures) -> list:
        """Count, applied and granted of each year, side by side."""
        return [
            cell
            for f in each
            for cell in (cells.number(f.count, "0"), cells.number(f.applied), cells.number(f.granted))
        ]

    set_widths(sheet, [60] + [14] * (3 * len(years)))
    made = made_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    sheet.append([cells.text(t("xlsx_title", year=summary.year, forum=summary.forum.name), bold=True)])
    sheet.append([cells.text(t("xlsx_made", when=made, timezone=summary.forum.timezone))])
    sheet.append([])

    amounts = [t("xlsx_count"), t("xlsx_applied"), t("xlsx_granted")]
    sheet.append(cells.heading([str(summary.year), *amounts]))
    sheet.append([cells.text(t("xlsx_total")), *figures(summary.total)])
    sheet.append([])

    per_year = [
        label
        for year in years
        for label in (
            t("xlsx_year_count", year=year),
            t("xlsx_year_applied", year=year),
            t("xlsx_year_granted", year=year),
        )
    ]
    sheet.append(cells.heading([t("overview_areas_title"), *per_year]))
    for area in summary.areas:
        name = area.name if area.listed else t("overview_area_unlisted", code=area.name, year=summary.year)
        sheet.append([cells.text(name), *figures(area.figures, *area.earlier)])
    sheet.append([cells.text(t("overview_areas_note", count=summary.in_several_areas))])
    sheet.append([])

    sheet.append(cells.heading([t("overview_organisations_title"), *per_year]))
    for organisation in summary.organisations:
        sheet.append([cells.text(organisation.name), *figures(organisation.figures, *organisation.earlier)])
    sheet.append([cells.text(t("overview_sum"), bold=True), *figures(summary.total, *summary.earlier_totals)])
    sheet.append([])

    sheet.append(cells.heading([t("overview_rounds_title"), *(str(r.year) for r in summary.rounds)]))
    for key, value in (
        ("overview_round_frame", lambda r: r.frame),
        ("overview_round_granted", lambda r: r.granted),
        ("xlsx_round_grants", lambda r: r.grants),
        ("xlsx_round_reported", lambda r: r.reported),
        ("overview_round_used", lambda r: r.used),
        ("overview_round_unused", lambda r: r.unused),
    ):
        counts = key.startswith("xlsx_")
        sheet.append([cells.text(t(key)), *(cells.number(value(r), "0" if counts else NOK) for r in summary.rounds)])
    sheet.append([])

    sheet.append(cells.heading([t("overview_missing_title", year=summary.year)]))
    if summary.missing:
        for organisation in summary.missing:
            sheet.append([cells.text(organisation.name)])
    else:
        sheet.append([cells.text(t("overview_missing_none"))])

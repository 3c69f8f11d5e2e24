"""The audit log in words (for its card) and as an Excel workbook (a year
of it, for the archive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.forum.audit import AuditEntry
from bot.forum.roster import Forum
from bot.forum.spreadsheet import MOMENT, in_zone, new_workbook, table, to_bytes
from bot.i18n import text

SHEET = "Logg"


def who(entry: AuditEntry, names: dict[str, str], lang: str) -> str:
    if entry.actor is None:
        return text(lang, "audit_by_the_bot")
    # Someone no longer on the roster: the id, which still says who it was.
    return names.get(entry.actor, entry.actor)


def what(entry: AuditEntry, lang: str) -> str:
    return text(lang, f"audit_{entry.action.value.replace('.', '_')}", subject=entry.subject)


def detail(entry: AuditEntry) -> str:
    """Figures and codes only (an entry holds nothing a person typed)."""
    return ", ".join(f"{k}: {v}" for k, v in entry.detail.items() if v not in (None, "", [], 0))


def filename(year: int) -> str:
    return f"revisjonslogg-{year}.xlsx"


@dataclass(frozen=True)
class AuditExport:
    forum: Forum
    year: int
    entries: tuple[AuditEntry, ...]
    names: dict[str, str]


async def gather(uow, forum: Forum, year: int) -> AuditExport:
    zone = ZoneInfo(forum.timezone)
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    entries = await uow.audit.between(forum.id, start, end)
    return AuditExport(forum, year, tuple(entries), (await uow.roster.roster(forum)).names())


def workbook(export: AuditExport, made_at: datetime, lang: str = "nb") -> bytes:
    """The .xlsx file. Plain CPU work: run it off the event loop."""
    zone = ZoneInfo(export.forum.timezone)
    book = new_workbook()
    headings = [
        text(lang, "audit_xlsx_at", timezone=export.forum.timezone),
        text(lang, "audit_xlsx_who"),
        text(lang, "audit_xlsx_what"),
        text(lang, "audit_xlsx_action"),
        text(lang, "audit_xlsx_detail"),
    ]
    cells = table(book, SHEET, headings, [17, 28, 60, 22, 60], len(export.entries))
    for entry in export.entries:
        cells.sheet.append(
            [
                cells.moment(in_zone(entry.at, zone), MOMENT),
                cells.text(who(entry, export.names, lang)),
                cells.text(what(entry, lang)),
                cells.text(entry.action.value),
                cells.text(detail(entry)),
            ]
        )
    return to_bytes(book)

"""A year's meetings to download: as an Excel workbook (each meeting with
its notice, attendance and minutes; each seat's attendance) and as a Word
document of the approved minutes. Also the minutes' words for attendance
and decisions, which the cards say the same way."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.forum.meetings.attendance import Attends, SeatAttendance, attendance
from bot.forum.meetings.minutes import AttendanceLine, DecisionLine, Minutes, attendance_lines
from bot.forum.meetings.notice import Meeting
from bot.forum.needs.service import local_time
from bot.forum.roster import Forum
from bot.forum.spreadsheet import MOMENT, in_zone, new_workbook, table, to_bytes
from bot.i18n import NB, text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _same(value: str) -> str:
    return value


def attended(line: AttendanceLine, lang: str, escape: Callable[[str], str] = _same) -> str:
    """Who sat for a seat, in words."""
    if line.attends is Attends.REPRESENTATIVE:
        return escape(line.name)
    if line.attends is Attends.DEPUTY:
        return text(lang, "minutes_deputy", name=escape(line.name))
    return text(lang, f"minutes_{line.attends.value}")


def decided(line: DecisionLine, timezone: str, lang: str, escape: Callable[[str], str] = _same) -> str:
    """A decision, in words."""
    at = local_time(line.at, timezone)
    if line.allocation_year is not None:
        return text(
            lang,
            "minutes_allocation_decided",
            year=line.allocation_year,
            when=at,
            granted=", ".join(escape(o) for o in line.outcome) or "–",
        )
    if not line.outcome:
        return text(lang, "minutes_vote_waiting", question=escape(line.question), when=at)
    return text(
        lang,
        "minutes_vote_decided",
        question=escape(line.question),
        when=at,
        chosen=", ".join(f"«{escape(o)}»" for o in line.outcome),
    )


@dataclass(frozen=True)
class MeetingRecord:
    meeting: Meeting
    seats: tuple[SeatAttendance, ...]
    minutes: Minutes | None


@dataclass(frozen=True)
class MeetingsExport:
    forum: Forum
    year: int
    meetings: tuple[MeetingRecord, ...]  # oldest first


async def gather(uow, forum: Forum, year: int) -> MeetingsExport:
    zone = ZoneInfo(forum.timezone)
    records = []
    for meeting in reversed(await uow.meetings.of_forum(forum.id)):
        if meeting.starts_at.astimezone(zone).year == year:
            seats = tuple(await attendance(uow, forum, meeting))
            records.append(MeetingRecord(meeting, seats, await uow.meetings.minutes(meeting.id)))
    return MeetingsExport(forum, year, tuple(records))


def filename(year: int) -> str:
    return f"moter-{year}.xlsx"


def minutes_filename(year: int) -> str:
    return f"referater-{year}.docx"


def _seat_lines(record: MeetingRecord) -> tuple[AttendanceLine, ...]:
    """As approved in the minutes, else as the answers stand."""
    if record.minutes and record.minutes.attendance is not None:
        return record.minutes.attendance
    return attendance_lines(list(record.seats))


def workbook(export: MeetingsExport, made_at: datetime, lang: str = NB) -> bytes:
    """The .xlsx file. Plain CPU work: run it off the event loop."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    zone = ZoneInfo(export.forum.timezone)
    book = new_workbook()
    cells = table(
        book,
        t("meetings_xlsx_sheet"),
        [
            t("meetings_xlsx_meeting"),
            t("meetings_xlsx_starts", timezone=export.forum.timezone),
            t("meeting_place"),
            t("meetings_xlsx_agenda"),
            t("meetings_xlsx_noticed"),
            t("meetings_xlsx_present"),
            t("meetings_xlsx_absent"),
            t("meetings_xlsx_unanswered"),
            t("meetings_xlsx_minutes_approved"),
            t("meetings_xlsx_minutes"),
        ],
        [36, 18, 30, 60, 18, 10, 10, 12, 18, 80],
        len(export.meetings),
    )
    for record in export.meetings:
        meeting, lines = record.meeting, _seat_lines(record)
        approved = record.minutes.approved_at if record.minutes and record.minutes.approved else None
        cells.sheet.append(
            [
                cells.text(meeting.title),
                cells.moment(in_zone(meeting.starts_at, zone), MOMENT),
                cells.text(meeting.place),
                cells.text("\n".join(f"{n}. {item}" for n, item in enumerate(meeting.agenda, 1))),
                cells.moment(in_zone(meeting.noticed_at, zone), MOMENT),
                cells.number(sum(a.attends in (Attends.REPRESENTATIVE, Attends.DEPUTY) for a in lines)),
                cells.number(sum(a.attends in (Attends.ABSENT, Attends.DEPUTY_CALLED) for a in lines)),
                cells.number(sum(a.attends is Attends.UNANSWERED for a in lines)),
                cells.moment(in_zone(approved, zone), MOMENT),
                cells.text(record.minutes.text if approved else ""),
            ]
        )
    seat_rows = [(r.meeting, line) for r in export.meetings for line in _seat_lines(r)]
    cells = table(
        book,
        t("meetings_xlsx_attendance_sheet"),
        [
            t("meetings_xlsx_meeting"),
            t("meetings_xlsx_starts", timezone=export.forum.timezone),
            t("meetings_xlsx_organisation"),
            t("meetings_xlsx_seat"),
            t("meetings_xlsx_attends"),
        ],
        [36, 18, 40, 8, 40],
        len(seat_rows),
    )
    for meeting, line in seat_rows:
        cells.sheet.append(
            [
                cells.text(meeting.title),
                cells.moment(in_zone(meeting.starts_at, zone), MOMENT),
                cells.text(line.organisation),
                cells.number(line.seat),
                cells.text(attended(line, lang)),
            ]
        )
    return to_bytes(book)


def document(export: MeetingsExport, made_at: datetime, lang: str = NB) -> bytes:
    """The approved minutes of the year, one after another, as .docx."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    from docx import Document  # when the first document is made, as openpyxl (bot/forum/spreadsheet.py)

    timezone = export.forum.timezone
    doc = Document()
    doc.core_properties.title = t("minutes_docx_title", forum=export.forum.name, year=export.year)
    doc.add_heading(t("minutes_docx_title", forum=export.forum.name, year=export.year), level=0)
    approved = [r for r in export.meetings if r.minutes and r.minutes.approved]
    if not approved:
        doc.add_paragraph(t("minutes_docx_none", year=export.year))
    for record in approved:
        meeting, minutes = record.meeting, record.minutes
        doc.add_heading(t("minutes_title", title=meeting.title), level=1)
        doc.add_paragraph(f"{t('meeting_when')}: {local_time(meeting.starts_at, timezone)}")
        if meeting.place:
            doc.add_paragraph(f"{t('meeting_place')}: {meeting.place}")
        doc.add_heading(t("minutes_attendance"), level=2)
        for line in minutes.attendance or ():
            doc.add_paragraph(
                f"{t('minutes_seat', organisation=line.organisation, number=line.seat)}: {attended(line, lang)}",
                style="List Bullet",
            )
        doc.add_heading(t("minutes_decisions"), level=2)
        for line in minutes.decisions or ():
            doc.add_paragraph(decided(line, timezone, lang), style="List Bullet")
        if not minutes.decisions:
            doc.add_paragraph(t("minutes_no_decisions"))
        for paragraph in minutes.text.split("\n\n"):
            doc.add_paragraph(_printable(paragraph))
        doc.add_paragraph(t("minutes_approved_footer", when=local_time(minutes.approved_at, timezone)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _printable(value: str) -> str:
    """What XML can hold: a pasted control character would break the file."""
    return "".join(c for c in value if c in "\n\t" or ord(c) >= 32)

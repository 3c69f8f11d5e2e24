"""`referat` and `møter`: the minutes of a meeting (drafted and approved
by the Statsforvalter, then posted in the channel and kept), and the
year's meetings with their notice, attendance and minutes, to download as
Excel or Word. The rules are in bot.forum.meetings.minutes."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from bot.forum import access
from bot.forum.meetings import minutes as service
from bot.forum.meetings.attendance import attendance
from bot.forum.meetings.minutes import MAX_MINUTES, SaveMinutes
from bot.forum.needs.service import forum_year
from bot.forum.roster import Forum, Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.i18n import NB
from bot.views.common import notice
from bot.views.messages import minutes_card, minutes_data
from bot.views.moments import long_moment
from bot.views.needs import when
from bot.web.downloads import MEETINGS, MINUTES
from cards import render
from cards.markdown import escape_markdown as md

MINUTES_LANG = NB  # posted in the channel in the forum's language


class MeetingRef(CardData):
    model_config = ConfigDict(strict=True)
    meeting: int = Field(ge=1, le=2**31 - 1)


class SaveRequest(MeetingRef):
    version: int = Field(ge=0, le=10**9)
    text: str = Field(default="", max_length=MAX_MINUTES * 2)


class ExportRequest(CardData):
    model_config = ConfigDict(strict=True)
    year: int = Field(ge=2000, le=2100)
    format: Literal["xlsx", "docx"]


async def write_minutes(turn: Turn) -> None:
    """The draft of the latest meeting that has begun without approved minutes."""
    forum = turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    now = turn.clock()
    for meeting in await turn.uow.meetings.of_forum(forum.id):
        if meeting.starts_at <= now:
            stored = await turn.uow.meetings.minutes(meeting.id)
            if stored is None or not stored.approved:
                await turn.reply(await _form(turn, meeting.id))
                return
    await turn.reply(notice(turn.t("minutes_none_title"), turn.t("minutes_none")))


async def show_meetings(turn: Turn) -> None:
    forum = turn.forum()
    year = turn.year_asked(forum_year(turn.actor, turn.clock()), "meetings_bad_year")
    await turn.reply(await _meetings(turn, forum, year))


async def press_open(turn: Turn, data: dict) -> dict:
    return await _form(turn, card_data(MeetingRef, data).meeting)


async def press_show(turn: Turn, data: dict) -> dict:
    meeting, minutes = await service.shown(turn.uow, turn.actor, card_data(MeetingRef, data).meeting)
    return minutes_card(turn.forum(), meeting, minutes, turn.lang)


async def press_save(turn: Turn, data: dict) -> dict:
    return await _save(turn, data, approve=False)


async def press_approve(turn: Turn, data: dict) -> dict:
    return await _save(turn, data, approve=True)


async def press_export(turn: Turn, data: dict) -> str:
    forum = turn.forum()
    if not access.may_export(turn.actor):
        raise Refused("meetings_export_seats_only")
    request = card_data(ExportRequest, data)
    kind = MEETINGS if request.format == "xlsx" else MINUTES
    link = turn.downloads.link(forum.id, request.year, kind, turn.actor.aad_object_id or "")
    return turn.t(f"meetings_export_ready_{request.format}", year=request.year, link=link)


MINUTES_VERBS = {
    "minutes.open": press_open,
    "minutes.show": press_show,
    "minutes.save": press_save,
    "minutes.approve": press_approve,
    "meetings.export": press_export,
}


async def _save(turn: Turn, data: dict, *, approve: bool) -> dict:
    request = card_data(SaveRequest, data)
    command = SaveMinutes(request.meeting, request.text, request.version, approve)
    try:
        meeting, minutes, written = await service.save(turn.uow, turn.actor, command, turn.clock())
    except Refused as refused:
        if refused.code not in ("minutes_too_long", "minutes_empty"):
            raise
        return await _form(turn, request.meeting, typed=request.text, problem=turn.t(refused.code, **refused.params))
    if not written:
        return await _form(turn, request.meeting, typed=request.text, problem=turn.t("minutes_saved_meanwhile"))
    if approve:
        turn.afterwards.start(turn.posts.meetings.run_all(), "the minutes")
        return minutes_card(turn.forum(), meeting, minutes, turn.lang, note=turn.t("minutes_posted"))
    return await _form(
        turn, meeting.id, note=turn.t("minutes_draft_saved", when=when(minutes.saved_at, turn.forum().timezone))
    )


# --- cards ---------------------------------------------------------------------------------


async def _form(turn: Turn, meeting_id: int, *, typed: str | None = None, note: str = "", problem: str = "") -> dict:
    forum = turn.forum()
    now = turn.clock()
    meeting, minutes = await service.draft(turn.uow, turn.actor, meeting_id, now)
    if minutes.approved:
        return minutes_card(forum, meeting, minutes, turn.lang, note=turn.t("minutes_already_approved"))
    seats = service.attendance_lines(await attendance(turn.uow, forum, meeting))
    decisions = await service.decisions_since(turn.uow, forum, meeting)
    body = (
        typed
        if typed is not None
        else minutes.text or "\n\n".join(f"{n}. {item}" for n, item in enumerate(meeting.agenda, 1))
    )
    t = turn.t
    data = minutes_data(forum, meeting, seats, decisions, turn.lang)
    data.update(
        {
            "kicker": t("minutes_draft_kicker"),
            "note": note,
            "problem": problem,
            "text": "",
            "form": [{"label": t("minutes_text_label", limit=MAX_MINUTES), "value": body, "max": MAX_MINUTES}],
            "footer": t("minutes_draft_footer"),
            "actions": [
                {
                    "title": t("minutes_save"),
                    "verb": "minutes.save",
                    "data": {"meeting": meeting.id, "version": minutes.version},
                    "style": "default",
                },
                {
                    "title": t("minutes_approve"),
                    "verb": "minutes.approve",
                    "data": {"meeting": meeting.id, "version": minutes.version},
                    "style": "positive",
                },
            ],
        }
    )
    return render("minutes", data)


async def _meetings(turn: Turn, forum: Forum, year: int) -> dict:
    t = turn.t
    zone = ZoneInfo(forum.timezone)
    now = turn.clock()
    rows = []
    for meeting in await turn.uow.meetings.of_forum(forum.id):
        if meeting.starts_at.astimezone(zone).year != year:
            continue
        minutes = await turn.uow.meetings.minutes(meeting.id)
        seats = await attendance(turn.uow, forum, meeting)
        present = sum(s.present is not None for s in seats)
        state = (
            t("meetings_minutes_approved")
            if minutes and minutes.approved
            else t("meetings_minutes_draft")
            if minutes
            else t("meetings_minutes_none")
        )
        buttons = []
        if minutes and minutes.approved:
            buttons.append(
                {"title": t("meetings_minutes_button"), "verb": "minutes.show", "data": {"meeting": meeting.id}}
            )
        elif access.may_edit(turn.actor) and meeting.starts_at <= now:
            buttons.append(
                {"title": t("meetings_write_minutes"), "verb": "minutes.open", "data": {"meeting": meeting.id}}
            )
        if access.may_edit(turn.actor):
            buttons.append(
                {"title": t("meeting_attendance_button"), "verb": "meeting.attendance", "data": {"meeting": meeting.id}}
            )
        rows.append(
            {
                "heading": md(meeting.title),
                "line": t(
                    "meetings_line",
                    when=long_moment(meeting.starts_at, forum.timezone, turn.lang),
                    present=present,
                    seats=len(seats),
                    minutes=state,
                ),
                "buttons": buttons,
            }
        )
    return render(
        "meetings",
        {
            "title": t("meetings_of_year", forum=md(forum.name), year=year),
            "note": "" if rows else t("meetings_none_in_year", year=year),
            "meetings": rows,
            "actions": [
                {
                    "title": t("meetings_export_xlsx"),
                    "verb": "meetings.export",
                    "data": {"year": year, "format": "xlsx"},
                },
                {
                    "title": t("meetings_export_docx"),
                    "verb": "meetings.export",
                    "data": {"year": year, "format": "docx"},
                },
            ]
            if rows and access.may_export(turn.actor)
            else [],
        },
    )

"""`innkalling`: the Statsforvalter's meetings to come, the form of a
meeting's notice, and each seat's attendance; the notice each seat gets,
with *Kommer* and *Forfall*. The rules are in bot.forum.meetings; the
sending in its post."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ConfigDict, Field

from bot.delivery.deliverer import Deliverer
from bot.forum import access
from bot.forum.links import MAX_LINK
from bot.forum.meetings import attendance as seats
from bot.forum.meetings import notice as service
from bot.forum.meetings.attendance import Attends, SeatAttendance
from bot.forum.meetings.notice import (
    MAX_ITEM,
    MAX_ITEMS,
    MAX_PAPERS,
    MAX_PLACE,
    Meeting,
    MeetingMessage,
    Purpose,
    SendNotice,
)
from bot.forum.needs.service import forum_year
from bot.forum.post import may_go_again
from bot.forum.roster import Refused, Role, Roster
from bot.forum.wheel.events import CHANNEL, PERSON
from bot.forum.wheel.scheduler import Claim, Delivery
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.fanout import Fanout
from bot.handlers.minutes import MeetingRef
from bot.handlers.turn import Turn
from bot.i18n import NB, text
from bot.views.messages import minutes_card, notice_card
from bot.views.moments import long_moment
from bot.views.wheel import delivered
from cards import render
from cards.markdown import escape_markdown as md

# The notice goes out in the forum's language, as the award letters; to a
# person in their own, where they chose one («språk»).
NOTICE_LANG = NB


class EventRef(CardData):
    model_config = ConfigDict(strict=True)
    event: int = Field(ge=1, le=2**31 - 1)


class NoticeRequest(EventRef):
    # Twice the rules' limits: longer was not typed into the card's inputs.
    place: str = Field(default="", max_length=MAX_PLACE * 2)
    link: str = Field(default="", max_length=MAX_LINK * 2)
    agenda: str = Field(default="", max_length=MAX_ITEMS * (MAX_ITEM + 2) * 2)
    papers: str = Field(default="", max_length=MAX_PAPERS * (MAX_ITEM + MAX_LINK + 4) * 2)


class AnswerRequest(MeetingRef):
    coming: bool


_SHOWN_ON_THE_FORM = (
    "bad_link",
    "meeting_place_too_long",
    "meeting_no_place",
    "meeting_no_agenda",
    "meeting_too_many_items",
    "meeting_item_too_long",
    "meeting_too_many_papers",
    "meeting_bad_paper",
)


async def show_meetings(turn: Turn) -> None:
    await turn.reply(await _meetings(turn))


async def press_compose(turn: Turn, data: dict) -> dict:
    return await _form(turn, card_data(EventRef, data).event)


async def press_send(turn: Turn, data: dict) -> dict:
    request = card_data(NoticeRequest, data)
    command = SendNotice(request.event, request.place, request.link, request.agenda, request.papers)
    try:
        meeting = await service.send_notice(turn.uow, turn.actor, command, turn.clock())
    except Refused as refused:
        if refused.code == "meeting_already_noticed":
            noticed = {m.event_id: m for m in await turn.uow.meetings.of_forum(turn.forum().id)}
            return await _attendance(turn, noticed[request.event], note=turn.t("meeting_already_noticed"))
        if refused.code not in _SHOWN_ON_THE_FORM:
            raise
        return await _form(turn, request.event, typed=command, problem=turn.t(refused.code, **refused.params))
    turn.afterwards.start(turn.posts.meetings.run_all(), "a meeting notice")
    return await _attendance(turn, meeting, note=turn.t("meeting_sending"))


async def press_attendance(turn: Turn, data: dict) -> dict:
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    return await _attendance(turn, await service.of_forum(turn.uow, turn.actor, card_data(MeetingRef, data).meeting))


async def press_send_again(turn: Turn, data: dict) -> dict:
    meeting, count = await service.send_again(turn.uow, turn.actor, card_data(MeetingRef, data).meeting, turn.clock())
    if count:
        turn.afterwards.start(turn.posts.meetings.run_all(), "a meeting notice sent again")
    return await _attendance(
        turn,
        meeting,
        note=turn.t("meeting_sending_again", count=count) if count else turn.t("meeting_nothing_to_send_again"),
    )


async def press_answer(turn: Turn, data: dict) -> dict:
    request = card_data(AnswerRequest, data)
    meeting = await turn.uow.meetings.get(request.meeting)
    actor = turn.actor_in(meeting.forum_id) if meeting else turn.actor
    answered = await seats.answer(turn.uow, actor, meeting, request.coming, turn.clock())
    note = turn.t("meeting_answered_coming") if request.coming else turn.t("meeting_answered_absent")
    if answered.deputy_called:
        note += " " + turn.t("meeting_deputy_called", deputy=md(answered.seat.seat.deputy.name))
        turn.afterwards.start(turn.posts.meetings.run_all(), "a deputy's call")
    elif not request.coming and actor.role is Role.REPRESENTATIVE and answered.seat.seat.deputy is None:
        note += " " + turn.t("meeting_no_deputy")
    return notice_card(actor.forum, answered.meeting, turn.lang, note=note)


MEETING_VERBS = {
    "meeting.compose": press_compose,
    "meeting.send": press_send,
    "meeting.attendance": press_attendance,
    "meeting.resend": press_send_again,
    "meeting.answer": press_answer,
}


# --- the Statsforvalter's cards ------------------------------------------------------


async def _meetings(turn: Turn) -> dict:
    forum = turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    t = turn.t
    rows = []
    for event, meeting in await service.upcoming(turn.uow, forum, turn.clock()):
        button = (
            {"title": t("meeting_attendance_button"), "verb": "meeting.attendance", "data": {"meeting": meeting.id}}
            if meeting
            else {"title": t("meeting_compose_button"), "verb": "meeting.compose", "data": {"event": event.id}}
        )
        rows.append(
            {
                "heading": md(event.title),
                "line": long_moment(event.starts_at, forum.timezone, turn.lang)
                + " · "
                + (t("meeting_noticed") if meeting else t("meeting_not_noticed")),
                "buttons": [button],
            }
        )
    return render(
        "meetings",
        {
            "title": t("meetings_to_come", forum=md(forum.name)),
            "note": "" if rows else t("meetings_none"),
            "meetings": rows,
            "actions": [],
        },
    )


async def _form(turn: Turn, event_id: int, typed: SendNotice | None = None, problem: str = "") -> dict:
    forum = turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    now = turn.clock()
    event = next((e for e, m in await service.upcoming(turn.uow, forum, now) if e.id == event_id and m is None), None)
    if event is None:
        raise Refused("meeting_not_found")
    t = turn.t
    if typed is None:
        points = await service.proposed_agenda(turn.uow, forum, forum_year(turn.actor, now))
        agenda = "\n".join(t(p.code, **p.params) for p in points)
    return render(
        "meeting_notice_form",
        {
            "title": t("meeting_form_title", title=md(event.title)),
            "when": long_moment(event.starts_at, forum.timezone, turn.lang),
            "intro": t("meeting_form_intro"),
            "problem": problem,
            "event": event.id,
            "place_label": t("meeting_place_label"),
            "place": typed.place if typed else event.place,
            "max_place": MAX_PLACE,
            "link_label": t("meeting_link_label"),
            "link": typed.link if typed else "",
            "max_link": MAX_LINK,
            "agenda_label": t("meeting_agenda_label", limit=MAX_ITEMS),
            "agenda": typed.agenda if typed else agenda,
            "papers_label": t("meeting_papers_label", limit=MAX_PAPERS),
            "papers": typed.papers if typed else "",
            "papers_placeholder": t("meeting_papers_placeholder"),
            "send": t("meeting_send"),
        },
    )


async def _attendance(turn: Turn, meeting: Meeting, note: str = "") -> dict:
    forum = turn.forum()
    t, lang = turn.t, turn.lang
    standing = await seats.attendance(turn.uow, forum, meeting)
    deliveries = await turn.uow.meetings.deliveries(meeting.id)
    sent = {(d.purpose, d.seat_id): d for d in deliveries}
    channel = sent.get((Purpose.NOTICE, None))
    notices = [d for d in deliveries if d.purpose == Purpose.NOTICE and d.seat_id is not None]
    counts = {state: sum(s.attends is state for s in standing) for state in Attends}
    facts = [
        (t("meeting_when"), long_moment(meeting.starts_at, forum.timezone, lang)),
        (t("meeting_channel"), delivered(lang, channel.status, channel.attempts) if channel else "–"),
        (
            t("meeting_notices"),
            t("meeting_notices_count", sent=sum(d.status == "sent" for d in notices), all=len(notices)),
        ),
        (t("meeting_coming"), str(counts[Attends.REPRESENTATIVE] + counts[Attends.DEPUTY])),
        (t("meeting_waiting"), str(counts[Attends.UNANSWERED] + counts[Attends.DEPUTY_CALLED])),
        (t("meeting_absent"), str(counts[Attends.ABSENT])),
    ]
    actions = [{"title": t("meeting_refresh"), "verb": "meeting.attendance", "data": {"meeting": meeting.id}}]
    if any(may_go_again(d) for d in deliveries if d.purpose != Purpose.REMINDER):
        actions.append({"title": t("meeting_send_again"), "verb": "meeting.resend", "data": {"meeting": meeting.id}})
    return render(
        "report",
        {
            "title": t("meeting_attendance_title", title=md(meeting.title)),
            "note": note,
            "facts": [{"title": a, "value": b} for a, b in facts],
            "groups": _seats(turn, standing, sent),
            "actions": actions,
        },
    )


def _seats(turn: Turn, standing: list[SeatAttendance], sent: dict) -> list[dict]:
    groups: dict[str, dict] = {}
    for seat in standing:
        group = groups.setdefault(seat.organisation.id, {"heading": md(seat.organisation.name), "rows": []})
        group["rows"].append(
            {"title": turn.t("roster_seat", number=seat.seat.number), "value": _standing(turn, seat, sent)}
        )
    return list(groups.values())


def _standing(turn: Turn, seat: SeatAttendance, sent: dict) -> str:
    t = turn.t
    rep, deputy = seat.seat.representative, seat.seat.deputy
    rep_name = md(rep.name) if rep else t("roster_vacant")
    state = seat.attends
    if state is Attends.REPRESENTATIVE:
        return t("meeting_seat_coming", name=rep_name)
    if state is Attends.DEPUTY:
        return t("meeting_seat_deputy_coming", name=md(deputy.name))
    if state is Attends.UNANSWERED:
        notice = sent.get((Purpose.NOTICE, seat.seat.id))
        shown = t("meeting_seat_unanswered", name=rep_name)
        return shown + (f" ({delivered(turn.lang, notice.status, notice.attempts)})" if notice else "")
    if state is Attends.DEPUTY_CALLED:
        call = sent.get((Purpose.DEPUTY_CALL, seat.seat.id))
        shown = t("meeting_seat_deputy_called", name=md(deputy.name))
        return shown + (f" ({delivered(turn.lang, call.status, call.attempts)})" if call else "")
    return t("meeting_seat_absent")


class MeetingNotifier:
    """Sends a meeting's notice, a deputy's call and the reminders to answer."""

    def __init__(self, deliverer: Deliverer, uow_factory, clock: Callable[[], datetime]) -> None:
        self._deliverer = deliverer
        self._uow = uow_factory
        self._clock = clock

    async def prepare(self, items: list[MeetingMessage]):
        async with self._uow() as uow:
            meetings = {i: await uow.meetings.get(i) for i in {item.meeting_id for item in items}}
            fanout = await Fanout.read(
                uow,
                self._deliverer,
                self._uow,
                self._clock,
                {m.forum_id for m in meetings.values()},
                [item.target for item in items],
            )
            rosters = {forum_id: await uow.roster.roster(forum) for forum_id, forum in fanout.forums.items()}
            minutes = {
                i.meeting_id: await uow.meetings.minutes(i.meeting_id) for i in items if i.purpose == Purpose.MINUTES
            }

        async def send(item: MeetingMessage, claim: Claim) -> Delivery:
            meeting = meetings[item.meeting_id]
            forum = fanout.forums[meeting.forum_id]
            lang = fanout.language(item.target, NOTICE_LANG)
            if item.purpose == Purpose.MINUTES:
                card = minutes_card(forum, meeting, minutes[meeting.id], lang)
                return await fanout.send(meeting.forum_id, item.target, card, claim)
            called = "" if item.target == CHANNEL else _called(rosters[forum.id], item, lang)
            if called is None:
                return Delivery("failed", 0, "the seat or the person has left the roster")
            card = notice_card(forum, meeting, lang, called=called)
            return await fanout.send(meeting.forum_id, item.target, card, claim)

        return send


def _called(roster: Roster, item: MeetingMessage, lang: str = NOTICE_LANG) -> str | None:
    """Who a seat's message is for and why, in the words of the card."""
    aad = item.target.removeprefix(PERSON)
    for organisation in roster.organisations:
        for seat in organisation.seats:
            if seat.id != item.seat_id:
                continue
            person = next((p for p in seat.people if p.aad_object_id == aad), None)
            if person is None:
                return None
            params = {"organisation": md(organisation.name), "number": seat.number}
            if item.purpose == Purpose.DEPUTY_CALL:
                rep = seat.representative
                return text(lang, "meeting_called_deputy", representative=md(rep.name) if rep else "", **params)
            key = "meeting_called_representative" if person.role is Role.REPRESENTATIVE else "meeting_called_as_deputy"
            shown = text(lang, key, **params)
            if item.purpose == Purpose.REMINDER:
                shown = text(lang, "meeting_reminder") + " " + shown
            return shown
    return None

"""The notice of a meeting (innkalling). The Statsforvalter, as the forum's
secretariat, calls the forum to a meeting of the wheel: time, place or
Teams link, the agenda (proposed from the work open in the forum, then as
the Statsforvalter wrote it) and the papers as links. It goes to the forum
channel and to the 1:1 chat of every seat's representative (the deputy
where the seat has none), each once and kept for the delivery report; a
seat that has not answered two days before is reminded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.links import https_link
from bot.forum.needs.report import Status
from bot.forum.post import planned_for
from bot.forum.roster import Actor, Forum, Refused, Roster, Seat
from bot.forum.votes.vote import VoteStatus
from bot.forum.wheel.events import CHANNEL, EventKind, WheelEvent

MEETINGS = (EventKind.SPRING_MEETING, EventKind.AUTUMN_MEETING, EventKind.EXTRA_MEETING)
AHEAD = timedelta(days=400)  # the meetings offered: this one and next year's
MAX_PLACE = 300
MAX_ITEM = 300
MAX_ITEMS = 20
MAX_PAPERS = 10
REMIND_BEFORE = timedelta(days=2)
# A notice sent this close to the reminder's time needs no reminder: it is
# the notice itself that asks.
NO_REMINDER_WITHIN = timedelta(hours=12)


class Purpose:
    """What a message about a meeting is for."""

    NOTICE = "notice"
    DEPUTY_CALL = "deputy_call"
    REMINDER = "reminder"
    MINUTES = "minutes"  # the approved minutes, to the channel


@dataclass(frozen=True)
class Paper:
    title: str
    url: str


@dataclass(frozen=True)
class Meeting:
    id: int
    forum_id: str
    event_id: int
    title: str
    starts_at: datetime
    place: str
    link: str
    agenda: tuple[str, ...]
    papers: tuple[Paper, ...]
    noticed_by: str | None
    noticed_at: datetime


@dataclass(frozen=True)
class SendNotice:
    event_id: int
    place: str
    link: str
    agenda: str  # one item a line
    papers: str  # one a line: "title | https://…", or the link alone


@dataclass(frozen=True)
class MeetingDelivery:
    id: int
    purpose: str
    seat_id: int | None  # None: the channel
    target: str  # "channel", "person:<Entra object id>" or "roster:<people.id>"
    due_at: datetime
    status: str = "planned"  # as a reminder's (storage.outbox)
    attempts: int = 0
    detail: str | None = None


@dataclass(frozen=True)
class MeetingMessage:
    """A planned delivery, as the post claims it."""

    id: int
    meeting_id: int
    purpose: str
    seat_id: int | None
    target: str


@dataclass(frozen=True)
class AgendaPoint:
    """An item the notice proposes, for the edge to put in words."""

    code: str
    params: dict


def called(seat: Seat):
    """Who the notice calls for a seat: its representative, else its deputy."""
    return seat.representative or seat.deputy


async def upcoming(uow, forum: Forum, now: datetime) -> list[tuple[WheelEvent, Meeting | None]]:
    """The wheel's meetings still to come, soonest first, each with its
    notice once sent."""
    events = [e for kind in MEETINGS for e in await uow.wheel.of_kind_in_year(forum.id, kind, now, now + AHEAD)]
    noticed = {m.event_id: m for m in await uow.meetings.of_forum(forum.id)}
    return [(e, noticed.get(e.id)) for e in sorted(events, key=lambda e: (e.starts_at, e.id))]


async def proposed_agenda(uow, forum: Forum, year: int) -> list[AgendaPoint]:
    """The work open in the forum, as agenda items: the opening and
    closing items every meeting has, and between them the needs reports
    to prioritise, the votes open or waiting for the Statsforvalter, the
    allocation proposal not yet decided, and the reports back received."""
    points = [AgendaPoint("agenda_opening", {})]
    submitted = await uow.needs_reports.with_organisation_names(forum.id, year, (Status.SUBMITTED,))
    if submitted:
        points.append(AgendaPoint("agenda_needs", {"count": len(submitted), "year": year}))
    proposal = await uow.allocations.get(forum.id, year)
    if proposal is not None and proposal.lines and proposal.decided_at is None:
        points.append(AgendaPoint("agenda_allocation", {"year": year}))
    for vote in reversed(await uow.votes.of_forum(forum.id, limit=50)):
        if vote.status is VoteStatus.OPEN:
            points.append(AgendaPoint("agenda_vote_open", {"question": vote.question}))
        elif vote.status is VoteStatus.AWAITING_DECISION:
            points.append(AgendaPoint("agenda_vote_waiting", {"question": vote.question}))
    reported = await uow.needs_reports.with_organisation_names(forum.id, year - 1, (Status.REPORTED,))
    if reported:
        points.append(AgendaPoint("agenda_reported", {"count": len(reported), "year": year - 1}))
    points.append(AgendaPoint("agenda_any_other", {}))
    return points


def agenda_items(typed: str) -> tuple[str, ...]:
    items = tuple(line.strip().lstrip("-•*").strip() for line in typed.splitlines())
    items = tuple(item for item in items if item)
    if not items:
        raise Refused("meeting_no_agenda")
    if len(items) > MAX_ITEMS:
        raise Refused("meeting_too_many_items", limit=MAX_ITEMS)
    if any(len(item) > MAX_ITEM for item in items):
        raise Refused("meeting_item_too_long", limit=MAX_ITEM)
    return items


def papers(typed: str) -> tuple[Paper, ...]:
    lines = [line.strip() for line in typed.splitlines() if line.strip()]
    if len(lines) > MAX_PAPERS:
        raise Refused("meeting_too_many_papers", limit=MAX_PAPERS)
    found = []
    for number, line in enumerate(lines, 1):
        title, _, url = line.rpartition("|") if "|" in line else ("", "", line)
        title = title.strip()
        try:
            link = https_link(url)
        except Refused:
            raise Refused("meeting_bad_paper", line=number) from None
        if len(title) > MAX_ITEM:
            raise Refused("meeting_item_too_long", limit=MAX_ITEM)
        found.append(Paper(title or link, link))
    return tuple(found)


def deliveries(roster: Roster, starts_at: datetime, now: datetime) -> list[MeetingDelivery]:
    """The notice to the channel and to each seat, and each seat's reminder."""
    planned = [MeetingDelivery(0, Purpose.NOTICE, None, CHANNEL, now)]
    remind_at = starts_at - REMIND_BEFORE
    for organisation in roster.organisations:
        for seat in organisation.seats:
            person = called(seat)
            if person is None:
                continue
            target, status, detail = planned_for(person)
            planned.append(MeetingDelivery(0, Purpose.NOTICE, seat.id, target, now, status, detail=detail))
            if status == "planned" and remind_at > now + NO_REMINDER_WITHIN:
                planned.append(MeetingDelivery(0, Purpose.REMINDER, seat.id, target, remind_at))
    return planned


async def send_notice(uow, actor: Actor, command: SendNotice, now: datetime) -> Meeting:
    """Store the notice and plan its messages; the post sends them. Refused,
    and nothing stored, for an event that is not one of the forum's meetings
    to come, one already called, or what is typed breaking a rule."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    forum = actor.forum
    event = await uow.wheel.get(forum.id, command.event_id)
    if event is None or event.kind not in MEETINGS or event.starts_at <= now:
        raise Refused("meeting_not_found")
    place, link = command.place.strip(), https_link(command.link)
    if len(place) > MAX_PLACE:
        raise Refused("meeting_place_too_long", limit=MAX_PLACE)
    if not place and not link:
        raise Refused("meeting_no_place")
    meeting = Meeting(
        0,
        forum.id,
        event.id,
        event.title,
        event.starts_at,
        place,
        link,
        agenda_items(command.agenda),
        papers(command.papers),
        actor.aad_object_id,
        now,
    )
    planned = deliveries(await uow.roster.roster(forum), event.starts_at, now)
    stored = await uow.meetings.add(meeting, planned)
    if stored is None:
        raise Refused("meeting_already_noticed")
    await audit.record(
        uow,
        forum.id,
        actor.aad_object_id,
        Action.MEETING_NOTICED,
        stored.id,
        now,
        title=event.title,
        starts_at=event.starts_at.isoformat(),
        seats=sum(d.seat_id is not None for d in planned if d.purpose == Purpose.NOTICE),
    )
    await uow.commit()
    return stored


async def send_again(uow, actor: Actor, meeting_id: int, now: datetime) -> tuple[Meeting, int]:
    """Send once more the notices and deputies' calls that failed or found
    nobody in a person's chat (never one sent, or that may have been).
    Returns the meeting and how many go again."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    meeting = await of_forum(uow, actor, meeting_id)
    count = await uow.meetings.plan_again(meeting.id)
    if count:
        await audit.record(
            uow, meeting.forum_id, actor.aad_object_id, Action.MEETING_RESENT, meeting.id, now, messages=count
        )
    await uow.commit()
    return meeting, count


async def of_forum(uow, actor: Actor, meeting_id: int) -> Meeting:
    """One of the actor's forum's meetings."""
    if actor.forum is None:
        raise Refused("not_in_roster")
    return of_actors_forum(actor, await uow.meetings.get(meeting_id))


def of_actors_forum(actor: Actor, meeting: Meeting | None) -> Meeting:
    """The meeting as read, when it is one of the actor's forum's."""
    if actor.forum is None:
        raise Refused("not_in_roster")
    if meeting is None or meeting.forum_id != actor.forum.id:
        raise Refused("meeting_not_found")
    return meeting

"""The minutes of a meeting (referat). Once the meeting has begun, the
Statsforvalter drafts them: who attended for each seat, the decisions taken
since the notice (votes closed, and the allocation decided), and free text.
Approved, they are frozen as they were then, posted in the forum channel
and kept with the meeting."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.meetings.attendance import Attends, SeatAttendance, attendance
from bot.forum.meetings.notice import Meeting, MeetingDelivery, Purpose, of_forum
from bot.forum.roster import Actor, Refused
from bot.forum.votes.vote import VoteStatus
from bot.forum.wheel.events import CHANNEL

MAX_MINUTES = 20_000  # characters: some pages, still inside a card


@dataclass(frozen=True)
class AttendanceLine:
    organisation: str
    seat: int
    attends: Attends
    name: str  # who sat for the seat, or its representative


@dataclass(frozen=True)
class DecisionLine:
    question: str
    outcome: tuple[str, ...]  # the options chosen; () while the Statsforvalter has not decided
    at: datetime
    allocation_year: int | None = None  # the year's allocation decided, rather than a vote


@dataclass(frozen=True)
class Minutes:
    meeting_id: int
    text: str
    version: int = 0  # 0: nothing stored yet
    attendance: tuple[AttendanceLine, ...] | None = None  # as approved; None in a draft (read live)
    decisions: tuple[DecisionLine, ...] | None = None
    saved_by: str | None = None
    saved_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


@dataclass(frozen=True)
class SaveMinutes:
    meeting_id: int
    text: str
    version: int
    approve: bool = False


def attendance_lines(seats: list[SeatAttendance]) -> tuple[AttendanceLine, ...]:
    lines = []
    for seat in seats:
        present = seat.present or seat.seat.representative or seat.seat.deputy
        lines.append(
            AttendanceLine(seat.organisation.name, seat.seat.number, seat.attends, present.name if present else "")
        )
    return tuple(lines)


async def decisions_since(uow, forum, meeting: Meeting) -> tuple[DecisionLine, ...]:
    """The votes closed and the allocations decided since the notice."""
    found = []
    for vote in await uow.votes.of_forum(forum.id, limit=200):
        closed = vote.decided_at or vote.closed_at
        if closed is None or closed < meeting.noticed_at:
            continue
        if vote.status is VoteStatus.DECIDED:
            labels = {o.id: o.label for o in vote.options}
            found.append(DecisionLine(vote.question, tuple(labels[c] for c in vote.chosen if c in labels), closed))
        elif vote.status is VoteStatus.AWAITING_DECISION:
            found.append(DecisionLine(vote.question, (), closed))
    for year in (meeting.starts_at.year - 1, meeting.starts_at.year, meeting.starts_at.year + 1):
        proposal = await uow.allocations.get(forum.id, year)
        if proposal and proposal.decided_at and proposal.decided_at >= meeting.noticed_at:
            granted = tuple(f"{line.reference} {line.title}" for line in proposal.decided if line.granted)
            found.append(DecisionLine("", granted, proposal.decided_at, allocation_year=year))
    return tuple(sorted(found, key=lambda d: d.at))


async def _begun(uow, actor: Actor, meeting_id: int, now: datetime) -> Meeting:
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    meeting = await of_forum(uow, actor, meeting_id)
    if now < meeting.starts_at:
        raise Refused("minutes_before_meeting")
    return meeting


async def draft(uow, actor: Actor, meeting_id: int, now: datetime) -> tuple[Meeting, Minutes]:
    """The minutes as stored, or a new draft with no text yet."""
    meeting = await _begun(uow, actor, meeting_id, now)
    return meeting, await uow.meetings.minutes(meeting.id) or Minutes(meeting.id, "")


async def shown(uow, actor: Actor, meeting_id: int) -> tuple[Meeting, Minutes]:
    """Approved minutes, for everyone in the forum."""
    meeting = await of_forum(uow, actor, meeting_id)
    minutes = await uow.meetings.minutes(meeting.id)
    if minutes is None or not minutes.approved:
        raise Refused("minutes_not_approved")
    return meeting, minutes


async def save(uow, actor: Actor, command: SaveMinutes, now: datetime) -> tuple[Meeting, Minutes, bool]:
    """Save the draft, or approve it: then the attendance and decisions are
    frozen, and the minutes are posted in the channel. Returns the
    minutes and whether they were written (False: someone saved from the
    same version first, nothing written). Refused once approved."""
    meeting = await _begun(uow, actor, command.meeting_id, now)
    text = command.text.strip()
    if len(text) > MAX_MINUTES:
        raise Refused("minutes_too_long", limit=MAX_MINUTES)
    stored = await uow.meetings.minutes(meeting.id)
    if stored is not None and stored.approved:
        raise Refused("minutes_approved")
    if command.approve and not text:
        raise Refused("minutes_empty")
    minutes = Minutes(meeting.id, text, command.version + 1, saved_by=actor.aad_object_id, saved_at=now)
    if command.approve:
        minutes = replace(
            minutes,
            attendance=attendance_lines(await attendance(uow, actor.forum, meeting)),
            decisions=await decisions_since(uow, actor.forum, meeting),
            approved_by=actor.aad_object_id,
            approved_at=now,
        )
    if not await uow.meetings.put_minutes(minutes, command.version):
        return meeting, stored or Minutes(meeting.id, ""), False
    if command.approve:
        await uow.meetings.plan(meeting.id, MeetingDelivery(0, Purpose.MINUTES, None, CHANNEL, now), now)
        await audit.record(
            uow, meeting.forum_id, actor.aad_object_id, Action.MINUTES_APPROVED, meeting.id, now, title=meeting.title
        )
    await uow.commit()
    return meeting, minutes, True

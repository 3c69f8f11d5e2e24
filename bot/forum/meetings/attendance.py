"""Who comes to a meeting. On the notice a representative answers *Kommer*
or *Forfall*; *Forfall* calls the seat's deputy to stand in (a 1:1 call,
once), and the deputy answers the same way. The latest answer of each
counts, until the meeting begins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.meetings.notice import Meeting, MeetingDelivery, Purpose, of_actors_forum
from bot.forum.post import planned_for
from bot.forum.roster import Actor, Organisation, Person, Refused, Role, Roster, Seat


@dataclass(frozen=True)
class Answer:
    seat_id: int
    role: Role  # representative | deputy
    coming: bool
    answered_by: str
    answered_at: datetime


class Attends(StrEnum):
    """Where a seat stands for a meeting."""

    REPRESENTATIVE = "representative"  # the representative comes
    DEPUTY = "deputy"  # the representative has forfall; the deputy comes
    DEPUTY_CALLED = "deputy_called"  # forfall; the deputy has not answered
    ABSENT = "absent"  # forfall, and no deputy comes
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class SeatAttendance:
    organisation: Organisation
    seat: Seat
    representative: Answer | None
    deputy: Answer | None

    @property
    def attends(self) -> Attends:
        rep, deputy = self.representative, self.deputy
        if rep and rep.coming:
            return Attends.REPRESENTATIVE
        if deputy and deputy.coming:
            return Attends.DEPUTY
        if rep is None and self.seat.representative is not None:
            return Attends.UNANSWERED
        if self.seat.deputy is None or deputy is not None:
            return Attends.ABSENT
        return Attends.DEPUTY_CALLED

    @property
    def present(self) -> Person | None:
        """Who sits for the seat, once it is known."""
        return {Attends.REPRESENTATIVE: self.seat.representative, Attends.DEPUTY: self.seat.deputy}.get(self.attends)


@dataclass(frozen=True)
class Answered:
    meeting: Meeting
    seat: SeatAttendance
    deputy_called: bool  # this answer called the deputy, now


def attendance_of(roster: Roster, answers: list[Answer]) -> list[SeatAttendance]:
    """Every seat of the roster, in its order."""
    given = {(a.seat_id, a.role): a for a in answers}
    return [
        SeatAttendance(o, s, given.get((s.id, Role.REPRESENTATIVE)), given.get((s.id, Role.DEPUTY)))
        for o in roster.organisations
        for s in o.seats
    ]


async def attendance(uow, forum, meeting: Meeting) -> list[SeatAttendance]:
    return attendance_of(await uow.roster.roster(forum), await uow.meetings.answers(meeting.id))


async def answer(uow, actor: Actor, meeting: Meeting | None, coming: bool, now: datetime) -> Answered:
    """Record the actor's answer for their seat (``meeting`` as read for
    the press). Refused for anyone who holds no seat in the meeting's
    forum, and once the meeting has begun."""
    meeting = of_actors_forum(actor, meeting)
    person = actor.person
    if not access.may_answer_notice(actor):
        raise Refused("meeting_seats_only")
    if now >= meeting.starts_at:
        raise Refused("meeting_begun")
    roster = await uow.roster.roster(actor.forum)
    organisation, seat = roster.seat(person.seat_id) or (None, None)
    if seat is None:
        raise Refused("meeting_seats_only")
    await uow.meetings.answer(meeting.id, Answer(seat.id, person.role, coming, person.aad_object_id or "", now))
    await uow.meetings.skip_reminder(meeting.id, seat.id, now)
    called = False
    if person.role is Role.REPRESENTATIVE and not coming and seat.deputy is not None:
        target, status, detail = planned_for(seat.deputy)
        called = await uow.meetings.plan(
            meeting.id, MeetingDelivery(0, Purpose.DEPUTY_CALL, seat.id, target, now, status, detail=detail), now
        )
    await audit.record(
        uow,
        meeting.forum_id,
        actor.aad_object_id,
        Action.MEETING_ANSWERED,
        meeting.id,
        now,
        seat=seat.number,
        role=person.role.value,
        coming=coming,
        deputy_called=called,
    )
    await uow.commit()
    # The seat's own answers only: what the presser's card says does not
    # need every seat's, and a crowd answering at once would read them all.
    given = {a.role: a for a in await uow.meetings.answers(meeting.id, seat.id)}
    standing = SeatAttendance(organisation, seat, given.get(Role.REPRESENTATIVE), given.get(Role.DEPUTY))
    return Answered(meeting, standing, called)

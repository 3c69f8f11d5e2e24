"""Award letters (tildelingsbrev). Once the year's allocation is decided,
the Statsforvalter sends each organisation with a report in it a letter:
what each of its reports was granted (or that it was not prioritised), the
reporting deadline from the wheel, and the conditions the Statsforvalter
writes. It goes to the 1:1 chat of every representative and deputy of
the organisation, once: a second press sends nothing, and each letter's
delivery is kept for the report, the way a reminder's is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.forum import access, audit
from bot.forum.allocation.proposal import DecidedLine
from bot.forum.audit import Action
from bot.forum.needs.report import Status
from bot.forum.post import planned_for
from bot.forum.roster import Actor, Forum, Refused
from bot.forum.wheel.events import EventKind, WheelEvent

MAX_CONDITIONS = 4000  # characters: a page of conditions, well inside a card
DEADLINES_AHEAD = timedelta(days=6 * 366)  # the wheel's reporting deadlines offered: it may be planned years ahead


@dataclass(frozen=True)
class AwardLetter:
    forum_id: str
    year: int
    conditions: str
    deadline_event_id: int | None
    deadline_at: datetime  # as the letters said it
    sent_by: str | None
    sent_at: datetime


@dataclass(frozen=True)
class LetterDelivery:
    """One letter to one person."""

    id: int
    organisation_id: str
    target: str  # "person:<Entra object id>" or "roster:<people.id>"
    status: str = "planned"  # as a reminder's (storage.outbox)
    attempts: int = 0
    detail: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class LetterToSend:
    """A planned letter, as the letter post claims it."""

    id: int
    forum_id: str
    year: int
    organisation_id: str
    target: str  # "person:<Entra object id>"


@dataclass(frozen=True)
class OrganisationGrant:
    """What one organisation's letter says it was granted."""

    organisation_id: str
    organisation: str
    lines: tuple[DecidedLine, ...]

    @property
    def granted(self) -> int:
        return sum(line.granted for line in self.lines)


@dataclass(frozen=True)
class SendLetters:
    year: int
    conditions: str
    deadline_event_id: int


async def grants(uow, forum: Forum, year: int) -> tuple[OrganisationGrant, ...]:
    """The decided allocation, organisation by organisation in the order of
    the table; () before it is decided."""
    proposal = await uow.allocations.get(forum.id, year)
    if proposal is None or proposal.decided_at is None:
        return ()
    owner = {
        r.id: r.organisation_id
        for r, _ in await uow.needs_reports.with_organisation_names(forum.id, year, tuple(Status))
    }
    by_organisation: dict[str, list[DecidedLine]] = {}
    names: dict[str, str] = {}
    for line in proposal.decided:
        organisation_id = owner.get(line.report_id)
        if organisation_id is None:  # erased since (retention)
            continue
        by_organisation.setdefault(organisation_id, []).append(line)
        names.setdefault(organisation_id, line.organisation)
    return tuple(OrganisationGrant(o, names[o], tuple(lines)) for o, lines in by_organisation.items())


async def reporting_deadlines(uow, forum: Forum, now: datetime) -> list[WheelEvent]:
    """The wheel's reporting deadlines still to come, soonest first."""
    return await uow.wheel.of_kind_in_year(forum.id, EventKind.REPORTING_DEADLINE, now, now + DEADLINES_AHEAD)


def proposed_deadline(deadlines: Sequence[WheelEvent], year: int, timezone: str) -> WheelEvent | None:
    """The one a year's grants report by: the wheel's deadline of the next
    year (the report on a year's money comes the year after), else the
    soonest."""
    zone = ZoneInfo(timezone)
    following = [d for d in deadlines if d.starts_at.astimezone(zone).year == year + 1]
    return (following or list(deadlines) or [None])[0]


async def send(uow, actor: Actor, command: SendLetters, now: datetime) -> AwardLetter:
    """Store the letters and plan one delivery to each representative and
    deputy of every organisation in the decided allocation; the letter post
    (bot.forum.post) sends them. Refused, and nothing
    stored, before the decision, when they were sent already, with
    conditions too long, or with a deadline that is not one of the wheel's
    reporting deadlines still to come."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    forum = actor.forum
    conditions = command.conditions.strip()
    if len(conditions) > MAX_CONDITIONS:
        raise Refused("award_conditions_too_long", limit=MAX_CONDITIONS)
    if await uow.award_letters.get(forum.id, command.year):
        raise Refused("award_already_sent", year=command.year)
    granted = await grants(uow, forum, command.year)
    if not granted:
        raise Refused("award_not_decided", year=command.year)
    deadline = next((d for d in await reporting_deadlines(uow, forum, now) if d.id == command.deadline_event_id), None)
    if deadline is None:
        raise Refused("award_no_deadline")
    roster = await uow.roster.roster(forum)
    people = {o.id: o.people for o in roster.organisations}
    deliveries = [
        LetterDelivery(0, grant.organisation_id, *planned_for(p))
        for grant in granted
        for p in people.get(grant.organisation_id, ())
    ]
    letter = AwardLetter(forum.id, command.year, conditions, deadline.id, deadline.starts_at, actor.aad_object_id, now)
    if not await uow.award_letters.add(letter, deliveries):
        raise Refused("award_already_sent", year=command.year)  # a second press that came at the same time
    await audit.record(
        uow,
        forum.id,
        actor.aad_object_id,
        Action.AWARD_LETTERS_SENT,
        command.year,
        now,
        organisations=len(granted),
        letters=len(deliveries),
        deadline=deadline.starts_at.isoformat(),
    )
    await uow.commit()
    return letter


async def send_again(uow, actor: Actor, year: int, now: datetime) -> int:
    """Send once more the year's letters that failed or reached nobody
    (someone installed the app or wrote to the bot since); never one that
    was sent or may have been. Returns how many go again."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    if await uow.award_letters.get(actor.forum.id, year) is None:
        raise Refused("award_not_sent", year=year)
    count = await uow.award_letters.plan_again(actor.forum.id, year)
    if count:
        await audit.record(
            uow, actor.forum.id, actor.aad_object_id, Action.AWARD_LETTERS_RESENT, year, now, letters=count
        )
    await uow.commit()
    return count

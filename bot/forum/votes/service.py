"""What the forum does with a priority vote: the Statsforvalter opens it,
seats cast ballots, the clock or the Statsforvalter closes it, and a tie or
a missed quorum is decided by the Statsforvalter with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.forum import access, audit
from bot.forum.allocation.decision import YES, carry
from bot.forum.audit import Action
from bot.forum.needs.form import Invalid
from bot.forum.needs.report import Status as ReportStatus
from bot.forum.roster import Actor, Forum, Refused, Roster
from bot.forum.votes.tally import Result
from bot.forum.votes.vote import (
    SCORED,
    Ballot,
    Escalation,
    Option,
    Vote,
    VoteKind,
    VoteStatus,
    check_ballot,
    check_choices,
)
from bot.forum.wheel.service import local_time

QUESTION_LIMIT = 500
OPTION_LIMIT = 200
REASON_LIMIT = 2000
MAX_OPTIONS = 25
MAX_POINTS = 1000  # the N points a seat spreads in a points vote
LONGEST_VOTE = timedelta(days=92)
SHORTEST_VOTE = timedelta(minutes=5)
# Reports that can be voted on: sent in, and not withdrawn.
VOTABLE_REPORTS = (ReportStatus.SUBMITTED, ReportStatus.PRIORITISED, ReportStatus.NOT_PRIORITISED)


def statsforvalter_forum(actor: Actor) -> Forum:
    """The forum of a Statsforvalter; refused for anyone else."""
    if not access.may_decide(actor):
        raise Refused("vote_statsforvalter_only")
    return actor.forum


# --- opening -----------------------------------------------------------------


@dataclass(frozen=True)
class VotableReport:
    id: int
    label: str  # "BM-2026-003 Organisation: title"


async def votable_reports(uow, forum: Forum, year: int) -> list[VotableReport]:
    reports = await uow.needs_reports.with_organisation_names(forum.id, year, VOTABLE_REPORTS)
    return [
        VotableReport(report.id, f"{report.reference} {name}: {report.fields.get('title', '')}".strip()[:OPTION_LIMIT])
        for report, name in reports
    ]


@dataclass
class VoteCheck:
    values: dict = field(default_factory=dict)
    errors: dict[str, Invalid] = field(default_factory=dict)


def check_new_vote(raw: Mapping[str, object], timezone: str, now: datetime, reports: list[VotableReport]) -> VoteCheck:
    """The form's values as a vote to open, or what is wrong with each field."""
    check = VoteCheck()

    def text(name: str, limit: int = 20, required: bool = False) -> str:
        value = raw.get(name) or ""
        if not isinstance(value, str):
            raise Invalid("invalid_value")
        value = value.strip()
        if required and not value:
            raise Invalid("required")
        if len(value) > limit:
            raise Invalid("too_long", limit=limit)
        return value

    def whole(name: str, low: int, high: int) -> int | None:
        value = text(name)
        if not value:
            return None
        if not value.isascii() or not value.isdigit():
            raise Invalid("not_a_number")
        number = int(value)
        if not low <= number <= high:
            raise Invalid("out_of_range", low=low, high=high)
        return number

    def field_(name: str, read) -> None:
        try:
            check.values[name] = read()
        except Invalid as error:
            check.errors[name] = error

    def options() -> list[Option]:
        typed = [line.strip() for line in text("options", limit=MAX_OPTIONS * (OPTION_LIMIT + 2)).splitlines()]
        typed = [line for line in typed if line]
        if any(len(line) > OPTION_LIMIT for line in typed):
            raise Invalid("option_too_long", limit=OPTION_LIMIT)
        offered = {r.id: r for r in reports}
        picked: list[int] = []
        for part in filter(None, (p.strip() for p in text("reports", limit=2000).split(","))):
            if not (part.isascii() and part.isdigit()) or int(part) not in offered:
                raise Invalid("not_offered")
            picked.append(int(part))
        labels = [(line, None) for line in typed]
        labels += [(offered[r].label, r) for r in dict.fromkeys(picked)]  # a report picked twice is one option
        if len({label.casefold() for label, _ in labels}) != len(labels):
            raise Invalid("options_repeated")
        if len(labels) < 2:
            raise Invalid("options_too_few")
        if len(labels) > MAX_OPTIONS:
            raise Invalid("options_too_many", limit=MAX_OPTIONS)
        return [Option(i, label, report) for i, (label, report) in enumerate(labels, start=1)]

    def closes_at() -> datetime:
        day_text, time_text = text("close_date", required=True), text("close_time", required=True)
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise Invalid("not_a_date") from None
        try:
            at = time.fromisoformat(time_text[:5])
        except ValueError:
            raise Invalid("not_a_time") from None
        if not now.date().replace(year=now.year - 1) <= day <= now.date().replace(year=now.year + 1):
            # far from today: too late (or past), and clear of the calendar's ends
            raise Invalid("vote_closes_too_late" if day > now.date() else "vote_closes_too_soon")
        moment = local_time(day, at, timezone)
        if moment < now + SHORTEST_VOTE:
            raise Invalid("vote_closes_too_soon")
        if moment > now + LONGEST_VOTE:
            raise Invalid("vote_closes_too_late")
        return moment

    def mode() -> VoteKind:
        value = text("mode") or VoteKind.ONE.value
        if value not in {k.value for k in VoteKind}:
            raise Invalid("not_offered")
        return VoteKind(value)

    def live() -> bool:
        value = text("live") or "false"
        if value not in ("true", "false"):
            raise Invalid("not_offered")
        return value == "true"

    field_("question", lambda: text("question", QUESTION_LIMIT, required=True))
    field_("options", options)
    field_("mode", mode)
    kind = check.values.get("mode")
    # What is typed in N and in the places counts only for the kinds that use them.
    if kind is None or kind is VoteKind.ONE:
        check.values["up_to"] = None
    else:
        field_("up_to", lambda: whole("up_to", 2, MAX_POINTS if kind is VoteKind.POINTS else MAX_OPTIONS))
    if kind in SCORED:
        field_("places", lambda: whole("places", 1, MAX_OPTIONS))
    else:
        check.values["places"] = None
    field_("closes_at", closes_at)
    field_("live", live)
    field_("quorum_percent", lambda: whole("quorum", 1, 100))
    _check_counts(check, kind)
    return check


def _check_counts(check: VoteCheck, kind: VoteKind | None) -> None:
    """N and the places: given where the kind needs them, and within the
    number of options."""
    values, errors = check.values, check.errors
    needed = {VoteKind.UP_TO: ("up_to",), VoteKind.RANKING: ("up_to", "places"), VoteKind.POINTS: ("up_to", "places")}
    for name in needed.get(kind, ()):
        if name not in errors and values.get(name) is None:
            errors[name] = Invalid("required")
    options = values.get("options")
    if options is None:
        return
    n, places = values.get("up_to"), values.get("places")
    if kind is VoteKind.UP_TO and n is not None and n >= len(options):
        errors["up_to"] = Invalid("vote_up_to_too_many", options=len(options))
    if kind is VoteKind.RANKING and n is not None and n > len(options):
        errors["up_to"] = Invalid("vote_rank_too_many", options=len(options))
    if kind in SCORED and places is not None and places >= len(options):
        errors["places"] = Invalid("vote_places_too_many", options=len(options))


def remind_at(opened: datetime, closes: datetime) -> datetime:
    """24 hours before the close, or half-way for a vote shorter than two days."""
    if closes - opened > timedelta(hours=48):
        return closes - timedelta(hours=24)
    return opened + (closes - opened) / 2


async def open_vote(uow, actor: Actor, check: VoteCheck, now: datetime, allocation_year: int | None = None) -> Vote:
    forum = statsforvalter_forum(actor)
    if check.errors:
        raise Refused("form_has_errors")
    values = check.values
    kind = values["mode"]
    vote = await uow.votes.add(
        forum.id,
        {
            "question": values["question"],
            "options": values["options"],
            "kind": kind.value,
            "max_choices": {VoteKind.ONE: 1, VoteKind.POINTS: len(values["options"])}.get(kind, values["up_to"]),
            "points": values["up_to"] if kind is VoteKind.POINTS else None,
            "places": values["places"],
            "closes_at": values["closes_at"],
            "live": values["live"],
            "quorum_percent": values["quorum_percent"],
            "remind_at": remind_at(now, values["closes_at"]),
            "allocation_year": allocation_year,
        },
        actor.aad_object_id,
        now,
    )
    await audit.record(
        uow,
        forum.id,
        actor.aad_object_id,
        Action.VOTE_OPENED,
        _subject(vote),
        now,
        closes_at=vote.closes_at.isoformat(),
        options=len(vote.options),
    )
    await uow.commit()
    return vote


def _subject(vote: Vote) -> str:
    return f"{vote.id}: {vote.question}"


# --- voting ------------------------------------------------------------------


@dataclass(frozen=True)
class SeatBallot:
    seat_id: int
    organisation: str  # the organisation's name, with the seat's number when it has several
    contacts: tuple[str, ...]  # the Entra object ids of the representative and deputy
    choices: tuple[int, ...] = ()  # empty: not voted; in the seat's order
    points: tuple[int, ...] = ()  # a points vote: what each of the choices got
    cast_by: str | None = None
    cast_at: datetime | None = None

    @property
    def ballot(self) -> Ballot:
        return Ballot(self.choices, self.points)


@dataclass(frozen=True)
class VoteState:
    """A vote with every seat's ballot: what every card of it shows."""

    vote: Vote
    seats: tuple[SeatBallot, ...]

    @property
    def voted(self) -> int:
        return sum(1 for s in self.seats if s.choices)

    @property
    def seat_count(self) -> int:
        return len(self.seats)

    def result(self):
        if self.vote.result:
            return self.vote.result
        return self.vote.count([s.ballot for s in self.seats if s.choices], len(self.seats))

    def seat(self, seat_id: int | None) -> SeatBallot | None:
        return next((s for s in self.seats if s.seat_id == seat_id), None)


async def vote_of(uow, forum: Forum, vote_id: object) -> Vote:
    """The vote of this forum with that id; a vote of another forum, or an
    id that is not one, is refused (card data is the client's)."""
    if isinstance(vote_id, bool) or not isinstance(vote_id, int):
        raise Refused("vote_unknown")
    vote = await uow.votes.get(forum.id, vote_id)
    if vote is None:
        raise Refused("vote_unknown")
    return vote


async def vote_state(uow, forum: Forum, vote_id: object, roster: Roster | None = None) -> VoteState:
    """The vote of this forum with that id and every seat's ballot."""
    vote = await vote_of(uow, forum, vote_id)
    roster = roster or await uow.roster.roster(forum)
    ballots = {b.seat_id: b for b in await uow.votes.ballots(vote.id)}
    seats = []
    for seat_id, name, contacts in roster.voting_seats:
        ballot = ballots.get(seat_id)
        seats.append(
            SeatBallot(
                seat_id,
                name,
                contacts,
                tuple(ballot.choices),
                tuple(ballot.points or ()),
                ballot.cast_by,
                ballot.cast_at,
            )
            if ballot
            else SeatBallot(seat_id, name, contacts)
        )
    return VoteState(vote, tuple(seats))


@dataclass(frozen=True)
class Standing:
    """A vote as one person's card shows it: how many seats voted, the
    count so far and their seat's ballot. Read on every press, so without
    every seat's ballot: what it costs does not grow with the roster."""

    vote: Vote
    seat_count: int
    voted: int
    counted: Result | None  # None: the card does not show the count
    own: SeatBallot | None  # the viewer's seat, when they have one

    def result(self) -> Result | None:
        return self.vote.result or self.counted

    def seat(self, seat_id: int | None) -> SeatBallot | None:
        return self.own if self.own is not None and self.own.seat_id == seat_id else None


async def standing(uow, vote: Vote, roster: Roster, seat_id: int | None, with_count: bool) -> Standing:
    """The vote for one seat's view; the count only ``with_count`` and
    while the vote has no result of its own."""
    voted, marks = await uow.votes.marks(vote.id)
    own = None
    seat = roster.voting_seat(seat_id)
    if seat is not None:
        ballot = await uow.votes.ballot(vote.id, seat_id)
        own = (
            SeatBallot(*seat, tuple(ballot.choices), tuple(ballot.points or ()), ballot.cast_by, ballot.cast_at)
            if ballot
            else SeatBallot(*seat)
        )
    seats = len(roster.voting_seats)
    counted = vote.count_marks(marks, voted, seats) if with_count and vote.result is None else None
    return Standing(vote, seats, voted, counted, own)


@dataclass(frozen=True)
class Cast:
    vote_id: int
    choices: tuple[int, ...]
    seat: str  # the organisation whose seat the ballot counts for
    # The vote as read for the ballot: a ballot changes nothing the card shows of it.
    vote: Vote | None = field(default=None, compare=False)


async def cast_ballot(
    uow,
    actor: Actor,
    vote_id: object,
    raw_choices: object,
    now: datetime,
    raw_marks: Mapping[object, object] | None = None,
) -> Cast:
    """The seat's ballot: cast by its representative or deputy; a later
    ballot replaces the seat's earlier one. ``raw_choices``: the options
    picked in a plain vote; ``raw_marks``: option id -> place or points as
    typed in a ranked or points vote."""
    if not access.may_cast_ballot(actor):
        raise Refused("vote_no_seat")
    vote = await vote_of(uow, actor.forum, vote_id)
    if vote.status is VoteStatus.DECIDED:
        raise Refused("vote_decided")
    if not vote.is_open(now):
        raise Refused("vote_closed")
    ballot = check_ballot(vote, raw_choices, raw_marks or {})
    if not await uow.votes.cast(vote.id, actor.person.seat_id, ballot, actor.aad_object_id, now):
        raise Refused("vote_closed")  # closed while this ballot was on its way
    await uow.commit()
    return Cast(vote.id, ballot.choices, actor.organisation.name if actor.organisation else "", vote)


# --- closing and deciding --------------------------------------------------------


async def close_vote(uow, forum: Forum, vote_id: int, now: datetime, by: str | None = None) -> Vote | None:
    """Count the ballots and settle the vote, or hand it to the
    Statsforvalter. None when someone else closed it first."""
    if not await uow.votes.start_closing(vote_id):
        return None
    state = await vote_state(uow, forum, vote_id)
    result = state.result()
    vote = state.vote
    escalation = None
    if result.needs_decision or not result.ballots:
        # Nobody voting is the plainest missed quorum.
        escalation = Escalation.TIE if result.tie and not result.quorum_missed else Escalation.QUORUM
    elif vote.allocation_year and result.chosen != (YES,):
        escalation = Escalation.DISAGREEMENT  # only a yes carries the proposal
    if escalation:
        await uow.votes.close(vote_id, result, VoteStatus.AWAITING_DECISION, escalation, (), by, now)
    else:
        await uow.votes.close(vote_id, result, VoteStatus.DECIDED, None, result.chosen, by, now)
        if vote.allocation_year:
            await carry(uow, forum, vote.allocation_year, vote_id, by, now)
    await audit.record(
        uow,
        forum.id,
        by,
        Action.VOTE_CLOSED,
        _subject(state.vote),
        now,
        ballots=result.ballots,
        escalation=escalation and escalation.value,
    )
    await uow.commit()
    return await uow.votes.get(forum.id, vote_id)


async def close_now(uow, actor: Actor, vote_id: object, now: datetime) -> Vote:
    """The Statsforvalter's close button."""
    forum = statsforvalter_forum(actor)
    state = await vote_state(uow, forum, vote_id)
    if state.vote.status is not VoteStatus.OPEN:
        raise Refused("vote_already_closed")
    closed = await close_vote(uow, forum, state.vote.id, now, by=actor.aad_object_id)
    if closed is None:
        raise Refused("vote_already_closed")
    return closed


async def decide(uow, actor: Actor, vote_id: object, raw_choices: object, reason: object, now: datetime) -> Vote:
    """The Statsforvalter settles a tie or a vote without quorum, with a reason."""
    forum = statsforvalter_forum(actor)
    state = await vote_state(uow, forum, vote_id)
    vote = state.vote
    if vote.status is VoteStatus.DECIDED:
        raise Refused("vote_decided")
    if vote.status is not VoteStatus.AWAITING_DECISION:
        raise Refused("vote_not_awaiting")
    among, count = vote.decision_options()
    at_least = count if vote.escalation is Escalation.TIE else 1
    picked = check_choices(among, raw_choices, count, at_least)
    if not isinstance(reason, str) or not reason.strip():
        raise Refused("vote_reason_required")
    if len(reason.strip()) > REASON_LIMIT:
        raise Refused("vote_reason_too_long", limit=REASON_LIMIT)
    chosen = [*vote.result.settled, *picked] if vote.escalation is Escalation.TIE else picked
    if not await uow.votes.decide(vote.id, chosen, actor.aad_object_id, reason.strip(), now):
        raise Refused("vote_decided")
    if vote.allocation_year and chosen == [YES]:
        await carry(uow, forum, vote.allocation_year, vote.id, actor.aad_object_id, now)
    await audit.record(uow, forum.id, actor.aad_object_id, Action.VOTE_DECIDED, _subject(vote), now, chosen=chosen)
    await uow.commit()
    return await uow.votes.get(forum.id, vote.id)


async def votes_of(uow, actor: Actor) -> list[Vote]:
    if actor.forum is None:
        raise Refused("not_in_roster")
    return await uow.votes.of_forum(actor.forum.id)

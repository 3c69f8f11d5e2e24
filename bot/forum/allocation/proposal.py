"""The allocation proposal (tildeling): every sent report of the year in
priority order, each with the amount the Statsforvalter proposes to grant
it, summed down the list against the year's frame and against what is set
aside for each competence area.

The order comes from a closed vote over the reports or is set by hand; a
proposed amount is the amount applied for until changed, and may be less
(a partial grant) or nothing. A proposal whose sum passes the frame is
never stored. Two people editing at once cannot overwrite each other: a
save names the version it was made from (compare and set)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.forum import access, audit
from bot.forum.allocation.budget import Budget, budget_of
from bot.forum.audit import Action
from bot.forum.needs.report import Status
from bot.forum.needs.service import competence_areas
from bot.forum.roster import Actor, Forum, Refused
from bot.forum.votes.vote import VoteStatus

# Reports that can still be allocated: sent, not withdrawn, not yet decided.
OPEN_REPORTS = (Status.SUBMITTED, Status.PRIORITISED, Status.NOT_PRIORITISED)


@dataclass(frozen=True)
class ProposalLine:
    report_id: int
    amount: int  # NOK proposed


@dataclass(frozen=True)
class DecidedLine:
    """One report of the allocation as the forum (or the Statsforvalter) decided it."""

    report_id: int
    reference: str
    organisation: str
    title: str
    applied: int
    granted: int  # 0: not prioritised


@dataclass(frozen=True)
class Proposal:
    """The proposal as stored: its lines in priority order."""

    forum_id: str
    year: int
    lines: tuple[ProposalLine, ...] = ()
    version: int = 0  # 0: nothing stored yet
    from_vote: int | None = None  # the vote the order was last taken from
    updated_by: str | None = None
    updated_at: datetime | None = None
    posted_by: str | None = None
    posted_at: datetime | None = None
    decided: tuple[DecidedLine, ...] = ()  # the table as decided, once it is
    decided_at: datetime | None = None
    decided_vote: int | None = None


@dataclass(frozen=True)
class AllocationLine:
    """One report in the proposal, as everyone reads it."""

    priority: int  # 1 first
    report_id: int
    reference: str
    organisation: str
    title: str
    areas: tuple[str, ...]  # codes
    applied: int
    proposed: int
    running: int  # the proposed amounts from the first line down to this one


@dataclass(frozen=True)
class AreaSum:
    code: str
    name: str
    reserved: int  # set aside in the budget
    proposed: int  # to the reports in the area (a report in several counts in each)


@dataclass(frozen=True)
class Allocation:
    proposal: Proposal
    budget: Budget
    lines: tuple[AllocationLine, ...]
    areas: tuple[AreaSum, ...]  # the areas with an amount set aside
    area_names: Mapping[str, str] = field(default_factory=dict)  # code -> name, the year's list

    @property
    def year(self) -> int:
        return self.proposal.year

    @property
    def total(self) -> int:
        return self.lines[-1].running if self.lines else 0

    @property
    def remaining(self) -> int:
        return self.budget.frame - self.total

    @property
    def is_decided(self) -> bool:
        return self.proposal.decided_at is not None


@dataclass(frozen=True)
class SaveProposal:
    """What one page of the proposal card sends: for some reports, the
    priority typed (None: left as it was) and the amount."""

    year: int
    version: int
    changes: Mapping[int, tuple[int | None, int]]  # report id -> (priority, amount)


def _statsforvalter_forum(actor: Actor) -> Forum:
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    return actor.forum


async def allocation(uow, forum: Forum, year: int) -> Allocation:
    """The year's proposal as it stands: the stored order and amounts, with
    reports sent since at the end (amount: what they applied for) and
    reports withdrawn or decided since left out."""
    stored = await uow.allocations.get(forum.id, year) or Proposal(forum.id, year)
    if stored.decided_at:
        return await _decided(uow, forum, stored)
    reports = {
        r.id: (r, name) for r, name in await uow.needs_reports.with_organisation_names(forum.id, year, OPEN_REPORTS)
    }
    kept = [line for line in stored.lines if line.report_id in reports]
    listed = {line.report_id for line in kept}
    added = [ProposalLine(i, r.amount("amount_applied") or 0) for i, (r, _) in reports.items() if i not in listed]
    proposal = replace(stored, lines=(*kept, *added))
    return await _figures(uow, forum, proposal, reports)


async def _figures(uow, forum: Forum, proposal: Proposal, reports: Mapping) -> Allocation:
    budget = await budget_of(uow, forum.id, proposal.year)
    lines, running = [], 0
    for priority, line in enumerate(proposal.lines, start=1):
        report, organisation = reports[line.report_id]
        running += line.amount
        lines.append(
            AllocationLine(
                priority,
                report.id,
                report.reference or "",
                organisation,
                str(report.fields.get("title") or ""),
                tuple(dict.fromkeys(report.fields.get("competence_areas") or ())),
                report.amount("amount_applied") or 0,
                line.amount,
                running,
            )
        )
    names = {a.code: a.name for a in await competence_areas(uow, forum.id, proposal.year)}
    areas = tuple(
        AreaSum(code, names.get(code, code), reserved, sum(l.proposed for l in lines if code in l.areas))
        for code, reserved in budget.reserved.items()
    )
    return Allocation(proposal, budget, tuple(lines), areas, names)


async def _decided(uow, forum: Forum, proposal: Proposal) -> Allocation:
    """A decided allocation: the table as decided, whatever happened to the
    reports since."""
    budget = await budget_of(uow, forum.id, proposal.year)
    lines, running = [], 0
    for priority, line in enumerate(proposal.decided, start=1):
        running += line.granted
        lines.append(
            AllocationLine(
                priority,
                line.report_id,
                line.reference,
                line.organisation,
                line.title,
                (),
                line.applied,
                line.granted,
                running,
            )
        )
    names = {a.code: a.name for a in await competence_areas(uow, forum.id, proposal.year)}
    return Allocation(proposal, budget, tuple(lines), (), names)


async def save(uow, actor: Actor, command: SaveProposal, now: datetime) -> Allocation:
    """Store a page's priorities and amounts. Refused, and nothing stored,
    without a budget, for an amount over what was applied for, when the sum
    passes the frame, or when the proposal was saved since the page was
    shown."""
    forum = _statsforvalter_forum(actor)
    current = await allocation(uow, forum, command.year)
    _still_open(current)
    by_id = {line.report_id: line for line in current.lines}
    if not current.budget.is_set:
        raise Refused("allocation_no_budget", year=command.year)
    if set(command.changes) - set(by_id):
        raise Refused("allocation_report_gone")
    for report_id, (priority, amount) in command.changes.items():
        if priority is not None and not 1 <= priority <= len(by_id):
            raise Refused("allocation_bad_priority", high=len(by_id))
        if not 0 <= amount <= by_id[report_id].applied:
            raise Refused("allocation_over_applied", reference=by_id[report_id].reference)

    def place(index: int, line: AllocationLine) -> tuple:
        # A report moved to a number goes before the one already there.
        priority = command.changes.get(line.report_id, (None, 0))[0]
        return (priority, 0, index) if priority is not None else (line.priority, 1, index)

    ordered = [line for _, line in sorted(enumerate(current.lines), key=lambda pair: place(*pair))]
    lines = tuple(
        ProposalLine(line.report_id, command.changes.get(line.report_id, (None, line.proposed))[1]) for line in ordered
    )
    total = sum(line.amount for line in lines)
    if total > current.budget.frame:
        raise Refused("allocation_over_frame", total=total, frame=current.budget.frame)
    return await _store(
        uow, actor, current, command.version, lines, current.proposal.from_vote, now, Action.ALLOCATION_SAVED
    )


async def order_by_vote(uow, actor: Actor, year: int, version: int, vote_id: int, now: datetime) -> Allocation:
    """Put the reports in the order a closed vote over them gave: what it
    chose first, then the rest by its result; reports it did not have keep
    their order after them. The amounts stay."""
    forum = _statsforvalter_forum(actor)
    current = await allocation(uow, forum, year)
    _still_open(current)
    vote = await uow.votes.get(forum.id, vote_id)
    if vote is None or vote.status is VoteStatus.OPEN or vote.result is None:
        raise Refused("allocation_vote_not_closed")
    report_of = {o.id: o.report_id for o in vote.options if o.report_id}
    ranked = [o for o in vote.chosen] + [o for p in vote.result.places for o in p.options if o not in vote.chosen]
    order = {report_of[o]: n for n, o in enumerate(ranked) if o in report_of}
    if not set(order) & {line.report_id for line in current.lines}:
        raise Refused("allocation_vote_without_reports")
    ordered = sorted(current.lines, key=lambda line: (order.get(line.report_id, len(order)), line.priority))
    lines = tuple(ProposalLine(line.report_id, line.proposed) for line in ordered)
    return await _store(uow, actor, current, version, lines, vote_id, now, Action.ALLOCATION_SAVED)


async def post(uow, actor: Actor, year: int, version: int, now: datetime) -> Allocation:
    """Mark the proposal as put before the forum, as it stands. Refused
    while the forum is still voting on it (an open approval vote)."""
    forum = _statsforvalter_forum(actor)
    current = await allocation(uow, forum, year)
    _still_open(current)
    if any(
        v.allocation_year == year and v.status is not VoteStatus.DECIDED for v in await uow.votes.of_forum(forum.id)
    ):
        raise Refused("allocation_vote_running")
    if not current.budget.is_set:
        raise Refused("allocation_no_budget", year=year)
    if not current.lines:
        raise Refused("allocation_nothing_to_post", year=year)
    if current.total > current.budget.frame:  # the frame was lowered since the last save
        raise Refused("allocation_over_frame", total=current.total, frame=current.budget.frame)
    posted = replace(current.proposal, posted_by=actor.aad_object_id, posted_at=now)
    return await _store(
        uow,
        actor,
        replace(current, proposal=posted),
        version,
        tuple(ProposalLine(l.report_id, l.proposed) for l in current.lines),
        current.proposal.from_vote,
        now,
        Action.ALLOCATION_POSTED,
    )


def _still_open(current: Allocation) -> None:
    if current.is_decided:
        raise Refused("allocation_decided", year=current.year)


async def _store(
    uow,
    actor: Actor,
    current: Allocation,
    version: int,
    lines: tuple[ProposalLine, ...],
    from_vote: int | None,
    now: datetime,
    action: Action,
) -> Allocation:
    proposal = replace(
        current.proposal,
        lines=lines,
        version=version + 1,
        from_vote=from_vote,
        updated_by=actor.aad_object_id,
        updated_at=now,
    )
    if not await uow.allocations.put(proposal, expected_version=version):
        raise Refused("allocation_changed_meanwhile")
    total = sum(line.amount for line in lines)
    await audit.record(
        uow,
        proposal.forum_id,
        actor.aad_object_id,
        action,
        proposal.year,
        now,
        total=total,
        reports=len(lines),
        from_vote=from_vote,
    )
    await uow.commit()
    return await allocation(uow, actor.forum, proposal.year)

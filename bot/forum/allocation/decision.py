"""The forum's decision on the allocation proposal.

Putting the proposal before the forum opens a yes/no vote on it. A yes
carries it; anything else (a no, a tie, a missed quorum) leaves it to the
Statsforvalter, who decides with a reason. When it is carried, every report
in it changes status in the one transaction that closes or decides the
vote: granted with its amount, or not prioritised when proposed nothing;
and the table as decided is kept with the proposal for the decisions log
and its export."""

from __future__ import annotations

from datetime import datetime

from bot.forum import audit
from bot.forum.allocation.proposal import DecidedLine, allocation
from bot.forum.audit import Action
from bot.forum.needs.report import Status
from bot.forum.roster import Forum, Refused

YES = 1  # the approval vote's first option; the second is no


async def carry(uow, forum: Forum, year: int, vote_id: int, by: str | None, now: datetime) -> tuple[DecidedLine, ...]:
    """Give every report of the proposal its status, and keep the table.
    Within the caller's transaction: the caller commits."""
    current = await allocation(uow, forum, year)
    reports = {r.id: r for r, _ in await uow.needs_reports.with_organisation_names(forum.id, year, tuple(Status))}
    for line in current.lines:
        report = reports[line.report_id]
        steps = _steps(report.status, line.proposed)
        for step in steps:
            report = await uow.needs_reports.set_status(
                report, step, by or "forum", now, line.proposed if step is Status.GRANTED else None
            )
            if report is None:  # changed by another press between the read and now
                raise Refused("allocation_changed_meanwhile")
    decided = tuple(
        DecidedLine(l.report_id, l.reference, l.organisation, l.title, l.applied, l.proposed) for l in current.lines
    )
    await uow.allocations.decide(forum.id, year, decided, vote_id, now)
    await audit.record(
        uow,
        forum.id,
        by,
        Action.ALLOCATION_DECIDED,
        year,
        now,
        granted=sum(l.granted for l in decided),
        reports=len(decided),
        vote=vote_id,
    )
    return decided


def _steps(status: Status, amount: int) -> list[Status]:
    """The status changes from ``status`` to the decision, one allowed step
    at a time (a report is prioritised before it is granted)."""
    if amount > 0:
        return [Status.GRANTED] if status is Status.PRIORITISED else [Status.PRIORITISED, Status.GRANTED]
    return [] if status is Status.NOT_PRIORITISED else [Status.NOT_PRIORITISED]


async def decided_allocations(uow, forum_id: str, votes) -> dict[int, tuple[DecidedLine, ...]]:
    """For each of ``votes`` that decided an allocation: its table."""
    tables = {}
    for year in {v.allocation_year for v in votes if v.allocation_year}:
        proposal = await uow.allocations.get(forum_id, year)
        if proposal and proposal.decided_vote:
            tables[proposal.decided_vote] = proposal.decided
    return {v.id: tables[v.id] for v in votes if v.id in tables}

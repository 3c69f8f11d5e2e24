"""What the wheel's reminders and the award letters have in common: rows
that each carry one message out once. A row goes planned → claimed (by
one replica) → sending (right before each request) → sent / failed /
not_reachable, and back to claimed when Teams refuses a request (it does
not have it). After a crash, claimed goes back to planned and sending
becomes uncertain: Teams may have it, and sending again could double it.

Each function takes the row class; the class has id, status, claimed_by,
claimed_at, attempts, detail and finished_at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

UNCERTAIN = "the bot stopped while Teams had not answered; not sent again"


async def claim(
    session: AsyncSession, row, claimant: str, now: datetime, limit: int, *, where=(), order=(), returning=()
):
    """Take up to ``limit`` planned rows (also matching ``where``) for this
    replica, returning ``returning`` of each. On PostgreSQL rows another
    replica is taking are skipped, not waited for."""
    # A CTE, not "id IN (subquery)": PostgreSQL may run such a subquery
    # more than once, and with SKIP LOCKED each run finds other rows, so
    # the LIMIT would not hold.
    due = (
        select(row.id)
        .where(row.status == "planned", *where)
        .order_by(*order, row.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    return (
        await session.execute(
            update(row)
            .where(row.id == due.c.id, row.status == "planned")
            .values(status="claimed", claimed_by=claimant, claimed_at=now)
            .returning(row.id, *returning)
            .execution_options(synchronize_session=False)
        )
    ).all()


async def mark(
    session: AsyncSession,
    row,
    row_id: int,
    status: str,
    at: datetime,
    attempts: int = 0,
    detail: str | None = None,
    claimant: str | None = None,
) -> bool:
    """Record a row's state; False when nothing was changed. With
    ``claimant`` only while that replica still holds the claim: one whose
    claim ran out and went to another replica must neither send nor
    record over the new owner."""
    values = {"status": status, "detail": detail[:500] if detail else None}
    if status not in ("claimed", "sending"):
        values["finished_at"] = at
    if attempts:
        values["attempts"] = attempts
    query = update(row).where(row.id == row_id)
    if claimant is not None:
        query = query.where(row.claimed_by == claimant, row.status.in_(("claimed", "sending")))
    # Twice per card in a fan-out: the statement alone, no session bookkeeping.
    query = query.values(**values).execution_options(synchronize_session=False)
    return (await session.execute(query)).rowcount == 1


async def plan_again(session: AsyncSession, row, *where) -> int:
    """Rows that failed or found nobody, to a person's chat, go out once
    more: a person who installed the app or wrote to the bot since can be
    reached now. Never a row that was sent or is uncertain."""
    result = await session.execute(
        update(row)
        .where(row.status.in_(("failed", "not_reachable")), row.target.startswith("person:"), *where)
        .values(status="planned", claimed_by=None, claimed_at=None, detail=None, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


async def recover(session: AsyncSession, row, older_than: datetime) -> tuple[int, int]:
    """After a crash: (claimed back to planned, sending made uncertain)."""
    return await _give_back(session, row, row.claimed_at < older_than)


async def release(session: AsyncSession, row, claimant: str) -> tuple[int, int]:
    """A replica that stops gives back what it claimed and never sent now,
    instead of after the claim's timeout; what it was sending is uncertain."""
    return await _give_back(session, row, row.claimed_by == claimant)


async def _give_back(session: AsyncSession, row, whose) -> tuple[int, int]:
    back = await session.execute(
        update(row).where(row.status == "claimed", whose).values(status="planned", claimed_by=None, claimed_at=None)
    )
    unsure = await session.execute(
        update(row).where(row.status == "sending", whose).values(status="uncertain", detail=UNCERTAIN)
    )
    return back.rowcount, unsure.rowcount

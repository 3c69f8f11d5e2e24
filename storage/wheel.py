"""The annual wheel and its reminders in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.wheel.events import CHANNEL, EventKind, WheelEvent
from storage.models import ReminderRow, WheelEventRow



def _event(row: WheelEventRow) -> WheelEvent:
    return WheelEvent(
        id=row.id,
        forum_id=row.forum_id,
        kind=EventKind(row.kind),
        starts_at=row.starts_at,
        title=row.title,
        place=row.place,
        text=row.text,
        offsets=tuple(row.offsets),
    )


class WheelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- events ---------------------------------------------------------

    async def add(self, forum_id: str, values: dict, by: str | None, at: datetime) -> WheelEvent:
        row = WheelEventRow(forum_id=forum_id, updated_by=by, updated_at=at, **values)
        self.session.add(row)
        await self.session.flush()
        return _event(row)

    async def get(self, forum_id: str, event_id: int) -> WheelEvent | None:
        row = await self.session.scalar(
            select(WheelEventRow)
            .where(WheelEventRow.id == event_id, WheelEventRow.forum_id == forum_id)
            .execution_options(populate_existing=True)
        )
        return _event(row) if row else None

    async def change(self, event: WheelEvent, values: dict, by: str | None, at: datetime) -> WheelEvent:
        await self.session.execute(
            update(WheelEventRow)
            .where(WheelEventRow.id == event.id)
            .values(updated_by=by, updated_at=at, **values)
        )
        return await self.get(event.forum_id, event.id)

    async def remove(self, event: WheelEvent) -> None:
        await self.session.execute(delete(WheelEventRow).where(WheelEventRow.id == event.id))

    async def between(self, forum_id: str, start: datetime, end: datetime) -> list[WheelEvent]:
        rows = await self.session.scalars(
            select(WheelEventRow)
            .where(WheelEventRow.forum_id == forum_id, WheelEventRow.starts_at >= start, WheelEventRow.starts_at < end)
            .order_by(WheelEventRow.starts_at, WheelEventRow.id)
        )
        return [_event(r) for r in rows]

    async def has_any(self, forum_id: str) -> bool:
        return await self.session.scalar(select(WheelEventRow.id).where(WheelEventRow.forum_id == forum_id).limit(1)) is not None

    async def of_kind_in_year(self, forum_id: str, kind: EventKind, start: datetime, end: datetime) -> list[WheelEvent]:
        rows = await self.session.scalars(
            select(WheelEventRow)
            .where(
                WheelEventRow.forum_id == forum_id,
                WheelEventRow.kind == kind.value,
                WheelEventRow.starts_at >= start,
                WheelEventRow.starts_at < end,
            )
            .order_by(WheelEventRow.starts_at)
        )
        return [_event(r) for r in rows]

    # --- reminders ------------------------------------------------------

    async def plan(self, event: WheelEvent, now: datetime) -> None:
        """Make the event's channel reminders match its offsets and time.
        A reminder already sent stays sent: the same reminder is never sent
        twice, even when the event moves. One whose time has already passed
        when it is planned is skipped, not sent late."""
        rows = {
            r.offset_minutes: r
            for r in await self.session.scalars(
                select(ReminderRow).where(ReminderRow.event_id == event.id, ReminderRow.target == CHANNEL)
            )
        }
        wanted = dict(event.reminder_times())
        for offset, row in rows.items():
            if row.status in ("planned", "skipped", "cancelled"):
                if offset not in wanted:
                    row.status = "cancelled" if row.status == "planned" else row.status
                    continue
                row.due_at = wanted[offset]
                row.status = "planned" if wanted[offset] > now else "skipped"
        for offset, due in wanted.items():
            if offset not in rows:
                status = "planned" if due > now else "skipped"
                self.session.add(
                    ReminderRow(event_id=event.id, offset_minutes=offset, target=CHANNEL, due_at=due, status=status)
                )
        await self.session.flush()

    async def add_nudges(self, event_id: int, offset: int, targets: list[str], due: datetime) -> None:
        """Personal reminders that go with a channel reminder. A target that
        already has one for this offset keeps it."""
        existing = set(
            await self.session.scalars(
                select(ReminderRow.target).where(ReminderRow.event_id == event_id, ReminderRow.offset_minutes == offset)
            )
        )
        for target in targets:
            if target not in existing:
                try:
                    async with self.session.begin_nested():
                        self.session.add(
                            ReminderRow(event_id=event_id, offset_minutes=offset, target=target, due_at=due, status="planned")
                        )
                except IntegrityError:
                    pass  # another replica added it a moment ago

    async def claim_due(self, now: datetime, claimant: str, limit: int) -> list[tuple[int, int, str, datetime, WheelEvent]]:
        """Take up to ``limit`` due reminders for this process. On PostgreSQL
        rows another replica is taking are skipped, not waited for, so each
        reminder goes to exactly one replica."""
        # A CTE, not "id IN (subquery)": PostgreSQL may run such a subquery
        # more than once, and with SKIP LOCKED each run finds other rows, so
        # the LIMIT would not hold.
        due = (
            select(ReminderRow.id)
            .where(ReminderRow.status == "planned", ReminderRow.due_at <= now)
            .order_by(ReminderRow.due_at, ReminderRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
        )
        claimed = list(
            await self.session.scalars(
                update(ReminderRow)
                .where(ReminderRow.id == due.c.id, ReminderRow.status == "planned")
                .values(status="claimed", claimed_by=claimant, claimed_at=now)
                .returning(ReminderRow.id)
            )
        )
        if not claimed:
            return []
        rows = await self.session.execute(
            select(ReminderRow, WheelEventRow)
            .join(WheelEventRow, WheelEventRow.id == ReminderRow.event_id)
            .where(ReminderRow.id.in_(claimed))
            .order_by(ReminderRow.due_at, ReminderRow.id)
        )
        return [(r.id, r.offset_minutes, r.target, r.due_at, _event(e)) for r, e in rows]

    async def mark(self, reminder_id: int, status: str, at: datetime, attempts: int = 0, detail: str | None = None) -> None:
        values = {"status": status, "detail": detail[:500] if detail else None}
        if status not in ("sending",):
            values["finished_at"] = at
        if attempts:
            values["attempts"] = attempts
        await self.session.execute(update(ReminderRow).where(ReminderRow.id == reminder_id).values(**values))

    async def recover(self, older_than: datetime) -> tuple[int, int]:
        """After a crash: claimed but never started goes back to planned;
        started but never recorded is 'uncertain' (it may have reached Teams,
        and sending it again could double it)."""
        back = await self.session.execute(
            update(ReminderRow)
            .where(ReminderRow.status == "claimed", ReminderRow.claimed_at < older_than)
            .values(status="planned", claimed_by=None, claimed_at=None)
        )
        unsure = await self.session.execute(
            update(ReminderRow)
            .where(ReminderRow.status == "sending", ReminderRow.claimed_at < older_than)
            .values(status="uncertain", detail="the bot stopped while sending; not sent again")
        )
        return back.rowcount, unsure.rowcount

    async def deliveries(self, event_id: int) -> list[ReminderRow]:
        return list(
            await self.session.scalars(
                select(ReminderRow)
                .where(ReminderRow.event_id == event_id)
                .order_by(ReminderRow.offset_minutes.desc(), ReminderRow.target)
            )
        )

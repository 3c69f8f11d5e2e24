"""The annual wheel and its reminders in SQL."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.wheel.events import CHANNEL, EventKind, WheelEvent
from storage import outbox
from storage.models import OrganisationRow, PersonRow, ReminderRow, SeatRow, WheelEventRow

# What a plan may still change: nothing of these went out.
_OPEN = ("planned", "skipped", "cancelled")


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


@dataclass(frozen=True)
class ReminderBacklog:
    """Reminders that should be out and are not: counts by state ("due":
    planned and past its time; "claimed", "sending": taken by a replica),
    and how long the earliest of them has been due."""

    counts: Mapping[str, int]
    oldest_due_seconds: float


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
            update(WheelEventRow).where(WheelEventRow.id == event.id).values(updated_by=by, updated_at=at, **values)
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

    async def plan(self, event: WheelEvent, timezone: str, now: datetime) -> None:
        """Make the channel reminders for the event's time match its offsets
        (counted in the forum's ``timezone``).
        A reminder that went out stays as it was: the same reminder is never
        sent twice for one time of the event. When the event moves, what went
        out for its old time stays as history and the new time is planned
        afresh (a meeting moved by months gets its 14-day notice again);
        reminders of the old time that never went out move with the event.
        One whose time has already passed when it is planned is skipped, not
        sent late."""
        rows = list(
            await self.session.scalars(
                select(ReminderRow).where(ReminderRow.event_id == event.id, ReminderRow.target == CHANNEL)
            )
        )
        current = {r.offset_minutes: r for r in rows if r.event_starts_at == event.starts_at}
        for row in rows:
            if row.event_starts_at != event.starts_at and row.status in _OPEN:
                if row.offset_minutes in current:
                    await self.session.delete(row)  # back at a time that has its own
                else:
                    row.event_starts_at = event.starts_at
                    current[row.offset_minutes] = row
        wanted = dict(event.reminder_times(timezone))
        for offset, row in current.items():
            if row.status not in _OPEN:
                continue
            if offset not in wanted:
                row.status = "cancelled" if row.status == "planned" else row.status
                continue
            row.due_at = wanted[offset]
            row.status = "planned" if wanted[offset] > now else "skipped"
        for offset, due in wanted.items():
            if offset not in current:
                self.session.add(
                    ReminderRow(
                        event_id=event.id,
                        event_starts_at=event.starts_at,
                        offset_minutes=offset,
                        target=CHANNEL,
                        due_at=due,
                        status="planned" if due > now else "skipped",
                    )
                )
        await self.session.flush()

    async def add_nudges(
        self,
        event_id: int,
        offset: int,
        targets: list[str],
        due: datetime,
        starts_at: datetime,
        not_reachable: Mapping[str, str] | None = None,
    ) -> None:
        """Personal reminders that go with a channel reminder for the event's
        time ``starts_at``. ``not_reachable`` (target → why) are recorded as
        such at once, for the report. A target that already has one keeps it."""
        not_reachable = not_reachable or {}
        rows = [
            {
                "event_id": event_id,
                "event_starts_at": starts_at,
                "offset_minutes": offset,
                "target": target,
                "due_at": due,
                "status": "not_reachable" if target in not_reachable else "planned",
                "attempts": 0,
                "detail": not_reachable.get(target),
                "finished_at": due if target in not_reachable else None,
            }
            for target in dict.fromkeys([*targets, *not_reachable])
        ]
        if not rows:
            return
        # One statement for hundreds of people: the channel card waits for it.
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        key = [ReminderRow.event_id, ReminderRow.event_starts_at, ReminderRow.offset_minutes, ReminderRow.target]
        await self.session.execute(insert(ReminderRow).values(rows).on_conflict_do_nothing(index_elements=key))

    async def organisation_names(self, forum_id: str, aad_object_ids: Collection[str]) -> dict[str, str]:
        """For personal reminders, by Entra object id: the name of the
        person's organisation in the forum ("" without a seat there). One
        statement for a whole batch of nudges."""
        organisations = dict(
            (
                await self.session.execute(
                    select(PersonRow.aad_object_id, OrganisationRow.name)
                    .join(SeatRow, SeatRow.id == PersonRow.seat_id)
                    .join(
                        OrganisationRow,
                        (OrganisationRow.forum_id == SeatRow.forum_id)
                        & (OrganisationRow.id == SeatRow.organisation_id),
                    )
                    .where(
                        PersonRow.forum_id == forum_id,
                        PersonRow.active.is_(True),
                        PersonRow.aad_object_id.in_(aad_object_ids),
                    )
                )
            ).all()
        )
        return {aad: organisations.get(aad, "") for aad in aad_object_ids}

    async def claim_due(
        self, now: datetime, claimant: str, limit: int
    ) -> list[tuple[int, int, str, datetime, datetime, WheelEvent]]:
        """Take up to ``limit`` due reminders for this process: (id, offset,
        target, due, the event time it is for, the event as it is now);
        each goes to exactly one replica (see storage.outbox)."""
        claimed = await outbox.claim(
            self.session,
            ReminderRow,
            claimant,
            now,
            limit,
            where=(ReminderRow.due_at <= now,),
            order=(ReminderRow.due_at,),
            returning=(
                ReminderRow.offset_minutes,
                ReminderRow.target,
                ReminderRow.due_at,
                ReminderRow.event_starts_at,
                ReminderRow.event_id,
            ),
        )
        if not claimed:
            return []
        # A batch is mostly one event's nudges: read each event once.
        events = {
            row.id: _event(row)
            for row in await self.session.scalars(
                select(WheelEventRow).where(WheelEventRow.id.in_({c.event_id for c in claimed}))
            )
        }
        return [
            (c.id, c.offset_minutes, c.target, c.due_at, c.event_starts_at, events[c.event_id])
            for c in sorted(claimed, key=lambda c: (c.due_at, c.id))
        ]

    async def mark(
        self,
        reminder_id: int,
        status: str,
        at: datetime,
        attempts: int = 0,
        detail: str | None = None,
        claimant: str | None = None,
    ) -> bool:
        return await outbox.mark(self.session, ReminderRow, reminder_id, status, at, attempts, detail, claimant)

    async def backlog(self, now: datetime) -> ReminderBacklog:
        rows = (
            await self.session.execute(
                select(ReminderRow.status, func.count(), func.min(ReminderRow.due_at))
                .where(
                    or_(
                        (ReminderRow.status == "planned") & (ReminderRow.due_at <= now),
                        ReminderRow.status.in_(("claimed", "sending")),
                    )
                )
                .group_by(ReminderRow.status)
            )
        ).all()
        earliest = min((due for _, _, due in rows if due is not None), default=None)
        return ReminderBacklog(
            {"due" if status == "planned" else status: count for status, count, _ in rows},
            max(0.0, (now - earliest).total_seconds()) if earliest is not None else 0.0,
        )

    async def recover(self, older_than: datetime) -> tuple[int, int]:
        return await outbox.recover(self.session, ReminderRow, older_than)

    async def release(self, claimant: str) -> tuple[int, int]:
        return await outbox.release(self.session, ReminderRow, claimant)

    async def deliveries(self, event_id: int) -> list[ReminderRow]:
        """The reminders for the event's time, then what went out for times
        it had before."""
        return list(
            await self.session.scalars(
                select(ReminderRow)
                .join(WheelEventRow, WheelEventRow.id == ReminderRow.event_id)
                .where(ReminderRow.event_id == event_id)
                .order_by(
                    ReminderRow.event_starts_at != WheelEventRow.starts_at,
                    ReminderRow.event_starts_at.desc(),
                    ReminderRow.offset_minutes.desc(),
                    ReminderRow.target,
                )
            )
        )

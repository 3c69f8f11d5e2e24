"""Sending the wheel's reminders when they fall due.

Each reminder is a row with a unique key (event, offset, target), so it
exists once and is sent at most once. A process claims due rows before it
sends them; on PostgreSQL several replicas claim with SKIP LOCKED and never
get the same row. A row goes claimed → sending → sent / failed /
not_reachable; it is marked *sending* only when its message is about to
leave, after any wait for Teams' rate limits. After a crash, rows still
*claimed* go back to planned (they were never sent); rows still *sending*
become *uncertain*: Teams may or may not have the message, and sending again
could double it, so the delivery report shows them instead."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.forum.needs.service import organisations_without_reports
from bot.forum.wheel.events import CHANNEL, PERSON, EventKind, WheelEvent

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class DueReminder:
    id: int
    event: WheelEvent
    offset_minutes: int
    target: str  # "channel" or "person:<Entra object id>"
    due_at: datetime
    # Before a needs-report deadline: the submitting organisations that
    # have not sent a report for the deadline's year.
    missing_organisations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    status: str  # sent | failed | not_reachable
    attempts: int = 1
    detail: str | None = None


# Sends one reminder; calls the second argument right before the message leaves.
Notify = Callable[[DueReminder, Callable[[], Awaitable[None]]], Awaitable[Delivery]]


class Scheduler:
    def __init__(
        self,
        uow_factory,
        notify: Notify,
        clock: Callable[[], datetime],
        batch: int = 20,
        claim_timeout: timedelta = timedelta(minutes=5),
    ) -> None:
        self._uow = uow_factory
        self._notify = notify
        self._clock = clock
        self.batch = batch
        # A claim older than this belongs to a replica that stopped.
        self._claim_timeout = claim_timeout
        self.claimant = f"replica-{uuid.uuid4().hex[:12]}"

    async def run_once(self) -> int:
        """Send what is due now; returns how many reminders were handled."""
        now = self._clock()
        async with self._uow() as uow:
            await uow.wheel.recover(now - self._claim_timeout)
            claimed = await uow.wheel.claim_due(now, self.claimant, self.batch)
            await uow.commit()
        latest: dict[tuple[int, str], int] = {}
        for reminder_id, offset, target, _, event in claimed:
            key = (event.id, target)
            latest[key] = min(latest.get(key, offset), offset)
        # A batch is sent side by side: a deadline reminder fans out to
        # hundreds of 1:1 chats, and the deliverer keeps each conversation
        # and the tenant within Teams' limits on its own.
        async def handle(reminder_id: int, offset: int, target: str, due_at: datetime, event: WheelEvent) -> None:
            if event.starts_at <= now:
                await self._finish(reminder_id, "skipped", detail="the event had already begun")
            elif latest[(event.id, target)] != offset:
                # Several fell due while the bot was down: only the nearest
                # one goes out.
                await self._finish(reminder_id, "skipped", detail="a nearer reminder was sent instead")
            else:
                await self._deliver(DueReminder(reminder_id, event, offset, target, due_at))

        await asyncio.gather(*(handle(*item) for item in claimed))
        return len(claimed)

    async def _deliver(self, reminder: DueReminder) -> None:
        if reminder.target == CHANNEL and reminder.event.kind is EventKind.NEEDS_DEADLINE:
            reminder = await self._with_missing(reminder)

        async def leaving() -> None:
            async with self._uow() as uow:
                await uow.wheel.mark(reminder.id, "sending", self._clock())
                await uow.commit()

        try:
            delivery = await self._notify(reminder, leaving)
        except Exception as error:  # a bug, not a Teams answer: record it, go on
            log.exception("reminder %s failed", reminder.id)
            delivery = Delivery("failed", detail=f"internal error: {type(error).__name__}")
        await self._finish(reminder.id, delivery.status, delivery.attempts, delivery.detail)

    async def _with_missing(self, reminder: DueReminder) -> DueReminder:
        """Name who has not sent a report, and plan their personal nudges."""
        event = reminder.event
        async with self._uow() as uow:
            forum = await uow.forums.get(event.forum_id)
            year = event.starts_at.astimezone(ZoneInfo(forum.timezone)).year
            missing = await organisations_without_reports(uow, event.forum_id, year)
            targets = [f"{PERSON}{aad}" for org in missing for aad in org.contact_ids]
            await uow.wheel.add_nudges(event.id, reminder.offset_minutes, targets, self._clock())
            await uow.commit()
        return DueReminder(
            reminder.id, event, reminder.offset_minutes, reminder.target, reminder.due_at,
            tuple(org.name for org in missing),
        )

    async def _finish(self, reminder_id: int, status: str, attempts: int = 0, detail: str | None = None) -> None:
        async with self._uow() as uow:
            await uow.wheel.mark(reminder_id, status, self._clock(), attempts, detail)
            await uow.commit()

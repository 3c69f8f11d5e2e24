"""Sending the wheel's reminders when they fall due.

Each reminder is a row with a unique key (event, the event's time, offset,
target), so for one time of an event it exists once and is sent at most
once. A process claims due rows before it sends them; on PostgreSQL several
replicas claim with SKIP LOCKED and never get the same row. A row goes
claimed → sending → sent / failed / not_reachable. It is marked *sending*
right before each request that carries its message (after any wait for
Teams' rate limits), and *claimed* again when Teams refuses that request
(429, 412, 5xx: Teams does not have it), so that only a request without an
answer leaves it *sending*. After a crash, rows still *claimed* go back to
planned (Teams has none of them); rows still *sending* become *uncertain*:
Teams may or may not have the message, and sending again could double it,
so the delivery report shows them instead.

Every change to a claimed row is fenced by the claim: a replica whose claim
ran out and went to another replica neither sends nor records anything.
The deliverer's waits end well before a claim runs out (see bot/app.py), so
the fence is the guard, not the plan."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.forum.allocation.reporting import unreported
from bot.forum.needs.service import NotYetSent, organisations_without_reports
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
    # have not sent a report for the deadline's year; before a reporting
    # deadline, those with a grant to report on by it not reported back.
    # None: the reminder counts nobody (a reporting deadline no award
    # letter named, or any other event).
    missing_organisations: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Delivery:
    status: str  # sent | failed | not_reachable
    attempts: int = 1
    detail: str | None = None


# Where a reminder goes for someone the roster knows only by e-mail:
# "roster:<people.id>". No message can reach them before they have written
# to the bot (that tells it their Entra object id), so the row is recorded
# not reachable at once, for the delivery report.
ROSTER = "roster:"
ONLY_EMAIL = "known to the roster only by e-mail: reachable once they have written to the bot"


class Claim:
    """This replica's hold on one row that carries a message out (a
    reminder, an award letter). The deliverer calls it around every
    request that carries the message (bot.delivery.deliverer.SendWatch)."""

    def __init__(self, mark: Callable[[int, str], Awaitable[bool]], row_id: int) -> None:
        self._mark = mark
        self.row_id = row_id

    async def leaving(self) -> bool:
        """Right before a request: False when the claim is lost (do not send)."""
        return await self._mark(self.row_id, "sending")

    async def refused(self) -> None:
        """Teams answered the request with a refusal: it does not have it."""
        await self._mark(self.row_id, "claimed")


# Sends one reminder, telling the claim about each request.
Send = Callable[[DueReminder, Claim], Awaitable[Delivery]]


class Notifier(Protocol):
    async def prepare(self, reminders: list[DueReminder]) -> Send:
        """Read what sending these reminders needs, once for all of them, and
        give the function that sends each."""


class Scheduler:
    def __init__(
        self,
        uow_factory,
        notify: Notifier,
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
        self._stopping = False

    async def run_once(self) -> int:
        """Send what is due now, and what sending it makes due: the personal
        nudges a needs-deadline reminder plans go right after its channel
        card, not a round later. Returns how many reminders were handled."""
        async with self._uow() as uow:
            await uow.wheel.recover(self._clock() - self._claim_timeout)
            await uow.commit()
        # Up to a batch side by side: a deadline reminder fans out to
        # hundreds of 1:1 chats, and the deliverer keeps each conversation
        # and the tenant within Teams' limits on its own. More are claimed
        # as soon as half of them are done, so the sends never wait for the
        # slowest of a batch.
        handled = 0
        sending: set[asyncio.Task] = set()
        try:
            while True:
                if len(sending) <= self.batch // 2 and not self._stopping:
                    claimed = await self._claim(self.batch - len(sending))
                    handled += len(claimed)
                    sending |= {asyncio.create_task(send) for send in claimed}
                if not sending:
                    return handled
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # a failure here is the database's: let the round fail
        finally:
            for task in sending:
                task.cancel()

    def stop_claiming(self) -> None:
        """The process is stopping: finish the sends begun, take no more."""
        self._stopping = True

    async def release_claims(self) -> tuple[int, int]:
        """After the last send: give back what this replica claimed and did
        not send (planned again), and mark what it gave up in the middle of
        a request uncertain. Returns (given back, uncertain)."""
        async with self._uow() as uow:
            released = await uow.wheel.release(self.claimant)
            await uow.commit()
        return released

    async def _claim(self, limit: int) -> list[Coroutine[None, None, object]]:
        now = self._clock()
        async with self._uow() as uow:
            claimed = await uow.wheel.claim_due(now, self.claimant, limit)
            await uow.commit()
        latest: dict[tuple[int, str], int] = {}
        for _, offset, target, _, for_time, event in claimed:
            if for_time == event.starts_at:
                key = (event.id, target)
                latest[key] = min(latest.get(key, offset), offset)
        skipped: list[tuple[int, str]] = []
        due: list[DueReminder] = []
        for reminder_id, offset, target, due_at, for_time, event in claimed:
            if for_time != event.starts_at:
                skipped.append((reminder_id, "the event moved; its new time has its own reminders"))
            elif event.starts_at <= now:
                skipped.append((reminder_id, "the event had already begun"))
            elif latest[(event.id, target)] != offset:
                # Several fell due while the bot was down: only the nearest
                # one goes out.
                skipped.append((reminder_id, "a nearer reminder was sent instead"))
            else:
                due.append(DueReminder(reminder_id, event, offset, target, due_at))
        # Like the claim, a read: a failure of it is the database's.
        send = await self._notify.prepare(due) if due else None
        return [self._mark(i, "skipped", detail=why) for i, why in skipped] + [self._deliver(r, send) for r in due]

    async def _deliver(self, reminder: DueReminder, send: Send) -> None:
        if reminder.target == CHANNEL and reminder.event.kind in _WAITED_FOR:
            reminder = await self._with_missing(reminder)
        try:
            delivery = await send(reminder, Claim(self._mark, reminder.id))
        except Exception as error:  # a bug, not a Teams answer: record it, go on
            log.exception("reminder %s failed", reminder.id)
            delivery = Delivery("failed", detail=f"internal error: {type(error).__name__}")
        await self._mark(reminder.id, delivery.status, delivery.attempts, delivery.detail)

    async def _with_missing(self, reminder: DueReminder) -> DueReminder:
        """Name who the deadline waits for, and plan their personal nudges."""
        event = reminder.event
        async with self._uow() as uow:
            missing = await _WAITED_FOR[event.kind](uow, event)
            if missing is None:
                return reminder
            targets = [f"{PERSON}{aad}" for org in missing for aad in org.contact_ids]
            unreachable = {f"{ROSTER}{person}": ONLY_EMAIL for org in missing for person in org.only_email}
            await uow.wheel.add_nudges(
                event.id, reminder.offset_minutes, targets, self._clock(), event.starts_at, unreachable
            )
            await uow.commit()
        return DueReminder(
            reminder.id,
            event,
            reminder.offset_minutes,
            reminder.target,
            reminder.due_at,
            tuple(org.name for org in missing),
        )

    async def _mark(self, reminder_id: int, status: str, attempts: int = 0, detail: str | None = None) -> bool:
        async with self._uow() as uow:
            done = await uow.wheel.mark(reminder_id, status, self._clock(), attempts, detail, claimant=self.claimant)
            await uow.commit()
        if not done:
            log.warning("reminder %s is no longer claimed by %s: not marked %s", reminder_id, self.claimant, status)
        return done


async def _without_needs_reports(uow, event: WheelEvent) -> list[NotYetSent]:
    forum = await uow.forums.get(event.forum_id)
    year = event.starts_at.astimezone(ZoneInfo(forum.timezone)).year
    return await organisations_without_reports(uow, event.forum_id, year)


async def _not_reported_back(uow, event: WheelEvent) -> list[NotYetSent] | None:
    return await unreported(uow, event.forum_id, event.id)


# The deadlines whose channel reminder names the organisations the forum
# still waits for, and nudges their seats 1:1.
_WAITED_FOR: dict[EventKind, Callable[..., Awaitable[list[NotYetSent] | None]]] = {
    EventKind.NEEDS_DEADLINE: _without_needs_reports,
    EventKind.REPORTING_DEADLINE: _not_reported_back,
}

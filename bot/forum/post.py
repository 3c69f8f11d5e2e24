"""Sending what the forum sends once to many (the award letters, the
announcements, the meeting notices), with the care the wheel's reminders
get (bot.forum.wheel.scheduler, storage.outbox): each message to each
place is a row claimed by one replica, marked right before each request,
fenced by the claim, and after a crash either planned again (Teams never
had it) or uncertain (it may have: not sent twice)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.forum.wheel.events import PERSON
from bot.forum.wheel.scheduler import ONLY_EMAIL, ROSTER, Claim, Delivery

log = logging.getLogger(__name__)

Item = TypeVar("Item")  # one row to send; it has an ``id``

Send = Callable[[Item, Claim], Awaitable[Delivery]]


def target(person) -> str:
    """Where a message to a person goes: their 1:1 chat, or for someone the
    roster knows only by e-mail, their roster row (never sent)."""
    return f"{PERSON}{person.aad_object_id}" if person.aad_object_id else f"{ROSTER}{person.id}"


def planned_for(person) -> tuple[str, str, str | None]:
    """(target, status, detail) of a new message to a person: planned, or
    not reachable at once for someone known only by e-mail."""
    if person.aad_object_id:
        return target(person), "planned", None
    return target(person), "not_reachable", ONLY_EMAIL


def may_go_again(delivery) -> bool:
    """A message that failed or found nobody, to a person's chat: the
    person may have installed the app or written to the bot since. Never
    one that was sent or may have been."""
    return delivery.status in ("failed", "not_reachable") and delivery.target.startswith(PERSON)


class Notifier(Protocol[Item]):
    async def prepare(self, items: list[Item]) -> Send:
        """Read what sending these needs, once for all of them, and give
        the function that sends each."""


class Outbox(Protocol[Item]):
    """The repository of one kind of row (storage.outbox does the work)."""

    async def recover(self, older_than: datetime) -> tuple[int, int]: ...
    async def claim(self, claimant: str, now: datetime, limit: int) -> list[Item]: ...
    async def mark(
        self,
        row_id: int,
        status: str,
        at: datetime,
        attempts: int = 0,
        detail: str | None = None,
        claimant: str | None = None,
    ) -> bool: ...
    async def release(self, claimant: str) -> tuple[int, int]: ...


class Post:
    def __init__(
        self,
        name: str,
        outbox: Callable[[object], Outbox],
        uow_factory,
        notify: Notifier,
        clock: Callable[[], datetime],
        batch: int = 50,
        claim_timeout: timedelta = timedelta(minutes=5),
    ) -> None:
        self.name = name
        self._outbox = outbox  # the unit of work's repository of these rows
        self._uow = uow_factory
        self._notify = notify
        self._clock = clock
        self.batch = batch
        self._claim_timeout = claim_timeout  # a claim older than this belongs to a replica that stopped
        self.claimant = f"{name.replace(' ', '-')}-{uuid.uuid4().hex[:12]}"
        self._stopping = False
        self._running = False  # a run_all is under way
        self._again = False  # and rows came after its last claim

    async def run_once(self) -> int:
        """Send a batch of the rows waiting; returns how many."""
        if self._stopping:
            return 0
        now = self._clock()
        async with self._uow() as uow:
            await self._outbox(uow).recover(now - self._claim_timeout)
            claimed = await self._outbox(uow).claim(self.claimant, now, self.batch)
            await uow.commit()
        if not claimed:
            return 0
        send = await self._notify.prepare(claimed)
        await asyncio.gather(*(self._deliver(item, send) for item in claimed))
        return len(claimed)

    async def run_all(self) -> None:
        """Right after someone pressed send: every batch now, not a round
        later. A call while one runs only asks it to go round once more: a
        burst of presses (a forum's Forfall, each calling a deputy) is one
        run, not hundreds claiming against each other."""
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                while await self.run_once() >= self.batch:
                    pass
                if not self._again:
                    return
        finally:
            self._running = False

    def stop_claiming(self) -> None:
        self._stopping = True

    async def release_claims(self) -> tuple[int, int]:
        async with self._uow() as uow:
            released = await self._outbox(uow).release(self.claimant)
            await uow.commit()
        return released

    async def _deliver(self, item, send: Send) -> None:
        try:
            delivery = await send(item, Claim(self._mark, item.id))
        except Exception as error:  # a bug, not a Teams answer: record it, go on
            log.exception("%s: row %s failed", self.name, item.id)
            delivery = Delivery("failed", detail=f"internal error: {type(error).__name__}")
        await self._mark(item.id, delivery.status, delivery.attempts, delivery.detail)

    async def _mark(self, row_id: int, status: str, attempts: int = 0, detail: str | None = None) -> bool:
        async with self._uow() as uow:
            done = await self._outbox(uow).mark(row_id, status, self._clock(), attempts, detail, self.claimant)
            await uow.commit()
        if not done:
            log.warning(
                "%s: row %s is no longer claimed by %s: not marked %s", self.name, row_id, self.claimant, status
            )
        return done


@dataclass(frozen=True)
class Posts:
    """The process's posts, one per kind of row."""

    letters: Post
    announcements: Post
    meetings: Post

    def __iter__(self):
        return iter((self.letters, self.announcements, self.meetings))

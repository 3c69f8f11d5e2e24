"""Sending the award letters, with the care the wheel's reminders get
(bot.forum.wheel.scheduler, storage.outbox): each letter to each person is
a row claimed by one replica, marked right before each request, fenced by
the claim, and after a crash either planned again (Teams never had it) or
uncertain (it may have: not sent twice)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.forum.wheel.scheduler import Claim, Delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LetterToSend:
    id: int
    forum_id: str
    year: int
    organisation_id: str
    target: str  # "person:<Entra object id>"


Send = Callable[[LetterToSend, Claim], Awaitable[Delivery]]


class LetterNotifier(Protocol):
    async def prepare(self, letters: list[LetterToSend]) -> Send:
        """Read what sending these letters needs, once for all of them, and
        give the function that sends each."""


class LetterPost:
    def __init__(
        self, uow_factory, notify: LetterNotifier, clock: Callable[[], datetime], batch: int = 50,
        claim_timeout: timedelta = timedelta(minutes=5),
    ) -> None:
        self._uow = uow_factory
        self._notify = notify
        self._clock = clock
        self.batch = batch
        self._claim_timeout = claim_timeout  # a claim older than this belongs to a replica that stopped
        self.claimant = f"letters-{uuid.uuid4().hex[:12]}"
        self._stopping = False

    async def run_once(self) -> int:
        """Send a batch of the letters waiting; returns how many."""
        if self._stopping:
            return 0
        now = self._clock()
        async with self._uow() as uow:
            await uow.award_letters.recover(now - self._claim_timeout)
            claimed = await uow.award_letters.claim(self.claimant, now, self.batch)
            await uow.commit()
        if not claimed:
            return 0
        send = await self._notify.prepare(claimed)
        await asyncio.gather(*(self._deliver(letter, send) for letter in claimed))
        return len(claimed)

    async def run_all(self) -> None:
        """Right after the Statsforvalter sent them: every batch now, not a
        round later."""
        while await self.run_once() >= self.batch:
            pass

    def stop_claiming(self) -> None:
        self._stopping = True

    async def release_claims(self) -> tuple[int, int]:
        async with self._uow() as uow:
            released = await uow.award_letters.release(self.claimant)
            await uow.commit()
        return released

    async def _deliver(self, letter: LetterToSend, send: Send) -> None:
        try:
            delivery = await send(letter, Claim(self._mark, letter.id))
        except Exception as error:  # a bug, not a Teams answer: record it, go on
            log.exception("award letter %s failed", letter.id)
            delivery = Delivery("failed", detail=f"internal error: {type(error).__name__}")
        await self._mark(letter.id, delivery.status, delivery.attempts, delivery.detail)

    async def _mark(self, letter_id: int, status: str, attempts: int = 0, detail: str | None = None) -> bool:
        async with self._uow() as uow:
            done = await uow.award_letters.mark(letter_id, status, self._clock(), attempts, detail, self.claimant)
            await uow.commit()
        if not done:
            log.warning("award letter %s is no longer claimed by %s: not marked %s", letter_id, self.claimant, status)
        return done

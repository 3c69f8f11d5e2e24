"""What the process does when told to stop (SIGTERM from the platform,
Ctrl-C at a terminal), within `SHUTDOWN_GRACE_SECONDS` counted from the
signal:

1. aiohttp closes the listening socket (no new connections), and we stop
   taking work: `/readyz` answers 503, the wheel's scheduler claims no more
   reminders, and no new scheduler round starts.
2. The requests already in progress are answered (aiohttp waits for them);
   replies, news and card updates already begun, and the reminders already
   claimed, are sent, as long as the grace lasts.
3. What is still unsent when it runs out is cancelled, and the claims are
   given back: reminders claimed and not sent go back to planned at once,
   for the next replica or the restart (without waiting for the claim's
   timeout); one cancelled while Teams had not answered becomes uncertain,
   since Teams may have it. The process then exits without waiting for
   the HTTP requests it gave up on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.forum.post import Post
from bot.forum.rounds import Rounds
from bot.forum.wheel.scheduler import Scheduler
from bot.web.health import Health

log = logging.getLogger(__name__)

CANCEL_SECONDS = 5.0


class Sender(Protocol):
    """Work sent after the answer (bot.handlers.afterwards, bot.handlers.vote_cards)."""

    async def settle(self) -> None: ...

    def cancel(self) -> None: ...


class GracefulStop:
    def __init__(
        self,
        grace_seconds: float,
        health: Health,
        claimers: Sequence[Scheduler | Post],
        rounds: Rounds | None,
        senders: Sequence[Sender],
    ) -> None:
        self._grace = grace_seconds
        self._health = health
        self._claimers = claimers  # the wheel's scheduler and the posts
        self._rounds = rounds
        self._senders = senders
        self._rounds_task: asyncio.Task | None = None
        self._deadline: float | None = None
        # Set when the grace ran out: a request cancelled here may still
        # hold one of msrest's threads until its own timeout, and the
        # process need not wait for it (see bot/__main__.py).
        self.abandoned_sends = False

    async def start(self, _: web.Application) -> None:
        if self._rounds is not None:
            self._rounds_task = asyncio.create_task(self._rounds.run())

    async def stop_taking_work(self, _: web.Application) -> None:
        self._deadline = time.monotonic() + self._grace
        self._health.stopping = True
        for claimer in self._claimers:
            claimer.stop_claiming()
        if self._rounds is not None:
            self._rounds.stop()

    async def finish(self, _: web.Application) -> None:
        """Send what was begun within the grace; cancel the rest; give back
        the claims."""
        if self._deadline is None:  # cleaned up without a shutdown first
            self._deadline = time.monotonic() + self._grace
        work = [asyncio.ensure_future(sender.settle()) for sender in self._senders]
        if self._rounds_task is not None:
            work.append(self._rounds_task)
        _, unfinished = await asyncio.wait(work, timeout=max(0.0, self._deadline - time.monotonic()))
        if unfinished:
            self.abandoned_sends = True
            log.warning("stopping: the grace of %.0f s ran out with sends unfinished; cancelling them", self._grace)
            for sender in self._senders:
                sender.cancel()
            for task in unfinished:
                task.cancel()
            # The cancelled sends end at their next await; their last
            # database writes (a claim back to claimed) need a moment.
            await asyncio.wait(
                [*unfinished, *(asyncio.ensure_future(s.settle()) for s in self._senders)], timeout=CANCEL_SECONDS
            )
        for claimer in self._claimers:
            try:
                given_back, uncertain = await claimer.release_claims()
            except Exception:  # the database is gone too: the claims time out instead
                log.exception(
                    "stopping: could not give back the claims of %s", getattr(claimer, "name", type(claimer).__name__)
                )
                continue
            if given_back or uncertain:
                log.info(
                    "stopping: %s gave back %d to be sent, %d uncertain",
                    getattr(claimer, "name", type(claimer).__name__),
                    given_back,
                    uncertain,
                )

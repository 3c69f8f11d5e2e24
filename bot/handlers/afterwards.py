"""Work a press starts that its answer must not wait for.

Teams waits only seconds for the answer to a button, and a message to a
busy channel may wait much longer for Teams' rate limits and retries; so
the news a press makes (a needs report's notice, a vote's result) is sent
after the answer. What fails there is logged: the press's own work stands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

log = logging.getLogger(__name__)


class Afterwards:
    def __init__(self) -> None:
        self._running: set[asyncio.Task] = set()

    def start(self, work: Awaitable[None], what: str) -> None:
        task = asyncio.create_task(self._logged(work, what))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settle(self) -> None:
        """Wait until all of it is done (for tests and shutdown)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def cancel(self) -> None:
        """Give up what is still running (shutdown, when the grace runs out)."""
        for task in self._running:
            task.cancel()

    @staticmethod
    async def _logged(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("sending %s failed", what)

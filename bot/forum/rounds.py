"""The scheduler's loop. Every interval each job (the wheel's reminders,
the votes' closings and reminders) does what is due; a job that found a
full batch goes again before the loop sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Job(Protocol):
    batch: int  # the most it takes on in one round

    async def run_once(self) -> int: ...  # does what is due now; returns how many


class Rounds:
    def __init__(self, jobs: Sequence[Job], interval_seconds: float) -> None:
        self._jobs = jobs
        self._interval = interval_seconds
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """No round after the one running (which ends when its job does)."""
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            for job in self._jobs:
                if self._stopping.is_set():
                    return
                try:
                    while await job.run_once() >= job.batch and not self._stopping.is_set():
                        pass  # more are due: keep going before sleeping
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database may be restarting: try again next round
                    log.exception("scheduler round of %s failed", type(job).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

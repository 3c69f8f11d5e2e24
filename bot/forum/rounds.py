"""The scheduler's loop. Every interval each job (the wheel's reminders,
the votes' closings and reminders) does what is due; a job that found a
full batch goes again before the loop sleeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Job(Protocol):
    batch: int  # the most it takes on in one round

    async def run_once(self) -> int: ...  # does what is due now; returns how many


async def run_forever(jobs: Sequence[Job], interval_seconds: float) -> None:
    while True:
        for job in jobs:
            try:
                while await job.run_once() >= job.batch:
                    pass  # more are due: keep going before sleeping
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be restarting: try again next round
                log.exception("scheduler round of %s failed", type(job).__name__)
        await asyncio.sleep(interval_seconds)

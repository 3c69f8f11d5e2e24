"""A bot process told to stop (SIGTERM, as a platform does at a redeploy)
finishes the reminders it has begun within SHUTDOWN_GRACE_SECONDS, and when
Teams keeps it waiting past that, gives back what it claimed at once: the
next replica sends those, nothing is doubled, and the one Teams had not
answered is reported uncertain."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from aiohttp import web

from storage.database import create_engine, session_factory
from tests.connector import LocalConnector
from tests.test_reminders_processes import (
    HoldingConnector,
    due_reminders,
    start_bot,
    statuses,
    stop,
    titles,
    wait_until,
    wait_until_serving,
)


@pytest.fixture
async def database(database_url):
    engine = create_engine(database_url)
    yield database_url, session_factory(engine)
    await engine.dispose()


class UnhurriedConnector(LocalConnector):
    """Takes its time over each post, as a busy Teams does."""

    async def _send(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return await super()._send(request)


async def exit_code_after_sigterm(process, seconds: float) -> tuple[int, float]:
    """Send SIGTERM; wait (without blocking the connector's loop) for the exit."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    while process.poll() is None and time.monotonic() - started < seconds:
        await asyncio.sleep(0.05)
    return process.poll(), time.monotonic() - started


async def test_a_stopping_bot_sends_the_reminders_it_began(database):
    url, sessions = database
    connector = UnhurriedConnector()
    await connector.start()
    bot = start_bot(url, SHUTDOWN_GRACE_SECONDS="20")
    try:
        await wait_until_serving(bot)
        await due_reminders(sessions, connector.url, 5)
        await connector.wait_for(1, timeout=30)  # the first is out; four are claimed behind it
        code, _ = await exit_code_after_sigterm(bot, 30)
    finally:
        stop(bot, signal.SIGKILL)
        await connector.stop()

    assert code == 0
    assert await statuses(sessions) == {"sent": 5}
    assert sorted(titles(connector)) == [f"Hendelse {n:03d}" for n in range(5)]


async def test_when_teams_keeps_it_waiting_past_the_grace_the_claims_are_given_back(database):
    url, sessions = database
    connector = HoldingConnector()  # answers the first post only when told
    await connector.start()
    first = start_bot(url, SHUTDOWN_GRACE_SECONDS="1")
    second = None
    try:
        await wait_until_serving(first)
        await due_reminders(sessions, connector.url, 5)
        await asyncio.wait_for(connector.holding.wait(), 30)
        code, took = await exit_code_after_sigterm(first, 30)
        assert code == 0
        assert took < 10  # 1 s of grace, then the cancellation; not the request's 30-s timeout
        # At once, not after the claims' five minutes: the four never sent are
        # planned again; the one Teams had not answered may have arrived.
        assert await statuses(sessions) == {"planned": 4, "uncertain": 1}

        connector.release.set()
        second = start_bot(url)

        async def the_rest_sent():
            return await statuses(sessions) == {"sent": 4, "uncertain": 1}

        await wait_until(the_rest_sent, sessions=sessions)
        await asyncio.sleep(1)  # time for any double to arrive
    finally:
        stop(first, signal.SIGKILL)
        if second:
            stop(second)
        await connector.stop()

    assert sorted(titles(connector)) == [f"Hendelse {n:03d}" for n in range(5)]  # each once

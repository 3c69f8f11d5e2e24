"""Reminders with real bot processes on PostgreSQL: two replicas share the
work and send each reminder once; a replica killed in the middle of a send,
or while it waits to try again after Teams said "not now", loses nothing
and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from storage.database import create_engine, session_factory
from storage.models import ForumRow, ReminderRow, WheelEventRow
from tests.conftest import admin_sql, postgres_database_url
from tests.connector import LocalConnector

REPO = Path(__file__).resolve().parents[1]
CHANNEL = "19:forum-channel@thread.tacv2"


@pytest.fixture
async def database(postgres_template):
    name = f"sfb_proc_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    engine = create_engine(postgres_database_url(name))
    yield postgres_database_url(name), session_factory(engine)
    await engine.dispose()
    await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class HoldingConnector(LocalConnector):
    """Receives the first channel post and does not answer it until told."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def _send(self, request: web.Request) -> web.Response:
        if not self.held:
            self.held = True
            activity = await request.json()
            self.received.append(_received(request, activity))
            # Only now: a kill before the body is read would leave Teams
            # without the message, and the test would count it as there.
            self.holding.set()
            await self.release.wait()
            return web.json_response({"id": "held"})
        return await super()._send(request)


class RefusingConnector(LocalConnector):
    """Answers the first post "429 Too Many Requests, retry after 2 s"."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = asyncio.Event()

    async def _send(self, request: web.Request) -> web.Response:
        if not self.refused.is_set():
            self.refused.set()
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "slow down"}}, status=429, headers={"Retry-After": "2"}
            )
        return await super()._send(request)


class SlowConnector(LocalConnector):
    """Takes a moment over each post, as Teams does, so that a batch takes
    long enough for the other replica to claim the next."""

    async def _send(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return await super()._send(request)


def _received(request, activity):
    from tests.connector import Received

    return Received("send", request.match_info["cid"], activity, request.match_info.get("aid"))


def start_bot(database_url: str, **env: str) -> subprocess.Popen:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "MICROSOFT_APP_ID": "",
            "SCHEDULER_INTERVAL_SECONDS": "0.2",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    process.port = port
    return process


async def wait_until_serving(*processes) -> None:
    for _ in range(600):
        if all([await _healthy(p.port) for p in processes]):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bots did not start")


async def _healthy(port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.write(b"GET /healthz HTTP/1.0\r\n\r\n")
    answer = await reader.read(12)
    writer.close()
    return answer.endswith(b"200")


async def due_reminders(sessions, connector_url: str, count: int) -> None:
    """``count`` events, each with one reminder due now, and the forum
    channel pointing at the test's connector."""
    now = datetime.now(UTC)
    async with sessions() as session:
        forum = await session.get(ForumRow, "oslo-viken")
        forum.team_id, forum.channel_id = "19:team", CHANNEL
        forum.channel_reference = {
            "service_url": connector_url,
            "channel_id": "msteams",
            "tenant_id": "t",
            "conversation_id": CHANNEL,
            "bot_id": "28:bot",
        }
        for n in range(count):
            event = WheelEventRow(
                forum_id="oslo-viken",
                kind="annet",
                starts_at=now + timedelta(days=2),
                title=f"Hendelse {n:03d}",
                place="",
                text="",
                offsets=[1440],
                updated_at=now,
            )
            session.add(event)
            await session.flush()
            session.add(
                ReminderRow(
                    event_id=event.id,
                    event_starts_at=event.starts_at,
                    offset_minutes=1440,
                    target="channel",
                    due_at=now,
                    status="planned",
                )
            )
        await session.commit()


def titles(connector: LocalConnector) -> list[str]:
    return [
        item["text"]
        for r in connector.sent_to(CHANNEL)
        for card in r.cards
        for item in card["body"][0]["items"]
        if item["text"].startswith("Hendelse")
    ]


async def statuses(sessions) -> dict[str, int]:
    """Of the test's reminders (the example wheel has its own)."""
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(ReminderRow)
                .join(WheelEventRow, WheelEventRow.id == ReminderRow.event_id)
                .where(WheelEventRow.title.startswith("Hendelse"))
            )
        ).all()
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts


async def wait_until(predicate, seconds: float = 60, sessions=None) -> None:
    for _ in range(int(seconds * 10)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out; reminders: {await statuses(sessions) if sessions else '?'}")


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


async def test_two_replicas_send_each_reminder_once(database):
    url, sessions = database
    connector = SlowConnector()
    await connector.start()
    bots = [start_bot(url), start_bot(url)]
    try:
        await wait_until_serving(*bots)
        await due_reminders(sessions, connector.url, 60)

        async def all_sent():
            return (await statuses(sessions)).get("sent", 0) == 60

        await wait_until(all_sent, sessions=sessions)
        await asyncio.sleep(1)  # time for any double to arrive
    finally:
        for bot in bots:
            stop(bot)
        await connector.stop()

    sent = titles(connector)
    assert sorted(sent) == [f"Hendelse {n:03d}" for n in range(60)]  # each once
    async with sessions() as session:
        claimants = set(await session.scalars(select(ReminderRow.claimed_by).where(ReminderRow.status == "sent")))
    assert len(claimants) == 2, claimants  # both replicas took a share


async def test_a_replica_killed_while_sending_loses_and_doubles_nothing(database):
    url, sessions = database
    connector = HoldingConnector()
    await connector.start()
    first = start_bot(url, REMINDER_CLAIM_TIMEOUT_SECONDS="2")
    second = None
    try:
        await wait_until_serving(first)
        await due_reminders(sessions, connector.url, 5)
        await asyncio.wait_for(connector.holding.wait(), 30)
        stop(first, signal.SIGKILL)  # in the middle of a send
        connector.release.set()

        second = start_bot(url, REMINDER_CLAIM_TIMEOUT_SECONDS="2")

        async def settled():
            # The held send is uncertain; others in flight at the kill may be too.
            counts = await statuses(sessions)
            return counts.get("sent", 0) + counts.get("uncertain", 0) == 5 and counts.get("uncertain", 0) >= 1

        await wait_until(settled)
        await asyncio.sleep(1)
    finally:
        stop(first, signal.SIGKILL)
        if second:
            stop(second)
        await connector.stop()

    assert sorted(titles(connector)) == [f"Hendelse {n:03d}" for n in range(5)]  # all there, none twice


async def test_a_replica_killed_while_waiting_to_retry_loses_and_doubles_nothing(database):
    url, sessions = database
    connector = RefusingConnector()
    await connector.start()
    # The claim outlasts twice the 2-s wait: the replica waits it out.
    first = start_bot(url, REMINDER_CLAIM_TIMEOUT_SECONDS="6")
    second = None
    try:
        await wait_until_serving(first)
        await due_reminders(sessions, connector.url, 1)
        await asyncio.wait_for(connector.refused.wait(), 30)

        async def queued_again():
            # Teams refused the post, so it certainly does not have it.
            return (await statuses(sessions)) == {"claimed": 1}

        await wait_until(queued_again, 2, sessions)
        stop(first, signal.SIGKILL)  # in the wait before the second try

        second = start_bot(url, REMINDER_CLAIM_TIMEOUT_SECONDS="6")

        async def sent():
            return (await statuses(sessions)) == {"sent": 1}

        await wait_until(sent, sessions=sessions)
        await asyncio.sleep(1)
    finally:
        stop(first, signal.SIGKILL)
        if second:
            stop(second)
        await connector.stop()

    assert titles(connector) == ["Hendelse 000"]  # once, after the restart

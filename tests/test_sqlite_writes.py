"""On SQLite the bot's writing transactions take turns in the process
(storage/sqlite_writes.py) instead of racing in SQLite's busy handler: many
writers at once all get through, a failed one gives its turn back, and
readers do not wait for the writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import HandledActivityRow
from storage.unit_of_work import UnitOfWork

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}")
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_two_hundred_writers_at_once_are_all_stored_and_a_failed_one_gives_its_turn_back(sessions):
    turn = sessions.kw["sync_session_class"].lock

    async def record(n: int) -> None:
        async with UnitOfWork(sessions) as uow:
            await uow.activities.take("a:chat", f"activity-{n}", NOW)
            await asyncio.sleep(0)  # others run while this one holds its turn
            if n % 50 == 7:
                raise RuntimeError("a handler failed after writing")
            await uow.commit()

    results = await asyncio.wait_for(asyncio.gather(*(record(n) for n in range(200)), return_exceptions=True), 60)

    failed = [r for r in results if isinstance(r, Exception)]
    assert [str(f) for f in failed] == ["a handler failed after writing"] * 4
    assert not turn.locked()
    async with UnitOfWork(sessions) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(HandledActivityRow)) == 196


async def test_a_reader_does_not_wait_for_a_writers_turn(sessions):
    async with UnitOfWork(sessions) as writer:
        await writer.activities.take("a:chat", "activity-1", NOW)
        async with UnitOfWork(sessions) as reader:  # the same task, while the writer holds its turn
            count = await asyncio.wait_for(
                reader.session.scalar(select(func.count()).select_from(HandledActivityRow)), 5
            )
        assert count == 0  # WAL: the reader sees what was committed before
        await writer.commit()


async def test_writers_that_outnumber_the_pool_do_not_wait_for_each_other(tmp_path):
    """A burst bigger than the connection pool: sessions that have read
    hold a connection and wait for the write turn; one whose first statement
    is a write must not take the turn and then wait for a connection, or
    each waits for the other (until the turn's timeout, a minute)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}")
    await upgrade(engine)
    await engine.dispose()
    small = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}", pool_size=1, max_overflow=0)
    sessions = session_factory(small)
    reading = asyncio.Event()

    async def read_then_write() -> None:
        async with UnitOfWork(sessions) as uow:
            await uow.session.scalar(select(func.count()).select_from(HandledActivityRow))  # holds the one connection
            reading.set()
            await asyncio.sleep(0.05)  # meanwhile the other takes its turn to write
            await uow.activities.take("a:chat", "read-then-write", NOW)
            await uow.commit()

    async def write_first() -> None:
        await reading.wait()
        async with UnitOfWork(sessions) as uow:
            await uow.activities.take("a:chat", "write-first", NOW)
            await uow.commit()

    try:
        await asyncio.wait_for(asyncio.gather(read_then_write(), write_first()), 10)
        async with UnitOfWork(sessions) as uow:
            assert await uow.session.scalar(select(func.count()).select_from(HandledActivityRow)) == 2
    finally:
        await small.dispose()

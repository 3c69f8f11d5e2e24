"""Engine creation: one place knows the differences between SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import fcntl
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.sqlite_writes import serialised_session_class

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/samarbeidsforum.db"

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def normalise_url(url: str) -> str:
    """Accept the plain URLs operators write (``postgresql://…``) and pick
    the async driver for them."""
    parsed = make_url(url)
    if parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


# A whole forum pressing at once (800 seats) queues for the pool's
# connections. The queue is the back-pressure: a press that waits is answered
# late, and is still stored if Teams has stopped waiting; a press that timed
# out would be lost. So the wait is bounded only far beyond any burst, to
# end a wait behind a database that no longer answers.
POOL_WAIT_SECONDS = 600


def create_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_timeout": POOL_WAIT_SECONDS}  # one shared connection in memory: no pool
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_timeout=POOL_WAIT_SECONDS)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by
    # default in SQLite and our cascades depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=serialised_session_class())
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def startup_lock(engine: AsyncEngine):
    """One process at a time migrates and loads the roster: replicas that
    start together would otherwise insert the same rows at once."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK})
            await connection.commit()
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK})
                await connection.commit()
        return
    if url.database and url.database != ":memory:":
        with open(f"{url.database}.startup-lock", "w") as handle:
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    yield


_STARTUP_LOCK = 0x5F0B0701  # any constant the deployment shares

"""One writing transaction at a time on SQLite, queued in the process.

SQLite lets one connection write at a time. A second writer that finds the
database locked sleeps in SQLite's busy handler, in steps that grow to 100
ms, and tries again; under a steady stream of small writes (every message
is recorded for the dedupe) a writer can lose that race for a second or
more while the others take turns: measured, 89 of 3,000 `hjelp` at
concurrency 8 took over 150 ms to be answered on SQLite, the slowest 1.3 s,
and none on PostgreSQL. So a session takes an asyncio lock of its database
before its first write and gives it back when its transaction ends: the
writers queue in order, in the event loop, and the busy handler is left for
other processes (a backup, a second replica).

The lock is taken inside SQLAlchemy's synchronous session events, which the
asyncio extension runs in its greenlet: `await_only` waits there for the
lock without blocking the event loop.

A session has its connection before it queues for the lock: the lock's
holder never waits for the pool, which the queued sessions may fill.

A session that waits longer than `WAIT_SECONDS` goes on without the lock,
with a warning, and meets SQLite's own locking as before: a session that
writes while an outer one of the same task holds the lock would otherwise
wait for itself."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

try:  # SQLAlchemy 2.1's name; 2.0 has only the older one
    from sqlalchemy.util import await_ as await_only
except ImportError:  # pragma: no cover
    from sqlalchemy.util import await_only

log = logging.getLogger(__name__)

WAIT_SECONDS = 60.0
_HOLDS = "holds_sqlite_write_lock"


def serialised_session_class() -> type[Session]:
    """A Session class of its own, for one SQLite database, whose writing
    transactions run one at a time."""

    class SerialisedWrites(Session):
        lock = asyncio.Lock()

    def take(session: Session) -> None:
        if session.info.get(_HOLDS):
            return
        # The connection first, then the turn: a session holding the turn
        # while it queues for the pool would wait for the sessions that hold
        # the pool's connections and queue for the turn (a burst bigger than
        # the pool), each for the other until the wait below runs out.
        session.connection()
        try:
            await_only(asyncio.wait_for(SerialisedWrites.lock.acquire(), WAIT_SECONDS))
        except TimeoutError:
            log.warning("waited %.0f s for SQLite's write turn: writing without it", WAIT_SECONDS)
            return
        session.info[_HOLDS] = True

    @event.listens_for(SerialisedWrites, "do_orm_execute")
    def before_statement(state: ORMExecuteState) -> None:
        if not state.is_select:
            take(state.session)

    @event.listens_for(SerialisedWrites, "before_flush")
    def before_flush(session: Session, _context, _instances) -> None:
        if session.new or session.dirty or session.deleted:
            take(session)

    @event.listens_for(SerialisedWrites, "after_transaction_end")
    def after_transaction(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and session.info.pop(_HOLDS, False):
            SerialisedWrites.lock.release()

    return SerialisedWrites

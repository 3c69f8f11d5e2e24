"""Upgrading a database that holds a forum's data: what was stored before a
release is still right after it, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql

from storage.database import create_engine, session_factory
from storage.migrate import current_revision, head_revision, upgrade
from storage.unit_of_work import UnitOfWork
from tests.conftest import admin_sql, postgres_database_url

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database no migration has touched yet."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("postgres_template")  # skipped, or failed under CI, without a server
    name = f"sfb_old_{uuid.uuid4().hex[:12]}"
    # Administration runs in its own short event loop, as in tests/conftest.py.
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    yield postgres_database_url(name)
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_needs_report_numbers_go_on_from_the_highest_stored_before_the_counter(empty_database):
    engine = create_engine(empty_database)
    try:
        await upgrade(engine, "0007")
        async with engine.begin() as connection:
            await connection.execute(sql(
                "INSERT INTO forums (id, name, timezone) VALUES ('oslo-viken', 'Samarbeidsforum', 'Europe/Oslo')"
            ))
            await connection.execute(sql(
                "INSERT INTO organisations (forum_id, id, name, kind, submits_needs, position, active) "
                "VALUES ('oslo-viken', 'follo', 'Follo', 'vo-nettverk', :yes, 0, :yes)"
            ), {"yes": True})
            for year, number, status in ((2025, 7, "tildelt"), (2026, 1, "innsendt"), (2026, 3, "innsendt"), (2026, None, "utkast")):
                await connection.execute(sql(
                    "INSERT INTO needs_reports (forum_id, organisation_id, year, number, status, fields, version, title, "
                    "competence_areas, created_at, updated_at, reopened) VALUES ('oslo-viken', 'follo', :year, :number, "
                    ":status, '{}', 1, 'Tiltak', '[]', :at, :at, :no)"
                ), {"year": year, "number": number, "status": status, "at": NOW, "no": False})

        await upgrade(engine)
        assert await current_revision(engine) == head_revision()

        async with UnitOfWork(session_factory(engine)) as uow:
            assert [await uow.needs_reports.next_number("oslo-viken", y) for y in (2025, 2026, 2026, 2027)] == [8, 4, 5, 1]
            forum = await uow.forums.get("oslo-viken")
            assert forum.name == "Samarbeidsforum"
            assert await uow.forums.calendar_generation("oslo-viken") == 0  # calendar addresses given out still work
            roster = await uow.roster.roster(forum)
            assert [o.name for o in roster.organisations] == ["Follo"]
    finally:
        await engine.dispose()

"""Apply Alembic migrations from code (at start and by ``python -m bot migrate``).

A database already at the newest revision, as at every restart, is told
from the revision it records, without Alembic: importing Alembic (and the
template engine it brings) is a quarter of a second of the start. The
revisions are numbered as their files are (``0019_language_choices.py`` is
revision ``0019``), which tests/test_migrations.py holds Alembic's own head
to."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseTooNew(Exception):
    """The database has been migrated by a newer release than this one."""

    def __init__(self, found: str, head: str) -> None:
        super().__init__(
            f"the database is at migration {found}, which this release does not know (its newest is {head}): "
            "a newer release has migrated it; run that release, or restore a backup taken before the upgrade"
        )


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    if revision == "head" and await current_revision(engine) == head_revision():
        return
    from alembic import command
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config()

    def run(connection) -> None:
        found = MigrationContext.configure(connection).get_current_revision()
        script = ScriptDirectory.from_config(config)
        if found is not None and found not in {s.revision for s in script.walk_revisions()}:
            # Alembic would fail on it with a traceback ("Can't locate revision").
            raise DatabaseTooNew(found, script.get_current_head())
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by building a copy and dropping the
            # original; with foreign keys on, that drop cascades to the rows
            # pointing at it (migration 0005 lost every report's revisions and
            # status changes that way). The pragma only takes outside a
            # transaction.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(run)
        finally:
            if sqlite:  # the connection goes back to the pool as it came
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


def head_revision() -> str:
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None before the first migration."""
    async with engine.connect() as connection:
        try:
            return await connection.scalar(sql("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no such table: never migrated
            return None

"""Upgrading a database that holds a forum's data: for every release before
this one, a forum stored by it is still whole after the upgrade, on both
databases, and the bot started on it shows its history and goes on from it.

The revisions come from Alembic's script directory, so a new migration is
tested from the revision before it without a change here; what it adds
must be in tests/stored_forum.py, which the test asks for by name."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from storage.database import create_engine
from storage.migrate import MIGRATIONS, alembic_config, current_revision, head_revision, upgrade
from tests import stored_forum
from tests.conftest import running_forum
from tests.stored_forum import after_upgrade, forum_rows, missing_from


@pytest.mark.parametrize("revision", stored_forum.earlier_revisions())
async def test_a_forum_stored_by_an_earlier_release_is_whole_after_the_upgrade(empty_database, connector, revision):
    engine = create_engine(empty_database)
    try:
        await upgrade(engine, revision)
        rows = forum_rows(connector.url)
        then = await stored_forum.write(engine, rows)

        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        missing = missing_from(rows, await stored_forum.columns(engine))
        assert not missing, (
            f"tests/stored_forum.py has no rows or values for {', '.join(missing)}: a forum's data must fill "
            "every table and column, so that the next release's upgrade is tested with it"
        )
        stored, expected = await stored_forum.read(engine), after_upgrade(rows, then)
        for table in expected:
            assert stored[table] == expected[table], f"{table} after the upgrade from {revision}"
    finally:
        await engine.dispose()

    async with running_forum(empty_database, connector) as forum:
        await stored_forum.the_bot_shows_it_and_goes_on(forum, then)


def test_each_migration_is_numbered_as_its_file_and_the_newest_number_is_alembics_head():
    # The start tells a database at the newest revision from the file names alone (storage/migrate.py).
    scripts = ScriptDirectory.from_config(alembic_config())
    numbers = {path.stem.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*.py") if path.stem[0].isdigit()}
    assert {s.revision for s in scripts.walk_revisions()} == numbers, (
        "every revision is the number its file begins with"
    )
    assert head_revision() == scripts.get_current_head()


async def test_a_database_one_revision_behind_is_migrated_to_the_newest(empty_database):
    engine = create_engine(empty_database)
    try:
        assert await current_revision(engine) is None  # never migrated: no alembic_version table
        previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
        await upgrade(engine, previous)
        assert await current_revision(engine) == previous
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()

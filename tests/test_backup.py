"""Backing the forum up while the bot runs, and restoring it, with the
commands README's "Backup and restore" gives: on SQLite `python -m bot
backup FILE` (SQLite's online backup) and a copy of that file into place;
on PostgreSQL `pg_dump -Fc` and `pg_restore` into a fresh database. A bot
started on the restored database shows what the forum had, and a backup
made by an earlier release is migrated when the bot starts on it."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import UOW
from bot.forum.votes.vote import Ballot
from storage.database import create_engine
from storage.migrate import current_revision, head_revision, upgrade
from tests import stored_forum
from tests.card_reading import only_card, texts
from tests.ci import in_ci
from tests.conftest import running_forum
from tests.needs_helpers import send_new_report, settle
from tests.test_votes_in_teams import open_vote, set_up_channel
from tests.test_wheel import NEXT, SPRING, add

REPO = Path(__file__).resolve().parents[1]


# --- the commands an operator runs --------------------------------------------------


def needs_tools(database_url: str) -> None:
    """PostgreSQL's backup needs its client tools; CI must have them."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not found: the PostgreSQL backup cannot be tested"
        if in_ci():
            pytest.fail(f"CI needs PostgreSQL's client tools: {reason}")
        pytest.skip(reason)


def libpq_url(database_url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def run(*command: str, **env: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=REPO,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, f"{' '.join(command)}: {output.decode()}"


async def back_up(database_url: str, file: Path) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        await run(sys.executable, "-m", "bot", "backup", str(file), DATABASE_URL=database_url)
    else:
        await run("pg_dump", "-Fc", "-d", libpq_url(database_url), "-f", str(file))


async def restore(file: Path, database_url: str) -> None:
    """Into a database no bot is using: a new one, or the old one stopped."""
    if make_url(database_url).get_backend_name() == "sqlite":
        shutil.copyfile(file, make_url(database_url).database)
    else:
        await run("pg_restore", "--no-owner", "--exit-on-error", "-d", libpq_url(database_url), str(file))


# --- what the forum's people see ---------------------------------------------------


async def what_the_statsforvalter_sees(forum) -> dict[str, str]:
    """The overview, the reports, the wheel with each event's delivery
    report, and the decisions log with every seat's ballot."""
    sf = forum.statsforvalter
    seen = {
        command: texts(only_card(await forum.say(sf, command)))
        for command in ("oversikt", "mine behovsmeldinger", f"årshjul {NEXT}", "vedtak")
    }
    next_year = (datetime(NEXT, 1, 1, tzinfo=UTC), datetime(NEXT + 1, 1, 1, tzinfo=UTC))
    async with forum.app[UOW]() as uow:
        events = await uow.wheel.between(forum.config.id, *next_year)
    for event in events:
        body, _ = await forum.press(sf, "wheel.report", {"event_id": event.id, "view": str(NEXT)})
        seen[f"delivery report: {event.title}"] = texts(body["value"])
    return seen


async def ballots_and_log(forum, vote_id: int) -> tuple[set, list]:
    """The vote's ballots, one per seat, and every ballot ever cast."""
    async with forum.app[UOW]() as uow:
        ballots = {(b.seat_id, tuple(b.choices), b.cast_by) for b in await uow.votes.ballots(vote_id)}
        log = [(c.seat_id, tuple(c.choices), c.cast_by) for c in await uow.votes.casts(vote_id)]
    return ballots, log


async def a_forum_in_use(forum) -> int:
    """Two needs reports sent, a meeting in the wheel with its reminders
    planned, a vote decided by the seats' ballots, and a vote open with two
    ballots in: the open vote's id."""
    sf = forum.statsforvalter
    await set_up_channel(forum)
    for organisation in ("ostfold-vo", "follo"):
        await send_new_report(forum, forum.representative(organisation))
    await add(forum, sf, SPRING)

    decided = await open_vote(forum, question="Hva prioriterer vi i vår?")
    for organisation, choice in (("ostfold-vo", "1"), ("follo", "1"), ("viken-vest", "2")):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": decided, "choices": choice})
    await forum.press(forum.deputy("viken-vest"), "vote.cast", {"vote": decided, "choices": "3"})
    body, _ = await forum.press(sf, "vote.close.confirmed", {"vote": decided})
    assert "Forumet valgte: «Lesekurs»" in texts(body["value"]), body

    running = await open_vote(forum, question="Hva prioriterer vi i høst?")
    for organisation, choice in (("ostfold-vo", "2"), ("follo", "3")):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": running, "choices": choice})
    await settle(forum)  # the vote cards' updates in the channel
    return running


# --- the scenarios ---------------------------------------------------------------------


async def test_a_backup_taken_while_seats_vote_restores_to_a_bot_that_shows_the_same_forum(
    database_url, forum, connector, another_database, tmp_path
):
    needs_tools(database_url)
    running = await a_forum_in_use(forum)
    seen_before = await what_the_statsforvalter_sees(forum)
    assert "-001: " in seen_before["mine behovsmeldinger"] and "-002: " in seen_before["mine behovsmeldinger"]
    viken_vest_ballot = "Viken Vest (Buskerud, samt Asker og Bærum): «Norsk på arbeidsplassen» – Jonas Demoberg"
    assert viken_vest_ballot in seen_before["vedtak"]  # the deputy's ballot, which replaced the representative's
    (planned,) = [seen for title, seen in seen_before.items() if title.startswith("delivery report")]
    assert planned.count("Forumkanalen\nplanlagt") == 2, planned  # 14 days and 1 day before
    ballots_before, log_before = await ballots_and_log(forum, running)

    # Seats go on voting while the backup is taken. One ballot is half-way,
    # written and not yet committed, for the whole backup; the presses
    # behind it wait for the vote's row, so each is still in flight when
    # the backup ends. None of them may be in it, and none may fail.
    voters = [forum.representative(o) for o in ("akershus-fk", "buskerud-fk", "ostfold-fk", "utdanningsforbundet")]
    backup = tmp_path / "forum.backup"
    async with forum.app[UOW]() as uow:
        roster = await uow.roster.roster(await uow.forums.get(forum.config.id))
        (viken_vest,) = [o for o in roster.organisations if o.id == "viken-vest"]
        half_way = viken_vest.seats[0]
        assert await uow.votes.cast(
            running, half_way.id, Ballot((1,)), half_way.representative.aad_object_id, datetime.now(UTC)
        )
        presses = [
            asyncio.create_task(forum.press(voter, "vote.cast", {"vote": running, "choices": "1"})) for voter in voters
        ]
        await back_up(database_url, backup)
        assert not any(press.done() for press in presses), "the presses were to be in flight during the backup"
        await uow.commit()
    for body, _ in await asyncio.gather(*presses):
        assert "Du stemte" in texts(body["value"]), body
    await settle(forum)
    ballots_after, _ = await ballots_and_log(forum, running)
    assert len(ballots_after) == len(ballots_before) + 1 + len(voters)

    restored_url = await another_database(database_url)
    await restore(backup, restored_url)
    async with running_forum(restored_url, connector) as restored:
        assert await what_the_statsforvalter_sees(restored) == seen_before
        assert await ballots_and_log(restored, running) == (ballots_before, log_before)
        listed = texts(only_card(await restored.say(restored.statsforvalter, "avstemninger")))
        assert "Hva prioriterer vi i høst?" in listed and "2 av 12 har stemt" in listed, listed
        # The restored bot takes the forum on from there.
        body, _ = await restored.press(voters[0], "vote.cast", {"vote": running, "choices": "3"})
        assert "Du stemte" in texts(body["value"]), body
        await settle(restored)


async def test_a_backup_from_the_release_before_is_migrated_when_the_bot_starts_on_it(
    empty_database, another_database, connector, tmp_path
):
    needs_tools(empty_database)
    engine = create_engine(empty_database)
    try:
        await upgrade(engine, stored_forum.earlier_revisions()[-1])
        then = await stored_forum.write(engine, stored_forum.forum_rows(connector.url))
    finally:
        await engine.dispose()
    backup = tmp_path / "forum-before-the-upgrade.backup"
    await back_up(empty_database, backup)

    restored_url = await another_database(empty_database)
    await restore(backup, restored_url)
    async with running_forum(restored_url, connector) as restored:
        engine = create_engine(restored_url)
        try:
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()
        await stored_forum.the_bot_shows_it_and_goes_on(restored, then)


def test_the_backup_command_never_overwrites_a_file_and_sends_postgresql_to_pg_dump(tmp_path):
    database = tmp_path / "forum.db"
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE kept (value TEXT)")
    earlier = tmp_path / "forum-2026-12-01.db"
    earlier.write_bytes(b"last week's backup")

    for url, file, reason in (
        (f"sqlite:///{database}", earlier, f"{earlier} exists already: a backup never overwrites a file"),
        ("postgresql://forumbot@db.example.org/forumbot", tmp_path / "new.db", "back PostgreSQL up with pg_dump -Fc"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "backup", str(file)],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and reason in done.stderr and len(done.stderr.splitlines()) == 1, done
    assert earlier.read_bytes() == b"last week's backup"
    assert not (tmp_path / "new.db").exists()

"""The roster file is read at every start; changes in it reach the stored
roster without breaking what points to seats and people."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import UOW, create_app
from bot.config import Settings
from storage.models import PersonRow, SeatRow
from tests import teams
from tests.card_reading import only_card, texts

BEFORE = """\
forum: {id: testforum, name: Testforum, timezone: Europe/Oslo}
statsforvalter:
  - {name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: 11111111-1111-4111-8111-111111111111}
organisations:
  - id: follo
    name: Nettverket for Follo-regionen
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {name: Rita Rep, email: rita@follo.example.org, aad_object_id: 22222222-2222-4222-8222-222222222222}
        deputy: {name: Dag Vara, email: dag@follo.example.org, aad_object_id: 33333333-3333-4333-8333-333333333333}
"""

# Rita and Dag swap roles (and their ids with them); Siri leaves; Per joins.
AFTER = """\
forum: {id: testforum, name: Testforum, timezone: Europe/Oslo}
statsforvalter:
  - {name: Per Ny, email: per@sf.example.org}
organisations:
  - id: follo
    name: Follo-nettverket
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {name: Dag Vara, email: dag@follo.example.org, aad_object_id: 33333333-3333-4333-8333-333333333333}
        deputy: {name: Rita Rep, email: rita@follo.example.org, aad_object_id: 22222222-2222-4222-8222-222222222222}
"""


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forum.yaml"
    path.write_text(BEFORE, encoding="utf-8")
    return path


async def people(forum) -> dict[str, tuple]:
    async with forum.app[UOW]() as uow:
        rows = await uow.session.scalars(select(PersonRow))
        return {p.email: (p.id, p.role, p.seat_id, p.active, p.aad_object_id) for p in rows}


async def test_a_changed_roster_file_updates_people_in_place(forum, database_url, forum_config):
    before = await people(forum)
    async with forum.app[UOW]() as uow:
        seat_ids = (await uow.session.scalars(select(SeatRow.id))).all()

    forum_config.write_text(AFTER, encoding="utf-8")
    restarted = await create_app(Settings(database_url=database_url, forum_config=forum_config))
    try:
        after = await people(forum)
        async with restarted[UOW]() as uow:
            assert (await uow.session.scalars(select(SeatRow.id))).all() == seat_ids
    finally:
        await restarted.cleanup()

    rita, dag, siri = "rita@follo.example.org", "dag@follo.example.org", "siri@sf.example.org"
    assert after[rita][0] == before[rita][0] and after[rita][1] == "deputy"
    assert after[dag][0] == before[dag][0] and after[dag][1] == "representative"
    assert after[siri][3] is False and after[siri][4] is None
    assert after["per@sf.example.org"][1:4] == ("statsforvalter", None, True)


async def test_a_roster_changed_by_another_replica_is_what_the_running_bot_shows_next(
    forum, database_url, forum_config
):
    rita = teams.User("Rita Rep", "22222222-2222-4222-8222-222222222222", "rita@follo.example.org")
    assert "Nettverket for Follo-regionen" in texts(only_card(await forum.say(rita, "medlemmer")))

    forum_config.write_text(AFTER, encoding="utf-8")
    other_replica = await create_app(Settings(database_url=database_url, forum_config=forum_config))
    await other_replica.cleanup()

    shown = texts(only_card(await forum.say(rita, "medlemmer")))
    assert "Follo-nettverket" in shown and "Nettverket for Follo-regionen" not in shown
    assert "Per Ny" in shown and "Siri Sekretariat" not in shown

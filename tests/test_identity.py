"""People are known by their Entra object id; someone the roster knows only
by e-mail is recognised once by the e-mail Teams reports, and from then on
by the object id. Display names never decide anything."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from bot.app import UOW
from storage.models import PersonRow
from tests import teams
from tests.card_reading import only_card, texts

ROSTER = """\
forum: {id: testforum, name: Testforum, timezone: Europe/Oslo}
statsforvalter:
  - {name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: 11111111-1111-4111-8111-111111111111}
organisations:
  - id: follo
    name: Nettverket for Follo-regionen
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {name: Rita Rep, email: Rita.Rep@follo.example.org}
        deputy: {name: Dag Vara, email: dag@follo.example.org, aad_object_id: 22222222-2222-4222-8222-222222222222}
"""


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forum.yaml"
    path.write_text(textwrap.dedent(ROSTER), encoding="utf-8")
    return path


async def aad_of(forum, email: str) -> str | None:
    async with forum.app[UOW]() as uow:
        return await uow.session.scalar(select(PersonRow.aad_object_id).where(PersonRow.email == email))


async def test_a_person_known_by_email_is_matched_once_and_remembered(forum):
    rita = teams.User("Rita Rep", "33333333-3333-4333-8333-333333333333", "rita.rep@FOLLO.example.org")
    forum.connector.members[rita.id] = rita.member_record()

    card = only_card(await forum.say(rita, "hjelp"))
    assert "fast representant for Nettverket for Follo-regionen" in texts(card)
    assert await aad_of(forum, "rita.rep@follo.example.org") == rita.aad_object_id

    # Teams' roster no longer answers: the remembered object id is enough.
    forum.connector.members.clear()
    assert "fast representant" in texts(only_card(await forum.say(rita, "hjelp")))


async def test_an_email_already_bound_to_another_object_id_is_not_taken_over(forum):
    impostor = teams.User("Dag Vara", "44444444-4444-4444-8444-444444444444", "dag@follo.example.org")
    forum.connector.members[impostor.id] = impostor.member_record()
    card = only_card(await forum.say(impostor, "hjelp"))
    assert "observatør" in texts(card)
    assert await aad_of(forum, "dag@follo.example.org") == "22222222-2222-4222-8222-222222222222"


async def test_a_display_name_from_the_roster_gives_no_rights(forum):
    pretender = teams.User("Siri Sekretariat", "55555555-5555-4555-8555-555555555555", "siri@elsewhere.example.net")
    forum.connector.members[pretender.id] = pretender.member_record()
    card = only_card(await forum.say(pretender, "oppsett", kind="channel"))
    assert "Bare Statsforvalteren" in texts(card)


async def test_when_teams_cannot_tell_the_email_the_person_is_an_observer(forum):
    rita = teams.User("Rita Rep", "66666666-6666-4666-8666-666666666666", "rita.rep@follo.example.org")
    card = only_card(await forum.say(rita, "hjelp"))  # not in the connector's member list
    assert "observatør" in texts(card)
    assert await aad_of(forum, "rita.rep@follo.example.org") is None

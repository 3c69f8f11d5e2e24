"""One deployment serves several forums, one per Teams team."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import UOW
from storage.models import ForumRow
from tests import teams
from tests.card_reading import only_card, texts

TWO_FORUMS = """\
forums:
  - forum: {id: ost, name: Forum Øst, timezone: Europe/Oslo}
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
  - forum: {id: vest, name: Forum Vest, timezone: Europe/Oslo}
    statsforvalter:
      - {name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: 11111111-1111-4111-8111-111111111111}
    organisations:
      - id: bergen
        name: Bergen VO
        kind: vo-nettverk
        submits_needs: true
        seats:
          - representative: {name: Berit Bergen, email: berit@bergen.example.org, aad_object_id: 44444444-4444-4444-8444-444444444444}
            deputy: {name: Vidar Vest, email: vidar@bergen.example.org, aad_object_id: 55555555-5555-4555-8555-555555555555}
"""

TEAM_OST, CHANNEL_OST = teams.TEAM, teams.CHANNEL
TEAM_VEST, CHANNEL_VEST = "19:vest-team@thread.tacv2", "19:vest-channel@thread.tacv2"


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forums.yaml"
    path.write_text(TWO_FORUMS, encoding="utf-8")
    return path


def person(forum, name: str, aad: str, email: str) -> teams.User:
    user = teams.User(name, aad, email)
    forum.connector.members[user.id] = user.member_record()
    return user


async def bindings(forum) -> dict[str, tuple]:
    async with forum.app[UOW]() as uow:
        return {f.id: (f.team_id, f.channel_id) for f in await uow.session.scalars(select(ForumRow))}


async def test_a_statsforvalter_of_two_forums_binds_each_to_its_own_team(forum):
    siri = person(forum, "Siri Sekretariat", "11111111-1111-4111-8111-111111111111", "siri@sf.example.org")

    card = only_card(await forum.say(siri, "oppsett", kind="channel"))
    assert "Skriv «oppsett» etterfulgt av forumets id: ost, vest" in texts(card)
    assert await bindings(forum) == {"ost": (None, None), "vest": (None, None)}

    assert "Forum Øst bruker nå" in texts(only_card(await forum.say(siri, "oppsett ost", kind="channel")))
    card = only_card(await forum.say(siri, "oppsett vest", kind="channel", team=TEAM_VEST, channel=CHANNEL_VEST))
    assert "Forum Vest bruker nå" in texts(card)
    assert await bindings(forum) == {"ost": (TEAM_OST, CHANNEL_OST), "vest": (TEAM_VEST, CHANNEL_VEST)}

    # A bound team stays with its forum.
    card = only_card(await forum.say(siri, "oppsett vest", kind="channel"))
    assert "Dette teamet hører allerede til Forum Øst" in texts(card)
    card = only_card(await forum.say(siri, "oppsett nord", kind="channel"))
    assert "Du er ikke Statsforvalter i et forum med id «nord»" in texts(card)


async def test_in_each_team_only_its_own_forums_roster_counts(forum):
    siri = person(forum, "Siri Sekretariat", "11111111-1111-4111-8111-111111111111", "siri@sf.example.org")
    await forum.say(siri, "oppsett ost", kind="channel")
    await forum.say(siri, "oppsett vest", kind="channel", team=TEAM_VEST, channel=CHANNEL_VEST)
    berit = person(forum, "Berit Bergen", "44444444-4444-4444-8444-444444444444", "berit@bergen.example.org")

    in_vest = only_card(await forum.say(berit, "medlemmer", kind="channel", team=TEAM_VEST, channel=CHANNEL_VEST))
    assert "Medlemmer i Forum Vest" in texts(in_vest) and "Bergen VO" in texts(in_vest)

    in_ost = only_card(await forum.say(berit, "hjelp", kind="channel"))
    assert "observatør i Forum Øst" in texts(in_ost)
    in_ost = only_card(await forum.say(berit, "medlemmer", kind="channel"))
    assert "Medlemmer i Forum Øst" in texts(in_ost) and "Bergen VO" not in texts(in_ost)

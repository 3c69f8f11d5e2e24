"""The Statsforvalter binds the forum to its team's channel with `oppsett`."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import UOW
from storage.models import ForumRow
from tests import teams
from tests.card_reading import only_card, texts


async def stored_forum(forum) -> ForumRow:
    async with forum.app[UOW]() as uow:
        row = await uow.session.scalar(select(ForumRow))
        uow.session.expunge(row)  # read it after the session is gone
        return row


async def test_the_statsforvalter_sets_up_the_forum_channel(forum):
    card = only_card(await forum.say(forum.statsforvalter, "oppsett", kind="channel"))
    assert "Kanalen er satt opp" in texts(card)

    row = await stored_forum(forum)
    assert (row.team_id, row.channel_id) == (teams.TEAM, teams.CHANNEL)
    assert row.channel_reference == {
        "service_url": forum.service_url,
        "channel_id": "msteams",
        "tenant_id": teams.TENANT,
        "conversation_id": teams.CHANNEL,
        "bot_id": teams.BOT_ID,
    }
    assert row.bound_by == forum.config.statsforvalter[0].aad_object_id


async def test_a_representative_cannot_set_up_the_channel(forum):
    card = only_card(await forum.say(forum.representative("follo"), "oppsett", kind="channel"))
    assert "Bare Statsforvalteren" in texts(card)
    assert (await stored_forum(forum)).team_id is None


async def test_setup_in_personal_chat_explains_where_to_do_it(forum):
    card = only_card(await forum.say(forum.statsforvalter, "oppsett"))
    assert "Skriv «oppsett» i kanalen" in texts(card)
    assert (await stored_forum(forum)).team_id is None


async def test_after_setup_the_welcome_no_longer_asks_for_it(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    card = only_card(await forum.send(teams.installed(forum.representative("follo"), forum.service_url)))
    assert "oppsett" not in texts(card)


async def test_in_the_forum_team_an_outsider_is_an_observer_of_that_forum(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    card = only_card(await forum.say(teams.stranger(), "hjelp", kind="channel"))
    assert "observatør i Samarbeidsforum" in texts(card)


async def test_a_new_service_url_is_remembered_for_the_channel(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    activity = teams.message(forum.representative("follo"), "hjelp", forum.service_url, kind="channel")
    activity["serviceUrl"] = forum.service_url + "amer/"
    assert len(await forum.send(activity)) == 1
    assert (await stored_forum(forum)).channel_reference["service_url"] == forum.service_url + "amer/"

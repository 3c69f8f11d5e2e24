"""Talking to the bot: help, the roster and the welcome, wherever a
forum member meets it."""

from __future__ import annotations

from tests import teams
from tests.card_reading import buttons, only_card, texts


async def test_a_representative_asks_for_help_in_personal_chat(forum):
    ada = forum.representative("ostfold-vo")
    card = only_card(await forum.say(ada, "hjelp"))
    assert "fast representant for Østfold VO-nettverk" in texts(card)
    assert buttons(card) == [
        "Hjelp",
        "Behovsmelding",
        "Mine behovsmeldinger",
        "Oversikt",
        "Årshjul",
        "Avstemninger",
        "Vedtak",
        "Medlemmer",
        "Kompetanseområder",
        "Budsjett",
        "Tildeling",
        "Rapportering",
        "Møter",
        "Språk",
    ]  # `ny avstemning` is the Statsforvalter's


async def test_an_organisation_that_sends_no_needs_reports_is_not_offered_them(forum):
    card = only_card(await forum.say(forum.representative("utdanningsforbundet"), "hjelp"))
    assert buttons(card) == [
        "Hjelp",
        "Oversikt",
        "Årshjul",
        "Avstemninger",
        "Vedtak",
        "Medlemmer",
        "Kompetanseområder",
        "Budsjett",
        "Tildeling",
        "Møter",
        "Språk",
    ]


async def test_the_statsforvalter_is_also_offered_setup(forum):
    card = only_card(await forum.say(forum.statsforvalter, "hjelp"))
    assert "Statsforvalteren" in texts(card)
    assert buttons(card) == [
        "Hjelp",
        "Behovsmelding",
        "Mine behovsmeldinger",
        "Oversikt",
        "Årshjul",
        "Ny avstemning",
        "Avstemninger",
        "Vedtak",
        "Medlemmer",
        "Kompetanseområder",
        "Budsjett",
        "Tildeling",
        "Tildelingsbrev",
        "Rapportering",
        "Innkalling",
        "Møter",
        "Referat",
        "Kunngjøring",
        "Oppsett",
        "Logg",
        "Personvern",
        "Språk",
    ]


async def test_unknown_text_gets_the_help_card(forum):
    card = only_card(await forum.say(forum.deputy("follo"), "hva kan du?"))
    assert "vara for Nettverket for Follo-regionen" in texts(card)
    assert "Medlemmer" in buttons(card)


async def test_english_teams_gets_english(forum):
    card = only_card(await forum.say(forum.representative("viken-vest"), "help", locale="en-GB"))
    assert "Type a command or press a button" in texts(card)
    assert buttons(card) == [
        "Help",
        "Needs report",
        "My needs reports",
        "Overview",
        "Annual wheel",
        "Votes",
        "Decisions",
        "Members",
        "Competence areas",
        "Budget",
        "Allocation",
        "Reporting back",
        "Meetings",
        "Language",
    ]


async def test_nynorsk_teams_gets_nynorsk(forum):
    card = only_card(await forum.say(forum.representative("viken-vest"), "hjelp", locale="nn-NO"))
    assert "Skriv ein kommando eller trykk på ein knapp" in texts(card)
    assert "fast representant for Viken Vest" in texts(card)
    assert buttons(card) == [
        "Hjelp",
        "Behovsmelding",
        "Mine behovsmeldingar",
        "Oversikt",
        "Årshjul",
        "Avrøystingar",
        "Vedtak",
        "Medlemmer",
        "Kompetanseområde",
        "Budsjett",
        "Tildeling",
        "Rapportering",
        "Møte",
        "Språk",
    ]


async def test_someone_outside_the_roster_is_an_observer(forum):
    card = only_card(await forum.say(teams.stranger(), "hjelp"))
    assert "observatør (ikke i medlemslisten)" in texts(card)
    assert buttons(card) == ["Hjelp", "Språk"]  # the roster is for the forum's members


async def test_the_roster_shows_every_organisation_and_seat(forum):
    card = only_card(await forum.say(forum.representative("ostfold-vo"), "medlemmer"))
    shown = texts(card)
    for organisation in forum.config.organisations:
        assert organisation.name in shown
        for seat in organisation.seats:
            assert seat.representative.name in shown
            assert seat.deputy.name in shown
    for person in forum.config.statsforvalter:
        assert person.name in shown
    assert "Sete 2" in shown  # the university partner's second seat


async def test_an_observer_cannot_see_the_roster(forum):
    card = only_card(await forum.say(teams.stranger(), "medlemmer"))
    assert "Du står ikke i medlemslisten" in texts(card)


async def test_commands_work_with_a_mention_in_a_channel_and_in_a_group_chat(forum):
    ada = forum.representative("ostfold-vo")
    for kind in ("channel", "group"):
        replies = await forum.say(ada, "medlemmer", kind=kind)
        card = only_card(replies)
        assert "Medlemmer i" in texts(card)
        assert replies[0].conversation_id.startswith("19:")


async def test_installing_in_personal_chat_welcomes_with_the_role(forum):
    replies = await forum.send(teams.installed(forum.representative("akershus-fk"), forum.service_url))
    card = only_card(replies)
    assert "Velkommen" in texts(card)
    assert "fast representant for Akershus fylkeskommune" in texts(card)
    assert "oppsett" in texts(card)  # no forum channel yet: the hint shows


async def test_installing_in_a_team_posts_the_welcome_in_the_team(forum):
    replies = await forum.send(teams.installed(forum.statsforvalter, forum.service_url, kind="channel"))
    card = only_card(replies)
    assert replies[0].conversation_id == teams.TEAM
    assert "Statsforvalteren" in texts(card)


async def test_installing_in_a_group_chat_posts_the_welcome_there(forum):
    replies = await forum.send(teams.installed(forum.deputy("ostfold-fk"), forum.service_url, kind="group"))
    assert replies[0].conversation_id == teams.GROUP_CHAT
    assert "vara for Østfold fylkeskommune" in texts(only_card(replies))


async def test_other_members_joining_a_team_get_no_welcome(forum):
    activity = teams.installed(forum.statsforvalter, forum.service_url, kind="channel")
    activity["membersAdded"] = [{"id": "29:someone-else"}]
    assert await forum.send(activity) == []

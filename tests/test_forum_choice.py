"""Someone on the rosters of several forums is asked, in their personal
chat, which forum they act in; the choice is remembered for that chat,
checked against the roster every time, and can be changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import UOW, create_app
from bot.config import Settings
from storage.models import ForumChoiceRow
from tests import teams
from tests.card_reading import actions, buttons, only_card, texts
from tests.needs_helpers import card_of, message_of
from tests.test_privacy import fetch, link_in

SIRI = "11111111-1111-4111-8111-111111111111"
RITA = "22222222-2222-4222-8222-222222222222"

# Rita represents Follo in Forum Øst and is Bergen's deputy in Forum Vest;
# Siri is the Statsforvalter of both; Berit is only in Forum Vest.
FORUMS = f"""\
forums:
  - forum: {{id: ost, name: Forum Øst, timezone: Europe/Oslo}}
    statsforvalter:
      - {{name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: {SIRI}}}
    organisations:
      - id: follo
        name: Nettverket for Follo-regionen
        kind: vo-nettverk
        submits_needs: true
        seats:
          - representative: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}
            deputy: {{name: Dag Vara, email: dag@follo.example.org, aad_object_id: 33333333-3333-4333-8333-333333333333}}
  - forum: {{id: vest, name: Forum Vest, timezone: Europe/Oslo}}
    statsforvalter:
      - {{name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: {SIRI}}}
    organisations:
      - id: bergen
        name: Bergen VO
        kind: vo-nettverk
        submits_needs: true
        seats:
          - representative: {{name: Berit Bergen, email: berit@bergen.example.org, aad_object_id: 44444444-4444-4444-8444-444444444444}}
            deputy: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}
"""


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forums.yaml"
    path.write_text(FORUMS, encoding="utf-8")
    return path


def person(forum, name: str, aad: str, email: str) -> teams.User:
    user = teams.User(name, aad, email)
    forum.connector.members[user.id] = user.member_record()
    return user


def rita(forum) -> teams.User:
    return person(forum, "Rita Rep", RITA, "rita@follo.example.org")


def siri(forum) -> teams.User:
    return person(forum, "Siri Sekretariat", SIRI, "siri@sf.example.org")


async def choices(forum) -> dict[str, str]:
    async with forum.app[UOW]() as uow:
        return {c.aad_object_id: c.forum_id for c in await uow.session.scalars(select(ForumChoiceRow))}


async def choose(forum, user, card: dict, title: str, **where) -> dict:
    verb, data = actions(card)[title]
    body, _ = await forum.press(user, verb, data, **where)
    return body


async def test_asked_which_forum_then_what_was_asked_for_is_done_and_the_choice_is_kept(forum):
    card = only_card(await forum.say(rita(forum), "medlemmer"))
    shown = texts(card)
    assert "Hvilket forum?" in shown and "Etterpå gjør jeg det du ba om" in shown
    assert "Fast representant for Nettverket for Follo-regionen" in shown and "Vara for Bergen VO" in shown
    assert buttons(card) == ["Bruk Forum Øst", "Bruk Forum Vest"]
    assert await choices(forum) == {}

    verb, data = actions(card)["Bruk Forum Vest"]
    body, replies = await forum.press(rita(forum), verb, data)
    assert "Du bruker nå Forum Vest" in texts(card_of(body))
    roster = only_card(replies)
    assert "Medlemmer i Forum Vest" in texts(roster) and "Bergen VO" in texts(roster)
    assert await choices(forum) == {RITA: "vest"}

    # Next time, no question: the chat is in Forum Vest.
    assert "Medlemmer i Forum Vest" in texts(only_card(await forum.say(rita(forum), "medlemmer")))
    help_card = only_card(await forum.say(rita(forum), "hjelp"))
    assert "vara for Bergen VO" in texts(help_card) and "Du bruker Forum Vest." in texts(help_card)
    assert "Bytt forum" in buttons(help_card)


async def test_bytt_forum_shows_the_choice_again_and_changes_it(forum):
    body = await choose(forum, rita(forum), only_card(await forum.say(rita(forum), "hjelp")), "Bruk Forum Vest")
    assert "Du bruker nå Forum Vest" in texts(card_of(body))

    card = only_card(await forum.say(rita(forum), "bytt forum"))
    assert "Du bruker Forum Vest nå." in texts(card) and "Etterpå gjør jeg" not in texts(card)
    body, replies = await forum.press(rita(forum), *actions(card)["Bruk Forum Øst"])
    assert "Du bruker nå Forum Øst" in texts(card_of(body))
    assert "Du bruker Forum Øst." in texts(only_card(replies))  # and what it can do there
    assert await choices(forum) == {RITA: "ost"}
    assert "Medlemmer i Forum Øst" in texts(only_card(await forum.say(rita(forum), "medlemmer")))

    # In English, by its English name.
    card = only_card(await forum.say(rita(forum), "switch forum", locale="en-GB"))
    assert "Which forum?" in texts(card) and "Use Forum Vest" in buttons(card)


async def test_a_pressed_button_waits_for_the_choice_and_then_does_what_it_says(forum):
    body, replies = await forum.press(rita(forum), "command", {"command": "medlemmer"})
    card = card_of(body)
    assert "Hvilket forum?" in texts(card) and replies == []
    verb, data = actions(card)["Bruk Forum Øst"]
    assert data["then_verb"] == "command" and data["then_data"] == {"command": "medlemmer"}

    body, replies = await forum.press(rita(forum), verb, data)
    assert texts(card_of(body)).startswith("Du bruker nå Forum Øst")
    assert "Medlemmer i Forum Øst" in texts(only_card(replies))


async def test_a_forum_the_person_is_not_in_is_refused_and_nothing_is_stored(forum):
    for forged in ({"forum": "nord"}, {"forum": ""}, {"forum": ["vest"]}, {"forum": "v" * 65}, {}):
        body, _ = await forum.press(rita(forum), "forum.choose", {"then_text": "medlemmer", **forged})
        assert body["type"] == "application/vnd.microsoft.activity.message"
    body, _ = await forum.press(rita(forum), "forum.choose", {"forum": "oslo"})
    assert "Du står ikke i medlemslisten til det forumet. Ingenting er endret." in message_of(body)
    # Berit's own forum is the only one she may press, and she has nothing to choose.
    berit = person(forum, "Berit Bergen", "44444444-4444-4444-8444-444444444444", "berit@bergen.example.org")
    body, _ = await forum.press(berit, "forum.choose", {"forum": "vest"})
    assert "Forumet velges bare i personlig chat" in message_of(body)
    assert await choices(forum) == {}


async def test_only_one_forum_means_no_card_and_in_a_team_the_team_decides(forum):
    berit = person(forum, "Berit Bergen", "44444444-4444-4444-8444-444444444444", "berit@bergen.example.org")
    help_card = only_card(await forum.say(berit, "hjelp"))
    assert "fast representant for Bergen VO" in texts(help_card) and "Bytt forum" not in buttons(help_card)
    assert "Du er bare med i Forum Vest" in texts(only_card(await forum.say(berit, "bytt forum")))

    # In Forum Øst's team, Rita acts in Forum Øst with no question.
    assert "Forum Øst bruker nå" in texts(only_card(await forum.say(siri(forum), "oppsett ost", kind="channel")))
    assert "Medlemmer i Forum Øst" in texts(only_card(await forum.say(rita(forum), "medlemmer", kind="channel")))
    refused = texts(only_card(await forum.say(rita(forum), "bytt forum", kind="channel")))
    assert "Forumet velges bare i personlig chat" in refused
    assert await choices(forum) == {}


async def test_a_choice_of_a_forum_the_person_has_left_is_asked_again(forum, database_url, forum_config):
    await choose(forum, rita(forum), only_card(await forum.say(rita(forum), "hjelp")), "Bruk Forum Vest")
    # Rita leaves Forum Vest's roster, and joins a third forum, Forum Nord.
    forum_config.write_text(
        FORUMS.replace(
            f"deputy: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}",
            "deputy: {name: Vidar Vest, email: vidar@bergen.example.org}",
        )
        + f"""\
  - forum: {{id: nord, name: Forum Nord, timezone: Europe/Oslo}}
    statsforvalter:
      - {{name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: {SIRI}}}
    organisations:
      - id: tromso
        name: Tromsø VO
        kind: vo-nettverk
        submits_needs: true
        seats:
          - representative: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}
            deputy: {{name: Tor Nord, email: tor@tromso.example.org}}
""",
        encoding="utf-8",
    )
    restarted = await create_app(
        Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0)
    )
    await restarted.cleanup()

    card = only_card(await forum.say(rita(forum), "medlemmer"))
    assert buttons(card) == ["Bruk Forum Nord", "Bruk Forum Øst"]
    body, _ = await forum.press(rita(forum), "forum.choose", {"forum": "vest"})
    assert "Du står ikke i medlemslisten til det forumet" in message_of(body)
    body, replies = await forum.press(rita(forum), *actions(card)["Bruk Forum Nord"])
    assert "Medlemmer i Forum Nord" in texts(only_card(replies))
    assert await choices(forum) == {RITA: "nord"}


async def test_the_choice_is_in_the_persons_data_and_goes_when_they_are_erased(forum, database_url, forum_config):
    await choose(forum, rita(forum), only_card(await forum.say(rita(forum), "hjelp")), "Bruk Forum Øst")
    sf = siri(forum)
    # Siri, too, is in two forums: asked first, her request is then answered.
    body, replies = await forum.press(
        sf, *actions(only_card(await forum.say(sf, "personvern Rita Rep")))["Bruk Forum Øst"]
    )
    status, data = await fetch(forum, link_in(texts(only_card(replies))))
    assert status == 200 and [c["aad_object_id"] for c in json.loads(data)["forum_choice"]] == [RITA]

    # Rita leaves Forum Øst and asks to be forgotten there.
    forum_config.write_text(
        FORUMS.replace(
            f"representative: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}",
            "representative: {name: Rolf Ny, email: rolf@follo.example.org}",
        ),
        encoding="utf-8",
    )
    restarted = await create_app(
        Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0)
    )
    await restarted.cleanup()
    ask = only_card(await forum.say(sf, "slett personopplysninger Rita Rep"))
    body, _ = await forum.press(sf, *actions(ask)["Slett"])
    assert "Opplysningene om personen er slettet" in texts(card_of(body))
    assert await choices(forum) == {SIRI: "ost"}


async def test_a_notice_of_one_forum_is_answered_in_that_forum_whichever_the_chat_has_chosen(forum):
    """Rita's chat is in Forum Vest; the notice she got is Forum Øst's,
    where she represents Follo: her Forfall counts there, and calls Dag."""
    await choose(forum, rita(forum), only_card(await forum.say(rita(forum), "hjelp")), "Bruk Forum Vest")
    async with forum.app[UOW]() as uow:
        values = {
            "kind": "vaarmote",
            "starts_at": datetime.now(UTC) + timedelta(days=20),
            "title": "Vårmøte Øst",
            "place": "Oslo",
            "text": "",
            "offsets": [],
        }
        event = await uow.wheel.add("ost", values, None, datetime.now(UTC))
        await uow.commit()
    await choose(forum, siri(forum), only_card(await forum.say(siri(forum), "hjelp")), "Bruk Forum Øst")
    await forum.press(siri(forum), "meeting.send", {"event": event.id, "place": "Oslo", "agenda": "Sak"})
    async with forum.app[UOW]() as uow:
        (meeting,) = await uow.meetings.of_forum("ost")

    body, _ = await forum.press(rita(forum), "meeting.answer", {"meeting": meeting.id, "coming": False})
    assert "Du er ført opp med forfall. Varaen din, Dag Vara, er kalt inn." in texts(card_of(body))
    async with forum.app[UOW]() as uow:
        assert [(a.role.value, a.coming) for a in await uow.meetings.answers(meeting.id)] == [("representative", False)]
    assert (await choices(forum))[RITA] == "vest"  # the chat stays where she put it

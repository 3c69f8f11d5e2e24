"""Announcements (`kunngjøring`): the Statsforvalter passes on news from
Udir or HK-dir to the forum channel and, if asked, to the 1:1 chat of every
representative and deputy, and sees how each got there.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app import UOW
from bot.forum.announcements import MAX_TEXT, MAX_TITLE
from storage.models import AnnouncementDeliveryRow, AnnouncementRow, AuditEntryRow
from tests import teams
from tests.card_reading import actions, buttons, facts, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of
from tests.test_award_letters import forget_sent
from tests.test_reminders import channel_posts
from tests.test_reminders import set_up_channel as bind_channel
from tests.test_votes_in_teams import nb


async def set_up_channel(forum) -> None:
    await bind_channel(forum)
    forget_sent(forum)


def send_data(card: dict, **typed: str) -> dict:
    verb, data = actions(card)["Send kunngjøringen"]
    assert verb == "announcement.send"
    return {**data, **inputs(card), **typed}


async def form(forum) -> dict:
    return only_card(await forum.say(forum.statsforvalter, "kunngjøring"))


async def stored(forum) -> tuple[list[str], list[tuple[str, str]]]:
    """The announcements' titles, and each delivery's (target, status)."""
    async with forum.app[UOW]() as uow:
        return (
            list(await uow.session.scalars(select(AnnouncementRow.title))),
            list(await uow.session.execute(select(AnnouncementDeliveryRow.target, AnnouncementDeliveryRow.status))),
        )


NEWS = {
    "title": "Ny utlysning fra HK-dir",
    "text": "Søknadsfristen er 1. april.",
    "link": "https://example.org/utlysning",
}


async def test_an_announcement_goes_to_the_channel_and_to_every_representative_and_deputy_once(forum):
    await set_up_channel(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for person in (lise, arne):
        await forum.say(person, "hjelp")
    forget_sent(forum)
    card = await form(forum)
    assert inputs(card) == {"title": "", "text": "", "link": "", "to_people": "false"}

    body, _ = await forum.press(forum.statsforvalter, "announcement.send", send_data(card, **NEWS, to_people="true"))
    report = card_of(body)
    assert "Kunngjøringen sendes nå" in texts(report)
    await forum.settle()

    (post,) = channel_posts(forum)
    assert "Ny utlysning fra HK-dir" in texts(post) and "Søknadsfristen er 1. april." in texts(post)
    assert [a for a in post["actions"] if a["type"] == "Action.OpenUrl"][0]["url"] == NEWS["link"]
    for person in (lise, arne):
        assert [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(person))] == [post]

    # The Statsforvalter's report: the channel, and who got it in a chat.
    body, _ = await forum.press(forum.statsforvalter, "announcement.report", actions(report)["Oppdater"][1])
    report = card_of(body)
    announcements, deliveries = await stored(forum)
    people = len(deliveries) - 1
    assert facts(report)["Kanalen"] == "sendt · 1 forsøk"
    sent = sum(status == "sent" for target, status in deliveries if target != "channel")
    assert facts(report)["1:1-chat"] == f"{sent} av {people} sendt" and sent >= 2
    assert f"{lise.name}\nsendt · 1 forsøk\n{arne.name}\nsendt · 1 forsøk" in texts(report)

    # The same card pressed again (or Teams repeating the press) sends nothing new.
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "announcement.send", send_data(card, **NEWS, to_people="true"))
    await forum.settle()
    assert forum.connector.received == []
    assert len((await stored(forum))[0]) == 1
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(AuditEntryRow.action))).count("forum.announced") == 1

    # The next form lists it.
    assert "Ny utlysning fra HK-dir" in texts(await form(forum))


async def test_an_announcement_for_the_channel_only_reaches_no_chat(forum):
    await set_up_channel(forum)
    await forum.say(forum.representative("ostfold-vo"), "hjelp")
    card = await form(forum)
    forget_sent(forum)
    await forum.press(forum.statsforvalter, "announcement.send", send_data(card, **NEWS))
    await forum.settle()
    assert len(channel_posts(forum)) == 1
    assert [r.conversation_id for r in forum.connector.received] == [teams.CHANNEL]


async def test_someone_who_could_not_be_reached_gets_it_when_sent_again(forum):
    await set_up_channel(forum)
    lise = forum.representative("ostfold-vo")
    card = await form(forum)
    body, _ = await forum.press(forum.statsforvalter, "announcement.send", send_data(card, **NEWS, to_people="true"))
    await forum.settle()
    report_data = actions(card_of(body))["Oppdater"][1]
    body, _ = await forum.press(forum.statsforvalter, "announcement.report", report_data)
    assert "Send på nytt til dem som ikke fikk den" in buttons(card_of(body))
    assert f"{lise.name}\nikke nåbar" in texts(card_of(body))

    await forum.say(lise, "hjelp")  # now the bot has her chat
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "announcement.resend", report_data)
    assert "sendes på nytt" in texts(card_of(body))
    await forum.settle()
    assert len(forum.connector.sent_to(teams.personal_conversation(lise))) == 1
    assert teams.CHANNEL not in [r.conversation_id for r in forum.connector.received]  # the channel had it


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"title": " "}, "Kunngjøringen må ha en tittel."),
        ({"title": "x" * (MAX_TITLE + 1)}, f"Tittelen kan ha høyst {MAX_TITLE} tegn."),
        ({"text": ""}, "Kunngjøringen må ha en tekst."),
        ({"text": "x" * (MAX_TEXT + 1)}, f"Teksten kan ha høyst {MAX_TEXT} tegn."),
        ({"link": "http://example.org/utlysning"}, "Lenken må være en vanlig https-adresse"),
        ({"link": "javascript:alert(1)"}, "Lenken må være en vanlig https-adresse"),
        ({"link": "https://user:pw@example.org/"}, "Lenken må være en vanlig https-adresse"),
        ({"link": "https://example.org/a b"}, "Lenken må være en vanlig https-adresse"),
    ],
)
async def test_a_wrong_announcement_sends_nothing_and_keeps_what_was_typed(forum, typed, problem):
    await set_up_channel(forum)
    data = send_data(await form(forum), **{**NEWS, **typed})
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "announcement.send", data)
    back = card_of(body)
    assert problem in texts(back), texts(back)
    assert {k: v for k, v in inputs(back).items() if k != "to_people"} == {
        k: data[k] for k in ("title", "text", "link")
    }
    await forum.settle()
    assert await stored(forum) == ([], []) and forum.connector.received == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"key": "not-a-key", **NEWS},
        {"key": "a" * 32, "title": 5, "text": "x"},
        {"key": "a" * 32, **NEWS, "to_people": True},
        {"key": "a" * 32, **NEWS, "text": "x" * (MAX_TEXT * 2 + 1)},
    ],
)
async def test_forged_card_data_sends_nothing(forum, data):
    body, _ = await forum.press(forum.statsforvalter, "announcement.send", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)
    assert await stored(forum) == ([], [])


async def test_only_the_statsforvalter_announces(forum):
    lise = forum.representative("ostfold-vo")
    (reply,) = await forum.say(lise, "kunngjøring")
    assert nb("statsforvalter_only") in str(reply.activity)
    body, _ = await forum.press(lise, "announcement.send", {"key": "b" * 32, **NEWS})
    assert message_of(body) == nb("statsforvalter_only")
    assert await stored(forum) == ([], [])


async def test_an_announcement_is_in_the_privacy_export_of_who_sent_it_and_who_got_it(forum):
    await set_up_channel(forum)
    lise = forum.representative("ostfold-vo")
    await forum.say(lise, "hjelp")
    await forum.press(forum.statsforvalter, "announcement.send", send_data(await form(forum), **NEWS, to_people="true"))
    await forum.settle()
    async with forum.app[UOW]() as uow:
        people = await uow.privacy.people("oslo-viken")
        (sf,) = [p for p in people if forum.statsforvalter.aad_object_id in p.aad_object_ids]
        (her,) = [p for p in people if lise.aad_object_id in p.aad_object_ids]
        assert [a["title"] for a in (await uow.privacy.gather(sf))["announcements"]] == [NEWS["title"]]
        assert [(a["title"], a["status"]) for a in (await uow.privacy.gather(her))["announcements_received"]] == [
            (NEWS["title"], "sent")
        ]
        counts = await uow.privacy.erase(her, "slettet person", datetime.now(UTC))
        await uow.commit()
    assert counts["announcements_received"] == 1
    targets = [target for target, _ in (await stored(forum))[1]]
    assert f"person:{lise.aad_object_id}" not in targets and "channel" in targets

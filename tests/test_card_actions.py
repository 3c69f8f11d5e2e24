"""Buttons on cards (Action.Execute). Card data comes from the client, so
forged or broken data must be refused with a message and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import UOW
from storage.models import ForumRow
from tests import teams
from tests.card_reading import only_card, texts


def message_of(body: dict) -> str:
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    return body["value"]


async def test_pressing_members_on_the_help_card_shows_the_roster(forum):
    # botbuilder 4.17 answers any invoke with a body with HTTP 500 unless
    # worked around; this is the test of the workaround.
    body, replies = await forum.press(forum.representative("ostfold-vo"), "command", {"command": "medlemmer"})
    assert message_of(body) == "Utført"
    assert "Medlemmer i" in texts(only_card(replies))


async def test_buttons_answer_in_english_for_english_teams(forum):
    body, _ = await forum.press(forum.representative("ostfold-vo"), "command", {"command": "hjelp"}, locale="en-US")
    assert message_of(body) == "Done"


async def test_a_forged_setup_button_from_a_representative_changes_nothing(forum):
    body, replies = await forum.press(forum.representative("follo"), "command", {"command": "oppsett"}, kind="channel")
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)
    assert replies == []
    async with forum.app[UOW]() as uow:
        assert await uow.session.scalar(select(func.count()).where(ForumRow.team_id.is_not(None))) == 0


async def test_unknown_verbs_and_broken_data_are_refused(forum):
    ada = forum.representative("ostfold-vo")
    cases = [
        ("no-such-verb", {"command": "hjelp"}, "Denne knappen kjenner jeg ikke"),
        ("command", {}, "Kortet sendte data"),
        ("command", {"command": "slett alt"}, "Kortet sendte data"),
        ("command", {"command": ["hjelp"]}, "Kortet sendte data"),
        ("command", {"command": "x" * 10_000}, "Kortet sendte data"),
    ]
    for verb, data, expected in cases:
        body, replies = await forum.press(ada, verb, data)
        assert expected in message_of(body), (verb, data)
        assert replies == []


async def test_an_invoke_without_an_action_is_refused(forum):
    activity = teams.execute(forum.representative("ostfold-vo"), "command", {}, forum.service_url)
    for value in (None, "text", {"action": "x"}, {"action": {"type": "Action.Submit", "verb": "command"}}):
        activity["value"] = value
        async with forum.http.post(f"{forum.bot_url}api/messages", json=activity) as response:
            assert response.status == 200
            assert "Kortet sendte data" in message_of(await response.json())
    assert forum.new_replies() == []


async def test_a_submit_without_text_gets_a_message_not_a_crash(forum):
    activity = teams.message(forum.representative("ostfold-vo"), "", forum.service_url)
    activity["value"] = {"forged": True}
    card = only_card(await forum.send(activity))
    assert "Denne knappen kjenner jeg ikke" in texts(card)

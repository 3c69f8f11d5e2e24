"""A failure inside the bot: the person gets a short apology in their
language, never a stack trace, and Teams never sees a 500 (`forum.say`
and `forum.press` check the HTTP status)."""

from __future__ import annotations

import json

import pytest

from bot.views import common as views
from tests.card_reading import only_card, texts

SECRET = "connection to db-internal:5432 refused"
APOLOGIES = pytest.mark.parametrize(
    ("locale", "apology"),
    [("nb-NO", "Beklager, noe gikk galt hos meg"), ("en-US", "Sorry, something went wrong on my side")],
)


@pytest.fixture
def broken_roster(monkeypatch):
    """Drawing the roster fails, as a bug in the bot would."""

    def fail(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(views, "roster_card", fail)


def assert_no_trace(*answers) -> None:
    shown = json.dumps(answers, ensure_ascii=False)
    for detail in ("Traceback", "RuntimeError", SECRET):
        assert detail not in shown


@APOLOGIES
async def test_a_typed_command_that_fails_gets_an_apology(forum, broken_roster, locale, apology):
    replies = await forum.say(forum.representative("ostfold-vo"), "medlemmer", locale=locale)
    assert apology in texts(only_card(replies))
    assert_no_trace([reply.activity for reply in replies])


@APOLOGIES
async def test_a_button_that_fails_gets_an_apology(forum, broken_roster, locale, apology):
    ada = forum.representative("ostfold-vo")
    body, replies = await forum.press(ada, "command", {"command": "medlemmer"}, locale=locale)
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert apology in body["value"]
    assert_no_trace(body, [reply.activity for reply in replies])

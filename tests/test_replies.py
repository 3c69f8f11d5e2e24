"""A reply is never lost to a busy Teams: Teams' request is answered at
once, and the reply goes through the paced, retried path every proactive
send takes (429, 412 and 5xx retried, Retry-After kept)."""

from __future__ import annotations

import time

from bot.app import REPLIES, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from tests import teams
from tests.card_reading import texts
from tests.conftest import serve
from tests.limited_connector import LimitedConnector

CONNECTOR = LimitedConnector  # Teams' limits on, faults on demand


async def test_a_reply_refused_with_429_and_503_arrives_after_the_wait_teams_asked_for(forum):
    lise = forum.representative("ostfold-vo")
    chat = forum.connector.open_chat(lise.id)
    message = teams.message(lise, "hjelp", forum.service_url)
    message["conversation"]["id"] = chat
    forum.connector.fail_next(chat, 429, times=2, retry_after=1)
    forum.connector.fail_next(chat, 503)

    started = time.monotonic()
    async with forum.http.post(f"{forum.bot_url}api/messages", json=message) as r:
        assert r.status in (200, 201)
    assert forum.connector.sent_to(chat) == []  # answered before the reply went out
    await forum.app[REPLIES].settle()

    (reply,) = forum.connector.sent_to(chat)
    assert "Skriv en kommando" in texts(reply.cards[0])
    assert forum.connector.injected == {429: 2, 503: 1}
    assert time.monotonic() - started >= 2.0  # each Retry-After: 1 was waited out


async def test_a_message_teams_delivers_twice_is_answered_once(forum):
    lise = forum.representative("ostfold-vo")
    chat = forum.connector.open_chat(lise.id)
    message = teams.message(lise, "medlemmer", forum.service_url)
    message["conversation"]["id"] = chat
    first = await forum.send(message)
    again = await forum.send(message)
    assert len(first) == 1 and again == []
    other = await forum.send({**message, "id": message["id"] + "-next"})  # a new message, a new id
    assert len(other) == 1


async def test_a_message_delivered_again_to_another_replica_is_answered_once(forum, database_url):
    # A second replica on the same database, as behind a load balancer.
    settings = Settings(
        database_url=database_url, forum_config=forum.config_path or EXAMPLE_FORUM_CONFIG, scheduler_interval_seconds=0
    )
    other = await create_app(settings)
    runner, other_url = await serve(other)
    try:
        lise = forum.representative("ostfold-vo")
        chat = forum.connector.open_chat(lise.id)
        message = teams.message(lise, "medlemmer", forum.service_url)
        message["conversation"]["id"] = chat
        first = await forum.send(message)
        async with forum.http.post(f"{other_url}api/messages", json=message) as response:
            assert response.status == 200
        await other[REPLIES].settle()
        assert len(first) == 1 and forum.new_replies() == []
    finally:
        await runner.cleanup()

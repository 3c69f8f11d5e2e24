"""The channel's notice of a new needs report goes after the answer to
*Send*: Teams gives up on a button's answer after some ten seconds, and a
send to a busy channel may wait for Teams' retries far longer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests import teams
from tests.card_reading import texts
from tests.connector import LocalConnector
from tests.needs_helpers import card_of, fill_in, press

ANSWER_TIMEOUT = 10.0  # about as long as Teams waits for a button's answer


@dataclass
class SlowChannel(LocalConnector):
    """Teams taking its time over new posts in the forum channel until the
    test lets them through."""

    through: asyncio.Event = field(default_factory=asyncio.Event)

    async def _send(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] == teams.CHANNEL:
            await self.through.wait()
        return await super()._send(request)


@pytest.fixture
async def connector():
    slow = SlowChannel()
    await slow.start()
    yield slow
    slow.through.set()  # nothing is left waiting at the end
    await slow.stop()


async def test_the_receipt_does_not_wait_for_the_channel(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    ada = forum.representative("ostfold-vo")
    form = card_of((await forum.press(ada, "needs.new", {}))[0])
    summary = await fill_in(forum, ada, form)

    body = await asyncio.wait_for(press(forum, ada, summary, "Send behovsmeldingen"), ANSWER_TIMEOUT)
    assert "Behovsmeldingen er sendt" in texts(card_of(body))
    assert forum.connector.sent_to(teams.CHANNEL) == []

    forum.connector.through.set()
    await forum.settle()
    (notice,) = forum.connector.sent_to(teams.CHANNEL)
    assert "Ny behovsmelding: BM-" in texts(notice.cards[0])

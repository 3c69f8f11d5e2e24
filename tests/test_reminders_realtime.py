"""One reminder in real time: the Statsforvalter adds an event through
Teams, the scheduler loop of the running app sends the reminder to the
forum channel through the connector, when it falls due and once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.forum.config_file import load_forum_config
from tests import teams
from tests.card_reading import texts
from tests.conftest import serve


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_reminder_arrives_in_the_channel_when_it_falls_due(forum, database_url):
    # The forum fixture's app has its loop off; this one runs it every 0.2 s
    # on the same database and connector.
    settings = Settings(database_url=database_url, forum_config=forum.config_path, scheduler_interval_seconds=0.2)
    forums = [f.model_copy(update={"wheel": ()}) for f in load_forum_config(forum.config_path)]
    runner, _ = await serve(await create_app(settings, forums))
    try:
        stine = forum.statsforvalter
        await forum.say(stine, "oppsett", kind="channel")

        # The event at the start of the minute after next; its reminder one
        # minute before, at the next full minute: at most a minute's wait.
        oslo = datetime.now(ZoneInfo("Europe/Oslo"))
        starts = (oslo + timedelta(minutes=2)).replace(second=0, microsecond=0)
        body, _ = await forum.press(
            stine,
            "wheel.save",
            {
                "kind": "ekstramote",
                "date": starts.date().isoformat(),
                "time": starts.strftime("%H:%M"),
                "title": "Ekstramøte om fordelingen",
                "place": "Teams",
                "text": "",
                "offsets": "1m",
            },
        )
        assert "Ekstramøte om fordelingen" in texts(body["value"])
        due = starts - timedelta(minutes=1)

        deadline = datetime.now(UTC) + (due - datetime.now(UTC)) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline and not forum.connector.sent_to(teams.CHANNEL):
            await asyncio.sleep(0.2)
        arrived = datetime.now(UTC)
        await asyncio.sleep(1.5)  # several more rounds of the loop: no second copy

        # (The setup notice went to its own thread; reminders start new posts.)
        posts = forum.connector.sent_to(teams.CHANNEL)
        assert len(posts) == 1, "exactly one reminder"
        assert arrived >= due.astimezone(UTC), "not before its time"
        assert arrived - due.astimezone(UTC) < timedelta(seconds=5), "within a few rounds of the loop"
        card = posts[0].cards[0]
        assert "Påminnelse fra årshjulet · om 1 minutt" in texts(card)
        assert "Ekstramøte om fordelingen" in texts(card)
    finally:
        await runner.cleanup()

"""The annual wheel as a calendar feed that Outlook can subscribe to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.app import CALENDAR, UOW
from bot.forum.wheel.service import local_time


async def add(forum, kind: str, starts_at: datetime, title: str, place: str = "") -> None:
    async with forum.app[UOW]() as uow:
        values = {"kind": kind, "starts_at": starts_at, "title": title, "place": place, "text": "Les sakspapirene", "offsets": [1440]}
        await uow.wheel.add("oslo-viken", values, None, datetime.now(UTC))
        await uow.commit()


async def fetch(forum, url: str) -> tuple[int, str, bytes]:
    async with forum.http.get(url) as response:
        return response.status, response.content_type, await response.read()


async def test_the_feed_lists_the_wheel_at_the_right_times_across_summer_time(forum):
    from datetime import date, time

    next_year = datetime.now(UTC).year + 1
    winter = local_time(date(next_year, 1, 15), time(12, 0), "Europe/Oslo")
    summer = local_time(date(next_year, 5, 5), time(12, 0), "Europe/Oslo")
    await add(forum, "vaarmote", winter, "Vintermøte", "Oslo")
    await add(forum, "frist_behovsmeldinger", summer, "Frist for behovsmeldinger")

    link = forum.app[CALENDAR].link("oslo-viken").replace(forum.app[CALENDAR].base_url, forum.bot_url.rstrip("/"))
    status, content_type, body = await fetch(forum, link)
    assert (status, content_type) == (200, "text/calendar")
    calendar = Calendar.from_ical(body)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Vintermøte", "Frist for behovsmeldinger"}
    assert events["Vintermøte"].decoded("dtstart") == datetime(next_year, 1, 15, 11, 0, tzinfo=UTC)
    assert events["Frist for behovsmeldinger"].decoded("dtstart") == datetime(next_year, 5, 5, 10, 0, tzinfo=UTC)
    assert str(events["Vintermøte"]["location"]) == "Oslo"
    assert "Vårmøte" in str(events["Vintermøte"]["description"])
    assert str(calendar["x-wr-calname"]).startswith("Årshjul – Samarbeidsforum")


async def test_a_wrong_token_or_another_forum_gets_nothing(forum):
    await add(forum, "annet", datetime.now(UTC) + timedelta(days=3), "Hemmelig")
    feed = forum.app[CALENDAR]
    token = feed.token("oslo-viken")
    for path in (
        f"calendar/oslo-viken/{token[:-1]}x.ics",
        f"calendar/annet-forum/{token}.ics",
        f"calendar/oslo-viken/{feed.token('annet-forum')}.ics",
    ):
        status, _, body = await fetch(forum, forum.bot_url + path)
        assert status == 404 and b"Hemmelig" not in body


async def test_members_get_the_feed_address_from_the_wheel_and_observers_do_not(forum):
    from tests import teams
    from tests.card_reading import only_card, texts
    from tests.needs_helpers import card_of, message_of, press

    ada = forum.representative("ostfold-vo")
    wheel = only_card(await forum.say(ada, "årshjul"))
    card = card_of(await press(forum, ada, wheel, "Abonner i kalenderen"))
    assert "Abonner fra nettet" in texts(card)
    assert forum.app[CALENDAR].link("oslo-viken") in texts(card)

    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    observer = teams.stranger()
    wheel = only_card(await forum.say(observer, "årshjul", kind="channel"))
    assert "Abonner i kalenderen" not in texts(wheel)
    body, _ = await forum.press(observer, "wheel.calendar", {"view": 0}, kind="channel")
    assert "for Statsforvalteren og medlemmene" in message_of(body)

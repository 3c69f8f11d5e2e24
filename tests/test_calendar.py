"""The annual wheel as a calendar feed that Outlook can subscribe to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.app import CALENDAR, UOW
from bot.forum.wheel.service import local_time


async def add(forum, kind: str, starts_at: datetime, title: str, place: str = "") -> None:
    async with forum.app[UOW]() as uow:
        values = {
            "kind": kind,
            "starts_at": starts_at,
            "title": title,
            "place": place,
            "text": "Les sakspapirene",
            "offsets": [1440],
        }
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

    link = forum.app[CALENDAR].link("oslo-viken", 0).replace(forum.app[CALENDAR].base_url, forum.bot_url.rstrip("/"))
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


async def test_the_feed_is_right_on_the_nights_the_clocks_change(forum):
    """Times go out in UTC, so a calendar in any zone shows them right; a
    meeting over the October change lasts its three hours although the
    clock shows 00:30 to 02:30."""
    from datetime import date, time

    from tests.test_wheel import NEXT, last_sunday_of_march, last_sunday_of_october

    march, october = last_sunday_of_march(NEXT), last_sunday_of_october(NEXT)
    for title, day, clock in [
        ("Før vårnatten", march, time(1, 30)),
        ("Etter vårnatten", march, time(3, 0)),
        ("Over høstnatten", october, time(0, 30)),
        ("Etter høstnatten", october, time(3, 0)),
    ]:
        await add(forum, "vaarmote", local_time(day, clock, "Europe/Oslo"), title)

    link = forum.app[CALENDAR].link("oslo-viken", 0).replace(forum.app[CALENDAR].base_url, forum.bot_url.rstrip("/"))
    _, _, body = await fetch(forum, link)
    events = {str(e["summary"]): e for e in Calendar.from_ical(body).walk("VEVENT")}

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=UTC)

    assert {title: (e.decoded("dtstart"), e.decoded("dtend")) for title, e in events.items()} == {
        "Før vårnatten": (at(march, 0, 30), at(march, 3, 30)),  # 01:30 winter time
        "Etter vårnatten": (at(march, 1), at(march, 4)),  # 03:00 summer time
        "Over høstnatten": (at(october - timedelta(days=1), 22, 30), at(october, 1, 30)),  # 00:30 to 02:30 on the clock
        "Etter høstnatten": (at(october, 2), at(october, 5)),  # 03:00 winter time
    }
    assert b"DTSTART:" + f"{october - timedelta(days=1):%Y%m%d}".encode() + b"T223000Z" in body


async def test_a_wrong_token_or_another_forum_gets_nothing(forum):
    await add(forum, "annet", datetime.now(UTC) + timedelta(days=3), "Hemmelig")
    feed = forum.app[CALENDAR]
    token = feed.token("oslo-viken", 0)
    for path in (
        f"calendar/oslo-viken/{token[:-1]}x.ics",
        f"calendar/annet-forum/{token}.ics",
        f"calendar/oslo-viken/{feed.token('annet-forum', 0)}.ics",
        f"calendar/oslo-viken/{feed.token('oslo-viken', 1)}.ics",  # an address of a generation not yet made
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
    assert forum.app[CALENDAR].link("oslo-viken", 0) in texts(card)

    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    observer = teams.stranger()
    wheel = only_card(await forum.say(observer, "årshjul", kind="channel"))
    assert "Abonner i kalenderen" not in texts(wheel)
    body, _ = await forum.press(observer, "wheel.calendar", {"view": 0}, kind="channel")
    assert "for Statsforvalteren og medlemmene" in message_of(body)


async def test_the_statsforvalter_renews_the_address_and_the_old_one_stops_working(forum):
    from tests.card_reading import only_card, texts
    from tests.needs_helpers import card_of, press

    await add(forum, "annet", datetime.now(UTC) + timedelta(days=3), "Arbeidsmøte")
    ada = forum.representative("ostfold-vo")
    old = _link_in(
        texts(card_of(await press(forum, ada, only_card(await forum.say(ada, "årshjul")), "Abonner i kalenderen")))
    )
    assert (await fetch(forum, _local(forum, old)))[0] == 200

    assert "kalender ny lenke" not in texts(
        card_of(await press(forum, ada, only_card(await forum.say(ada, "årshjul")), "Abonner i kalenderen"))
    )
    sf = forum.statsforvalter
    assert "kalender ny lenke" in texts(
        card_of(await press(forum, sf, only_card(await forum.say(sf, "årshjul")), "Abonner i kalenderen"))
    )

    refused = texts(only_card(await forum.say(ada, "kalender ny lenke")))
    assert "Bare Statsforvalteren" in refused
    assert (await fetch(forum, _local(forum, old)))[0] == 200

    renewed = texts(only_card(await forum.say(forum.statsforvalter, "kalender ny lenke")))
    new = _link_in(renewed)
    assert "Den gamle adressen virker ikke lenger" in renewed and new != old
    status, _, body = await fetch(forum, _local(forum, new))
    assert status == 200 and "Arbeidsmøte" in body.decode()
    status, _, body = await fetch(forum, _local(forum, old))
    assert status == 404 and "Arbeidsmøte" not in body.decode()
    shown = texts(card_of(await press(forum, ada, only_card(await forum.say(ada, "årshjul")), "Abonner i kalenderen")))
    assert new in shown and old not in shown


def _link_in(text: str) -> str:
    import re

    return re.search(r"http://localhost:3978/calendar/\S+?\.ics", text).group(0)


def _local(forum, link: str) -> str:
    """The link, on the port this test's server listens on."""
    return forum.bot_url.rstrip("/") + link.removeprefix("http://localhost:3978")

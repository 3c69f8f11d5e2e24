"""The annual wheel around the nights the clocks change in Oslo: the last
Sunday of March (02:00 → 03:00) and of October (03:00 → 02:00); in 2027
those are 28 March and 31 October. The tests use next year's, so that they
do not depend on today's date.

A reminder given in days comes the same number of calendar days before,
at the event's wall-clock time; one given in hours or minutes comes that
long before. An event cannot be put in the hour that does not exist, nor
in the hour that comes twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.card_reading import only_card, texts
from tests.needs_helpers import card_of, press
from tests.test_wheel import (
    NEXT,
    OSLO,
    SPRING,
    add,
    event_actions,
    everything,
    last_sunday_of_march,
    last_sunday_of_october,
    norwegian,
    oslo,
    reminders,
    stored,
)

MARCH = last_sunday_of_march(NEXT)
OCTOBER = last_sunday_of_october(NEXT)
DEADLINE = {**SPRING, "kind": "frist_behovsmeldinger", "title": "Frist for behovsmeldinger", "place": "", "text": ""}


def day(sunday: date, days: int) -> str:
    return (sunday + timedelta(days=days)).isoformat()


async def due_times(forum, title: str) -> dict[int, datetime]:
    """The channel reminders of the event with this title: offset → when, in Oslo."""
    (event,) = [e for e in await stored(forum) if e.title == title]
    rows = await reminders(forum, event.id)
    return {offset: due.astimezone(OSLO) for offset, target, due, _ in rows if target == "channel"}


async def report(forum, wheel: dict, title: str) -> str:
    verb, data = event_actions(wheel, title)["Leveringsrapport"]
    body, _ = await forum.press(forum.statsforvalter, verb, data)
    return texts(card_of(body))


async def test_day_reminders_keep_the_meeting_time_when_summer_time_begins(forum):
    """A deadline on the Tuesday after the clocks go forward, at 12:00: the
    reminders 14 and 7 days before come at 12:00 winter time, the one a day
    before at 12:00 summer time, and the one 2 hours before at 10:00."""
    stine = forum.statsforvalter
    wheel = await add(forum, stine, {**DEADLINE, "date": day(MARCH, 2), "time": "12:00", "offsets": "14d, 7d, 1d, 2h"})

    due = await due_times(forum, "Frist for behovsmeldinger")
    assert {offset: (when.date(), f"{when:%H:%M}") for offset, when in due.items()} == {
        14 * 1440: (MARCH - timedelta(days=12), "12:00"),
        7 * 1440: (MARCH - timedelta(days=5), "12:00"),
        1440: (MARCH + timedelta(days=1), "12:00"),
        120: (MARCH + timedelta(days=2), "10:00"),
    }
    # Across the change, 14 days at the same time is an hour less than 14 × 24 hours.
    starts = oslo(day(MARCH, 2), "12:00")
    assert starts - due[14 * 1440] == timedelta(days=14, hours=-1)
    assert due[14 * 1440].utcoffset() == timedelta(hours=1) and due[1440].utcoffset() == timedelta(hours=2)

    shown = await report(forum, wheel, "Frist for behovsmeldinger")
    assert f"14 dager før: {norwegian(MARCH - timedelta(days=12), '12:00')}" in shown
    assert f"1 dag før: {norwegian(MARCH + timedelta(days=1), '12:00')}" in shown
    assert f"2 timer før: {norwegian(MARCH + timedelta(days=2), '10:00')}" in shown


async def test_day_reminders_keep_the_meeting_time_when_summer_time_ends(forum):
    stine = forum.statsforvalter
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "hostmote",
            "title": "Høstmøte",
            "date": day(OCTOBER, 2),
            "time": "10:00",
            "offsets": "14d, 1d, 30m",
        },
    )
    due = await due_times(forum, "Høstmøte")
    assert {offset: (when.date(), f"{when:%H:%M}") for offset, when in due.items()} == {
        14 * 1440: (OCTOBER - timedelta(days=12), "10:00"),
        1440: (OCTOBER + timedelta(days=1), "10:00"),
        30: (OCTOBER + timedelta(days=2), "09:30"),
    }
    assert oslo(day(OCTOBER, 2), "10:00") - due[14 * 1440] == timedelta(days=14, hours=1)


async def test_hour_reminders_are_exact_durations_over_the_change(forum):
    """A meeting on the Sunday itself at 12:00: 12 hours before is 23:00 on
    Saturday in winter time, not midnight."""
    stine = forum.statsforvalter
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "ekstramote",
            "title": "Ekstramøte",
            "date": MARCH.isoformat(),
            "time": "12:00",
            "offsets": "12h",
        },
    )
    (when,) = (await due_times(forum, "Ekstramøte")).values()
    assert (when.date(), f"{when:%H:%M}") == (MARCH - timedelta(days=1), "23:00")
    assert oslo(MARCH.isoformat(), "12:00") - when == timedelta(hours=12)


async def test_a_reminder_in_the_skipped_or_repeated_hour(forum):
    """A night job a week after the change, at 02:30: a week before, 02:30
    does not exist, and the reminder comes at 03:30 (the clocks skipped the
    hour). In October, a day before is 02:30 on the night that has it twice:
    the first, so it is never late."""
    stine = forum.statsforvalter
    await add(
        forum,
        stine,
        {**SPRING, "kind": "annet", "title": "Vårjobb", "date": day(MARCH, 7), "time": "02:30", "offsets": "7d, 1d"},
    )
    due = await due_times(forum, "Vårjobb")
    assert (due[7 * 1440].date(), f"{due[7 * 1440]:%H:%M}") == (MARCH, "03:30")
    assert (due[1440].date(), f"{due[1440]:%H:%M}") == (MARCH + timedelta(days=6), "02:30")

    await add(
        forum,
        stine,
        {**SPRING, "kind": "annet", "title": "Høstjobb", "date": day(OCTOBER, 1), "time": "02:30", "offsets": "1d"},
    )
    (when,) = (await due_times(forum, "Høstjobb")).values()
    assert when.astimezone(UTC) == datetime(OCTOBER.year, OCTOBER.month, OCTOBER.day, 0, 30, tzinfo=UTC)
    assert (f"{when:%H:%M}", when.utcoffset()) == ("02:30", timedelta(hours=2))  # summer time, the first 02:30


async def test_an_event_in_the_skipped_or_repeated_hour_is_refused(forum):
    stine = forum.statsforvalter
    before = await everything(forum)
    wheel = only_card(await forum.say(stine, f"årshjul {NEXT}"))
    form = card_of(await press(forum, stine, wheel, "Ny hendelse"))
    for sunday, clock, expected in [
        (MARCH, "02:00", "Tidspunkt: finnes ikke den dagen: klokka stilles fram en time når sommertiden begynner"),
        (MARCH, "02:59", "Tidspunkt: finnes ikke den dagen"),
        (
            OCTOBER,
            "02:00",
            "Tidspunkt: finnes to ganger den natten: klokka stilles tilbake en time når sommertiden "
            "slutter. Velg et annet klokkeslett",
        ),
        (OCTOBER, "02:30", "Tidspunkt: finnes to ganger den natten"),
        (OCTOBER, "02:59", "Tidspunkt: finnes to ganger den natten"),
    ]:
        wrong = {**SPRING, "date": sunday.isoformat(), "time": clock}
        again = card_of(await press(forum, stine, form, "Lagre", wrong))
        assert expected in texts(again), (sunday, clock, texts(again))
    assert await everything(forum) == before

    body, _ = await forum.press(
        stine, "wheel.save", {"view": 0, **SPRING, "date": OCTOBER.isoformat(), "time": "02:30"}, locale="en-GB"
    )
    assert "Date and time: occurs twice that night: the clocks go back an hour when summer time ends" in texts(
        card_of(body)
    )

    # Just before and after the hour, the times are plain.
    for title, clock, offset in [("Før", "01:59", 2), ("Etter", "03:00", 1)]:
        await add(forum, stine, {**SPRING, "title": title, "date": OCTOBER.isoformat(), "time": clock})
        (event,) = [e for e in await stored(forum) if e.title == title]
        assert (f"{event.starts_at.astimezone(OSLO):%H:%M}", event.starts_at.astimezone(OSLO).utcoffset()) == (
            clock,
            timedelta(hours=offset),
        )

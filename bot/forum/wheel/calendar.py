"""The annual wheel as an iCalendar feed, for Outlook and other calendars."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.forum.wheel.events import EventKind, WheelEvent

# How long each kind of event lasts in a calendar; a deadline is a moment.
_LENGTH = {
    EventKind.SPRING_MEETING: timedelta(hours=3),
    EventKind.AUTUMN_MEETING: timedelta(hours=3),
    EventKind.EXTRA_MEETING: timedelta(hours=2),
    EventKind.NEEDS_DEADLINE: timedelta(minutes=30),
    EventKind.REPORTING_DEADLINE: timedelta(minutes=30),
    EventKind.OTHER: timedelta(hours=1),
}


def feed(
    forum_name: str, timezone: str, events: list[WheelEvent], kind_names: dict[EventKind, str], now: datetime
) -> bytes:
    from icalendar import Calendar, Event  # when the first feed is asked for, as openpyxl (bot/forum/spreadsheet.py)

    calendar = Calendar()
    calendar.add("prodid", "-//samarbeidsforum-bot//årshjul//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Årshjul – {forum_name}")
    calendar.add("x-wr-timezone", timezone)
    # Ask subscribers to look again every few hours.
    calendar.add("refresh-interval", timedelta(hours=4), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    for event in events:
        entry = Event()
        entry.add("uid", f"wheel-{event.forum_id}-{event.id}@samarbeidsforum-bot")
        entry.add("dtstamp", now)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.starts_at + _LENGTH[event.kind])
        entry.add("summary", event.title)
        entry.add("categories", [kind_names[event.kind]])
        if event.place:
            entry.add("location", event.place)
        description = "\n\n".join(part for part in (kind_names[event.kind], event.text) if part)
        entry.add("description", description)
        calendar.add_component(entry)
    return calendar.to_ical()

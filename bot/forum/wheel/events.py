"""Events of the annual wheel and the reminder offsets people write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class EventKind(StrEnum):
    SPRING_MEETING = "vaarmote"
    AUTUMN_MEETING = "hostmote"
    EXTRA_MEETING = "ekstramote"
    NEEDS_DEADLINE = "frist_behovsmeldinger"
    REPORTING_DEADLINE = "frist_rapportering"
    OTHER = "annet"


# Where a reminder goes: the forum channel, or "person:<Entra object id>".
CHANNEL = "channel"
PERSON = "person:"

# What people usually want, in minutes before the event.
DEFAULT_OFFSETS: dict[EventKind, tuple[int, ...]] = {
    EventKind.SPRING_MEETING: (14 * 1440, 1440),
    EventKind.AUTUMN_MEETING: (14 * 1440, 1440),
    EventKind.EXTRA_MEETING: (7 * 1440, 1440),
    EventKind.NEEDS_DEADLINE: (14 * 1440, 7 * 1440, 1440),
    EventKind.REPORTING_DEADLINE: (14 * 1440, 1440),
    EventKind.OTHER: (1440,),
}

_DAY = 1440
_UNIT = {"d": _DAY, "h": 60, "m": 1}
_OFFSET = re.compile(r"(\d{1,3})\s*([dhm])")
MAX_OFFSET_MINUTES = 366 * 1440
MAX_OFFSETS = 8


def parse_offsets(text: str) -> tuple[int, ...]:
    """``"14d, 7d, 1d, 2h, 30m"`` → minutes, longest first. Raises ValueError."""
    parts = [p.strip().lower() for p in re.split(r"[,;\s]+(?=\d)", text.strip()) if p.strip()]
    if not parts:
        return ()
    minutes = set()
    for part in parts:
        match = _OFFSET.fullmatch(part.replace(" ", ""))
        if not match:
            raise ValueError(part)
        value = int(match.group(1)) * _UNIT[match.group(2)]
        if not 0 < value <= MAX_OFFSET_MINUTES:
            raise ValueError(part)
        minutes.add(value)
    if len(minutes) > MAX_OFFSETS:
        raise ValueError("too many")
    return tuple(sorted(minutes, reverse=True))


def format_offsets(minutes: tuple[int, ...]) -> str:
    def one(m: int) -> str:
        for unit, size in _UNIT.items():
            if m % size == 0:
                return f"{m // size}{unit}"
        return f"{m}m"

    return ", ".join(one(m) for m in minutes)


@dataclass(frozen=True)
class WheelEvent:
    id: int
    forum_id: str
    kind: EventKind
    starts_at: datetime  # aware, UTC
    title: str
    place: str
    text: str
    offsets: tuple[int, ...]  # minutes before

    def reminder_times(self, timezone: str) -> list[tuple[int, datetime]]:
        """When each reminder is due. Whole days (also "48h") are calendar
        days at the event's wall-clock time in the forum's zone, so "14d"
        before a meeting at 12:00 is at 12:00 also when summer time begins
        or ends in between; other hours and minutes are exact durations. A
        wall-clock time in the hour skipped in March moves on by that hour
        (02:30 → 03:30, as calendars do); one in the hour repeated in
        October is its first occurrence, so the reminder is never late."""
        zone = ZoneInfo(timezone)
        wall = self.starts_at.astimezone(zone).replace(tzinfo=None, fold=0)
        times = []
        for minutes in self.offsets:
            if minutes % _DAY:
                due = self.starts_at - timedelta(minutes=minutes)
            else:
                # fold=0 reads a skipped time with the offset before the gap
                due = (wall - timedelta(days=minutes // _DAY)).replace(tzinfo=zone, fold=0).astimezone(UTC)
            times.append((minutes, due))
        return times

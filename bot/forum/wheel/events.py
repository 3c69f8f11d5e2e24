"""Events of the annual wheel and the reminder offsets people write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


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

_UNIT = {"d": 1440, "h": 60, "m": 1}
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

    def reminder_times(self) -> list[tuple[int, datetime]]:
        return [(m, self.starts_at - timedelta(minutes=m)) for m in self.offsets]

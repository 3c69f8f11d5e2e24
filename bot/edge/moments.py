"""Dates and times as people read them: in the forum's time zone, with
Norwegian names of days and months."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import EN

_DAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def month_name(month: int, lang: str) -> str:
    return _MONTHS[lang][month - 1]


def long_moment(moment: datetime, timezone: str, lang: str) -> str:
    """``tirsdag 5. mai 2026 kl. 12:00`` / ``Tuesday 5 May 2026 at 12:00``."""
    local = moment.astimezone(ZoneInfo(timezone))
    day, month = _DAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    if lang == EN:
        return f"{day} {local.day} {month} {local.year} at {local:%H:%M}"
    return f"{day} {local.day}. {month} {local.year} kl. {local:%H:%M}"


def time_left(delta: timedelta, lang: str) -> str:
    """``om 7 dager`` / ``in 7 days``, rounded to what matters."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 2 * 1440:
        count, unit = round(minutes / 1440), ("dager", "days")
    elif minutes >= 1440:
        count, unit = 1, ("dag", "day")
    elif minutes >= 120:
        count, unit = round(minutes / 60), ("timer", "hours")
    elif minutes >= 60:
        count, unit = 1, ("time", "hour")
    else:
        count, unit = minutes, ("minutter", "minutes") if minutes != 1 else ("minutt", "minute")
    return f"in {count} {unit[1]}" if lang == EN else f"om {count} {unit[0]}"

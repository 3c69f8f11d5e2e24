"""Dates and times as people read them: in the forum's time zone, with the
names of days and months in the reader's language (from Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_month_names

from bot.i18n import EN, LOCALES, text

_LONG = {EN: "EEEE d MMMM y 'at' HH:mm"}
_LONG_NORWEGIAN = "EEEE d. MMMM y 'kl.' HH:mm"


def month_name(month: int, lang: str) -> str:
    return get_month_names("wide", "stand-alone", LOCALES[lang])[month]


def long_moment(moment: datetime, timezone: str, lang: str) -> str:
    """``tirsdag 5. mai 2026 kl. 12:00`` / ``tysdag 5. mai 2026 kl. 12:00`` /
    ``Tuesday 5 May 2026 at 12:00``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return format_datetime(local, _LONG.get(lang, _LONG_NORWEGIAN), tzinfo=local.tzinfo, locale=LOCALES[lang])


def time_left(delta: timedelta, lang: str) -> str:
    """``om 7 dager`` / ``om 7 dagar`` / ``in 7 days``, rounded to what
    matters. The units are the wheel's own words: CLDR counts days in
    «døgn», which reads oddly in a reminder."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 2 * 1440:
        count, unit = round(minutes / 1440), "wheel_days"
    elif minutes >= 1440:
        count, unit = 1, "wheel_days_one"
    elif minutes >= 120:
        count, unit = round(minutes / 60), "wheel_hours"
    elif minutes >= 60:
        count, unit = 1, "wheel_hours_one"
    else:
        count, unit = minutes, "wheel_minutes_one" if minutes == 1 else "wheel_minutes"
    return text(lang, "time_left", span=text(lang, unit, n=count))

"""What the Statsforvalter does with the annual wheel, and what everyone
reads from it. Times are entered and shown in the forum's time zone and
kept in UTC."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.needs.form import Invalid
from bot.forum.roster import Actor, Refused
from bot.forum.wheel.events import DEFAULT_OFFSETS, EventKind, WheelEvent, parse_offsets

log = logging.getLogger(__name__)

LIMITS = {"title": 200, "place": 200, "text": 2000, "offsets": 100, "kind": 32}  # others: 20
# Events lie from now to the end of the fifth year ahead: far enough to
# plan, near enough that a typo in the year is caught, and never past the
# last year a wheel can show.
YEARS_AHEAD = 5
LAST_YEAR = 2100


@dataclass
class EventCheck:
    values: dict = field(default_factory=dict)
    errors: dict[str, Invalid] = field(default_factory=dict)


def local_time(day: date, at: time, timezone: str) -> datetime:
    """The moment a wall-clock time names in the forum's zone. A time that
    does not exist (the hour skipped when summer time starts) is refused,
    and so is one that exists twice (the hour repeated when it ends): which
    of the two was meant cannot be told, and a meeting an hour off is
    worse than a question."""
    zone = ZoneInfo(timezone)
    moment = datetime.combine(day, at, tzinfo=zone)
    try:
        back = moment.astimezone(UTC).astimezone(zone)
    except OverflowError:  # the first or last days datetime knows
        raise Invalid("not_a_date") from None
    if (back.date(), back.time()) != (day, at):
        raise Invalid("time_does_not_exist")
    if moment.utcoffset() != moment.replace(fold=1).utcoffset():
        raise Invalid("time_ambiguous")
    return moment.astimezone(UTC)


def event_time(day: date, at: time, timezone: str, now: datetime) -> datetime:
    """When an event at this local date and time would start, if that is
    within the wheel's window."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    last = min(today.year + YEARS_AHEAD, LAST_YEAR)
    if day < today:
        raise Invalid("in_the_past")
    if day.year > last:
        raise Invalid("too_far_ahead", last=last)
    starts = local_time(day, at, timezone)
    if starts <= now:
        raise Invalid("in_the_past")
    return starts


def check_event(raw: Mapping[str, object], timezone: str, now: datetime) -> EventCheck:
    check = EventCheck()

    def text(name: str, required: bool = False) -> str:
        value = raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Invalid("invalid_value")
        value = value.strip()
        if required and not value:
            raise Invalid("required")
        if len(value) > LIMITS.get(name, 20):
            raise Invalid("too_long", limit=LIMITS.get(name, 20))
        return value

    def field_(name: str, read) -> None:
        try:
            check.values[name] = read()
        except Invalid as error:
            check.errors[name] = error

    def kind() -> EventKind:
        try:
            return EventKind(text("kind", required=True))
        except ValueError:
            raise Invalid("not_offered") from None

    def day() -> date:
        try:
            return date.fromisoformat(text("date", required=True))
        except ValueError:
            raise Invalid("not_a_date") from None

    def clock() -> time:
        try:
            return time.fromisoformat(text("time", required=True)[:5])
        except ValueError:
            raise Invalid("not_a_time") from None

    def offsets() -> tuple[int, ...]:
        try:
            return parse_offsets(text("offsets"))
        except ValueError as error:
            raise Invalid("bad_offsets", part=str(error)) from None

    field_("kind", kind)
    field_("day", day)
    field_("clock", clock)
    field_("title", lambda: text("title", required=True))
    field_("place", lambda: text("place"))
    field_("text", lambda: text("text"))
    field_("offsets", offsets)
    if "day" in check.values and "clock" in check.values:
        try:
            check.values["starts_at"] = event_time(check.values["day"], check.values["clock"], timezone, now)
        except Invalid as error:
            check.errors["date"] = error
    if "kind" in check.values and not check.values.get("offsets"):
        check.values["offsets"] = DEFAULT_OFFSETS[check.values["kind"]]
    return check


def _stored(values: dict) -> dict:
    return {
        "kind": values["kind"].value,
        "starts_at": values["starts_at"],
        "title": values["title"],
        "place": values["place"],
        "text": values["text"],
        "offsets": list(values["offsets"]),
    }


def _statsforvalter(actor: Actor) -> None:
    if actor.forum is None:
        raise Refused("not_in_roster")
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")


async def add_event(uow, actor: Actor, raw: Mapping, now: datetime) -> WheelEvent | EventCheck:
    _statsforvalter(actor)
    check = check_event(raw, actor.forum.timezone, now)
    if check.errors:
        return check
    event = await uow.wheel.add(actor.forum.id, _stored(check.values), actor.aad_object_id, now)
    await uow.wheel.plan(event, actor.forum.timezone, now)
    await _record(uow, actor, Action.WHEEL_ADDED, event, now)
    await uow.commit()
    return event


async def edit_event(uow, actor: Actor, event_id: int, raw: Mapping, now: datetime) -> WheelEvent | EventCheck:
    _statsforvalter(actor)
    event = await uow.wheel.get(actor.forum.id, event_id)
    if event is None:
        raise Refused("wheel_unknown_event")
    check = check_event(raw, actor.forum.timezone, now)
    if check.errors:
        return check
    before = event
    event = await uow.wheel.change(event, _stored(check.values), actor.aad_object_id, now)
    await uow.wheel.plan(event, actor.forum.timezone, now)
    await _record(uow, actor, Action.WHEEL_CHANGED, event, now, before=before.starts_at.isoformat())
    await uow.commit()
    return event


async def delete_event(uow, actor: Actor, event_id: int, now: datetime) -> WheelEvent:
    _statsforvalter(actor)
    event = await uow.wheel.get(actor.forum.id, event_id)
    if event is None:
        raise Refused("wheel_unknown_event")
    await uow.wheel.remove(event)  # its reminders go with it
    await _record(uow, actor, Action.WHEEL_DELETED, event, now)
    await uow.commit()
    return event


async def _record(uow, actor: Actor, action: Action, event: WheelEvent, now: datetime, **detail: object) -> None:
    await audit.record(
        uow,
        actor.forum.id,
        actor.aad_object_id,
        action,
        f"{event.id}: {event.title}",
        now,
        kind=event.kind.value,
        starts_at=event.starts_at.isoformat(),
        **detail,
    )


def _year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


@dataclass(frozen=True)
class NotCopied:
    """An event that has no place next year: its local time does not exist
    or exists twice that day, or the day is beyond the wheel's window."""

    event: WheelEvent
    day: date
    at: time
    why: Invalid


@dataclass
class Copied:
    copied: list[WheelEvent] = field(default_factory=list)
    kept: int = 0  # already there next year, or their time has passed
    not_copied: list[NotCopied] = field(default_factory=list)


async def copy_to_next_year(uow, actor: Actor, year: int, now: datetime) -> Copied:
    """The year's events again a year later, at the same local date and
    time (28 February for 29 February); events already there are kept."""
    _statsforvalter(actor)
    tz = actor.forum.timezone
    zone = ZoneInfo(tz)
    start, end = _year_bounds(year, tz)
    _, next_end = _year_bounds(year + 1, tz)
    there = {(e.kind, e.starts_at) for e in await uow.wheel.between(actor.forum.id, end, next_end)}
    result = Copied()
    for event in await uow.wheel.between(actor.forum.id, start, end):
        local = event.starts_at.astimezone(zone)
        day = local.date()
        day = day.replace(year=year + 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year + 1)
        at = local.time().replace(tzinfo=None)
        try:
            starts = event_time(day, at, tz, now)
        except Invalid as error:
            if error.code == "in_the_past":
                result.kept += 1
            else:
                result.not_copied.append(NotCopied(event, day, at, error))
            continue
        if (event.kind, starts) in there:
            result.kept += 1
            continue
        values = {
            "kind": event.kind.value,
            "starts_at": starts,
            "title": event.title,
            "place": event.place,
            "text": event.text,
            "offsets": list(event.offsets),
        }
        new = await uow.wheel.add(actor.forum.id, values, actor.aad_object_id, now)
        await uow.wheel.plan(new, tz, now)
        result.copied.append(new)
    await audit.record(
        uow,
        actor.forum.id,
        actor.aad_object_id,
        Action.WHEEL_COPIED,
        year,
        now,
        copied=len(result.copied),
        kept=result.kept,
        not_copied=len(result.not_copied),
    )
    await uow.commit()
    return result


async def renew_calendar_address(uow, actor: Actor, now: datetime) -> int:
    """A new secret address for the wheel's calendar feed, for when the old
    one has gone to someone it should not have: the old one stops working.
    Returns the address's new generation."""
    _statsforvalter(actor)
    generation = await uow.forums.new_calendar_generation(actor.forum.id)
    await audit.record(uow, actor.forum.id, actor.aad_object_id, Action.CALENDAR_RENEWED, generation, now)
    await uow.commit()
    return generation


async def upcoming(uow, forum, now: datetime, months: int = 12) -> list[WheelEvent]:
    return await uow.wheel.between(forum.id, now - timedelta(hours=1), now + timedelta(days=31 * months))


async def needs_deadline(uow, forum_id: str, timezone: str, year: int) -> datetime | None:
    """The year's needs-report deadline, when the wheel has one (the last,
    if the Statsforvalter has set more than one)."""
    start, end = _year_bounds(year, timezone)
    deadlines = await uow.wheel.of_kind_in_year(forum_id, EventKind.NEEDS_DEADLINE, start, end)
    return deadlines[-1].starts_at if deadlines else None


async def seed_example(uow, forum_id: str, timezone: str, events: list[dict], now: datetime) -> int:
    """The wheel from the forum file, for a forum the bot has just met: it
    is an example to start from, and once the Statsforvalter has changed or
    emptied the wheel, a restart must not bring it back. Dates given as
    month and day (``05-05``) fall in the current year; an event whose
    local time does not exist (or exists twice) that year is left out."""
    zone = ZoneInfo(timezone)
    seeded = 0
    for item in events:
        day_text = item["date"]
        if len(day_text) == 5:
            day_text = f"{now.astimezone(zone).year}-{day_text}"
        try:
            starts = local_time(date.fromisoformat(day_text), time.fromisoformat(item["time"]), timezone)
        except Invalid as error:
            log.warning("example wheel: %r on %s %s left out: %s", item["title"], day_text, item["time"], error.code)
            continue
        kind = EventKind(item["kind"])
        values = {
            "kind": kind.value,
            "starts_at": starts,
            "title": item["title"],
            "place": item.get("place", ""),
            "text": item.get("text", ""),
            "offsets": list(parse_offsets(item.get("reminders", "")) or DEFAULT_OFFSETS[kind]),
        }
        event = await uow.wheel.add(forum_id, values, None, now)
        await uow.wheel.plan(event, timezone, now)
        seeded += 1
    return seeded

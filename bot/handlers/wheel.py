"""The annual wheel (årshjul) in Teams: the `årshjul` command and the
buttons of its cards, one function each. The rules are in
bot.forum.wheel.service; the cards in bot.views.wheel.

Everyone the bot places in a forum sees the wheel. Only the Statsforvalter
adds, changes, deletes and copies events and sees the delivery report;
card data is written by the client, so every button checks that again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from bot.forum import access
from bot.forum.roster import Forum, Refused
from bot.forum.wheel import service
from bot.forum.wheel.events import CHANNEL, PERSON, WheelEvent
from bot.forum.wheel.scheduler import ROSTER
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.common import notice
from bot.views.wheel import INPUTS, UPCOMING, Note, WheelViews
from cards.markdown import escape_markdown as md

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 2000, service.LAST_YEAR
_NOT_SENT = ("planned", "claimed")


class ViewRef(CardData):
    """Which wheel the card came from: the next 12 months (0) or a year."""

    view: int = UPCOMING

    @field_validator("view")
    @classmethod
    def _a_view(cls, value: int) -> int:
        if value != UPCOMING and not MIN_YEAR <= value <= MAX_YEAR:
            raise ValueError("not a view")
        return value


class PageRequest(ViewRef):
    page: int = Field(default=1, ge=1, le=1000)


class EventRef(ViewRef):
    event_id: int = Field(ge=1, le=2**31 - 1)


class ReportRequest(EventRef):
    page: int = Field(default=1, ge=1, le=1000)


class Save(ViewRef):
    event_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class Copy(ViewRef):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR - 1)


def _statsforvalter(turn: Turn) -> Forum:
    forum = turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    return forum


def _views(turn: Turn) -> WheelViews:
    actor = turn.actor
    return WheelViews(
        turn.lang,
        turn.forum(),
        access.may_edit(actor),
        turn.clock(),
        may_subscribe=access.may_subscribe_calendar(actor),
    )


async def press_calendar(turn: Turn, data: dict) -> dict:
    """The calendar feed's address, for roster members: it shows the
    wheel's places and texts to whoever holds it."""
    forum = turn.forum()
    request = card_data(PageRequest, data)
    if not access.may_subscribe_calendar(turn.actor):
        raise Refused("wheel_calendar_members_only")
    link = turn.calendar.link(forum.id, await turn.uow.forums.calendar_generation(forum.id))
    lines = (turn.t("wheel_calendar_how"), link)
    if access.may_edit(turn.actor):
        lines += (turn.t("wheel_calendar_renew_how"),)
    note = Note(turn.t("wheel_calendar_title"), lines)
    return await _wheel_card(turn, request.view, request.page, note)


async def new_calendar_link(turn: Turn) -> None:
    """The Statsforvalter's `kalender ny lenke`: for when the address has
    gone to someone it should not have."""
    generation = await service.renew_calendar_address(turn.uow, turn.actor, turn.clock())
    link = turn.calendar.link(turn.forum().id, generation)
    await turn.reply(notice(turn.t("wheel_calendar_new_title"), turn.t("wheel_calendar_new", link=link), "good"))


async def _event(turn: Turn, event_id: int) -> WheelEvent:
    """The event, if it is in this person's forum; a forged or stale id is refused."""
    event = await turn.uow.wheel.get(turn.forum().id, event_id)
    if event is None:
        raise Refused("wheel_unknown_event")
    return event


def _local_year(moment: datetime, forum: Forum) -> int:
    return moment.astimezone(ZoneInfo(forum.timezone)).year


async def _events(turn: Turn, view: int) -> list[WheelEvent]:
    forum = turn.forum()
    if view == UPCOMING:
        return await service.upcoming(turn.uow, forum, turn.clock())
    zone = ZoneInfo(forum.timezone)
    return await turn.uow.wheel.between(
        forum.id, datetime(view, 1, 1, tzinfo=zone), datetime(view + 1, 1, 1, tzinfo=zone)
    )


async def _wheel_card(
    turn: Turn, view: int, page: int = 1, note: Note | None = None, showing: WheelEvent | None = None
) -> dict:
    events = await _events(turn, view)
    if showing is not None and all(e.id != showing.id for e in events):
        # The event is outside the wheel the card came from: show its year.
        view = _local_year(showing.starts_at, turn.forum())
        events = await _events(turn, view)
    return _views(turn).wheel(events, view, page, note, showing.id if showing else None)


# --- the command ---------------------------------------------------------


async def show_wheel(turn: Turn) -> None:
    """`årshjul`: the next 12 months; `årshjul 2027`: that year."""
    forum = turn.forum()
    view = UPCOMING
    words = turn.args.split()
    if words:
        word = words[0]
        if len(words) > 1 or not (word.isascii() and word.isdigit() and len(word) == 4):
            raise Refused("wheel_bad_year", low=MIN_YEAR, high=MAX_YEAR, example=_local_year(turn.clock(), forum) + 1)
        view = int(word)
        if not MIN_YEAR <= view <= MAX_YEAR:
            raise Refused("wheel_bad_year", low=MIN_YEAR, high=MAX_YEAR, example=_local_year(turn.clock(), forum) + 1)
    await turn.reply(await _wheel_card(turn, view))


# --- the buttons -----------------------------------------------------------


async def press_page(turn: Turn, data: dict) -> dict:
    """Another page of the wheel, or back to it from a form or report."""
    turn.forum()
    request = card_data(PageRequest, data)
    return await _wheel_card(turn, request.view, request.page)


async def press_new(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    request = card_data(ViewRef, data)
    return _views(turn).form({}, request.view)


async def press_edit(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    request = card_data(EventRef, data)
    event = await _event(turn, request.event_id)
    v = _views(turn)
    return v.form(v.values_of(event), request.view, event)


async def press_save(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    request = card_data(Save, data)
    # The inputs arrive merged into the action's data, beside our own keys.
    entered = {name: data[name] for name in INPUTS if name in data}
    now = turn.clock()
    if request.event_id is None:
        outcome = await _same_event(turn, entered, now) or await service.add_event(turn.uow, turn.actor, entered, now)
    else:
        outcome = await service.edit_event(turn.uow, turn.actor, request.event_id, entered, now)
    v = _views(turn)
    if isinstance(outcome, service.EventCheck):
        shown = {name: value for name, value in entered.items() if isinstance(value, str)}
        event = await _event(turn, request.event_id) if request.event_id is not None else None
        return v.form(shown, request.view, event, outcome.errors)
    event = outcome
    channel = [
        r
        for r in await turn.uow.wheel.deliveries(event.id)
        if r.target == CHANNEL and r.offset_minutes in event.offsets
    ]
    planned = sum(r.status == "planned" for r in channel)
    skipped = sum(r.status == "skipped" for r in channel)
    note = Note(
        turn.t("wheel_added_title" if request.event_id is None else "wheel_changed_title"),
        (
            turn.t("wheel_saved", title=md(event.title), when=v.when(event.starts_at)),
            turn.t("wheel_planned_skipped", planned=planned, skipped=skipped)
            if skipped
            else turn.t("wheel_planned", planned=planned),
        ),
    )
    return await _wheel_card(turn, request.view, note=note, showing=event)


async def _same_event(turn: Turn, entered: dict, now: datetime) -> WheelEvent | None:
    """The event a second press on the same new-event form would make
    again (the same kind and title at the same time): a double click adds
    one event, not two."""
    check = service.check_event(entered, turn.forum().timezone, now)
    if check.errors:
        return None
    starts = check.values["starts_at"]
    there = await turn.uow.wheel.between(turn.forum().id, starts, starts + timedelta(seconds=1))
    return next((e for e in there if e.kind is check.values["kind"] and e.title == check.values["title"]), None)


async def press_delete(turn: Turn, data: dict) -> dict:
    """Asks first."""
    _statsforvalter(turn)
    request = card_data(EventRef, data)
    event = await _event(turn, request.event_id)
    return _views(turn).confirm_delete(event, request.view)


async def press_delete_confirmed(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    request = card_data(EventRef, data)
    event = await _event(turn, request.event_id)
    not_sent = sum(r.status in _NOT_SENT for r in await turn.uow.wheel.deliveries(event.id))
    await service.delete_event(turn.uow, turn.actor, event.id, turn.clock())
    v = _views(turn)
    if not_sent == 0:
        cancelled = turn.t("wheel_deleted_no_reminders")
    elif not_sent == 1:
        cancelled = turn.t("wheel_deleted_reminders_one")
    else:
        cancelled = turn.t("wheel_deleted_reminders", count=not_sent)
    note = Note(
        turn.t("wheel_deleted_title"),
        (turn.t("wheel_deleted", title=md(event.title), when=v.when(event.starts_at)), cancelled),
    )
    return await _wheel_card(turn, request.view, note=note)


async def press_copy(turn: Turn, data: dict) -> dict:
    """The year's events again a year later; the next year's wheel shows them."""
    _statsforvalter(turn)
    request = card_data(Copy, data)
    year, following = request.year, request.year + 1
    result = await service.copy_to_next_year(turn.uow, turn.actor, year, turn.clock())
    copied = result.copied
    if not copied:
        lines = [turn.t("wheel_copied_none")]
    elif len(copied) == 1:
        lines = [turn.t("wheel_copied_one", next=following)]
    else:
        lines = [turn.t("wheel_copied", count=len(copied), next=following)]
    if result.kept:
        lines.append(turn.t("wheel_copied_kept", count=result.kept, next=following))
    v = _views(turn)
    for skipped in result.not_copied:
        lines.append(
            turn.t(
                "wheel_not_copied",
                title=md(skipped.event.title),
                when=f"{skipped.day:%d.%m.%Y} {skipped.at:%H:%M}",
                why=v.invalid(skipped.why),
            )
        )
    note = Note(turn.t("wheel_copied_title", year=year, next=following), tuple(lines))
    return await _wheel_card(turn, following, note=note)


async def press_report(turn: Turn, data: dict) -> dict:
    """Every reminder of the event: when, to whom, and how it went."""
    forum = _statsforvalter(turn)
    request = card_data(ReportRequest, data)
    event = await _event(turn, request.event_id)
    deliveries = await turn.uow.wheel.deliveries(event.id)
    names: dict[str, str] = {}
    for target in {r.target for r in deliveries if r.target.startswith(PERSON)}:
        people = await turn.uow.roster.people_with_aad(target[len(PERSON) :])
        found = [m.person.name for m in people if m.person is not None and m.forum.id == forum.id]
        if found:
            names[target] = md(found[0])
    if any(r.target.startswith(ROSTER) for r in deliveries):  # known to the roster only by e-mail
        roster = await turn.uow.roster.roster(forum)
        names.update({f"{ROSTER}{p.id}": md(p.name) for o in roster.organisations for p in o.people})
    return _views(turn).report(event, request.view, deliveries, names, request.page)


WHEEL_VERBS = {
    "wheel.page": press_page,
    "wheel.new": press_new,
    "wheel.edit": press_edit,
    "wheel.save": press_save,
    "wheel.calendar": press_calendar,
    "wheel.delete": press_delete,
    "wheel.delete.confirm": press_delete_confirmed,
    "wheel.copy": press_copy,
    "wheel.report": press_report,
}

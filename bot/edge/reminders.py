"""Delivering the annual wheel's reminders: the card, and where it goes.
The scheduler (bot.forum.wheel.scheduler) decides what is due; this is the
`notify` it calls for each reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.core import BotAdapter

from cards import render
from cards.markdown import escape_markdown as md

from bot.edge.moments import long_moment, time_left
from bot.edge.proactive import post_card
from bot.forum.wheel.events import EventKind
from bot.forum.wheel.scheduler import CHANNEL, PERSON, Delivery, DueReminder
from bot.i18n import NB, text

# Reminders go out in the forum's language: the channel is shared, and a
# person's own Teams language is not known when they are not talking to us.
LANG = NB


def reminder_card(reminder: DueReminder, timezone: str, now: datetime, organisation: str | None = None) -> dict:
    event = reminder.event
    left = time_left(event.starts_at - now, LANG)
    personal = organisation is not None
    facts = [{"title": text(LANG, "reminder_what"), "value": text(LANG, f"event_kind_{event.kind.value}")}]
    if personal:
        facts.insert(0, {"title": text(LANG, "reminder_organisation"), "value": md(organisation)})
    if event.place:
        facts.append({"title": text(LANG, "reminder_place"), "value": md(event.place)})
    missing = ""
    if event.kind is EventKind.NEEDS_DEADLINE and not personal:
        missing = (
            text(LANG, "reminder_missing", organisations=", ".join(md(n) for n in reminder.missing_organisations))
            if reminder.missing_organisations
            else text(LANG, "reminder_all_sent")
        )
    year = event.starts_at.year
    return render(
        "reminder",
        {
            "style": "attention" if personal else "accent",
            "heading": text(LANG, "reminder_personal_heading" if personal else "reminder_heading", left=left),
            "title": md(event.title),
            "when": long_moment(event.starts_at, timezone, LANG),
            "facts": facts,
            "text": text(LANG, "reminder_nudge_text", year=year) if personal else md(event.text),
            "missing": missing,
            "actions": [
                {"title": text(LANG, "reminder_needs_button"), "command": "behovsmelding"}
                if personal
                else {"title": text(LANG, "reminder_wheel_button"), "command": "årshjul"}
            ],
        },
    )


class ReminderNotifier:
    def __init__(self, adapter: BotAdapter, app_id: str, uow_factory, clock: Callable[[], datetime]) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._uow = uow_factory
        self._clock = clock

    async def __call__(self, reminder: DueReminder) -> Delivery:
        async with self._uow() as uow:
            forum = await uow.forums.get(reminder.event.forum_id)
            if reminder.target == CHANNEL:
                reference = await uow.forums.channel_reference(forum.id)
                organisation = None
                if not reference:
                    return Delivery("not_reachable", 0, "the forum channel is not set up (oppsett)")
            else:
                aad = reminder.target.removeprefix(PERSON)
                reference = await uow.conversations.personal(aad)
                memberships = await uow.roster.people_with_aad(aad)
                organisation = next((m.organisation.name for m in memberships if m.organisation), "")
                if not reference:
                    return Delivery("not_reachable", 0, "no 1:1 chat with the bot yet")
        card = reminder_card(reminder, forum.timezone, self._clock(), organisation)
        sent = await post_card(self._adapter, self._app_id, reference, card)
        return Delivery("sent") if sent else Delivery("failed", detail="Teams did not take the message")

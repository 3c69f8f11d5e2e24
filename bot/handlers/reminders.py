"""Delivering the annual wheel's reminders: the card, and where it goes.
The scheduler (bot.forum.wheel.scheduler) decides what is due; this is the
notifier it hands each batch of due reminders to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.delivery.deliverer import Deliverer, SendWatch
from bot.forum.wheel.events import CHANNEL, PERSON
from bot.forum.wheel.scheduler import Claim, Delivery, DueReminder, Send
from bot.i18n import NB
from bot.views.messages import reminder_card

# The channel's reminders go out in the forum's language: the channel is
# shared. A nudge to one person is in the language they chose («språk»);
# their Teams language is not known when they are not talking to us.
LANG = NB


class ReminderNotifier:
    """Sends each due reminder through the Deliverer, which keeps to Teams'
    rate limits and retries what Teams asks to be retried."""

    def __init__(self, deliverer: Deliverer, uow_factory, clock: Callable[[], datetime]) -> None:
        self._deliverer = deliverer
        self._uow = uow_factory
        self._clock = clock

    async def prepare(self, reminders: list[DueReminder]) -> Send:
        """Read what the scheduler's batch needs in one go (a deadline's
        nudges come by the hundred, and a read each cost more CPU than their
        send), then let the connection go: each send may wait long for
        Teams' limits and must not hold one meanwhile."""
        people: dict[str, set[str]] = {}
        for reminder in reminders:
            audience = people.setdefault(reminder.event.forum_id, set())
            if reminder.target != CHANNEL:
                audience.add(reminder.target.removeprefix(PERSON))
        async with self._uow() as uow:
            forums = {forum_id: await uow.forums.get(forum_id) for forum_id in people}
            channels = {forum_id: await uow.forums.channel_reference(forum_id) for forum_id in people}
            organisations = {
                forum_id: await uow.wheel.organisation_names(forum_id, aads)
                for forum_id, aads in people.items()
                if aads
            }
            everyone = {aad for aads in people.values() for aad in aads}
            chats = await uow.conversations.teams_users_with_chats(everyone)
            languages = await uow.languages.chosen_by(everyone)
        # The nudge is the same card for everyone of an organisation who reads the same language.
        cards: dict[tuple[int, str, str], dict] = {}

        async def send(reminder: DueReminder, claim: Claim) -> Delivery:
            forum_id = reminder.event.forum_id
            forum, channel = forums[forum_id], channels[forum_id]
            if reminder.target == CHANNEL:
                card = reminder_card(reminder, forum.timezone, self._clock(), LANG)
                return await sent_to_channel(self._deliverer, channel, card, claim)
            aad = reminder.target.removeprefix(PERSON)
            organisation, lang = organisations[forum_id][aad], languages.get(aad, LANG)
            key = (reminder.event.id, organisation, lang)
            if key not in cards:
                cards[key] = reminder_card(reminder, forum.timezone, self._clock(), lang, organisation)
            return await send_to_person(
                self._deliverer, self._uow, self._clock, aad, chats.get(aad), channel, cards[key], claim
            )

        return send


async def sent_to_channel(deliverer: Deliverer, channel: dict | None, card: dict, watch: SendWatch | None) -> Delivery:
    if not channel:
        return Delivery("not_reachable", 0, "the forum channel is not set up (oppsett)")
    return _delivery(await deliverer.send_card(channel, card, watch))


async def send_to_person(
    deliverer: Deliverer,
    uow_factory,
    clock: Callable[[], datetime],
    aad: str,
    known: tuple[str, dict] | None,
    channel: dict | None,
    card: dict,
    watch: SendWatch | None = None,
) -> Delivery:
    """Post ``card`` in the person's 1:1 chat, making it when Teams only told
    us their id (``known``: from uow.conversations.teams_user), and remember
    a chat made now."""
    if known is None:
        return Delivery("not_reachable", 0, "Teams has not told the bot this person's id yet")
    user_id, stored = known
    place = stored if stored.get("service_url") else (channel or {})
    result = await deliverer.send_card_to_person(
        stored if stored.get("conversation_id") else None,
        user_id,
        place.get("tenant_id") or "",
        place.get("service_url") or "",
        card,
        watch,
    )
    if result.reference_created:
        async with uow_factory() as uow:
            await uow.conversations.remember_personal(aad, user_id, result.reference, clock())
            await uow.commit()
    return _delivery(result)


def _delivery(result) -> Delivery:
    detail = result.error if not result.sent else None
    return Delivery(result.status, result.attempts, detail)

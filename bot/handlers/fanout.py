"""What the posts' notifiers share: a batch of messages to forum channels
and people's 1:1 chats, read once, then sent each through the Deliverer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.deliverer import Deliverer
from bot.forum.roster import Forum
from bot.forum.wheel.events import CHANNEL, PERSON
from bot.forum.wheel.scheduler import Claim, Delivery
from bot.handlers.reminders import send_to_person, sent_to_channel


@dataclass
class Fanout:
    deliverer: Deliverer
    uow_factory: object
    clock: Callable[[], datetime]
    forums: dict[str, Forum]
    channels: dict[str, dict | None]
    chats: dict[str, tuple[str, dict]]
    languages: dict[str, str]  # the people's own choices («språk»)

    @classmethod
    async def read(cls, uow, deliverer: Deliverer, uow_factory, clock, forum_ids, targets) -> Fanout:
        forums = {forum_id: await uow.forums.get(forum_id) for forum_id in set(forum_ids)}
        channels = {forum_id: await uow.forums.channel_reference(forum_id) for forum_id in forums}
        people = {t.removeprefix(PERSON) for t in targets if t.startswith(PERSON)}
        chats = await uow.conversations.teams_users_with_chats(people) if people else {}
        languages = await uow.languages.chosen_by(people)
        return cls(deliverer, uow_factory, clock, forums, channels, chats, languages)

    def language(self, target: str, forum_language: str) -> str:
        """The channel reads the forum's language; a person reads their own
        choice, where they made one."""
        return self.languages.get(target.removeprefix(PERSON), forum_language) if target != CHANNEL else forum_language

    async def send(self, forum_id: str, target: str, card: dict, claim: Claim) -> Delivery:
        channel = self.channels.get(forum_id)
        if target == CHANNEL:
            return await sent_to_channel(self.deliverer, channel, card, claim)
        aad = target.removeprefix(PERSON)
        return await send_to_person(
            self.deliverer, self.uow_factory, self.clock, aad, self.chats.get(aad), channel, card, claim
        )

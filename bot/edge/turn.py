"""One incoming activity, as the command handlers see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.forum.identity import Identified
from bot.forum.roster import Actor
from bot.i18n import text


@dataclass(frozen=True)
class Turn:
    context: TurnContext
    who: Identified
    lang: str
    uow: object  # storage.unit_of_work.UnitOfWork, open for this turn
    clock: Callable[[], datetime]
    args: str = ""

    @property
    def actor(self) -> Actor:
        return self.who.actor

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def with_args(self, args: str) -> Turn:
        return replace(self, args=args)

    async def reply(self, card: dict) -> None:
        await self.context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

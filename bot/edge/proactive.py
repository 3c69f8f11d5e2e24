"""Messages the bot sends without being spoken to: to the forum channel,
or to a person's 1:1 chat, through a stored conversation reference."""

from __future__ import annotations

import logging

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

log = logging.getLogger(__name__)


def _reference(stored: dict) -> ConversationReference:
    return ConversationReference(
        service_url=stored["service_url"],
        channel_id=stored.get("channel_id") or "msteams",
        conversation=ConversationAccount(id=stored["conversation_id"], tenant_id=stored.get("tenant_id")),
        bot=ChannelAccount(id=stored.get("bot_id")),
    )


async def post_card(adapter: BotAdapter, app_id: str, stored: dict, card: dict) -> bool:
    """Post a card; False (and a log line) when Teams would not take it."""

    failed: list[Exception] = []

    async def send(context: TurnContext) -> None:
        try:
            await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
        except Exception as error:
            # Kept from botbuilder: its on_turn_error would post an error card
            # into this same conversation and swallow the failure.
            failed.append(error)

    try:
        # NOTES: always pass the bot's app id, or Teams refuses proactive posts.
        await adapter.continue_conversation(_reference(stored), send, app_id or None)
        if failed:
            raise failed[0]
    except Exception:
        log.exception("could not post to %s", stored.get("conversation_id"))
        return False
    return True

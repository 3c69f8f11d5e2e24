"""What the bot needs of a Bot Framework SDK's connector client: the
`Deliverer`'s three requests to the Bot Connector, each answered as an
`Answer`, and the member reads of bot.handlers.members. An edge
(bot.edge.botbuilder_sdk, bot.edge.agents_sdk) implements it; the pace, the
retries and the report stay the same whichever SDK makes the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.handlers.members import TeamsMember


@dataclass(frozen=True)
class Answer:
    """How one request ended. ``status`` is the HTTP status of a refusal
    (None when sent, or when no answer came); ``value`` the activity id, or
    the new conversation's id; ``retry_after`` the `Retry-After` header as
    Teams sent it; ``transient`` whether trying again may help (no answer
    at all: the connector decides; a status: the deliverer does)."""

    ok: bool
    status: int | None = None
    value: str | None = None
    service_url: str | None = None
    error: str | None = None
    retry_after: str | None = None
    transient: bool = False


class Connector(Protocol):
    """One request each, made once: no retries below the deliverer's.
    ``reference`` is a stored conversation reference (service_url,
    conversation_id, tenant_id, channel_id, bot_id)."""

    app_id: str

    async def post(self, reference: dict, card: dict) -> Answer: ...

    async def update(self, reference: dict, activity_id: str, card: dict) -> Answer: ...

    async def create_personal_chat(
        self, user_id: str, tenant_id: str, service_url: str, bot_id: str | None
    ) -> Answer: ...

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> TeamsMember: ...

    async def members_page(
        self, service_url: str, team_id: str, continuation_token: str | None, page_size: int
    ) -> tuple[list[TeamsMember], str | None]: ...

    async def close(self) -> None: ...


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

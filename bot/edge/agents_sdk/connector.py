"""The Bot Connector through the Agents SDK's aiohttp client: one client
(and so one pool of connections) per service URL, kept for the process,
with the app's token from MSAL put on it before each request (MSAL keeps
the token until it is due for renewal). The client makes one try only,
so the `Deliverer` alone decides on retries."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
from microsoft_agents.activity import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.activity.channel_id import ChannelId
from microsoft_agents.hosting.core import CardFactory, MessageFactory
from microsoft_agents.hosting.core.connector.client import ConnectorClient
from pydantic import ValidationError

from bot.delivery.connector import Answer, shorten
from bot.edge.bot_connector import BotConnector
from bot.handlers.members import TeamsMember

if TYPE_CHECKING:
    from bot.edge.agents_sdk import AppTokens

log = logging.getLogger(__name__)

# The SDK's client logs every request at INFO and every refusal at ERROR,
# before we know whether it is a 403 we expect (the app not installed) or a
# 429 we retry; the deliverer reports each outcome itself.
logging.getLogger("microsoft_agents.hosting.core.connector.client.connector_client").setLevel(logging.CRITICAL)

BOT_FRAMEWORK = "https://api.botframework.com"
SCOPES = [f"{BOT_FRAMEWORK}/.default"]


class AgentsConnector(BotConnector):
    def __init__(self, app_id: str, tokens: AppTokens | None, request_timeout: float = 30.0) -> None:
        self.app_id = app_id
        self._tokens = tokens  # None: anonymous (local use)
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._clients: dict[str, ConnectorClient] = {}

    async def client(self, service_url: str) -> ConnectorClient:
        client = self._clients.get(service_url)
        if client is None:
            base = service_url if service_url.endswith("/") else service_url + "/"
            client = ConnectorClient(base, "", session=aiohttp.ClientSession(base_url=base, timeout=self._timeout))
            self._clients[service_url] = client
        if self._tokens is not None:
            token = await self._tokens.get_access_token(BOT_FRAMEWORK, SCOPES)
            client.client.headers["Authorization"] = f"Bearer {token}"
        return client

    def message(self, reference: dict, card: dict):
        return _message(reference, card)

    def answer_for(self, error: Exception) -> Answer:
        return _answer_for(error)

    def personal_chat(self, user_id: str, tenant_id: str, bot_id: str | None) -> ConversationParameters:
        return ConversationParameters(
            is_group=False,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
            **({"bot": ChannelAccount(id=bot_id)} if bot_id else {}),
        )

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> TeamsMember:
        client = await self.client(service_url)
        return _member(await client.conversations.get_conversation_member(conversation_id, user_id))

    async def members_page(
        self, service_url: str, team_id: str, continuation_token: str | None, page_size: int
    ) -> tuple[list[TeamsMember], str | None]:
        # Read here, not with the client's call: its model refuses the
        # `"continuationToken": null` that ends the pages.
        client = await self.client(service_url)
        params = {"pageSize": str(page_size)}
        if continuation_token:
            params["continuationToken"] = continuation_token
        async with client.client.get(
            f"v3/conversations/{quote(team_id, safe='')}/pagedmembers", params=params
        ) as response:
            response.raise_for_status()
            page = await response.json()
        members = [_member(ChannelAccount.model_validate(m)) for m in page.get("members") or []]
        return members, page.get("continuationToken") or None

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()


def _message(reference: dict, card: dict):
    message = MessageFactory.attachment(CardFactory.adaptive_card(card))
    message.channel_id = ChannelId(reference.get("channel_id") or "msteams")
    message.service_url = reference["service_url"]
    message.conversation = ConversationAccount(id=reference["conversation_id"], tenant_id=reference.get("tenant_id"))
    if reference.get("bot_id"):
        message.from_property = ChannelAccount(id=reference["bot_id"])
    return message


def _member(account: ChannelAccount) -> TeamsMember:
    extra = account.model_extra or {}
    return TeamsMember(
        id=account.id,
        name=account.name,
        aad_object_id=account.aad_object_id or extra.get("objectId"),
        email=extra.get("email"),
        user_principal_name=extra.get("userPrincipalName"),
    )


def _answer_for(error: Exception) -> Answer:
    if isinstance(error, (aiohttp.ContentTypeError, ValidationError, json.JSONDecodeError)):
        # It answered, but not as a Bot Connector does: the card may have
        # arrived, so it is not sent again.
        return Answer(False, error=shorten(f"the Bot Connector's answer could not be read: {error}"))
    if isinstance(error, aiohttp.ClientResponseError):
        headers = error.headers or {}
        return Answer(
            False,
            status=error.status,
            error=shorten(f"HTTP {error.status}: {error.message}"),
            retry_after=headers.get("Retry-After"),
        )
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError)):
        return Answer(False, error=shorten(f"no answer from the Bot Connector: {error!r}"), transient=True)
    log.exception("unexpected failure of a proactive send", exc_info=error)
    return Answer(False, error=shorten(f"{type(error).__name__}: {error}"))

"""The edge on the Microsoft 365 Agents SDK for Python (1.9): core, aiohttp
hosting and MSAL; not the Teams extension packages (`-hosting-teams` is
deprecated and wants Python 3.12, `-hosting-msteams` brings the Graph SDK),
since the bot needs of Teams only what the Bot Connector gives. With
bot.edge.botbuilder_sdk, the only package that imports a Bot Framework SDK."""

from __future__ import annotations

import functools
import logging

from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    AuthTypes,
    ChannelServiceClientFactoryBase,
    TurnContext,
)

from bot.config import Settings
from bot.edge.agents_sdk.connector import AgentsConnector
from bot.edge.agents_sdk.tokens import ChannelTokens
from bot.edge.handler import ForumActivities
from bot.edge.sdk import InvokeAnswer

log = logging.getLogger(__name__)
# The SDK logs a traceback for every activity its model refuses; such a
# request is a client's mistake, answered 400 by bot.web.http.
logging.getLogger("microsoft_agents.activity.activity").setLevel(logging.CRITICAL)


class Handler(ForumActivities, ActivityHandler):
    def invoke_response(self, status: int, body: object = None) -> InvokeResponse:
        return InvokeResponse(status=status, body=body)


class _NoTurnClients(ChannelServiceClientFactoryBase):
    """A turn gets no clients of its own: every reply goes after the answer
    through the Deliverer and the edge's connector, which hold the tokens.
    So no turn waits for a token before its handler runs."""

    async def create_connector_client(self, *args, **kwargs):
        raise RuntimeError("replies go through bot.delivery, not the turn's client")

    async def create_user_token_client(self, *args, **kwargs):
        return _NoUserTokens()


class _NoUserTokens:
    """The bot signs nobody in (no OAuth prompts), so a turn's user token
    client is never called; the adapter only closes it."""

    async def close(self) -> None:
        pass


class _Adapter(CloudAdapter):
    def _resolve_if_connector_client_is_needed(self, activity: Activity) -> bool:
        return False  # see _NoTurnClients


class Edge:
    name = "agents"

    def __init__(self, settings: Settings) -> None:
        self.adapter = _Adapter(channel_service_client_factory=_NoTurnClients())
        self.adapter.on_turn_error = _on_turn_error
        self.tokens = ChannelTokens(settings.app_id, settings.openid_metadata_url, settings.token_issuer)
        self.connector = AgentsConnector(settings.app_id, app_tokens(settings))

    def read_activity(self, body: dict) -> Activity:
        # The Bot Framework's null means "not there"; the SDK's model
        # refuses it where it wants text. Its validators raise TypeError
        # too (an empty channelId): either way, not an activity (a 400).
        try:
            return Activity.model_validate(_without_nulls(body))
        except TypeError as error:
            raise ValueError(str(error)) from error

    async def authenticate(self, activity: Activity, authorization: str):
        return await self.tokens.identity(activity, authorization)

    def handler(self, bot) -> Handler:
        return Handler(bot)

    async def process(self, identity, activity: Activity, handler: Handler) -> InvokeAnswer | None:
        response = await self.adapter.process_activity(identity, activity, handler.on_turn)
        if response is None:
            return None
        return InvokeAnswer(int(response.status), response.body)

    async def close(self) -> None:
        await self.connector.close()


class AppTokens:
    """The app's own tokens for the Bot Connector, from Entra ID through
    MSAL, which is imported with the first token: MSAL and the requests
    library it brings took 85 ms of a start (median of ten), and a start is
    ready before it sends anything."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self.configuration = configuration

    @functools.cached_property
    def msal(self):
        from microsoft_agents.authentication.msal import MsalAuth

        return MsalAuth(self.configuration)

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return await self.msal.get_access_token(resource_url, scopes, force_refresh)


def app_tokens(settings: Settings) -> AppTokens | None:
    if not settings.authenticated:
        return None
    if settings.app_type == "UserAssignedMSI":
        config = AgentAuthConfiguration(AuthTypes.user_managed_identity, settings.app_id, settings.app_tenant_id)
    else:
        # The legacy multi-tenant registrations get their tokens from the
        # Bot Framework's own tenant.
        tenant = settings.app_tenant_id if settings.app_type == "SingleTenant" else "botframework.com"
        config = AgentAuthConfiguration(AuthTypes.client_secret, settings.app_id, tenant, settings.app_password)
    return AppTokens(config)


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # The bot answers its own failures (bot.handlers.bot); what reaches here
    # failed in the SDK around it.
    log.error("turn failed in the Agents SDK", exc_info=error)

"""The edge on botbuilder-python 4.17 (its support ended 31 Dec 2025): the
only package, with bot.edge.agents_sdk, that imports a Bot Framework SDK."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy

from bot.config import Settings
from bot.edge.botbuilder_sdk.connector import CONNECTOR_FAILURES, BotbuilderConnector
from bot.edge.handler import ForumActivities
from bot.edge.sdk import InvokeAnswer

log = logging.getLogger(__name__)

# msrest (under botbuilder) builds a retry policy twice per turn and checks
# 999 status codes against this 500-item list each time: about 6 ms of CPU
# per message, half the echo bot's total. A frozenset gives the same answers.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


class Handler(ForumActivities, ActivityHandler):
    def invoke_response(self, status: int, body: object = None) -> InvokeResponse:
        return InvokeResponse(status=status, body=body)


class Edge:
    name = "botbuilder"

    def __init__(self, settings: Settings) -> None:
        # With an empty app id botbuilder accepts anonymous requests: local use
        # only. It insists on the (legacy) multi-tenant type for that case.
        config = SimpleNamespace(
            APP_ID=settings.app_id,
            APP_PASSWORD=settings.app_password,
            APP_TYPE=settings.app_type if settings.authenticated else "MultiTenant",
            APP_TENANTID=settings.app_tenant_id,
            # Where channel tokens' signing keys are published, and their issuer:
            # the public cloud's unless set (the tests sign tokens with their own key).
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url or None,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.token_issuer or None,
        )
        self.adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
        self.adapter.on_turn_error = _on_turn_error
        self.connector = BotbuilderConnector(self.adapter.bot_framework_authentication, settings.app_id)

    def read_activity(self, body: dict) -> Activity:
        try:
            return Activity().deserialize(body)
        except DeserializationError as error:
            raise ValueError(str(error)) from error

    async def authenticate(self, activity: Activity, authorization: str):
        return await self.adapter.bot_framework_authentication.authenticate_request(activity, authorization)

    def handler(self, bot) -> Handler:
        return Handler(bot)

    async def process(self, identity, activity: Activity, handler: Handler) -> InvokeAnswer | None:
        response = await self.adapter.process_activity(identity, activity, handler.on_turn)
        if response is None:
            return None
        body = response.body
        if isinstance(body, Model):
            body = serializer_helper(body)
        return InvokeAnswer(response.status, body)

    async def close(self) -> None:
        await self.connector.close()


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # The bot answers its own failures (bot.handlers.bot); what reaches here
    # failed in the SDK around it.
    if isinstance(error, CONNECTOR_FAILURES):
        conversation = context.activity.conversation
        log.warning(
            "could not reply in conversation %s: %s: %s",
            conversation.id if conversation else None,
            type(error).__name__,
            str(error)[:200],
        )
        return
    log.error("turn failed in botbuilder", exc_info=error)

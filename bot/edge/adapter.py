"""The Bot Framework adapter, configured from our settings."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from azure.core.exceptions import DeserializationError as AzureDeserializationError
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.exceptions import DeserializationError as MsrestDeserializationError
from msrest.universal_http.requests import ClientRetryPolicy

from bot.config import Settings
from bot.edge import activity
from bot.i18n import language_of, text
from bot.views import common as views

log = logging.getLogger(__name__)

# msrest (under botbuilder) builds a retry policy twice per turn and checks
# 999 status codes against this 500-item list each time: about 6 ms of CPU
# per message, half the echo bot's total. A frozenset gives the same answers.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def make_adapter(settings: Settings) -> CloudAdapter:
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
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    adapter.on_turn_error = _on_turn_error
    return adapter


# The Bot Connector refused or did not answer a reply: Teams' side (or a
# conversation the activity made up), not a fault of ours to trace.
CONNECTOR_FAILURES = (HttpOperationError, ClientRequestError, MsrestDeserializationError, AzureDeserializationError)


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    if isinstance(error, CONNECTOR_FAILURES):
        conversation = context.activity.conversation
        log.warning(
            "could not reply in conversation %s: %s: %s",
            conversation.id if conversation else None, type(error).__name__, str(error)[:200],
        )
        return  # an apology would go the same way
    log.error("turn failed", exc_info=error)
    lang = language_of(activity.locale(context.activity))
    card = views.notice(text(lang, "error_title"), text(lang, "error"), "attention")
    try:
        await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
    except Exception:  # the channel itself failed; the log has the story
        log.exception("could not tell the user about the failure")

"""The Bot Connector through botbuilder's (msrest) client: one client per
service URL, kept for the process, with msrest's own retries switched off
so that the `Deliverer` alone decides (see `_own_the_retries`)."""

from __future__ import annotations

import logging

from azure.core.exceptions import DeserializationError as AzureDeserializationError
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication, ClaimsIdentity
from msrest.exceptions import ClientRequestError, DeserializationError, HttpOperationError

from bot.delivery.connector import Answer, shorten
from bot.edge.bot_connector import BotConnector
from bot.handlers.members import TeamsMember

log = logging.getLogger(__name__)

# The Bot Connector refused or did not answer: Teams' side (or a
# conversation the activity made up), not a fault of ours to trace.
CONNECTOR_FAILURES = (HttpOperationError, ClientRequestError, DeserializationError, AzureDeserializationError)


class BotbuilderConnector(BotConnector):
    def __init__(self, authentication: BotFrameworkAuthentication, app_id: str, request_timeout: float = 30.0) -> None:
        self.app_id = app_id
        self._authentication = authentication
        self._request_timeout = request_timeout
        self._clients: dict[str, object] = {}

    async def client(self, service_url: str):
        """The service URL's client. Its credentials fetch and renew the
        app's token themselves, so one client serves every request there."""
        client = self._clients.get(service_url)
        if client is None:
            claims = _claims(self.app_id, service_url)
            factory = self._authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            self._own_the_retries(client)
            self._clients[service_url] = client
        return client

    def message(self, reference: dict, card: dict):
        return _message(reference, card)

    def answer_for(self, error: Exception) -> Answer:
        return _answer_for(error)

    def personal_chat(self, user_id: str, tenant_id: str, bot_id: str | None) -> ConversationParameters:
        return ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot_id) if bot_id else None,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> TeamsMember:
        client = await self.client(service_url)
        found = await client.conversations.get_conversation_member(conversation_id, user_id)
        return _member(found)

    async def members_page(
        self, service_url: str, team_id: str, continuation_token: str | None, page_size: int
    ) -> tuple[list[TeamsMember], str | None]:
        client = await self.client(service_url)
        page = await client.conversations.get_teams_conversation_paged_members(team_id, page_size, continuation_token)
        return [_member(m) for m in page.members or []], page.continuation_token

    async def close(self) -> None:
        self._clients.clear()

    def _own_the_retries(self, client) -> None:
        """msrest would retry some failures on its own, below us and invisibly
        (with urllib3 2 not POSTs on a 5xx, but connection errors and PUTs
        yes; with urllib3 1 POSTs too), and never a 429. With two retry
        layers the attempt count, the total time and the pacing are no longer
        ours, so this client makes one try only."""
        config = client.config
        config.retry_policy.retries = 0
        config.retry_policy.policy.status_forcelist = frozenset()
        config.connection.timeout = self._request_timeout


def _claims(app_id: str, service_url: str) -> ClaimsIdentity:
    # What CloudAdapterBase.create_claims_identity makes, with the service URL.
    return ClaimsIdentity(
        {
            AuthenticationConstants.AUDIENCE_CLAIM: app_id,
            AuthenticationConstants.APP_ID_CLAIM: app_id,
            AuthenticationConstants.SERVICE_URL_CLAIM: service_url,
        },
        True,
    )


def _message(reference: dict, card: dict) -> Activity:
    message = MessageFactory.attachment(CardFactory.adaptive_card(card))
    return TurnContext.apply_conversation_reference(message, _conversation_reference(reference))


def _conversation_reference(stored: dict) -> ConversationReference:
    return ConversationReference(
        service_url=stored["service_url"],
        channel_id=stored.get("channel_id") or "msteams",
        conversation=ConversationAccount(id=stored["conversation_id"], tenant_id=stored.get("tenant_id")),
        bot=ChannelAccount(id=stored.get("bot_id")),
    )


def _member(account) -> TeamsMember:
    extra = getattr(account, "additional_properties", None) or {}
    return TeamsMember(
        id=account.id,
        name=account.name,
        aad_object_id=getattr(account, "aad_object_id", None) or extra.get("aadObjectId"),
        email=getattr(account, "email", None) or extra.get("email"),
        user_principal_name=getattr(account, "user_principal_name", None) or extra.get("userPrincipalName"),
    )


def _answer_for(error: Exception) -> Answer:
    if isinstance(error, HttpOperationError):
        response = error.response
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        return Answer(
            False,
            status=status,
            error=shorten(f"HTTP {status}: {error.message}"),
            retry_after=headers.get("Retry-After"),
        )
    if isinstance(error, ClientRequestError):
        return Answer(False, error=shorten(f"no answer from the Bot Connector: {error}"), transient=True)
    if isinstance(error, (DeserializationError, AzureDeserializationError)):
        # It answered, but not as a Bot Connector does: the card may have
        # arrived, so it is not sent again.
        return Answer(False, error=shorten(f"the Bot Connector's answer could not be read: {error}"))
    log.exception("unexpected failure of a proactive send", exc_info=error)
    return Answer(False, error=shorten(f"{type(error).__name__}: {error}"))

"""`POST /api/messages`: the HTTP face of the adapter.

We do what `CloudAdapter.process` does, with four differences: bad
requests get a 4xx instead of a 500 (it indexes the Content-Type header
and trusts the JSON), any failure to authenticate is a 401 (a malformed
token raises a JWT error there), an activity from a tenant the deployment
does not serve is turned away before anything reads or stores it (a token
from the Bot Framework is valid for every tenant that installed the app),
and invoke bodies are serialised once (4.17.x serialises them twice and
fails on every Action.Execute answer)."""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from bot import logs

log = logging.getLogger(__name__)


class MessagesEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: Bot, served_tenants: frozenset[str] = frozenset()) -> None:
        self._adapter = adapter
        self._bot = bot
        self._served_tenants = served_tenants  # empty: every tenant
        self._handled = RecentActivities()

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _problem(415, "expected Content-Type: application/json")
        try:
            body = json.loads(await request.read())
            is_activity = isinstance(body, dict) and isinstance(body.get("type"), str) and body["type"]
            activity = Activity().deserialize(body) if is_activity else None
        # ValueError covers undecodable bytes, bad JSON and integers too long
        # to convert; RecursionError, arrays nested thousands deep.
        except (ValueError, RecursionError, DeserializationError):
            return _problem(400, "body is not valid JSON or not an activity")
        if activity is None or (flaw := flaw_in(activity)):
            log.info("refused a malformed activity: %s", "not an activity" if activity is None else flaw)
            return _problem(400, "body is not an activity")

        try:
            authenticated = await self._adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:  # missing, malformed, expired or foreign token
            log.warning("refused unauthenticated request: %s", error)
            return _problem(401, "unauthorized")
        if self._served_tenants and (tenant := tenant_of(activity)) not in self._served_tenants:
            log.warning("refused an activity from tenant %s, which ALLOWED_TENANT_IDS does not name", tenant or "(none)")
            return _problem(403, "tenant not served")

        if activity.type != "invoke" and not self._handled.first_time(activity):
            # Teams delivers again what it thinks was not received; an invoke
            # is left to run again, since its caller waits for the answer
            # and every press is safe to repeat.
            log.info("activity %s came again: handled once", activity.id)
            return web.Response(status=200)
        # Every log line written for this activity names it (and reset after:
        # a kept-alive connection serves its next request in the same task).
        tokens = (logs.ACTIVITY_ID.set(activity.id), logs.CONVERSATION_ID.set(activity.conversation.id))
        try:
            invoke_response = await self._adapter.process_activity(authenticated, activity, self._bot.on_turn)
        finally:
            request[logs.ACCESS_LOG_EXTRA] = logs.current()  # for the access log's line, written after
            logs.ACTIVITY_ID.reset(tokens[0])
            logs.CONVERSATION_ID.reset(tokens[1])
            logs.FORUM_ID.set(None)
        if invoke_response is None:
            return web.Response(status=201)
        body = invoke_response.body
        if isinstance(body, Model):
            body = serializer_helper(body)
        return web.json_response(body, status=invoke_response.status)


class RecentActivities:
    """The activities this process handled lately, by conversation and id.
    (Another replica may see a repeat: see the README.)"""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def first_time(self, activity: Activity) -> bool:
        if not isinstance(activity.id, str) or not activity.id:
            return True
        key = (activity.conversation.id, activity.id)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


def flaw_in(activity: Activity) -> str | None:
    """What the bot needs of an activity to answer it and is missing or
    of the wrong kind; None when it has it all. msrest fills in what it can
    read and leaves the rest None, so each part is checked here."""
    for part, account in (("from", activity.from_property), ("conversation", activity.conversation), ("recipient", activity.recipient)):
        if account is None or not _text(account.id):
            return f"{part}.id missing"
    if not _text(activity.service_url) or not activity.service_url.startswith(("http://", "https://")):
        return "serviceUrl missing or not an address"
    if not _text(activity.channel_id):
        return "channelId missing"
    sender = activity.from_property
    for name, value in (
        ("from.name", sender.name),
        ("from.aadObjectId", sender.aad_object_id),
        ("conversation.conversationType", activity.conversation.conversation_type),
        ("conversation.tenantId", activity.conversation.tenant_id),
        ("text", activity.text),
        ("name", activity.name),
        ("locale", activity.locale),
        ("replyToId", activity.reply_to_id),
    ):
        if value is not None and not isinstance(value, str):
            return f"{name} is not text"
    if len(sender.id) > MAX_ID or len(activity.recipient.id) > MAX_ID:
        return "from.id or recipient.id too long"
    if sender.aad_object_id is not None and not _GUID.fullmatch(sender.aad_object_id):
        return "from.aadObjectId is not a GUID"
    data = activity.channel_data
    if data is not None and not isinstance(data, dict):
        return "channelData is not an object"
    for part in ("team", "channel", "tenant"):
        place = (data or {}).get(part)
        if place is None:
            continue
        if not isinstance(place, dict) or not (_text(place.get("id")) and len(place["id"]) <= MAX_ID):
            return f"channelData.{part}.id missing, not text or too long"
    return None


MAX_ID = 200  # Teams' ids are far shorter; our columns hold this much
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def tenant_of(activity: Activity) -> str | None:
    """The Entra tenant an activity comes from, as Teams names it."""
    conversation = activity.conversation
    if conversation is not None and isinstance(conversation.tenant_id, str) and conversation.tenant_id:
        return conversation.tenant_id.lower()
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else None
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    return tenant_id.lower() if isinstance(tenant_id, str) and tenant_id else None


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)

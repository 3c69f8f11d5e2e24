"""The local Bot Connector with Teams' sending limits switched on, faults on
demand, and 1:1 chats that exist only for people who installed the app.

    connector = LimitedConnector(installed={"29:anna"})
    connector.fail_next("19:channel", 429, retry_after=3)   # next send: 429
    connector.outage(500, requests=4)                       # next 4 requests: 500

Limits (when `limits` is on), counted over the requests Teams accepted:
per conversation 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour; per tenant
30 in 1 s (configurable). A request over a limit gets 429 with Retry-After:
the whole seconds until a slot frees, as Teams writes it, or the exact
fraction with `fractional_retry_after` (for fast tests with scaled windows).

`POST /v3/conversations` makes a 1:1 chat: 201 {"id": "a:…"} for a user in
`installed` (the same id each time, as Teams does), 403 otherwise. Sends to
an "a:" chat this connector did not make answer 404, and to the chat of a
person who has since removed the app, 403.

The numbers here are written out on purpose rather than imported from the
bot: this plays Teams, and a wrong constant in the bot must not be mirrored.
The plain `LocalConnector` is unchanged for every other test."""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable

from aiohttp import web

from tests.connector import LocalConnector, Received

TEAMS_CONVERSATION_WINDOWS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TEAMS_TENANT_WINDOWS: tuple[tuple[int, float], ...] = ((30, 1.0),)
MAX_BODY_BYTES = 100 * 1024


class _Windows:
    """Arrival times of one key; `wait(now)` is 0 when one more fits."""

    __slots__ = ("times", "windows")

    def __init__(self, windows: tuple[tuple[int, float], ...]) -> None:
        self.windows = windows
        self.times: deque[float] = deque(maxlen=max(count for count, _ in windows))

    def wait(self, now: float) -> float:
        longest = 0.0
        for count, seconds in self.windows:
            if len(self.times) >= count:
                longest = max(longest, self.times[-count] + seconds - now)
        return longest


@dataclass
class LimitedConnector(LocalConnector):
    limits: bool = True
    conversation_windows: tuple[tuple[int, float], ...] = TEAMS_CONVERSATION_WINDOWS
    tenant_windows: tuple[tuple[int, float], ...] = TEAMS_TENANT_WINDOWS
    # Teams user ids ("29:…") that have the app installed
    installed: set[str] = field(default_factory=set)
    fractional_retry_after: bool = False
    # False: count what arrived, keep no activities (a long benchmark stays flat)
    keep_activities: bool = True
    clock: Callable[[], float] = time.monotonic

    # what happened
    requests: int = 0
    accepted: Counter = field(default_factory=Counter)  # conversation id -> sends accepted
    throttled: int = 0  # 429s because a limit was exceeded
    injected: Counter = field(default_factory=Counter)  # status -> faults answered
    created: Counter = field(default_factory=Counter)  # user id -> 1:1 chats made (201)
    refused_creates: int = 0
    gone: int = 0  # sends to a chat that is gone (403/404)

    _faults: dict[str, deque] = field(default_factory=dict)
    _outage_status: int = 500
    _outage_requests: int = 0
    _outage_until: float = -math.inf
    _conversation_log: dict[str, _Windows] = field(default_factory=dict)
    _tenant_log: dict[str, _Windows] = field(default_factory=dict)
    _chats: dict[str, str] = field(default_factory=dict)  # user id -> personal conversation id
    _chat_owner: dict[str, str] = field(default_factory=dict)  # personal conversation id -> user id
    _chat_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- what a test arranges ---------------------------------------------------

    def fail_next(
        self, conversation_id: str, status: int, times: int = 1, retry_after: float | str | None = None
    ) -> None:
        """The next `times` sends to the conversation answer `status`
        (with this Retry-After: seconds, or a string sent as it is)."""
        self._faults.setdefault(conversation_id, deque()).extend([(status, retry_after)] * times)

    def outage(self, status: int = 500, *, seconds: float | None = None, requests: int | None = None) -> None:
        """Every request answers `status`: for `seconds`, or the next `requests`."""
        self._outage_status = status
        if seconds is not None:
            self._outage_until = self.clock() + seconds
        if requests is not None:
            self._outage_requests = requests

    def open_chat(self, user_id: str) -> str:
        """The user has the app and the bot already has their 1:1 chat (as
        after an earlier message): its conversation id."""
        self.installed.add(user_id)
        return self._chat_of(user_id)

    def uninstall(self, user_id: str) -> None:
        self.installed.discard(user_id)

    # --- the service ---------------------------------------------------------------

    def app(self) -> web.Application:
        app = super().app()
        for prefix in ("", "/{region}"):
            app.router.add_post(prefix + "/v3/conversations", self._create)
        return app

    async def _record(self, item: Received) -> None:
        if self.keep_activities:
            await super()._record(item)

    async def _send(self, request: web.Request) -> web.Response:
        self.requests += 1
        conversation_id = request.match_info["cid"]
        body = await request.read()
        refusal = self._outage() or self._fault(conversation_id)
        if refusal is not None:
            return refusal
        activity = await request.json()
        conversation = activity.get("conversation") or {}
        # botbuilder writes "tenantID"; Teams itself "tenantId"
        tenant = conversation.get("tenantId") or conversation.get("tenantID") or _channel_tenant(activity) or "unknown"
        refusal = self._over_limit(tenant, conversation_id)
        if refusal is not None:
            return refusal
        self._count(tenant, conversation_id)
        if conversation_id.startswith("a:"):
            owner = self._chat_owner.get(conversation_id)
            if owner is None:
                self.gone += 1
                return _error(404, "ConversationNotFound", "Conversation not found.")
            if owner not in self.installed:
                self.gone += 1
                return _error(403, "Forbidden", "The bot is not part of the conversation roster.")
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "MessageSizeTooBig", "Message size too large.")
        response = await super()._send(request)
        self.accepted[conversation_id] += 1
        return response

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        refusal = self._outage()
        if refusal is not None:
            return refusal
        body = await request.json()
        members = body.get("members") or []
        tenant = body.get("tenantId") or _channel_tenant(body)
        if body.get("isGroup") or len(members) != 1 or not tenant:
            return _error(400, "BadArgument", "A 1:1 chat needs one member and the tenant id.")
        refusal = self._over_limit(tenant, None)
        if refusal is not None:
            return refusal
        self._count(tenant, None)
        user_id = members[0].get("id")
        if user_id not in self.installed:
            self.refused_creates += 1
            return _error(403, "Forbidden", "The bot is not installed for the user.")
        self.created[user_id] += 1
        return web.json_response({"id": self._chat_of(user_id)}, status=201)

    def _chat_of(self, user_id: str) -> str:
        conversation_id = self._chats.get(user_id)
        if conversation_id is None:
            conversation_id = f"a:1on1-{next(self._chat_ids)}"
            self._chats[user_id] = conversation_id
            self._chat_owner[conversation_id] = user_id
        return conversation_id

    # --- refusals ------------------------------------------------------------------

    def _outage(self) -> web.Response | None:
        if self._outage_requests > 0:
            self._outage_requests -= 1
        elif self.clock() >= self._outage_until:
            return None
        self.injected[self._outage_status] += 1
        return _error(self._outage_status, "ServiceError", "Injected outage.")

    def _fault(self, conversation_id: str) -> web.Response | None:
        queue = self._faults.get(conversation_id)
        if not queue:
            return None
        status, retry_after = queue.popleft()
        self.injected[status] += 1
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        return _error(status, "Injected", "Injected fault.", headers)

    def _over_limit(self, tenant: str, conversation_id: str | None) -> web.Response | None:
        if not self.limits:
            return None
        now = self.clock()
        wait = self._tenant_log.setdefault(tenant, _Windows(self.tenant_windows)).wait(now)
        if conversation_id is not None:
            log = self._conversation_log.setdefault(conversation_id, _Windows(self.conversation_windows))
            wait = max(wait, log.wait(now))
        if wait <= 0:
            return None
        self.throttled += 1
        retry_after = f"{wait:.3f}" if self.fractional_retry_after else str(max(1, math.ceil(wait)))
        return _error(429, "TooManyRequests", "Too many requests.", {"Retry-After": retry_after})

    def _count(self, tenant: str, conversation_id: str | None) -> None:
        if not self.limits:
            return
        now = self.clock()
        self._tenant_log[tenant].times.append(now)
        if conversation_id is not None:
            self._conversation_log[conversation_id].times.append(now)

    # --- reading what arrived ---------------------------------------------------------

    def doubled(self) -> dict[str, int]:
        return {cid: n for cid, n in self.accepted.items() if n > 1}


def _channel_tenant(body: dict) -> str | None:
    return ((body.get("channelData") or {}).get("tenant") or {}).get("id")


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)

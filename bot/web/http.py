"""`POST /api/messages`: the HTTP face of the edge, whichever SDK it is.

We do what the SDKs' `CloudAdapter.process` does, with these differences: bad
requests get a 4xx instead of a 500 (it indexes the Content-Type header
and trusts the JSON; `flaw_in` names what an activity lacks), any failure
to authenticate is a 401 (a malformed token raises a JWT error there), an
activity from a tenant the deployment does not serve is turned away before
anything reads or stores it (a token from the Bot Framework is valid for
every tenant that installed the app), an activity Teams delivers again is
handled once, invoke bodies are serialised once (botbuilder 4.17.x
serialises them twice and fails on every Action.Execute answer), and every request
is counted for /metrics with its outcome and how long it took."""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web

from bot import logs
from bot.edge.sdk import Edge
from bot.web.access_log import ACCESS_LOG_EXTRA
from bot.web.inbound import HandledActivities, flaw_in, tenant_of
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)


class MessagesEndpoint:
    def __init__(
        self,
        edge: Edge,
        handler: object,  # the edge's activity handler, wrapping bot.handlers.bot.ForumBot
        handled: HandledActivities,
        metrics: Metrics,
        served_tenants: frozenset[str] = frozenset(),
    ) -> None:
        self._edge = edge
        self._handler = handler
        self._handled = handled
        self._metrics = metrics
        self._served_tenants = served_tenants  # empty: every tenant

    async def handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        outcome, activity_type = "failed", None  # unless it returns
        try:
            response, outcome, activity_type = await self._handle(request)
            return response
        finally:
            self._metrics.activity(activity_type, outcome, time.perf_counter() - started)

    async def _handle(self, request: web.Request) -> tuple[web.Response, str, str | None]:
        """The answer, its outcome for the metrics, and the activity's type."""
        if request.content_type != "application/json":
            return _problem(415, "expected Content-Type: application/json"), "malformed", None
        try:
            body = json.loads(await request.read())
            is_activity = isinstance(body, dict) and isinstance(body.get("type"), str) and body["type"]
            activity = self._edge.read_activity(body) if is_activity else None
        # ValueError covers undecodable bytes, bad JSON, integers too long
        # to convert and what an SDK cannot read as an activity;
        # RecursionError, arrays nested thousands deep.
        except (ValueError, RecursionError):
            return _problem(400, "body is not valid JSON or not an activity"), "malformed", None
        if activity is None or (flaw := flaw_in(activity)):
            log.info("refused a malformed activity: %s", "not an activity" if activity is None else flaw)
            return _problem(400, "body is not an activity"), "malformed", None

        try:
            authenticated = await self._edge.authenticate(activity, request.headers.get("Authorization", ""))
        except Exception as error:  # missing, malformed, expired or foreign token
            log.warning("refused unauthenticated request: %s", error)
            return _problem(401, "unauthorized"), "unauthenticated", activity.type
        if self._served_tenants and (tenant := tenant_of(activity)) not in self._served_tenants:
            log.warning(
                "refused an activity from tenant %s, which ALLOWED_TENANT_IDS does not name", tenant or "(none)"
            )
            return _problem(403, "tenant not served"), "foreign_tenant", activity.type

        if activity.type != "invoke" and not await self._handled.first_time(activity):
            # Teams delivers again what it thinks was not received; an invoke
            # is left to run again, since its caller waits for the answer
            # and every press is safe to repeat.
            log.info("activity %s came again: handled once", activity.id)
            return web.Response(status=200), "repeated", activity.type
        # Every log line written for this activity names it (and reset after:
        # a kept-alive connection serves its next request in the same task).
        tokens = (logs.ACTIVITY_ID.set(activity.id), logs.CONVERSATION_ID.set(activity.conversation.id))
        try:
            answer = await self._edge.process(authenticated, activity, self._handler)
        finally:
            request[ACCESS_LOG_EXTRA] = logs.current()  # for the access log's line, written after
            logs.ACTIVITY_ID.reset(tokens[0])
            logs.CONVERSATION_ID.reset(tokens[1])
            logs.FORUM_ID.set(None)
        if answer is None:
            return web.Response(status=201), "handled", activity.type
        return web.json_response(answer.body, status=answer.status), "handled", activity.type


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)

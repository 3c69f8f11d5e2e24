"""`GET /metrics`: what an operator's Prometheus scrapes.

One registry per app (not prometheus-client's global one), so that two bots
in one process, as in the tests, count apart. Every label value comes from
a short fixed list: an activity's type is the client's to choose, and an
unbounded label would let anyone grow the scrape without end.

With `METRICS_TOKEN` set the scrape needs `Authorization: Bearer <token>`;
without it only a client on the same host (a sidecar, a port-forward) is
answered."""

from __future__ import annotations

import hmac
import ipaddress
from datetime import datetime
from typing import Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

PREFIX = "samarbeidsforum"
ACTIVITY_TYPES = frozenset(
    {
        "message",
        "invoke",
        "conversationUpdate",
        "installationUpdate",
        "messageReaction",
        "messageUpdate",
        "messageDelete",
        "event",
        "typing",
    }
)
# Answers from Teams' Bot Connector, by HTTP status ("2xx" for every
# success: botbuilder does not say which); a request without an answer
# (timeout, reset) is "no_answer", one whose answer was unreadable or that
# failed before it left, "error".
_STATUS_LABELS = frozenset({"2xx", "no_answer", "error"})


def activity_type_label(value: str | None) -> str:
    return value if value in ACTIVITY_TYPES else "other"


class Metrics:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # memory, CPU, open files
        self.activities = Counter(
            f"{PREFIX}_activities",
            "Activities posted to /api/messages, by type and outcome.",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_activity_seconds",
            "Time from an activity's arrival to the answer to Teams' request.",
            ["type"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0),
        )
        self.connector = Counter(
            f"{PREFIX}_connector_requests",
            "Requests to Teams' Bot Connector (replies and proactive sends), by the answer's HTTP status.",
            ["status"],
            registry=self.registry,
        )
        self.reminders = Gauge(
            f"{PREFIX}_reminders",
            "Reminders due and not yet sent, by state (read at each scrape).",
            ["state"],
            registry=self.registry,
        )
        self.oldest_due = Gauge(
            f"{PREFIX}_reminders_oldest_due_seconds",
            "How long the longest-waiting due reminder has been due; 0 when none waits.",
            registry=self.registry,
        )
        self.vote_closing_lag = Histogram(
            f"{PREFIX}_vote_closing_lag_seconds",
            "From a vote's closing time to when the bot closed it.",
            registry=self.registry,
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
        )

    # --- what the app counts ---------------------------------------------------

    def activity(self, activity_type: str | None, outcome: str, seconds: float | None = None) -> None:
        label = activity_type_label(activity_type)
        self.activities.labels(label, outcome).inc()
        if seconds is not None:
            self.latency.labels(label).observe(seconds)

    def connector_answer(self, status: int | str) -> None:
        """One request to the Bot Connector: its HTTP status, or what
        happened instead ("no_answer", "error")."""
        if isinstance(status, int):
            label = str(status) if 100 <= status <= 599 else "error"
        else:
            label = status if status in _STATUS_LABELS else "error"
        self.connector.labels(label).inc()

    def vote_closed(self, closes_at: datetime, closed_at: datetime | None) -> None:
        if closed_at is not None:
            self.vote_closing_lag.observe(max(0.0, (closed_at - closes_at).total_seconds()))

    # --- the scrape -----------------------------------------------------------------

    def endpoint(self, uow_factory, token: str) -> Callable[[web.Request], object]:
        async def scrape(request: web.Request) -> web.Response:
            if not _may_scrape(request, token):
                return web.json_response({"error": "unauthorized"}, status=401)
            async with uow_factory() as uow:
                backlog = await uow.wheel.backlog(self._clock())
            for state in ("due", "claimed", "sending"):
                self.reminders.labels(state).set(backlog.counts.get(state, 0))
            self.oldest_due.set(backlog.oldest_due_seconds)
            return web.Response(body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

        return scrape


def _may_scrape(request: web.Request, token: str) -> bool:
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:  # a Unix socket, or no peer address
        return False

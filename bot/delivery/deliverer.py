"""Proactive delivery of cards: to a channel, or to a person's 1:1 chat,
paced below Teams' limits and retried when Teams says "not now".

The annual wheel's reminders (and later vote reminders) go through one
`Deliverer` per app. What it does, in order, for every HTTP request:

1. **Pace.** A `SendLimiter` (bot.delivery.pace), shared by every send of
   the process, waits until the request fits Teams' limits per conversation
   and the tenant's pace. A reply to what someone just wrote (`send_reply`)
   keeps its conversation's windows but goes ahead of the tenant's queue;
   the pace can so be passed by the replies of one moment, within the 50 a
   second Teams allows an app in a tenant (30 is our pace for proactive
   sends, not Teams' limit).
2. **Send**, through the edge's `Connector` (one request, no retries of
   its own, so that this module alone decides).
3. **Retry** 429, 412, 408 and every 5xx, and requests that got no answer,
   with exponential backoff and full jitter (a random wait between 0 and
   1, 2, 4 … s, at most 30 s); when Teams sends `Retry-After` (seconds or an
   HTTP date) exactly that wait is kept instead, and further sends to that
   conversation wait as long. Bounded by attempts (6) and by time (120 s
   from the first attempt; waiting for a first slot in a long fan-out is
   not counted, unless `max_call_seconds` bounds the whole call: then no
   wait for a slot or a retry goes past it). Waiting behind an earlier send
   to the same conversation (one at a time, see `_in_flight`) is not
   bounded by it: a caller that must not outlive a claim also needs a
   check of its own before it sends, such as `SendWatch.leaving()`. Every
   other 4xx fails at once.
4. **Report** a `DeliveryResult`: "sent", "failed" or "not_reachable" (a
   person who has not installed the app: Teams refuses to make the 1:1 chat,
   or the stored chat answers 403/404), with attempts, the last HTTP status,
   the error, the activity id, and the conversation reference that was used,
   which for a person may be a new one to store.

A card over 80 KB is not sent at all ("failed"): Teams would refuse it.

**Crash between "sent" and "recorded".** This module records nothing; its
caller writes each result, and a `SendWatch` hears of every request that
carries the card: `leaving()` right before it (after any wait for a slot),
`refused()` when Teams answered it with a refusal (any HTTP error status:
Teams does not have the card). The Bot Connector API takes no idempotency
key and Teams drops no duplicates, so nothing can make a crash while a
request is unanswered harmless: the card has reached Teams or not, and only
Teams knows. A caller can only choose which way it errs. The wheel's
scheduler commits a reminder as *sending* on `leaving()`, back to *claimed*
on `refused()`, and as sent / failed / not_reachable after; its unique key
and its claims make one worker send it, once. A crash while a request is
unanswered, or between Teams' answer and the last commit (at most the sends
in flight at that moment), leaves rows *sending*, which it then reports as
*uncertain* instead of sending again: nothing is doubled, but such a
reminder may or may not have arrived, and the report says so. A crash
during a wait after a refusal leaves the row *claimed*, and it is sent
after the restart. `leaving()` may also answer False (the caller no longer
owns the send: the reminder's claim went to another replica); then nothing
more is sent. Within one call the choice here is the other one: a request
whose answer is lost after Teams accepted it (a timeout, a reset
connection) is retried and may show twice, because a reminder lost to a
network hiccup is the worse failure.

**Several replicas** each have their own limiter: give each a share of the
tenant rate (`tenant_rate / replicas`; the app does this with `REPLICAS`),
or accept more 429s, which the retries absorb."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Literal, Protocol

from bot.delivery.connector import Answer, Connector
from bot.delivery.pace import (
    DEFAULT_TENANT_RATE,
    TEAMS_CONVERSATION_WINDOWS,
    Clock,
    SendLimiter,
    SystemClock,
    Window,
    tenant_windows,
)

log = logging.getLogger(__name__)


class SendWatch(Protocol):
    """Told about every request that carries a card, so that the caller can
    record whether Teams may have it (see the module's note on crashes)."""

    async def leaving(self) -> bool: ...  # right before it; False: do not send

    async def refused(self) -> None: ...  # Teams answered it with a refusal


Status = Literal["sent", "failed", "not_reachable"]

MAX_CARD_BYTES = 80 * 1024
RETRY_STATUSES = frozenset({408, 412, 429}) | frozenset(range(500, 600))
GONE_STATUSES = frozenset({403, 404})


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def retry_after_seconds(value: str | None, wall_now: datetime) -> float | None:
    """A `Retry-After` header as seconds from now: delay-seconds or an HTTP
    date (RFC 9110); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - wall_now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


# --- results ----------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """`attempts` counts HTTP requests made, creating a 1:1 chat included.
    `http_status` is the status of the last answer: 200 when sent (neither SDK
    passes on 200 versus 201), the refusal's status otherwise, None
    when no answer came or nothing was sent. `reference` is the conversation
    the card went (or would have gone) to; when `reference_created`, it is a
    new 1:1 chat for the caller to store."""

    status: Status
    attempts: int = 0
    http_status: int | None = None
    error: str | None = None
    activity_id: str | None = None
    reference: dict | None = None
    reference_created: bool = False

    @property
    def sent(self) -> bool:
        return self.status == "sent"


# --- the deliverer ----------------------------------------------------------


class Deliverer:
    def __init__(
        self,
        connector: Connector,
        *,
        bot_id: str | None = None,
        tenant_rate: float = DEFAULT_TENANT_RATE,
        conversation_windows: tuple[Window, ...] = TEAMS_CONVERSATION_WINDOWS,
        clock: Clock | None = None,
        limiter: SendLimiter | None = None,
        max_attempts: int = 6,
        max_total_seconds: float = 120.0,
        max_call_seconds: float | None = None,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        rng: random.Random | None = None,
        wall_now: Callable[[], datetime] = _utc_now,
        count_answer: Callable[[int | str], None] | None = None,
    ) -> None:
        if max_attempts < 1 or tenant_rate <= 0:
            raise ValueError("max_attempts must be at least 1 and tenant_rate above 0")
        self.connector = connector
        # Teams knows a bot in a conversation as "28:" + its app id.
        self.bot_id = bot_id or (f"28:{connector.app_id}" if connector.app_id else None)
        self.clock = clock or SystemClock()
        self.limiter = limiter or SendLimiter(self.clock, conversation_windows, tenant_windows(tenant_rate))
        self.max_attempts = max_attempts
        self.max_total_seconds = max_total_seconds
        # None: a call may wait for its first slot as long as the queue is.
        self.max_call_seconds = max_call_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        # One message at a time per conversation: Teams shows them in order,
        # and after a crash at most one per conversation can be in doubt.
        self._in_flight: dict[str, asyncio.Lock] = {}
        self._queued: Counter[str] = Counter()
        self.wall_now = wall_now
        # Told of every request's outcome (the metrics): "2xx", the refusal's
        # HTTP status, "no_answer" or "error".
        self.count_answer = count_answer

    # --- public ------------------------------------------------------------

    async def send_card(self, reference: dict, card: dict, watch: SendWatch | None = None) -> DeliveryResult:
        """Post a card to a stored conversation reference (a channel or a
        chat): keys service_url, conversation_id, tenant_id, channel_id, bot_id.
        ``watch`` hears of every request that carries the card."""
        return await self._deliver(reference, card, watch, until=self._call_deadline())

    async def send_reply(self, reference: dict, card: dict) -> DeliveryResult:
        """Post a card that answers what someone just wrote: like
        `send_card`, but ahead of the tenant's queue (see `SendLimiter.acquire`),
        since a person is waiting for it and a fan-out of reminders is not.
        The conversation's windows, the retries and Retry-After still hold."""
        return await self._deliver(reference, card, until=self._call_deadline(), ahead=True)

    async def update_card(self, reference: dict, activity_id: str, card: dict) -> DeliveryResult:
        """Replace a card the bot posted earlier (a vote's card in the
        channel): everyone sees the new one. Paced and retried like a post."""
        return await self._deliver(reference, card, replacing=activity_id, until=self._call_deadline())

    def _call_deadline(self) -> float | None:
        return None if self.max_call_seconds is None else self.clock.now() + self.max_call_seconds

    async def _deliver(
        self,
        reference: dict,
        card: dict,
        watch: SendWatch | None = None,
        replacing: str | None = None,
        until: float | None = None,
        ahead: bool = False,
    ) -> DeliveryResult:
        too_big = _too_big(card)
        if too_big:
            return DeliveryResult("failed", error=too_big, reference=reference)
        conversation_id = reference["conversation_id"]
        answer, attempts = await self._with_retries(
            _tenant_key(reference), conversation_id, lambda: self._post(reference, card, replacing), watch, until, ahead
        )
        if answer.ok:
            return DeliveryResult("sent", attempts, 200, activity_id=replacing or answer.value, reference=reference)
        # a chat that is gone is the caller's news to act on, not a fault here
        level = logging.INFO if answer.status in GONE_STATUSES else logging.WARNING
        what = f"update of card {replacing}" if replacing else "card"
        log.log(level, "%s to %s not delivered after %d attempts: %s", what, conversation_id, attempts, answer.error)
        return DeliveryResult("failed", attempts, answer.status, answer.error, reference=reference)

    async def send_card_to_person(
        self,
        personal_reference: dict | None,
        user_id: str | None,
        tenant_id: str,
        service_url: str,
        card: dict,
        watch: SendWatch | None = None,
    ) -> DeliveryResult:
        """Post a card in a person's 1:1 chat with the bot: the stored chat
        when there is one, else (or when it is gone) a chat made now, which
        Teams allows only when the person has the app installed."""
        too_big = _too_big(card)
        if too_big:
            return DeliveryResult("failed", error=too_big, reference=personal_reference)
        until = self._call_deadline()
        spent = 0
        if personal_reference:
            result = await self._deliver(personal_reference, card, watch, until=until)
            if result.sent or result.http_status not in GONE_STATUSES:
                return result
            if not user_id:
                return replace(result, status="not_reachable")
            # The stored chat is gone (app removed, or a stale id): Teams gives
            # the same chat back if the app is still there, and 403 if not.
            spent = result.attempts
        if not user_id:
            return DeliveryResult("not_reachable", error="no stored 1:1 chat and no Teams user id to make one")

        answer, attempts = await self._with_retries(
            tenant_id or service_url,
            None,
            lambda: self.connector.create_personal_chat(user_id, tenant_id, service_url, self.bot_id),
            until=until,
        )
        spent += attempts
        if not answer.ok:
            status: Status = "not_reachable" if answer.status in GONE_STATUSES else "failed"
            if status == "failed":
                log.warning("could not make a 1:1 chat with %s: %s", user_id, answer.error)
            return DeliveryResult(status, spent, answer.status, answer.error, reference=personal_reference)

        created = {
            "service_url": answer.service_url or service_url,
            "channel_id": "msteams",
            "tenant_id": tenant_id,
            "conversation_id": answer.value,
            "bot_id": self.bot_id,
        }
        result = await self._deliver(created, card, watch, until=until)
        status = "not_reachable" if not result.sent and result.http_status in GONE_STATUSES else result.status
        return replace(result, status=status, attempts=spent + result.attempts, reference_created=True)

    # --- retries -------------------------------------------------------------

    async def _with_retries(
        self,
        tenant: str,
        conversation: str | None,
        attempt: Callable[[], Awaitable[Answer]],
        watch: SendWatch | None = None,
        until: float | None = None,
        ahead: bool = False,
    ) -> tuple[Answer, int]:
        if conversation is None:
            return await self._attempts(tenant, conversation, attempt, watch, until, ahead)
        lock = self._in_flight.setdefault(conversation, asyncio.Lock())
        self._queued[conversation] += 1
        try:
            async with lock:
                return await self._attempts(tenant, conversation, attempt, watch, until, ahead)
        finally:
            self._queued[conversation] -= 1
            if not self._queued[conversation]:  # nobody else waiting: forget it
                del self._queued[conversation]
                self._in_flight.pop(conversation, None)

    async def _attempts(
        self,
        tenant: str,
        conversation: str | None,
        attempt: Callable[[], Awaitable[Answer]],
        watch: SendWatch | None,
        until: float | None,
        ahead: bool = False,
    ) -> tuple[Answer, int]:
        """``until``: no wait, for a slot or a retry, goes past this time."""
        attempts = 0
        started: float | None = None
        answer = Answer(False, error="not attempted")
        while True:
            deadline = _earliest(until, None if started is None else started + self.max_total_seconds)
            grant = await self.limiter.acquire(tenant, conversation, deadline, ahead)
            if grant is None:
                return replace(answer, error=f"{answer.error} (no send slot left in time)"), attempts
            if started is None:
                started = self.clock.now()
                deadline = _earliest(until, started + self.max_total_seconds)
            if watch is not None and not await watch.leaving():
                self.limiter.finish(grant)
                withdrawn = "not sent: the caller withdrew it (it no longer owns the send)"
                return Answer(False, error=withdrawn), attempts
            attempts += 1
            try:
                answer = self._judged(await attempt())
            finally:
                self.limiter.finish(grant)
            if self.count_answer is not None:
                self.count_answer(_outcome(answer))
            if watch is not None and not answer.ok and answer.status is not None:
                await watch.refused()
            if answer.ok or not answer.transient or attempts >= self.max_attempts:
                return answer, attempts

            now = self.clock.now()
            asked = self._retry_after(answer)
            if asked is not None:
                # Exactly what Teams asked for, no jitter: the limiter spreads the
                # retries that wake together over the tenant's pace anyway.
                delay = asked
                if conversation is not None:
                    self.limiter.hold(conversation, now + delay)
            else:
                delay = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempts - 1)))
            if now + delay > deadline:
                late = f"{answer.error} (a retry in {delay:.1f} s would pass the time budget of this delivery)"
                return replace(answer, error=late), attempts
            log.debug("retrying %s in %.2f s after %s", conversation or "a 1:1 chat", delay, answer.status)
            await self.clock.sleep(delay)

    def _post(self, reference: dict, card: dict, replacing: str | None) -> Awaitable[Answer]:
        if replacing:
            return self.connector.update(reference, replacing, card)
        return self.connector.post(reference, card)

    def _judged(self, answer: Answer) -> Answer:
        """A refusal's status decides whether to try again, and when."""
        if answer.ok or answer.status is None:
            return answer
        return replace(answer, transient=answer.status in RETRY_STATUSES)

    def _retry_after(self, answer: Answer) -> float | None:
        return retry_after_seconds(answer.retry_after, self.wall_now())


def _outcome(answer: Answer) -> int | str:
    if answer.ok:
        return "2xx"  # the SDKs do not pass on which
    if answer.status is not None:
        return answer.status
    return "no_answer" if answer.transient else "error"


def _earliest(*times: float | None) -> float | None:
    return min((t for t in times if t is not None), default=None)


def _tenant_key(reference: dict) -> str:
    return reference.get("tenant_id") or reference.get("service_url") or ""


def _too_big(card: dict) -> str | None:
    # Measured as it may go over the wire: JSON with ASCII escapes (as msrest writes it).
    size = len(json.dumps(card).encode("ascii"))
    if size > MAX_CARD_BYTES:
        return f"the card is {size} bytes, over the {MAX_CARD_BYTES // 1024} KB a Teams message may have"
    return None

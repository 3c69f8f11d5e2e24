"""Proactive delivery of cards: to a channel, or to a person's 1:1 chat,
paced below Teams' limits and retried when Teams says "not now".

The annual wheel's reminders (and later vote reminders) go through one
`Deliverer` per app. What it does, in order, for every HTTP request:

1. **Pace.** A `SendLimiter`, shared by every send of the process, waits
   until the request fits Teams' limits: per conversation 7 in 1 s, 8 in 2 s,
   60 in 30 s and 1800 in an hour (all four, as sliding-window logs), and
   per tenant a rate (30/s unless configured, evenly spaced; creating a 1:1
   chat counts too). A send counts from when its answer came back, not from
   when it left: that is the latest it can have reached Teams, so however
   uneven the way there (a slow first request, a queue in msrest's thread
   pool), Teams cannot see one more than a window allows, and the windows
   need no stretching on top. Waiting happens per conversation: a
   conversation at its limit makes only its own sends wait, and the tenant
   queue only takes sends that are ready to go, in the order they became
   ready. The price of counting from the answer is one round trip per
   window: a busy tenant gets 30 per (1 s + round trip), not 30 per second.
   So that it stays one round trip, a slow answer holds only its own place
   in a window, and a send let go a little late (a busy event loop) does
   not push the spacing of the ones after it back. A reply to what someone
   just wrote (`send_reply`) keeps its conversation's windows but does not
   queue for the tenant's pace: it takes its place in it at once, and the
   proactive sends behind make room. The pace can so be passed by the
   replies of one moment, within the 50 a second Teams allows an app in a
   tenant (30 is our pace for proactive sends, not Teams' limit).
2. **Send**, through botbuilder's adapter (`continue_conversation` with the
   bot's app id). msrest's own retries are switched off for these requests
   (see `_own_the_retries`) so that this module alone decides.
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
import itertools
import json
import logging
import math
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Literal, Protocol

from botbuilder.core import BotAdapter, CardFactory, CloudAdapterBase, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference
from botframework.connector.auth import AuthenticationConstants
from msrest.exceptions import ClientRequestError, DeserializationError, HttpOperationError

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


# --- time -------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


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


# --- pacing -----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`-long stretch of time.

    With `from_answer` a send counts from when its answer came, the latest
    moment it can have reached Teams: then no jitter between our clock and
    Teams' arrival times (a slow first request, a queue in msrest's thread
    pool) can squeeze `count + 1` arrivals into one window. Without it, from
    when its turn came in the tenant's pacing: for smoothing only."""

    count: int
    seconds: float
    from_answer: bool = True


TEAMS_CONVERSATION_WINDOWS = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
DEFAULT_TENANT_RATE = 30.0
# How many older sends beyond a window's count are checked for a late answer:
# answers come back out of order, but not by dozens of sends.
LOOKBACK = 32


def tenant_windows(rate_per_second: float) -> tuple[Window, ...]:
    """The rate as a 1-s window, plus even spacing: a burst of 30 at once
    would queue in msrest's thread pool (a few threads) and stretch every
    window by that queue's length."""
    return (Window(max(1, round(rate_per_second)), 1.0), Window(1, 1.0 / rate_per_second, from_answer=False))


class Grant:
    """One request's place in the windows: let go at `start`, its turn in
    the pacing at `slot` (at most `start`), answered at `end` (None while in
    flight)."""

    __slots__ = ("start", "slot", "end")

    def __init__(self, start: float, slot: float) -> None:
        self.start = start
        self.slot = slot
        self.end: float | None = None


class _Log:
    """The grants of one conversation or tenant, in the order given; only as
    many as the largest window needs."""

    __slots__ = ("grants", "windows", "_late")

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        self.grants: deque[Grant] = deque(maxlen=max(w.count for w in windows) + LOOKBACK)
        # A waiter wakes a little after its turn (the event loop's timer
        # resolution, other work on the loop). Carried on to the next turn,
        # those delays add up to seconds in a fan-out of hundreds; a send
        # less than one spacing late keeps the pace's own time instead.
        self._late = min((w.seconds / w.count for w in windows if not w.from_answer), default=0.0)

    def _paced(self) -> float:
        """When the pacing windows let the next send go."""
        grants, size = self.grants, len(self.grants)
        return max(
            (grants[-w.count].slot + w.seconds for w in self.windows if not w.from_answer and size >= w.count),
            default=-math.inf,
        )

    def earliest(self, now: float) -> float:
        grants = self.grants
        if not grants:
            return now
        # Grants are given in order, so a new one never starts before the last.
        at = max(now, grants[-1].start, self._paced())
        size = len(grants)
        for window in self.windows:
            if not window.from_answer or size < window.count:
                continue
            # A new send fits when at most count - 1 others can have reached
            # Teams in the window before it: each counts as arriving when its
            # answer came, one still in flight as arriving now (we look again
            # when that time comes). So the count-th latest answer must be a
            # window ago. Older sends than these are long answered.
            answers = sorted(
                (now if g.end is None else g.end)
                for g in itertools.islice(reversed(grants), window.count - 1 + LOOKBACK)
            )
            at = max(at, answers[-window.count] + window.seconds)
        return at

    def take(self, now: float) -> Grant:
        paced = self._paced()
        grant = Grant(now, paced if now - self._late <= paced <= now else now)
        self.grants.append(grant)
        return grant

    def last(self, now: float) -> float:
        if not self.grants:
            return -math.inf
        return max((now if g.end is None else g.end) for g in self.grants)


class _Conversation:
    __slots__ = ("log", "lock", "held_until", "users")

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.log = _Log(windows)
        self.lock = asyncio.Lock()
        self.held_until = -math.inf
        self.users = 0


class SendLimiter:
    """Waits until a request to a conversation (or only to a tenant) fits
    the limits and gives it a `Grant`; `finish(grant)` when its answer came.
    One per process, shared by all sends."""

    PRUNE_EVERY = 512

    def __init__(
        self,
        clock: Clock,
        conversation_windows: tuple[Window, ...] = TEAMS_CONVERSATION_WINDOWS,
        tenant_windows: tuple[Window, ...] = tenant_windows(DEFAULT_TENANT_RATE),
    ) -> None:
        self.clock = clock
        self.conversation_windows = conversation_windows
        self.tenant_windows = tenant_windows
        self._conversations: dict[str, _Conversation] = {}
        self._tenants: dict[str, _Log] = {}
        self._calls = 0

    async def acquire(
        self, tenant: str, conversation: str | None = None, deadline: float | None = None, ahead: bool = False
    ) -> Grant | None:
        """Wait for a slot and take it; None, taking nothing, when the slot
        would come after `deadline` (a time of the clock). ``ahead``: do not
        wait for the tenant's pace (the conversation's windows still hold),
        but count in it, so that the sends that do wait make room."""
        self._calls += 1
        if self._calls % self.PRUNE_EVERY == 0:
            self.prune()
        if conversation is None:
            return await self._tenant_slot(tenant, None, deadline, ahead)
        state = self._conversations.get(conversation)
        if state is None:
            state = self._conversations[conversation] = _Conversation(self.conversation_windows)
        state.users += 1
        try:
            # One sender per conversation at a time keeps its grants in order;
            # other conversations never wait on this lock.
            async with state.lock:
                while True:
                    now = self.clock.now()
                    ready = max(state.log.earliest(now), state.held_until)
                    if deadline is not None and ready > deadline:
                        return None
                    if ready <= now:
                        break
                    # answers and 429s elsewhere move the time while we sleep: look again
                    await self.clock.sleep(ready - now)
                return await self._tenant_slot(tenant, state.log, deadline, ahead)
        finally:
            state.users -= 1

    async def _tenant_slot(
        self, tenant: str, conversation_log: _Log | None, deadline: float | None, ahead: bool
    ) -> Grant | None:
        tenant_log = self._tenants.get(tenant)
        if tenant_log is None:
            tenant_log = self._tenants[tenant] = _Log(self.tenant_windows)
        while not ahead:
            now = self.clock.now()
            at = tenant_log.earliest(now)
            if deadline is not None and at > deadline:
                return None
            if at <= now:
                break
            await self.clock.sleep(at - now)
        grant = tenant_log.take(self.clock.now())
        if conversation_log is not None:
            conversation_log.grants.append(grant)
        return grant

    def finish(self, grant: Grant) -> None:
        grant.end = self.clock.now()

    def hold(self, conversation: str, until: float) -> None:
        """Teams said when to come back: no send to it before `until`."""
        state = self._conversations.get(conversation)
        if state is None:
            state = self._conversations[conversation] = _Conversation(self.conversation_windows)
        state.held_until = max(state.held_until, until)

    def prune(self) -> None:
        """Forget conversations and tenants whose every window has passed, so
        that memory follows the last hour's conversations, not all ever seen."""
        now = self.clock.now()
        horizon = max(w.seconds for w in self.conversation_windows)
        for key in [
            key
            for key, state in self._conversations.items()
            if not state.users and state.held_until <= now and state.log.last(now) <= now - horizon
        ]:
            del self._conversations[key]
        horizon = max(w.seconds for w in self.tenant_windows)
        for key in [key for key, tenant_log in self._tenants.items() if tenant_log.last(now) <= now - horizon]:
            del self._tenants[key]

    def tracked(self) -> tuple[int, int]:
        """(conversations, tenants) currently remembered."""
        return len(self._conversations), len(self._tenants)


# --- results ----------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """`attempts` counts HTTP requests made, creating a 1:1 chat included.
    `http_status` is the status of the last answer: 200 when sent (botbuilder
    does not pass on 200 versus 201), the refusal's status otherwise, None
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


@dataclass(frozen=True)
class _Answer:
    ok: bool
    status: int | None = None
    value: str | None = None  # the activity id, or the new conversation's id
    service_url: str | None = None
    error: str | None = None
    retry_after: float | None = None
    transient: bool = False


# --- the deliverer ----------------------------------------------------------


class Deliverer:
    def __init__(
        self,
        adapter: CloudAdapterBase,
        app_id: str,
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
        request_timeout: float = 30.0,
        rng: random.Random | None = None,
        wall_now: Callable[[], datetime] = _utc_now,
        count_answer: Callable[[int | str], None] | None = None,
    ) -> None:
        if max_attempts < 1 or tenant_rate <= 0:
            raise ValueError("max_attempts must be at least 1 and tenant_rate above 0")
        self.adapter = adapter
        self.app_id = app_id
        # Teams knows a bot in a conversation as "28:" + its app id.
        self.bot_id = bot_id or (f"28:{app_id}" if app_id else None)
        self.clock = clock or SystemClock()
        self.limiter = limiter or SendLimiter(self.clock, conversation_windows, tenant_windows(tenant_rate))
        self.max_attempts = max_attempts
        self.max_total_seconds = max_total_seconds
        # None: a call may wait for its first slot as long as the queue is.
        self.max_call_seconds = max_call_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.request_timeout = request_timeout
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
        target = _conversation_reference(reference)
        conversation_id = reference["conversation_id"]
        answer, attempts = await self._with_retries(
            _tenant_key(reference), conversation_id, lambda: self._post(target, card, replacing), watch, until, ahead
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
            tenant_id or service_url, None, lambda: self._create(user_id, tenant_id, service_url), until=until
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
        attempt: Callable[[], Awaitable[_Answer]],
        watch: SendWatch | None = None,
        until: float | None = None,
        ahead: bool = False,
    ) -> tuple[_Answer, int]:
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
        attempt: Callable[[], Awaitable[_Answer]],
        watch: SendWatch | None,
        until: float | None,
        ahead: bool = False,
    ) -> tuple[_Answer, int]:
        """``until``: no wait, for a slot or a retry, goes past this time."""
        attempts = 0
        started: float | None = None
        answer = _Answer(False, error="not attempted")
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
                return _Answer(False, error=withdrawn), attempts
            attempts += 1
            try:
                answer = await attempt()
            finally:
                self.limiter.finish(grant)
            if self.count_answer is not None:
                self.count_answer(_outcome(answer))
            if watch is not None and not answer.ok and answer.status is not None:
                await watch.refused()
            if answer.ok or not answer.transient or attempts >= self.max_attempts:
                return answer, attempts

            now = self.clock.now()
            if answer.retry_after is not None:
                # Exactly what Teams asked for, no jitter: the limiter spreads the
                # retries that wake together over the tenant's pace anyway.
                delay = answer.retry_after
                if conversation is not None:
                    self.limiter.hold(conversation, now + delay)
            else:
                delay = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempts - 1)))
            if now + delay > deadline:
                late = f"{answer.error} (a retry in {delay:.1f} s would pass the time budget of this delivery)"
                return replace(answer, error=late), attempts
            log.debug("retrying %s in %.2f s after %s", conversation or "a 1:1 chat", delay, answer.status)
            await self.clock.sleep(delay)

    # --- one HTTP request each ----------------------------------------------------

    async def _post(self, target: ConversationReference, card: dict, replacing: str | None = None) -> _Answer:
        """Post the card, or with ``replacing`` put it in that activity's place."""
        answer = _Answer(False, error="the send did not run")

        async def send(context: TurnContext) -> None:
            nonlocal answer
            self._own_the_retries(context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY))
            message = MessageFactory.attachment(CardFactory.adaptive_card(card))
            try:
                if replacing:
                    message.id = replacing
                    response = await context.update_activity(message)
                else:
                    response = await context.send_activity(message)
            except Exception as error:
                # Caught here and not left to botbuilder: it would hand the error
                # to on_turn_error, which posts an error card into this very
                # conversation and swallows the failure.
                answer = self._answer_for(error)
            else:
                answer = _Answer(True, value=response.id if response else None)

        try:
            # NOTES: always pass the bot's app id, or Teams refuses proactive posts.
            await self.adapter.continue_conversation(target, send, self.app_id or None)
        except Exception as error:  # e.g. no token for the app
            answer = self._answer_for(error)
        return answer

    async def _create(self, user_id: str, tenant_id: str, service_url: str) -> _Answer:
        # What CloudAdapterBase.create_conversation does, minus the turn it then
        # runs: we need the client before the request, to own its retries.
        try:
            claims = self.adapter.create_claims_identity(self.app_id)
            claims.claims[AuthenticationConstants.SERVICE_URL_CLAIM] = service_url
            factory = self.adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            self._own_the_retries(client)
            parameters = ConversationParameters(
                is_group=False,
                bot=ChannelAccount(id=self.bot_id) if self.bot_id else None,
                members=[ChannelAccount(id=user_id)],
                tenant_id=tenant_id,
                channel_data={"tenant": {"id": tenant_id}},
            )
            response = await client.conversations.create_conversation(parameters)
        except Exception as error:
            return self._answer_for(error)
        if response is None or not response.id:
            return _Answer(False, error="Teams answered without a conversation id")
        return _Answer(True, value=response.id, service_url=response.service_url)

    def _own_the_retries(self, client) -> None:
        """msrest would retry some failures on its own, below us and invisibly
        (with urllib3 2 not POSTs on a 5xx, but connection errors and PUTs
        yes; with urllib3 1 POSTs too), and never a 429. With two retry
        layers the attempt count, the total time and the pacing are no longer
        ours, so this client (new for every request) makes one try only."""
        if client is None:
            return
        config = client.config
        config.retry_policy.retries = 0
        config.retry_policy.policy.status_forcelist = frozenset()
        config.connection.timeout = self.request_timeout

    def _answer_for(self, error: Exception) -> _Answer:
        if isinstance(error, HttpOperationError):
            response = error.response
            status = getattr(response, "status_code", None)
            headers = getattr(response, "headers", None) or {}
            return _Answer(
                False,
                status=status,
                error=_shorten(f"HTTP {status}: {error.message}"),
                retry_after=retry_after_seconds(headers.get("Retry-After"), self.wall_now()),
                transient=status in RETRY_STATUSES,
            )
        if isinstance(error, ClientRequestError):
            return _Answer(False, error=_shorten(f"no answer from the Bot Connector: {error}"), transient=True)
        if isinstance(error, DeserializationError):
            # It answered, but not as a Bot Connector does: the card may have
            # arrived, so it is not sent again.
            return _Answer(False, error=_shorten(f"the Bot Connector's answer could not be read: {error}"))
        log.exception("unexpected failure of a proactive send", exc_info=error)
        return _Answer(False, error=_shorten(f"{type(error).__name__}: {error}"))


def _outcome(answer: _Answer) -> int | str:
    if answer.ok:
        return "2xx"  # botbuilder does not pass on which
    if answer.status is not None:
        return answer.status
    return "no_answer" if answer.transient else "error"


def _earliest(*times: float | None) -> float | None:
    return min((t for t in times if t is not None), default=None)


def _conversation_reference(stored: dict) -> ConversationReference:
    return ConversationReference(
        service_url=stored["service_url"],
        channel_id=stored.get("channel_id") or "msteams",
        conversation=ConversationAccount(id=stored["conversation_id"], tenant_id=stored.get("tenant_id")),
        bot=ChannelAccount(id=stored.get("bot_id")),
    )


def _tenant_key(reference: dict) -> str:
    return reference.get("tenant_id") or reference.get("service_url") or ""


def _too_big(card: dict) -> str | None:
    # Measured as it goes over the wire: msrest writes JSON with ASCII escapes.
    size = len(json.dumps(card).encode("ascii"))
    if size > MAX_CARD_BYTES:
        return f"the card is {size} bytes, over the {MAX_CARD_BYTES // 1024} KB a Teams message may have"
    return None


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Pacing below Teams' limits: per conversation 7 sends in 1 s, 8 in 2 s,
60 in 30 s and 1800 in an hour (sliding-window logs), and per tenant a rate
(30/s unless configured, evenly spaced; creating a 1:1 chat counts too).

A send counts from when its answer came back, not from when it left: that
is the latest it can have reached Teams, so however uneven the way there
(a slow first request, a queue in a client's pool), Teams cannot see one
more than a window allows, and the windows need no stretching on top.
Waiting happens per conversation: a conversation at its limit makes only
its own sends wait, and the tenant queue only takes sends that are ready to
go, in the order they became ready. The price of counting from the answer
is one round trip per window: a busy tenant gets 30 per (1 s + round trip),
not 30 per second. So that it stays one round trip, a slow answer holds only
its own place in a window, and a send let go a little late (a busy event
loop) does not push the spacing of the ones after it back. A reply to what
someone just wrote keeps its conversation's windows but does not queue for
the tenant's pace: it takes its place in it at once, and the proactive sends
behind make room (see `SendLimiter.acquire`)."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

# --- time -------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


# --- pacing -----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`-long stretch of time.

    With `from_answer` a send counts from when its answer came, the latest
    moment it can have reached Teams: then no jitter between our clock and
    Teams' arrival times (a slow first request, a queue in a client's thread
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
    would queue in botbuilder's thread pool (a few threads) and stretch every
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

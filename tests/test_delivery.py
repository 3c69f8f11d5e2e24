"""Proactive delivery (bot/delivery) against the local connector
over HTTP with a real CloudAdapter: pacing, retries, 1:1 chats.

Waits are measured on an injected clock, never on the wall: `InstantClock`
moves its time on by every sleep at once (one send at a time), and
`VirtualClock` runs many waiting tasks in virtual time (the limiter alone)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import aiohttp
import pytest

from bot.app import VOTE_CARDS, create_app
from bot.config import Settings
from bot.delivery.deliverer import (
    MAX_CARD_BYTES,
    Deliverer,
    SendLimiter,
    Window,
    retry_after_seconds,
    tenant_windows,
)
from bot.edge import sdk
from tests import teams
from tests.limited_connector import LimitedConnector

CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Påminnelse: vårmøtet er om 14 dager", "wrap": True}],
}
WALL = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
ANNA = "29:anna"
BJORN = "29:bjorn"


class InstantClock:
    """Time moves only when someone sleeps, and at once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)


class VirtualClock:
    """Many tasks sleeping in virtual time: `run` lets every runnable task
    run, then moves time to the earliest wake-up, and so on."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + seconds, next(self._order), woken))
        await woken

    async def run(self, *coroutines):
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            for _ in range(100):  # pure asyncio, no I/O: this settles everything runnable
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            assert self._sleepers, "tasks wait on something other than the clock"
            self.t = max(self.t, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self.t:
                _, _, woken = heapq.heappop(self._sleepers)
                if not woken.done():
                    woken.set_result(None)
        return [t.result() for t in tasks]


@pytest.fixture
async def teams_service():
    # No limits by default: InstantClock runs ahead of the wall, so the
    # connector's own (wall-clock) windows would disagree with ours.
    connector = LimitedConnector(limits=False, installed={ANNA})
    await connector.start()
    yield connector
    await connector.stop()


@pytest.fixture
def edge_connector():
    """The Bot Connector client of the edge BOT_SDK names."""
    return sdk.load(Settings()).connector


def make_deliverer(edge_connector, clock=None, **options) -> Deliverer:
    return Deliverer(
        edge_connector, clock=clock or InstantClock(), rng=random.Random(7), wall_now=lambda: WALL, **options
    )


def channel(connector: LimitedConnector, conversation_id: str = teams.CHANNEL) -> dict:
    return {
        "service_url": connector.url,
        "channel_id": "msteams",
        "tenant_id": teams.TENANT,
        "conversation_id": conversation_id,
        "bot_id": teams.BOT_ID,
    }


# --- sending and retrying ------------------------------------------------------


async def test_a_card_reaches_the_channel(teams_service, edge_connector):
    result = await make_deliverer(edge_connector).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts, result.http_status) == ("sent", 1, 200)
    assert result.activity_id and result.activity_id.startswith("activity-")
    [received] = teams_service.sent_to(teams.CHANNEL)
    assert received.cards == [CARD]
    conversation = received.activity["conversation"]
    assert conversation.get("tenantId", conversation.get("tenantID")) == teams.TENANT  # Teams' spelling, botbuilder's


@pytest.mark.parametrize(
    "header, wait",
    [("3", 3.0), ("0.5", 0.5), (format_datetime(WALL + timedelta(seconds=7), usegmt=True), 7.0)],
    ids=["seconds", "fraction", "http-date"],
)
async def test_retry_after_is_honoured(teams_service, edge_connector, header, wait):
    clock = InstantClock()
    teams_service.fail_next(teams.CHANNEL, 429, retry_after=header)

    result = await make_deliverer(edge_connector, clock).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts) == ("sent", 2)
    assert clock.sleeps == [pytest.approx(wait)]
    assert teams_service.injected[429] == 1 and teams_service.accepted[teams.CHANNEL] == 1


@pytest.mark.parametrize("status", [412, 429, 500, 502, 503, 504])
async def test_transient_answers_are_retried_with_full_jitter(teams_service, edge_connector, status):
    clock = InstantClock()
    teams_service.fail_next(teams.CHANNEL, status, times=3)

    result = await make_deliverer(edge_connector, clock).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts) == ("sent", 4)
    # Every request was ours: msrest retried none of them on its own.
    assert teams_service.requests == 4
    assert teams_service.accepted[teams.CHANNEL] == 1
    assert len(clock.sleeps) == 3
    for n, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= 1.0 * 2**n


async def test_a_permanent_refusal_is_not_retried(teams_service, edge_connector):
    clock = InstantClock()
    teams_service.fail_next(teams.CHANNEL, 400)

    result = await make_deliverer(edge_connector, clock).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts, result.http_status) == ("failed", 1, 400)
    assert "400" in result.error
    assert clock.sleeps == [] and teams_service.requests == 1


async def test_attempts_are_bounded(teams_service, edge_connector):
    teams_service.fail_next(teams.CHANNEL, 502, times=50)

    result = await make_deliverer(edge_connector, max_attempts=6).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts, result.http_status) == ("failed", 6, 502)
    assert teams_service.requests == 6 and not teams_service.accepted


async def test_the_total_time_is_bounded(teams_service, edge_connector):
    clock = InstantClock()
    teams_service.fail_next(teams.CHANNEL, 429, times=5, retry_after=50)

    result = await make_deliverer(edge_connector, clock, max_total_seconds=120).send_card(channel(teams_service), CARD)

    # 50 s and 50 s fit in 120 s; a third 50 s would not: give up, don't sleep.
    assert (result.status, result.attempts, result.http_status) == ("failed", 3, 429)
    assert clock.sleeps == [50, 50]
    assert "budget" in result.error


async def test_a_whole_outage_is_ridden_out(teams_service, edge_connector):
    teams_service.outage(500, requests=3)

    result = await make_deliverer(edge_connector).send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts) == ("sent", 4)
    assert teams_service.injected[500] == 3


async def test_no_connector_at_all_is_transient_then_fails(edge_connector):
    connector = LimitedConnector()
    await connector.start()
    reference = channel(connector)
    await connector.stop()  # nothing listens on that port now

    result = await make_deliverer(edge_connector, max_attempts=3).send_card(reference, CARD)

    assert (result.status, result.attempts, result.http_status) == ("failed", 3, None)
    assert "no answer" in result.error


async def test_a_card_over_80_kb_is_not_sent(teams_service, edge_connector):
    big = {**CARD, "body": [{"type": "TextBlock", "text": "x" * MAX_CARD_BYTES}]}

    result = await make_deliverer(edge_connector).send_card(channel(teams_service), big)

    assert (result.status, result.attempts) == ("failed", 0)
    assert "KB" in result.error and teams_service.requests == 0


class Watch:
    """What a caller hears about each request that carries its card."""

    def __init__(self, owned: bool = True) -> None:
        self.heard: list[str] = []
        self.owned = owned

    async def leaving(self) -> bool:
        self.heard.append("leaving")
        return self.owned

    async def refused(self) -> None:
        self.heard.append("refused")


async def test_the_caller_hears_of_every_request_and_every_refusal(teams_service, edge_connector):
    teams_service.fail_next(teams.CHANNEL, 429, retry_after=1)
    teams_service.fail_next(teams.CHANNEL, 503)
    watch = Watch()

    result = await make_deliverer(edge_connector).send_card(channel(teams_service), CARD, watch)

    assert (result.status, result.attempts) == ("sent", 3)
    # After each refusal Teams certainly does not have the card: a crash in
    # the wait that follows must not leave it looking as if it might.
    assert watch.heard == ["leaving", "refused", "leaving", "refused", "leaving"]


async def test_a_request_without_an_answer_is_not_a_refusal(edge_connector):
    connector = LimitedConnector()
    await connector.start()
    reference = channel(connector)
    await connector.stop()
    watch = Watch()

    result = await make_deliverer(edge_connector, max_attempts=2).send_card(reference, CARD, watch)

    assert (result.status, result.attempts) == ("failed", 2)
    assert watch.heard == ["leaving", "leaving"]


async def test_a_caller_that_no_longer_owns_the_send_stops_it(teams_service, edge_connector):
    watch = Watch(owned=False)

    result = await make_deliverer(edge_connector).send_card(channel(teams_service), CARD, watch)

    assert (result.status, result.attempts) == ("failed", 0)
    assert "withdrew" in result.error and teams_service.requests == 0


async def test_no_wait_goes_past_the_time_a_call_may_take(teams_service, edge_connector):
    """A reminder's claim must not run out while its delivery waits: the
    app bounds every call well inside REMINDER_CLAIM_TIMEOUT_SECONDS."""
    clock = InstantClock()
    deliverer = make_deliverer(edge_connector, clock, max_call_seconds=20)
    teams_service.fail_next(teams.CHANNEL, 429, retry_after=30)

    result = await deliverer.send_card(channel(teams_service), CARD)

    assert (result.status, result.attempts, result.http_status) == ("failed", 1, 429)
    assert "budget" in result.error and clock.sleeps == []
    # Nor does the next card wait out the 30 s Teams asked that channel for.
    result = await deliverer.send_card(channel(teams_service), CARD)
    assert (result.status, result.attempts) == ("failed", 0)
    assert "no send slot" in result.error and clock.sleeps == []
    assert teams_service.requests == 1


async def test_replicas_share_the_tenant_budget(database_url):
    assert Settings.from_env({}).replicas == 1
    for wrong in ("0", "-2", "two", "1.5"):
        with pytest.raises(ValueError, match="REPLICAS must be a whole number of at least 1"):
            Settings.from_env({"REPLICAS": wrong})

    settings = Settings.from_env({"DATABASE_URL": database_url, "REPLICAS": "3"})
    assert settings.replicas == 3
    app = await create_app(settings)
    try:
        # three replicas, a third of Teams' 30 per second each
        assert app[VOTE_CARDS]._deliverer.limiter.tenant_windows == tenant_windows(10.0)
    finally:
        await app.cleanup()  # closes its database engine


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("12", WALL) == 12
    assert retry_after_seconds(" 1.5 ", WALL) == 1.5
    assert retry_after_seconds(format_datetime(WALL + timedelta(minutes=2), usegmt=True), WALL) == 120
    assert retry_after_seconds(format_datetime(WALL - timedelta(minutes=2), usegmt=True), WALL) == 0
    for unreadable in (None, "", "soon", "nan", "inf"):
        assert retry_after_seconds(unreadable, WALL) is None


# --- 1:1 chats ----------------------------------------------------------------------


async def test_a_person_with_the_app_gets_a_new_chat_and_the_card(teams_service, edge_connector):
    deliverer = make_deliverer(edge_connector)

    result = await deliverer.send_card_to_person(None, ANNA, teams.TENANT, teams_service.url, CARD)

    assert (result.status, result.attempts, result.reference_created) == ("sent", 2, True)
    reference = result.reference
    assert reference["conversation_id"].startswith("a:")
    assert reference["tenant_id"] == teams.TENANT and reference["service_url"] == teams_service.url
    assert teams_service.created[ANNA] == 1
    assert teams_service.sent_to(reference["conversation_id"])[0].cards == [CARD]

    # Next time the stored chat is used: no second creation.
    again = await deliverer.send_card_to_person(reference, ANNA, teams.TENANT, teams_service.url, CARD)
    assert (again.status, again.attempts, again.reference_created) == ("sent", 1, False)
    assert teams_service.created[ANNA] == 1


async def test_a_person_without_the_app_is_not_reachable(teams_service, edge_connector):
    result = await make_deliverer(edge_connector).send_card_to_person(
        None, BJORN, teams.TENANT, teams_service.url, CARD
    )

    assert (result.status, result.http_status, result.attempts) == ("not_reachable", 403, 1)
    assert result.reference is None and not result.reference_created
    assert teams_service.refused_creates == 1 and not teams_service.accepted


async def test_a_person_who_removed_the_app_is_not_reachable(teams_service, edge_connector):
    stored = channel(teams_service, teams_service.open_chat(BJORN))
    teams_service.uninstall(BJORN)

    result = await make_deliverer(edge_connector).send_card_to_person(
        stored, BJORN, teams.TENANT, teams_service.url, CARD
    )

    # the stored chat answers 403, and so does making a new one
    assert (result.status, result.http_status, result.attempts) == ("not_reachable", 403, 2)
    assert not teams_service.accepted


async def test_a_stale_chat_id_is_replaced(teams_service, edge_connector):
    stale = channel(teams_service, "a:long-gone")

    result = await make_deliverer(edge_connector).send_card_to_person(
        stale, ANNA, teams.TENANT, teams_service.url, CARD
    )

    assert (result.status, result.attempts, result.reference_created) == ("sent", 3, True)
    assert result.reference["conversation_id"] == teams_service.open_chat(ANNA)


async def test_without_a_chat_or_a_user_id_nobody_is_asked(teams_service, edge_connector):
    result = await make_deliverer(edge_connector).send_card_to_person(None, None, teams.TENANT, teams_service.url, CARD)

    assert (result.status, result.attempts) == ("not_reachable", 0)
    assert teams_service.requests == 0


async def test_making_the_chat_is_retried_too(teams_service, edge_connector):
    teams_service.outage(502, requests=2)

    result = await make_deliverer(edge_connector).send_card_to_person(None, ANNA, teams.TENANT, teams_service.url, CARD)

    assert (result.status, result.attempts) == ("sent", 4)
    assert teams_service.created[ANNA] == 1


# --- pacing --------------------------------------------------------------------------


def obeys(times: list[float], windows) -> bool:
    """No `count + 1` grants within any `seconds` (sliding window)."""
    times = sorted(times)
    return all(
        times[i + count] - times[i] >= seconds - 1e-9 for count, seconds in windows for i in range(len(times) - count)
    )


async def granted_at(
    clock: VirtualClock,
    limiter: SendLimiter,
    tenant: str,
    conversation: str | None,
    answered_after: float = 0,
    ahead: bool = False,
    after: float = 0,
) -> float:
    """When the limiter let a request go (asked for `after` from now); it is
    answered `answered_after` later."""
    await clock.sleep(after)
    grant = await limiter.acquire(tenant, conversation, ahead=ahead)
    at = clock.now()
    await clock.sleep(answered_after)
    limiter.finish(grant)
    return at


TEAMS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))


async def test_the_limiter_spaces_one_conversation_and_not_another():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))

    times = await clock.run(
        *(granted_at(clock, limiter, "t", "busy") for _ in range(61)),
        granted_at(clock, limiter, "t", "quiet"),
    )
    busy, quiet = times[:61], times[61]

    # 7 in the first second, the 8th when the 1-s window allows, then 8 per 2 s ...
    assert busy[:16] == pytest.approx([0] * 7 + [1] + [2] * 7 + [3], abs=0.01)
    # ... until 60 in 30 s binds: the 61st waits for the first to be 30 s old.
    assert busy[60] == pytest.approx(30, abs=0.01)
    assert obeys(busy, TEAMS)
    # The other conversation went at once, not behind the busy one.
    assert quiet == pytest.approx(0, abs=0.01)


async def test_the_limiter_keeps_the_tenant_pace_and_no_slower():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(30))

    times = await clock.run(*(granted_at(clock, limiter, "tenant", f"c{i}") for i in range(91)))

    assert obeys(times, [(30, 1.0)])
    # Evenly spaced at the tenant's rate itself: counting each send from its
    # answer is the margin, the windows are not stretched on top of it.
    assert max(times) == pytest.approx(90 / 30, abs=0.01)
    # a different tenant is not behind this one
    [other] = await clock.run(granted_at(clock, limiter, "other tenant", "c0"))
    assert other == pytest.approx(clock.now())


async def test_a_reply_goes_ahead_of_a_fan_out_and_the_fan_out_makes_room_for_it():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(30))

    times = await clock.run(
        *(granted_at(clock, limiter, "tenant", f"c{i}") for i in range(90)),  # three seconds of reminders
        # ten people write during the second second, one of them twice
        *(granted_at(clock, limiter, "tenant", f"chat{i}", ahead=True, after=1.0 + i / 10) for i in range(10)),
        granted_at(clock, limiter, "tenant", "chat0", ahead=True, after=1.0),  # the same chat, at once again
    )
    fan_out, replies, again = times[:90], times[90:100], times[100]

    # Each reply went the moment it was asked for, not behind the queue ...
    assert replies == pytest.approx([1.0 + i / 10 for i in range(10)], abs=0.001)
    # (a second one to the same chat too: 7 a second are allowed there).
    assert again == pytest.approx(1.0, abs=0.001)
    # The reminders yielded the eleven slots the replies took: the tenant's
    # pace is kept but for the reply of the moment, which Teams' 50 a second
    # per app and tenant leaves room for.
    assert obeys(sorted(fan_out + replies + [again]), [(31, 1.0)])
    assert max(fan_out) == pytest.approx(90 / 30 + 11 / 30, abs=0.05)


class LateClock(VirtualClock):
    """Every wait ends 4 ms late, as on an event loop with other work."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + 0.004 if seconds > 0 else seconds)


async def test_sends_let_go_a_little_late_do_not_slow_the_pace_of_those_after_them():
    clock = LateClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(30))

    times = await clock.run(*(granted_at(clock, limiter, "tenant", f"c{i}") for i in range(91)))

    assert obeys(times, [(30, 1.0)])
    # 4 ms each, carried on from send to send, would be 0.36 s more over 90
    assert max(times) < 90 / 30 + 0.05


def fits_by_answers(started: list[float], answered: list[float], count: int, seconds: float) -> bool:
    """No send goes while `count` others may still be in its window, each
    counted as arriving when its answer came."""
    return all(
        sum(1 for j in range(k) if answered[j] > started[k] - seconds + 1e-9) < count for k in range(len(started))
    )


async def test_a_slow_answer_holds_only_its_own_place_in_the_tenant_window():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(30))

    # the first request is answered half a second late, the others at once
    times = await clock.run(
        granted_at(clock, limiter, "tenant", "c0", answered_after=0.5),
        *(granted_at(clock, limiter, "tenant", f"c{i}") for i in range(1, 91)),
    )

    answered = [times[0] + 0.5, *times[1:]]
    assert fits_by_answers(times, answered, 30, 1.0)
    # Teams may have counted it as late as 0.5 s, so it takes one place in
    # the window until 1.5 s; the sends after it are not all held back by
    # the half second.
    assert max(times) < 90 / 30 + 0.1


async def test_a_hold_delays_only_its_conversation():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))
    limiter.hold("throttled", 5.0)

    held, free = await clock.run(granted_at(clock, limiter, "t", "throttled"), granted_at(clock, limiter, "t", "free"))

    assert held == pytest.approx(5.0) and free == pytest.approx(0)


async def test_a_slot_past_the_deadline_is_refused_and_not_taken():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))
    await clock.run(*(granted_at(clock, limiter, "t", "c") for _ in range(7)))

    assert await limiter.acquire("t", "c", deadline=0.5) is None
    [at] = await clock.run(granted_at(clock, limiter, "t", "c"))
    assert at == pytest.approx(1.0)  # the refused call left no grant behind


async def test_a_send_counts_from_its_answer():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))

    # seven slow requests: answered only 0.4 s after they left
    times = await clock.run(*(granted_at(clock, limiter, "t", "c", answered_after=0.4) for _ in range(8)))

    # the eighth waits a full window after the first answer, not after the first start
    assert times == pytest.approx([0] * 7 + [1.4], abs=0.01)


async def test_a_request_in_flight_holds_its_place():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))

    async def seven() -> list:
        return [await limiter.acquire("t", "c") for _ in range(7)]

    [in_flight] = await clock.run(seven())

    async def answer_later() -> None:
        await clock.sleep(5)
        for grant in in_flight:
            limiter.finish(grant)

    [eighth, _] = await clock.run(granted_at(clock, limiter, "t", "c"), answer_later())

    assert eighth == pytest.approx(6.0, abs=0.01)


async def test_the_limiter_forgets_what_is_over():
    clock = VirtualClock()
    limiter = SendLimiter(clock, tenant_windows=tenant_windows(1000))
    await clock.run(*(granted_at(clock, limiter, "t", f"c{i}") for i in range(50)))
    assert limiter.tracked() == (50, 1)

    await clock.run(clock.sleep(3601))
    limiter.prune()

    assert limiter.tracked() == (0, 0)


async def test_paced_sends_meet_the_limits_of_the_connector(edge_connector):
    """Real time, both sides on Teams' windows scaled down tenfold: the
    connector, which enforces them, answers no 429, and the quiet
    conversation's card is not held up behind the busy one's."""
    scale = 0.1
    connector = LimitedConnector(
        conversation_windows=tuple((n, s * scale) for n, s in TEAMS),
        tenant_windows=((30, 1.0 * scale),),
        fractional_retry_after=True,
    )
    await connector.start()
    try:
        deliverer = Deliverer(
            edge_connector,
            tenant_rate=30 / scale,
            conversation_windows=tuple(Window(n, s * scale) for n, s in TEAMS),
        )
        busy, quiet = channel(connector, "19:busy@thread.tacv2"), channel(connector, "19:quiet@thread.tacv2")
        results = await asyncio.gather(
            *(deliverer.send_card(busy, CARD) for _ in range(17)), deliverer.send_card(quiet, CARD)
        )
    finally:
        await connector.stop()

    assert all(r.sent and r.attempts == 1 for r in results)
    assert connector.throttled == 0
    assert connector.accepted == {busy["conversation_id"]: 17, quiet["conversation_id"]: 1}
    order = [r.conversation_id for r in connector.received]
    assert order.index(quiet["conversation_id"]) < 8


async def test_unpaced_sends_are_throttled_and_still_all_arrive(edge_connector):
    """Without our pacing the connector answers 429s; the retries, honouring
    Retry-After, still deliver every card exactly once."""
    scale = 0.1
    connector = LimitedConnector(
        conversation_windows=tuple((n, s * scale) for n, s in TEAMS), fractional_retry_after=True
    )
    await connector.start()
    try:
        deliverer = Deliverer(edge_connector, tenant_rate=10_000, conversation_windows=(Window(1000, 0.001),))
        busy = channel(connector, "19:busy@thread.tacv2")
        results = await asyncio.gather(*(deliverer.send_card(busy, CARD) for _ in range(12)))
    finally:
        await connector.stop()

    assert all(r.sent for r in results)
    assert connector.throttled > 0
    assert connector.accepted == {busy["conversation_id"]: 12}


async def test_the_connector_holds_a_tenant_to_its_limit():
    connector = LimitedConnector(tenant_windows=((3, 10.0),))
    await connector.start()
    try:
        answers = []
        async with aiohttp.ClientSession() as http:
            for i in range(4):
                activity = {"type": "message", "conversation": {"id": f"19:c{i}", "tenantId": teams.TENANT}}
                async with http.post(f"{connector.url}v3/conversations/19:c{i}/activities", json=activity) as response:
                    answers.append((response.status, response.headers.get("Retry-After")))
    finally:
        await connector.stop()

    # three conversations, one message each: the tenant's window, not theirs
    assert answers == [(200, None)] * 3 + [(429, "10")]
    assert connector.throttled == 1

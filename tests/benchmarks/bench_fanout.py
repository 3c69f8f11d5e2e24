"""How long does one reminder take to reach the forum channel and 500
personal chats, within Teams' limits, and does every card arrive once?

    .venv/bin/python -m tests.benchmarks.bench_fanout [--through scheduler|deliverer]
        [--database sqlite|postgresql|both] [--people 500] [--tenant-rate 30 | --quick]
        [--batch 20] [--new-chats 0] [--not-installed 0] [--faults 0] [--rounds 2]
        [--concurrency 64] [--timeout 600] [--json PATH]

Everything goes to a local Bot Connector on 127.0.0.1 that enforces Teams'
limits (tests/limited_connector.py): per conversation 7/1 s, 8/2 s, 60/30 s,
1800/h, and per tenant --tenant-rate per second (30 by default; --quick
makes it 100 for a run of seconds). It answers 429 with Retry-After to
anything over a limit.

--through scheduler (the default) is the path a real reminder takes. A
fresh database (a SQLite file, or a new PostgreSQL database made over the
admin connection as bench_messages does; --database) holds a forum of
--people / 2 organisations that report needs, each seat with a
representative and a deputy, its channel bound, and a needs-report
deadline whose reminder falls due now. The wheel's scheduler (claiming
--batch at a time, as the app does), the reminder notifier and the
deliverer (a real CloudAdapter, msrest underneath, configured as the app
configures it) then do what the app does: the channel card names every
organisation, and the --people representatives and deputies get a personal
nudge. Round 1: the app is installed for everyone, but the bot knows them
only from the team's member list, so each 1:1 chat is made first (and
stored); round 2: a second deadline, to the chats made in round 1. The
completion runs from the due time (the scheduler's pass starts) to the
last card the connector accepted; "recorded" is when the pass has written
every result.

--through deliverer drives the delivery layer (bot/delivery) alone
with --concurrency sends at a time. Of the people, --new-chats have no
stored 1:1 chat (the bot makes one and the caller stores it) and
--not-installed do not have the app (expected: "not_reachable", not lost).
--faults conversations answer their first send with 429 (Retry-After 1),
412, 502 or 504 in turn. Every round is the same card again (the stored
chats from round 1 are used in round 2).

Printed per round: the completion time; the lower bound the limits allow
(the tenant's sliding window for all requests needed, against the largest
number to one conversation under the conversation windows; the first
second's burst is allowed, so 501 requests at 30/s can end at 16.0 s) and,
beside it, the sustained-rate figure (501/30 = 16.7 s); the ratio to the
lower bound (target <= 1.2x; the deliverer spaces requests evenly and
counts each from its answer: that costs up to one window in all, plus a
round trip per window); cards lost and doubled, counted per conversation at
the connector; the 429s the connector answered; and the memory after each
round, to show whether the process stays flat. A benchmark, not a test:
pytest collects nothing here."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.delivery.deliverer import Deliverer, DeliveryResult
from bot.edge import sdk
from bot.forum.config_file import load_forum_config
from bot.forum.wheel.scheduler import Scheduler
from bot.handlers.reminders import ReminderNotifier
from bot.views import common as views
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import ForumRow, ReminderRow
from storage.unit_of_work import UnitOfWork
from tests import teams
from tests.benchmarks.bench_messages import LOOPBACK, POSTGRES_URL, Databases
from tests.benchmarks.procfs import memory as process_memory
from tests.benchmarks.rosters import FORUM_ID, TIMEZONE, guid, write_roster
from tests.limited_connector import TEAMS_CONVERSATION_WINDOWS, LimitedConnector

RATIO_TARGET = 1.2
FLAT_TARGET_BYTES = 16 * 2**20  # growth from the first round's end to the last's
QUICK_TENANT_RATE = 100.0
MAX_PEOPLE = 20_000
TENANT = teams.TENANT
WARM_UP_TENANT = "warm-up-tenant"
FAULTS = ((429, 1), (412, None), (502, None), (504, None))
CLAIM_TIMEOUT = timedelta(seconds=Settings().reminder_claim_timeout_seconds)


# --- memory -------------------------------------------------------------------


def rss() -> int:
    return process_memory()["VmRSS"]


def mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


class RssSampler:
    """The highest RSS seen while it runs, every 50 ms: VmHWM alone would be
    the whole process's peak, start-up included."""

    def __init__(self) -> None:
        self.peak = 0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss())
            await asyncio.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self.peak = rss()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()
        self.peak = max(self.peak, rss())


# --- the lower bound ----------------------------------------------------------------


def earliest_finish(requests: int, windows: tuple[tuple[int, float], ...]) -> float:
    """When the last of `requests` can go at the earliest, all sliding windows
    kept, starting at 0 (as early as allowed, which is optimal)."""
    if requests <= 0:
        return 0.0
    times: list[float] = []
    for k in range(requests):
        at = 0.0
        for count, seconds in windows:
            if k >= count:
                at = max(at, times[k - count] + seconds)
        times.append(at)
    return times[-1]


# --- the people -----------------------------------------------------------------------


@dataclass
class Person:
    user_id: str
    reference: dict | None
    installed: bool


@dataclass
class Round:
    number: int
    label: str = ""
    completion: float = 0.0
    recorded: float | None = None  # through the scheduler: until every result was written
    cpu: float = 0.0  # of this process, all threads
    statuses: Counter = field(default_factory=Counter)
    attempts: int = 0
    most_to_one_conversation: int = 0
    requests_needed: int = 0
    connector: dict = field(default_factory=dict)
    rss_after: int = 0
    rss_peak: int = 0


def make_people(connector: LimitedConnector, args: argparse.Namespace) -> list[Person]:
    people = []
    for i in range(args.people):
        user_id = f"29:bench-person-{i:05d}"
        if i < args.not_installed:
            people.append(Person(user_id, None, installed=False))
        elif i < args.not_installed + args.new_chats:
            connector.installed.add(user_id)
            people.append(Person(user_id, None, installed=True))
        else:
            people.append(Person(user_id, reference(connector, connector.open_chat(user_id)), installed=True))
    return people


def reference(connector: LimitedConnector, conversation_id: str, tenant: str = TENANT) -> dict:
    return {
        "service_url": connector.url,
        "channel_id": "msteams",
        "tenant_id": tenant,
        "conversation_id": conversation_id,
        "bot_id": teams.BOT_ID,
    }


def reminder_card(number: int) -> dict:
    return views.notice(
        "Påminnelse: vårmøtet i samarbeidsforumet",
        f"Vårmøtet er **om {14 if number == 1 else 1} dager**, tirsdag 14. april kl. 10.00 hos "
        "Statsforvalteren i Oslo og Viken. Sakslisten og behovsmeldingene ligger i kanalen.",
        "accent",
    )


# --- one round ----------------------------------------------------------------------------


async def fan_out(
    deliverer: Deliverer,
    connector: LimitedConnector,
    channel: dict,
    people: list[Person],
    card: dict,
    concurrency: int,
) -> tuple[float, list[tuple[str, str, DeliveryResult]]]:
    jobs = [("channel", channel["conversation_id"], None)] + [("person", p.user_id, p) for p in people]
    queue = iter(jobs)
    results: list[tuple[str, str, DeliveryResult]] = []
    finished = 0.0
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal finished
        for kind, key, person in queue:
            if person is None:
                result = await deliverer.send_card(channel, card)
            else:
                result = await deliverer.send_card_to_person(
                    person.reference, person.user_id, TENANT, connector.url, card
                )
                if result.reference_created:
                    person.reference = result.reference  # as the caller stores it
            results.append((kind, key, result))
            finished = time.perf_counter()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return finished - started, results


def at_the_connector(connector: LimitedConnector, expected: set[str]) -> dict:
    return {
        "requests": connector.requests,
        "accepted": dict(connector.accepted),
        "throttled": connector.throttled,
        "injected": dict(connector.injected),
        "created": sum(connector.created.values()),
        "refused_creates": connector.refused_creates,
        "expected": sorted(expected),
    }


def reset_counters(connector: LimitedConnector) -> None:
    connector.requests = 0
    connector.accepted.clear()
    connector.throttled = 0
    connector.injected.clear()
    connector.created.clear()
    connector.refused_creates = 0
    connector.gone = 0


async def warm_up(deliverer: Deliverer, connector: LimitedConnector) -> None:
    """On another tenant: code paths, msrest's threads, the first
    connections; nothing of it counts in the rounds."""
    warm = [reference(connector, f"19:warm-up-{i}@thread.tacv2", WARM_UP_TENANT) for i in range(24)]
    await asyncio.gather(*(deliverer.send_card(r, reminder_card(1)) for r in warm))
    reset_counters(connector)


async def through_deliverer(args: argparse.Namespace) -> dict:
    connector = LimitedConnector(
        tenant_windows=((args.tenant_limit, 1.0),),
        keep_activities=False,
    )
    await connector.start()
    try:
        deliverer = Deliverer(sdk.load(Settings()).connector, tenant_rate=args.tenant_rate)
        channel = reference(connector, teams.CHANNEL)
        people = make_people(connector, args)
        rng = random.Random(2027)
        await warm_up(deliverer, connector)

        memory = {"before": rss()}
        rounds = []
        for number in range(1, args.rounds + 1):
            card = reminder_card(number)
            with_chat = [p for p in people if p.reference]
            faulty = rng.sample(with_chat, min(args.faults, len(with_chat)))
            for i, person in enumerate(faulty):
                status, retry_after = FAULTS[i % len(FAULTS)]
                connector.fail_next(person.reference["conversation_id"], status, retry_after=retry_after)
            creates = sum(1 for p in people if not p.reference)
            sends = 1 + sum(1 for p in people if p.installed)
            this = Round(number, f"Round {number}", requests_needed=sends + creates + len(faulty))
            with RssSampler() as sampler:
                cpu = time.process_time()
                this.completion, results = await fan_out(deliverer, connector, channel, people, card, args.concurrency)
                this.cpu = time.process_time() - cpu
            this.rss_after, this.rss_peak = rss(), sampler.peak
            this.statuses = Counter(result.status for _, _, result in results)
            this.attempts = sum(result.attempts for _, _, result in results)
            per_conversation = Counter(
                result.reference["conversation_id"] for _, _, result in results if result.reference
            )
            this.most_to_one_conversation = max(per_conversation.values(), default=0)
            expected = {channel["conversation_id"]} | {p.reference["conversation_id"] for p in people if p.reference}
            this.connector = at_the_connector(connector, expected)
            rounds.append(this)
            reset_counters(connector)
        memory.update(process_memory())
        memory["limiter_tracked"] = deliverer.limiter.tracked()
    finally:
        await connector.stop()
    return report(args, "", rounds, memory)


# --- through the scheduler --------------------------------------------------------------


class ArrivalsConnector(LimitedConnector):
    """Also notes when the last card was accepted."""

    last_accepted: float = 0.0

    async def _record(self, item) -> None:
        self.last_accepted = time.perf_counter()
        await super()._record(item)


@dataclass
class Nudged:
    aad_object_id: str
    user_id: str


async def bench_forum(uow, directory: Path, connector: LimitedConnector, count: int) -> list[Nudged]:
    """bench_ballots' roster, with organisations that report needs: its
    representatives and deputies are who the reminder nudges. The forum
    channel is bound, and each person is known as a member of the team
    (a Teams id, no 1:1 chat yet), with the app installed."""
    path = directory / "forum.yaml"
    write_roster(path, count // 2)
    roster = yaml.safe_load(path.read_text(encoding="utf-8"))
    for organisation in roster["organisations"]:
        organisation["submits_needs"] = True
    path.write_text(yaml.safe_dump(roster, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (forum,) = load_forum_config(path)
    now = datetime.now(UTC)
    member = {**reference(connector, teams.CHANNEL), "conversation_id": None}
    people = [
        Nudged(guid(kind, i), f"29:bench-person-{kind}-{i:05d}") for i in range(1, count // 2 + 1) for kind in (1, 2)
    ]
    async with uow() as work:
        await work.roster_sync.apply(forum)
        row = await work.session.get(ForumRow, FORUM_ID)
        row.team_id, row.channel_id = "19:bench-team", teams.CHANNEL
        row.channel_reference = reference(connector, teams.CHANNEL)
        for person in people:
            await work.conversations.remember_member(person.aad_object_id, person.user_id, member, now)
            connector.installed.add(person.user_id)
        await work.commit()
    return people


async def deadline_due_now(uow, number: int) -> int:
    """A needs-report deadline in two hours whose reminder is due now."""
    now = datetime.now(UTC)
    values = {
        "kind": "frist_behovsmeldinger",
        "starts_at": now + timedelta(hours=2),
        "title": f"Frist for behovsmeldinger {number}",
        "place": "",
        "text": "",
        "offsets": [120],
    }
    async with uow() as work:
        event = await work.wheel.add(FORUM_ID, values, None, now - timedelta(days=1))
        await work.wheel.plan(event, TIMEZONE, now - timedelta(minutes=1))
        await work.commit()
    return event.id


async def through_scheduler(args: argparse.Namespace, kind: str, databases: Databases) -> dict:
    engine = create_engine(await databases.new(kind, "fanout"))
    connector = ArrivalsConnector(tenant_windows=((args.tenant_limit, 1.0),), keep_activities=False)
    await connector.start()
    try:
        await upgrade(engine)
        sessions = session_factory(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions)

        people = await bench_forum(uow, databases.directory, connector, args.people)
        # As bot/app.py makes them.
        deliverer = Deliverer(
            sdk.load(Settings()).connector,
            tenant_rate=args.tenant_rate,
            max_call_seconds=CLAIM_TIMEOUT.total_seconds() / 2,
        )
        clock = lambda: datetime.now(UTC)  # noqa: E731
        scheduler = Scheduler(uow, ReminderNotifier(deliverer, uow, clock), clock, args.batch, CLAIM_TIMEOUT)
        await warm_up(deliverer, connector)

        memory = {"before": rss()}
        rounds = []
        for number, label in ((1, "Round 1, chats made first"), (2, "Round 2, existing chats")):
            event_id = await deadline_due_now(uow, number)
            async with uow() as work:
                known = {p.aad_object_id: await work.conversations.teams_user(p.aad_object_id) for p in people}
            creates = sum(1 for stored in known.values() if not stored[1].get("conversation_id"))
            this = Round(number, label, requests_needed=1 + len(people) + creates, most_to_one_conversation=1)
            with RssSampler() as sampler:
                cpu, started = time.process_time(), time.perf_counter()
                await scheduler.run_once()
                this.recorded = time.perf_counter() - started
                this.cpu = time.process_time() - cpu
            this.completion = connector.last_accepted - started
            this.rss_after, this.rss_peak = rss(), sampler.peak
            async with uow() as work:
                rows = await work.session.execute(
                    select(ReminderRow.status, func.count(), func.sum(ReminderRow.attempts))
                    .where(ReminderRow.event_id == event_id)
                    .group_by(ReminderRow.status)
                )
                for status, count, attempts in rows:
                    this.statuses[status] = count
                    this.attempts += attempts or 0
            expected = {teams.CHANNEL} | {connector.open_chat(p.user_id) for p in people}
            this.connector = at_the_connector(connector, expected)
            rounds.append(this)
            reset_counters(connector)
        memory.update(process_memory())
        memory["limiter_tracked"] = deliverer.limiter.tracked()
    finally:
        await connector.stop()
        await engine.dispose()
    return report(args, kind, rounds, memory)


# --- the report ------------------------------------------------------------------------------


def report(args: argparse.Namespace, database: str, rounds: list[Round], memory: dict) -> dict:
    conversation_windows = "; ".join(f"{n}/{s:g} s" for n, s in TEAMS_CONVERSATION_WINDOWS)
    if args.through == "scheduler":
        print(
            f"A needs-report deadline's reminder through the scheduler, on {database}: 1 channel card and "
            f"{args.people} personal nudges (the representatives and deputies of {args.people // 2} organisations "
            f"that have not reported); the scheduler claims {args.batch} at a time"
        )
    else:
        print(
            f"Fan-out of one reminder card through the deliverer to 1 channel and {args.people} personal chats "
            f"({args.people - args.new_chats - args.not_installed} with a stored chat, {args.new_chats} new, "
            f"{args.not_installed} without the app; {args.faults} conversations fail their first send); "
            f"{args.concurrency} sends at a time"
        )
    print(
        f"  the connector enforces: per conversation {conversation_windows}; per tenant {args.tenant_limit}/1 s"
        f"{'  (--quick)' if args.quick else ''}\n"
        f"  the deliverer paces at {args.tenant_rate:g}/s per tenant, each request counted from its answer; "
        f"everything on 127.0.0.1\n"
    )
    checks = []
    figures = []
    for r in rounds:
        accepted: dict[str, int] = r.connector["accepted"]
        expected = set(r.connector["expected"])
        statuses = r.statuses
        lost = sorted(c for c in expected if accepted.get(c, 0) == 0)
        doubled = sum(n - 1 for n in accepted.values() if n > 1)
        unexpected = sorted(set(accepted) - expected)
        tenant_bound = earliest_finish(r.requests_needed, ((args.tenant_limit, 1.0),))
        most = r.most_to_one_conversation
        conversation_bound = earliest_finish(most, TEAMS_CONVERSATION_WINDOWS)
        bound = max(tenant_bound, conversation_bound)
        sustained = r.requests_needed / args.tenant_limit
        ratio = r.completion / bound if bound else float("inf")
        attempts = r.attempts
        print(r.label)
        print(
            f"  completion        {r.completion:8.2f} s"
            + ("" if r.recorded is None else f"   (every result recorded at {r.recorded:.2f} s)")
        )
        print(
            f"  lower bound       {bound:8.2f} s   the tenant's window: {r.requests_needed} requests at "
            f"{args.tenant_limit} per 1 s -> the last at {tenant_bound:.2f} s; cards per conversation at most {most} "
            f"-> {conversation_bound:.2f} s"
        )
        if args.faults:
            print(
                "                    (not counting the waits the injected faults force: up to 1 s after a late failure)"
            )
        print(f"                    (as a sustained rate: {r.requests_needed}/{args.tenant_limit} = {sustained:.2f} s)")
        ratio_ok = ratio <= RATIO_TARGET
        print(
            f"  ratio             {ratio:8.2f}x  (target <= {RATIO_TARGET}x)   {'PASS' if ratio_ok else 'MISS'}"
            f"   ({r.completion / sustained:.2f}x the sustained-rate figure)"
        )
        print(
            f"  delivered         {len(expected) - len(lost)} of {len(expected)} conversations; lost {len(lost)}, "
            f"doubled {doubled}, to unexpected conversations {len(unexpected)}"
        )
        print(f"  results           {dict(sorted(statuses.items()))}  (not_reachable expected: {args.not_installed})")
        print(
            f"  at the connector  {r.connector['requests']} requests, {attempts} counted by the deliverer; "
            f"429 for limits: {r.connector['throttled']}; injected faults: {r.connector['injected'] or 0}; "
            f"1:1 chats made {r.connector['created']}, refused {r.connector['refused_creates']}"
        )
        cards = len(expected)
        print(
            f"  CPU               {r.cpu:.1f} s in this process (connector included), "
            f"{r.cpu / cards * 1000:.1f} ms per card; {r.cpu / r.completion:.0%} of one core"
        )
        print(f"  RSS               after {mib(r.rss_after)}, peak while sending {mib(r.rss_peak)}")
        ok = (
            ratio_ok
            and not lost
            and not doubled
            and not unexpected
            and statuses.get("failed", 0) == 0
            and statuses.get("not_reachable", 0) == args.not_installed
            and set(statuses) <= {"sent", "not_reachable"}
        )
        checks.append({"round": r.number, "pass": ok})
        figures.append(
            {
                "round": r.number,
                "label": r.label,
                "completion_s": round(r.completion, 3),
                "recorded_s": None if r.recorded is None else round(r.recorded, 3),
                "cpu_s": round(r.cpu, 3),
                "lower_bound_s": round(bound, 3),
                "sustained_rate_s": round(sustained, 3),
                "ratio": round(ratio, 3),
                "lost": len(lost),
                "doubled": doubled,
                "statuses": dict(statuses),
                "throttled_429": r.connector["throttled"],
                "injected": r.connector["injected"],
                "requests": r.connector["requests"],
                "rss_after": r.rss_after,
                "rss_peak": r.rss_peak,
            }
        )
        print()

    growth = rounds[-1].rss_after - rounds[0].rss_after if len(rounds) > 1 else rounds[0].rss_after - memory["before"]
    flat = growth < FLAT_TARGET_BYTES
    print(
        f"Memory (this process: {'scheduler, database, ' if args.through == 'scheduler' else ''}deliverer, msrest threads and the connector)"
    )
    print(
        f"  RSS before {mib(memory['before'])}; "
        + "; ".join(f"after round {r.number} {mib(r.rss_after)}" for r in rounds)
        + f"; peak while sending {mib(max(r.rss_peak for r in rounds))}; VmHWM (whole process) {mib(memory['VmHWM'])}"
    )
    since = "from the first round's end to the last's" if len(rounds) > 1 else "over the round"
    print(
        f"  growth {since}: {growth / 2**20:+.1f} MiB  (target < {FLAT_TARGET_BYTES / 2**20:.0f} MiB)   {'PASS' if flat else 'MISS'}"
    )
    print(
        f"  the limiter remembers {memory['limiter_tracked'][0]} conversations and {memory['limiter_tracked'][1]} tenants (their hour is not over)"
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"  CPU of this process in all: {usage.ru_utime + usage.ru_stime:.1f} s; ru_maxrss {usage.ru_maxrss / 1024:.1f} MiB"
    )
    print()
    all_ok = all(c["pass"] for c in checks) and flat
    print(f"Overall{f' ({database})' if database else ''}: {'PASS' if all_ok else 'MISS'}")
    return {
        "database": database or None,
        "rounds": figures,
        "memory": {
            "before": memory["before"],
            "vm_hwm": memory["VmHWM"],
            "growth": growth,
            "flat": flat,
        },
        "pass": all_ok,
    }


async def benchmark(args: argparse.Namespace) -> dict:
    if args.through == "deliverer":
        runs = [await through_deliverer(args)]
    else:
        runs = []
        with tempfile.TemporaryDirectory(prefix="sfb-fanout-") as tmp:
            databases = Databases(Path(tmp))
            try:
                for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
                    runs.append(await through_scheduler(args, kind, databases))
                    print()
            finally:
                await databases.drop_all()
    return {
        "args": {k: v for k, v in vars(args).items() if k != "json"},
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "pass": all(run["pass"] for run in runs),
    }


async def main(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        result = await asyncio.wait_for(benchmark(args), args.timeout)
    except asyncio.TimeoutError:
        print(f"\nbenchmark: gave up after the global timeout of {args.timeout:.0f} s", file=sys.stderr)
        return 1
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0 if result["pass"] else 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_fanout", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--through",
        choices=["scheduler", "deliverer"],
        default="scheduler",
        help="the scheduler with a database (the real path; default), or the delivery layer alone",
    )
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql", "both"], default="both", help="--through scheduler"
    )
    parser.add_argument(
        "--batch", type=int, default=20, help="reminders the scheduler claims at a time (default 20, as the app)"
    )
    parser.add_argument(
        "--people", type=int, default=500, help="personal chats to reach (default 500; even through the scheduler)"
    )
    parser.add_argument(
        "--tenant-rate",
        type=float,
        default=None,
        help="requests per second per tenant: the connector's limit and the deliverer's pace (default 30)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"tenant rate {QUICK_TENANT_RATE:g}/s unless --tenant-rate says otherwise"
    )
    parser.add_argument(
        "--new-chats", type=int, default=0, help="--through deliverer: people without a stored 1:1 chat (default 0)"
    )
    parser.add_argument(
        "--not-installed", type=int, default=0, help="--through deliverer: people without the app (default 0)"
    )
    parser.add_argument(
        "--faults", type=int, default=0, help="--through deliverer: conversations whose first send fails (default 0)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="--through deliverer: the same card again, for memory (default 2)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=64, help="--through deliverer: deliveries under way at a time (default 64)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="global limit in seconds (default 600)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.tenant_rate is None:
        args.tenant_rate = QUICK_TENANT_RATE if args.quick else 30.0
    if not 1 <= args.people <= MAX_PEOPLE:
        parser.error(f"--people must be between 1 and {MAX_PEOPLE}")
    if not 1 <= args.tenant_rate <= 1000 or args.tenant_rate != int(args.tenant_rate):
        parser.error("--tenant-rate must be a whole number from 1 to 1000")
    args.tenant_limit = int(args.tenant_rate)
    if args.new_chats < 0 or args.not_installed < 0 or args.new_chats + args.not_installed > args.people:
        parser.error("--new-chats and --not-installed must be >= 0 and together at most --people")
    if not 0 <= args.faults <= args.people:
        parser.error("--faults must be between 0 and --people")
    if not 1 <= args.rounds <= 10 or not 1 <= args.concurrency <= 512:
        parser.error("--rounds must be 1..10 and --concurrency 1..512")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be at most 3600 s")
    if not 1 <= args.batch <= 500:
        parser.error("--batch must be 1..500")
    if args.through == "scheduler":
        if args.people % 2:
            parser.error("--people must be even through the scheduler: a representative and a deputy per seat")
        if args.new_chats or args.not_installed or args.faults:
            parser.error("--new-chats, --not-installed and --faults are for --through deliverer")
        if args.database != "sqlite" and make_url(POSTGRES_URL).host not in LOOPBACK:
            parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
        args.not_installed = 0
        databases = 2 if args.database == "both" else 1
        needed = (3 * args.people + 2) / args.tenant_rate * 1.3 * databases
    else:
        needed = (args.people + 2) / args.tenant_rate * 1.3 * args.rounds
    if needed > args.timeout:
        parser.error(f"at {args.tenant_rate:g}/s this needs about {needed:.0f} s: raise --timeout or the rate")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    try:
        sys.exit(asyncio.run(main(arguments)))
    except KeyboardInterrupt:
        print("\nbenchmark: interrupted", file=sys.stderr)
        sys.exit(130)

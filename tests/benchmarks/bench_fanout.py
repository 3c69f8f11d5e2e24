"""How long does one reminder take to reach the forum channel and 500
personal chats, within Teams' limits, and does every card arrive once?

    .venv/bin/python -m tests.benchmarks.bench_fanout [--people 500]
        [--tenant-rate 30 | --quick] [--new-chats 0] [--not-installed 0]
        [--faults 0] [--rounds 2] [--concurrency 64] [--timeout 600] [--json PATH]

The delivery layer (bot/edge/delivery.py, with a real CloudAdapter and
msrest underneath) sends one reminder card to 1 channel and --people
personal chats, as the annual wheel will, through a local Bot Connector on
127.0.0.1 that enforces Teams' limits (tests/limited_connector.py): per
conversation 7/1 s, 8/2 s, 60/30 s, 1800/h, and per tenant --tenant-rate
per second (30 by default; --quick makes it 100 for a run of seconds). It
answers 429 with Retry-After to anything over a limit.

Of the people, --new-chats have no stored 1:1 chat (the bot makes one and
the caller stores it) and --not-installed do not have the app (expected:
"not_reachable", not lost). --faults conversations answer their first send
with 429 (Retry-After 1), 412, 502 or 504 in turn. Every round is the same
reminder again (the stored chats from round 1 are used in round 2): the
memory figures after each round show whether the process stays flat.

Printed per round: the completion time; the lower bound the limits allow
(the tenant's sliding window for all requests needed, against the largest
number to one conversation under the conversation windows; the first
second's burst is allowed, so 501 requests at 30/s can end at 16.0 s) and,
beside it, the sustained-rate figure (501/30 = 16.7 s); the ratio to the
lower bound (target <= 1.2x; the deliverer spaces requests evenly and
counts each from its answer: that costs up to one window in all, plus a
round trip per window); cards lost and doubled, counted per conversation at the
connector; the 429s the connector answered. A benchmark, not a test:
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
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.edge import views
from bot.edge.adapter import make_adapter
from bot.edge.delivery import DEFAULT_SLACK, DeliveryResult, Deliverer
from tests import teams
from tests.benchmarks.procfs import memory as process_memory
from tests.limited_connector import TEAMS_CONVERSATION_WINDOWS, LimitedConnector

RATIO_TARGET = 1.2
FLAT_TARGET_BYTES = 16 * 2**20  # growth from the first round's end to the last's
QUICK_TENANT_RATE = 100.0
MAX_PEOPLE = 20_000
TENANT = teams.TENANT
WARM_UP_TENANT = "warm-up-tenant"
FAULTS = ((429, 1), (412, None), (502, None), (504, None))


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
    completion: float = 0.0
    results: list[tuple[str, str, DeliveryResult]] = field(default_factory=list)  # (kind, key, result)
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


def reset_counters(connector: LimitedConnector) -> None:
    connector.requests = 0
    connector.accepted.clear()
    connector.throttled = 0
    connector.injected.clear()
    connector.created.clear()
    connector.refused_creates = 0
    connector.gone = 0


async def benchmark(args: argparse.Namespace) -> dict:
    connector = LimitedConnector(
        tenant_windows=((args.tenant_limit, 1.0),),
        keep_activities=False,
    )
    await connector.start()
    try:
        adapter = make_adapter(Settings())
        deliverer = Deliverer(adapter, "", tenant_rate=args.tenant_rate)
        channel = reference(connector, teams.CHANNEL)
        people = make_people(connector, args)
        rng = random.Random(2027)

        # Warm-up on another tenant: code paths, msrest's threads, the first
        # connections; nothing of it counts in the rounds.
        warm = [reference(connector, f"19:warm-up-{i}@thread.tacv2", WARM_UP_TENANT) for i in range(24)]
        await asyncio.gather(*(deliverer.send_card(r, reminder_card(1)) for r in warm))
        reset_counters(connector)

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
            this = Round(number, requests_needed=sends + creates + len(faulty))
            with RssSampler() as sampler:
                this.completion, this.results = await fan_out(
                    deliverer, connector, channel, people, card, args.concurrency
                )
            this.rss_after, this.rss_peak = rss(), sampler.peak
            this.connector = {
                "requests": connector.requests,
                "accepted": dict(connector.accepted),
                "throttled": connector.throttled,
                "injected": dict(connector.injected),
                "created": sum(connector.created.values()),
                "refused_creates": connector.refused_creates,
            }
            expected = {channel["conversation_id"]} | {p.reference["conversation_id"] for p in people if p.reference}
            this.connector["expected"] = sorted(expected)
            rounds.append(this)
            reset_counters(connector)
        memory.update(process_memory())
        memory["limiter_tracked"] = deliverer.limiter.tracked()
    finally:
        await connector.stop()
    return report(args, rounds, memory, people)


# --- the report ------------------------------------------------------------------------------


def report(args: argparse.Namespace, rounds: list[Round], memory: dict, people: list[Person]) -> dict:
    conversation_windows = "; ".join(f"{n}/{s:g} s" for n, s in TEAMS_CONVERSATION_WINDOWS)
    print(
        f"Fan-out of one reminder card to 1 channel and {args.people} personal chats "
        f"({args.people - args.new_chats - args.not_installed} with a stored chat, {args.new_chats} new, "
        f"{args.not_installed} without the app; {args.faults} conversations fail their first send)\n"
        f"  the connector enforces: per conversation {conversation_windows}; per tenant {args.tenant_limit}/1 s"
        f"{'  (--quick)' if args.quick else ''}\n"
        f"  the deliverer paces at {args.tenant_rate:g}/s per tenant with {DEFAULT_SLACK:.0%} slack; "
        f"{args.concurrency} sends at a time; everything on 127.0.0.1\n"
    )
    checks = []
    figures = []
    for r in rounds:
        accepted: dict[str, int] = r.connector["accepted"]
        expected = set(r.connector["expected"])
        statuses = Counter(result.status for _, _, result in r.results)
        lost = sorted(c for c in expected if accepted.get(c, 0) == 0)
        doubled = sum(n - 1 for n in accepted.values() if n > 1)
        unexpected = sorted(set(accepted) - expected)
        tenant_bound = earliest_finish(r.requests_needed, ((args.tenant_limit, 1.0),))
        per_conversation = Counter(
            result.reference["conversation_id"] for _, _, result in r.results if result.reference
        )
        most = max(per_conversation.values(), default=0)
        conversation_bound = earliest_finish(most, TEAMS_CONVERSATION_WINDOWS)
        bound = max(tenant_bound, conversation_bound)
        sustained = r.requests_needed / args.tenant_limit
        ratio = r.completion / bound if bound else float("inf")
        attempts = sum(result.attempts for _, _, result in r.results)
        print(f"Round {r.number}")
        print(f"  completion        {r.completion:8.2f} s")
        print(
            f"  lower bound       {bound:8.2f} s   the tenant's window: {r.requests_needed} requests at "
            f"{args.tenant_limit} per 1 s -> the last at {tenant_bound:.2f} s; cards per conversation at most {most} "
            f"-> {conversation_bound:.2f} s"
        )
        if args.faults:
            print("                    (not counting the waits the injected faults force: up to 1 s after a late failure)")
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
        print(
            f"  results           {dict(sorted(statuses.items()))}  "
            f"(not_reachable expected: {args.not_installed})"
        )
        print(
            f"  at the connector  {r.connector['requests']} requests, {attempts} counted by the deliverer; "
            f"429 for limits: {r.connector['throttled']}; injected faults: {r.connector['injected'] or 0}; "
            f"1:1 chats made {r.connector['created']}, refused {r.connector['refused_creates']}"
        )
        print(f"  RSS               after {mib(r.rss_after)}, peak while sending {mib(r.rss_peak)}")
        ok = (
            ratio_ok
            and not lost
            and not doubled
            and not unexpected
            and statuses.get("failed", 0) == 0
            and statuses.get("not_reachable", 0) == args.not_installed
        )
        checks.append({"round": r.number, "pass": ok})
        figures.append(
            {
                "round": r.number,
                "completion_s": round(r.completion, 3),
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
    print("Memory (this process: deliverer, msrest threads and the connector)")
    print(
        f"  RSS before {mib(memory['before'])}; "
        + "; ".join(f"after round {r.number} {mib(r.rss_after)}" for r in rounds)
        + f"; peak while sending {mib(max(r.rss_peak for r in rounds))}; VmHWM (whole process) {mib(memory['VmHWM'])}"
    )
    since = "from the first round's end to the last's" if len(rounds) > 1 else "over the round"
    print(f"  growth {since}: {growth / 2**20:+.1f} MiB  (target < {FLAT_TARGET_BYTES / 2**20:.0f} MiB)   {'PASS' if flat else 'MISS'}")
    print(f"  the limiter remembers {memory['limiter_tracked'][0]} conversations and {memory['limiter_tracked'][1]} tenants (their hour is not over)")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"  CPU of this process in all: {usage.ru_utime + usage.ru_stime:.1f} s; ru_maxrss {usage.ru_maxrss / 1024:.1f} MiB")
    print()
    all_ok = all(c["pass"] for c in checks) and flat
    print(f"Overall: {'PASS' if all_ok else 'MISS'}")
    return {
        "args": {k: v for k, v in vars(args).items() if k != "json"},
        "rounds": figures,
        "memory": {
            "before": memory["before"],
            "vm_hwm": memory["VmHWM"],
            "growth": growth,
            "flat": flat,
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "pass": all_ok,
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
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500, help="personal chats to reach (default 500)")
    parser.add_argument(
        "--tenant-rate", type=float, default=None,
        help="requests per second per tenant: the connector's limit and the deliverer's pace (default 30)",
    )
    parser.add_argument("--quick", action="store_true", help=f"tenant rate {QUICK_TENANT_RATE:g}/s unless --tenant-rate says otherwise")
    parser.add_argument("--new-chats", type=int, default=0, help="people without a stored 1:1 chat (default 0)")
    parser.add_argument("--not-installed", type=int, default=0, help="people without the app (default 0)")
    parser.add_argument("--faults", type=int, default=0, help="conversations whose first send fails (default 0)")
    parser.add_argument("--rounds", type=int, default=2, help="the same reminder again, for memory (default 2)")
    parser.add_argument("--concurrency", type=int, default=64, help="deliveries under way at a time (default 64)")
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

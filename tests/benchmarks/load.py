"""Does the bot hold up when a whole forum uses it for minutes, next to a
bare echo bot on the same SDK (BOT_SDK) under the same load?

    .venv/bin/python -m tests.benchmarks.load [--members 50] [--minutes 2]
        [--database sqlite|postgresql|both] [--think 1-3] [--seed 1]
        [--timeout SECONDS] [--json PATH]

Measured in one run, on this machine, everything on 127.0.0.1:

1. a forum of --members people: one Statsforvalter and --members - 1
   organisations with one seat each (all VO networks that send needs
   reports), an annual wheel whose events all lie ahead (so the needs
   deadline has not passed), written to a roster file; our bot
   (`python -m bot`, a subprocess) starts on it with a fresh database, the
   bare echo bot (tests/benchmarks/echo_bot.py) beside it;
2. the Statsforvalter binds the forum channel (`oppsett`) and opens a live
   one-choice vote with the form, so its card is in the channel
   (bench_ballots' set-up);
3. warm-up, excluded: every member types `hjelp` once to both bots (the
   first message of a person stores their chat, a one-off write);
4. the load, for --minutes: every member repeats journeys, picked at random
   with a seed per member, with a think time (uniform in --think, seeded)
   before every step, as a person reads a card before pressing:
   - `hjelp`; `årshjul`;
   - a needs report: `behovsmelding`, resuming a draft if one is offered,
     the three steps with tests/needs_helpers.py's values, and the send;
   - a ballot: opening the vote from the channel card (vote.refresh),
     casting it and changing it to another option (vote.cast twice);
   - the Statsforvalter: mostly `oversikt`, sometimes `hjelp` or `årshjul`.
   Typed commands are timed from POST /api/messages until the reply
   reaches the local connector, button presses (Action.Execute invokes)
   until their answer has been read. At the same time, the echo bot gets
   the same number of members with the same seeds, think times and number
   of steps per journey, each step a message timed until its echo reaches
   the connector: the two bots run side by side, so both meet the same
   machine at the same moments;
5. an error is any answer that is not 2xx, a reply that does not come
   within 30 s, an apology ("noe gikk galt", "mange lagret samtidig"), a
   refusal, or a reply that is not what the step leads to (the next step
   of the form, the receipt, "Du stemte" with the option chosen);
6. afterwards the database is compared with what the members were told:
   every receipt a sent report, every seat that was told "Du stemte" one
   ballot with the last option it chose.

Printed per database: per bot the requests, errors, p50/p95/p99/max of the
round trip, requests per second, the bot process's CPU over the wall time
(100 % = the one core its event loop can use) and its peak RSS (VmHWM);
our round trip per step; p99 per time window of both; the database checks;
the target (0 errors, our p99 within 1.5x the echo bot's) and the load
average before and after. Exit status 2 when the target is missed, 1 on the
global --timeout. A benchmark, not a test: pytest collects nothing here.

The load generator is this script and not locust: the bots, the local
connector the replies go to and the timing of a reply are those of the other
benchmarks (bench_messages, bench_ballots), reused from them; locust would
need its own way to wait for a reply arriving at a second server, and its
workers to share that server's waiters."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import resource
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.i18n import NB, TEXTS
from storage.models import NeedsReportRow
from storage.unit_of_work import UnitOfWork
from tests import teams
from tests.benchmarks.bench_ballots import OPTIONS, ChannelConnector, Database, set_up
from tests.benchmarks.bench_messages import (
    LOOPBACK,
    POSTGRES_URL,
    REQUEST_TIMEOUT,
    BotProcess,
    Databases,
    child_env,
    header,
    loadavg,
    percentile,
    run_main,
    run_with_bots,
)
from tests.benchmarks.echo_bot import EDGE
from tests.benchmarks.rosters import Roster, load_roster, write_roster
from tests.card_reading import actions, input_named, inputs, texts
from tests.needs_helpers import STEP_1, STEP_2, STEP_3

P99_RATIO_TARGET = 1.5
MAX_MEMBERS = 1000
WINDOW_SECONDS = 30.0  # p99 per window: shows whether a queue builds up over the run
CHANNEL_CARD_TIMEOUT = 10.0

# What each kind of member does, and how often (weights). The four journeys
# of a representative come equally often; the Statsforvalter mostly looks at
# the overview, which is what the issue names for them.
REPRESENTATIVE_JOURNEYS = {"hjelp": 1, "årshjul": 1, "needs report": 1, "ballot": 1}
STATSFORVALTER_JOURNEYS = {"oversikt": 3, "hjelp": 1, "årshjul": 1}
# Steps per journey when all goes as planned: the echo members send as many
# messages per journey, so both bots get the same number of requests per
# journey (a needs report: the command, three steps, the send).
NOMINAL_STEPS = {"hjelp": 1, "årshjul": 1, "oversikt": 1, "needs report": 5, "ballot": 3}
NEEDS_STEPS = {1: STEP_1, 2: STEP_2, 3: STEP_3}


def template(key: str) -> str:
    return TEXTS[NB][key]


def lead(key: str) -> str:
    """A text's fixed beginning, up to its first placeholder."""
    return template(key).split("{", 1)[0]


def pattern(key: str, **groups: str) -> re.Pattern:
    """A text as a regular expression, its placeholders as the groups given."""
    expression = re.escape(template(key))
    for name, group in groups.items():
        expression = expression.replace(re.escape("{" + name + "}"), group)
    return re.compile(re.sub(r"\\\{\w+\\\}", ".*?", expression))


# What a person would read as the bot failing them. A refusal says "Det gikk
# ikke" on a card; pressed buttons answer a refusal with its bare text, which
# the steps' own expectations catch.
APOLOGIES = {
    "apology": (template("error"), template("error_title"), template("needs_busy")),
    "refusal": (template("refused_title"), template("bad_card_data"), template("unknown_action")),
}
NEEDS_STEP = pattern("needs_step", step=r"(\d+)", steps=r"\d+")


# --- the forum -------------------------------------------------------------------------------


def write_forum(path: Path, members: int, today: date) -> None:
    """bench_ballots' roster of one Statsforvalter and members - 1 seats,
    every organisation sending needs reports, and an annual wheel whose
    events all lie ahead: the needs deadline has not passed, and no reminder
    falls due during the run."""

    def day(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    write_roster(
        path,
        members - 1,
        submits_needs=members - 1,
        wheel=[
            {"kind": "ekstramote", "date": day(40), "time": "10:00", "title": "Ekstramøte", "place": "Teams"},
            {
                "kind": "frist_behovsmeldinger",
                "date": day(60),
                "time": "12:00",
                "title": "Frist for behovsmeldinger",
                "text": "Behovsmeldingene sendes med «behovsmelding» i Teams.",
            },
            {
                "kind": "vaarmote",
                "date": day(100),
                "time": "10:00",
                "title": "Vårmøte",
                "place": "Hos Statsforvalteren",
            },
            {"kind": "frist_rapportering", "date": day(200), "time": "12:00", "title": "Frist for rapportering"},
        ],
    )


# --- the connector: replies to their waiters, the vote card kept ---------------------------


class LoadConnector(ChannelConnector):
    """bench_ballots' connector (a waiter per message, the channel's cards
    counted), which also keeps the last card posted in the channel: right
    after the set-up, the vote's, which the members press."""

    def __init__(self) -> None:
        super().__init__()
        self.channel_card: dict | None = None

    async def _record(self, item) -> None:
        if item.conversation_id == teams.CHANNEL and item.cards and item.method == "send":
            self.channel_card = item.cards[0]
        await super()._record(item)


# --- one request -----------------------------------------------------------------------------


@dataclass
class Sample:
    step: str
    at: float  # seconds since the measured load began
    latency: float
    error: str | None = None  # the kind: http, no reply, apology, refusal, unexpected
    detail: str = ""


@dataclass
class Reply:
    latency: float
    card: dict | None = None
    text: str = ""  # all the text the person reads
    error: str | None = None
    detail: str = ""


@dataclass
class Bot:
    """One bot under load and what was measured of it."""

    key: str
    label: str
    process: BotProcess
    samples: list[Sample] = field(default_factory=list)
    cpu: float = 0.0
    memory: dict[str, int] = field(default_factory=dict)

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error]


_ids = itertools.count(1)


def apology_in(text: str) -> str | None:
    for kind, phrases in APOLOGIES.items():
        if any(phrase in text for phrase in phrases):
            return kind
    return None


async def say(
    http: aiohttp.ClientSession, connector: LoadConnector, bot: BotProcess, user: teams.User, text: str
) -> Reply:
    """A typed message in the person's chat; timed until the reply reaches the connector."""
    activity = teams.message(user, text, connector.url)
    activity["id"] = f"load-{next(_ids)}"  # unique across the run: each bot stores what it handled
    waiter = connector.expect(activity)
    started = time.perf_counter()
    try:
        try:
            async with http.post(f"{bot.url}api/messages", json=activity) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return Reply(
                        time.perf_counter() - started, error="http", detail=f"HTTP {response.status}: {body[:200]!r}"
                    )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return Reply(time.perf_counter() - started, error="http", detail=f"{type(error).__name__}: {error}")
        try:
            arrived, item = await asyncio.wait_for(waiter, REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            return Reply(time.perf_counter() - started, error="no reply", detail=f"none within {REQUEST_TIMEOUT:.0f} s")
    finally:
        connector.forget(activity)
    card = item.cards[0] if item.cards else None
    shown = texts(card) if card else str(item.activity.get("text") or "")
    return Reply(arrived - started, card, shown)


async def press(
    http: aiohttp.ClientSession,
    bot: BotProcess,
    connector: LoadConnector,
    user: teams.User,
    verb: str,
    data: dict,
    kind: str = "personal",
) -> Reply:
    """A button press (Action.Execute); timed until its answer has been read."""
    activity = teams.execute(user, verb, data, connector.url, kind=kind)
    started = time.perf_counter()
    try:
        async with http.post(f"{bot.url}api/messages", json=activity) as response:
            body = await response.read()
            latency = time.perf_counter() - started
            if not 200 <= response.status < 300:
                return Reply(latency, error="http", detail=f"HTTP {response.status}: {body[:200]!r}")
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return Reply(time.perf_counter() - started, error="http", detail=f"{type(error).__name__}: {error}")
    try:
        answer = json.loads(body)
        value = answer["value"]
    except (ValueError, KeyError, TypeError):
        return Reply(latency, error="unexpected", detail=f"not an invoke answer: {body[:200]!r}")
    if isinstance(value, dict):
        return Reply(latency, value, texts(value))
    # A bare message instead of a card: what a refusal or an error looks like here.
    return Reply(latency, None, str(value))


def filled(card: dict, data: dict, typed: dict | None = None) -> dict:
    """What Teams sends for a press: the button's data, the card's inputs as
    shown, and what was typed over them (as tests/needs_helpers.py does)."""
    return {**data, **inputs(card), **(typed or {})}


def action(card: dict | None, verb: str, title: str | None = None) -> tuple[str, dict] | None:
    for shown, (v, data) in (actions(card) if card else {}).items():
        if v == verb and (title is None or shown == title):
            return v, data
    return None


# --- the members -----------------------------------------------------------------------------


@dataclass
class Run:
    """What the members of one bot share during the load."""

    http: aiohttp.ClientSession
    connector: LoadConnector
    bot: Bot
    started: float
    ends: float
    think: tuple[float, float]
    vote_card: dict  # as posted in the channel; later posts there are needs reports' notices
    receipts: int = 0
    ballots: dict[str, str] = field(default_factory=dict)  # voter's Entra id -> the option they chose last


class Member:
    def __init__(self, run: Run, user: teams.User, journeys: dict[str, int], rng: random.Random) -> None:
        self.run, self.user, self.rng = run, user, rng
        self.journeys, self.weights = list(journeys), list(journeys.values())

    async def think(self) -> bool:
        """Wait as a person reads before the next step; False when the time is up."""
        await asyncio.sleep(self.rng.uniform(*self.run.think))
        return time.perf_counter() < self.run.ends

    def record(self, step: str, reply: Reply, expected: bool, detail: str = "") -> bool:
        error = reply.error or apology_in(reply.text) or (None if expected else "unexpected")
        at = time.perf_counter() - reply.latency - self.run.started
        why = (reply.detail or "; ".join(filter(None, (detail, reply.text[:200])))) if error else ""
        self.run.bot.samples.append(Sample(step, round(at, 3), reply.latency, error, why))
        return error is None

    async def say(self, text: str) -> Reply:
        return await say(self.run.http, self.run.connector, self.run.bot.process, self.user, text)

    async def press(self, verb: str, data: dict, kind: str = "personal") -> Reply:
        return await press(self.run.http, self.run.bot.process, self.run.connector, self.user, verb, data, kind)

    async def live(self) -> None:
        # Not all at the same instant: people start their day spread out.
        await asyncio.sleep(self.rng.uniform(0, self.run.think[1]))
        while time.perf_counter() < self.run.ends:
            journey = self.rng.choices(self.journeys, self.weights)[0]
            await self.go(journey)

    async def go(self, journey: str) -> None:
        if journey in ("hjelp", "årshjul", "oversikt"):
            expected = {"hjelp": lead("help_intro"), "årshjul": lead("wheel_title"), "oversikt": lead("overview_title")}
            if await self.think():
                reply = await self.say(journey)
                self.record(journey, reply, reply.card is not None and expected[journey] in reply.text)
        elif journey == "needs report":
            await self.needs_report()
        elif journey == "ballot":
            await self.ballot()

    async def needs_report(self) -> None:
        if not await self.think():
            return
        reply = await self.say("behovsmelding")
        card, shown = reply.card, reply.text
        resume = action(card, "needs.resume", template("needs_continue"))
        if not self.record("behovsmelding", reply, card is not None and (NEEDS_STEP.search(shown) or resume)):
            return
        if resume:  # a draft left when an earlier run of the journey was cut off
            if not await self.think():
                return
            reply = await self.press(*resume)
            if not self.record("needs.resume", reply, reply.card is not None and NEEDS_STEP.search(reply.text)):
                return
            card = reply.card
        # From the step the card shows (a resumed draft may be further on) to the summary.
        for _ in range(len(NEEDS_STEPS)):
            step = int(NEEDS_STEP.search(texts(card)).group(1))
            if step not in NEEDS_STEPS:
                break
            save = action(card, "needs.save", template("needs_next"))
            if save is None:
                self.record(f"needs.save {step}", Reply(0.0, error="unexpected"), False, "no save button")
                return
            if not await self.think():
                return
            reply = await self.press(save[0], filled(card, save[1], NEEDS_STEPS[step]))
            shown = NEEDS_STEP.search(reply.text) if reply.card else None
            if not self.record(f"needs.save {step}", reply, bool(shown) and int(shown.group(1)) == step + 1):
                return
            card = reply.card
        send = action(card, "needs.submit", template("needs_send"))
        if send is None:
            self.record("needs.submit", Reply(0.0, error="unexpected"), False, "no send button on the summary")
            return
        if not await self.think():
            return
        reply = await self.press(send[0], filled(card, send[1]))
        if self.record("needs.submit", reply, reply.card is not None and template("needs_receipt_title") in reply.text):
            self.run.receipts += 1

    async def ballot(self) -> None:
        refresh = action(self.run.vote_card, "vote.refresh")
        if not await self.think():
            return
        reply = await self.press(*refresh, kind="channel")
        # The voter's own view of the vote: its options and the vote button.
        cast = action(reply.card, "vote.cast")
        if not self.record("vote.refresh", reply, cast is not None, "no vote button on the voter's card"):
            return
        mine = reply.card
        choices = [(c["value"], c["title"]) for c in input_named(mine, "choices")["choices"]]
        # Cast, then change the ballot to another option.
        for value, title in self.rng.sample(choices, 2):
            if not await self.think():
                return
            reply = await self.press(cast[0], filled(mine, cast[1], {"choices": value}), kind="channel")
            told = f"{lead('vote_mine')}«{title}»"
            if not self.record("vote.cast", reply, reply.card is not None and told in reply.text):
                return
            self.run.ballots[self.user.aad_object_id] = value
            mine = reply.card


class EchoMember(Member):
    """Same seed, same journeys, same think times, as many steps per journey:
    each step a message to the echo bot."""

    async def go(self, journey: str) -> None:
        for _ in range(NOMINAL_STEPS[journey]):
            if not await self.think():
                return
            reply = await self.say(journey)
            self.record("echo", reply, reply.text == journey)


def member_rng(seed: int, index: int) -> random.Random:
    # A string seed is hashed the same way in every run and Python (version 2 seeding).
    return random.Random(f"load:{seed}:{index}")


# --- one database ----------------------------------------------------------------------------


async def counted(url: str, vote_id: int) -> dict:
    """What the database holds of the load: sent reports and the vote's ballots."""
    database = Database(url)
    try:
        async with UnitOfWork(database.sessions) as uow:
            sent = await uow.session.scalar(
                select(func.count()).select_from(NeedsReportRow).where(NeedsReportRow.status == "innsendt")
            )
        votes = await database.counted(vote_id)
    finally:
        await database.close()
    return {"reports_sent": sent, **votes}


async def wait_for_channel_card(connector: LoadConnector) -> dict:
    deadline = time.perf_counter() + CHANNEL_CARD_TIMEOUT
    while connector.channel_card is None:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the vote's card did not reach the channel within {CHANNEL_CARD_TIMEOUT:.0f} s")
        await asyncio.sleep(0.05)
    return connector.channel_card


async def warm_up(http, connector, bot: BotProcess, users: list[teams.User], spread: float) -> list[str]:
    """Every member's first `hjelp`, spread over `spread` seconds; the problems."""

    async def one(user: teams.User) -> str | None:
        await asyncio.sleep(random.Random(user.id).uniform(0, spread))
        reply = await say(http, connector, bot, user, "hjelp")
        kind = reply.error or apology_in(reply.text)
        return f"{user.name}: {kind}: {reply.detail or reply.text[:100]}" if kind else None

    return [p for p in await asyncio.gather(*(one(u) for u in users)) if p]


async def measure(
    kind: str,
    args,
    http,
    connectors: tuple[LoadConnector, LoadConnector],
    roster: Roster,
    databases: Databases,
    logs: Path,
) -> dict:
    """``connectors``: ours and the echo bot's. Each bot gets its own, so
    that a reply is matched to a request of the bot that sent it (the
    members' conversation ids are the same for both)."""
    url = await databases.new(kind, f"load-{kind}")
    env = child_env(DATABASE_URL=url, FORUM_CONFIG=str(roster.path))
    ours = Bot(f"ours-{kind}", LABELS[kind], BotProcess(f"bot ({kind})", "bot", env, logs / f"load-{kind}.log"))
    echo = Bot(
        f"echo-{kind}",
        LABELS["echo"],
        BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / f"echo-{kind}.log"),
    )
    bots = (ours, echo)
    connector_of = {ours.key: connectors[0], echo.key: connectors[1]}
    connector = connector_of[ours.key]
    representatives = roster.voters
    members = [roster.statsforvalter, *representatives]
    try:
        for bot in bots:
            await bot.process.ready(http)
        connector.channel_card = None
        await set_up(http, connector, ours.process, roster)
        shared = await wait_for_channel_card(connector)
        vote = action(shared, "vote.refresh")
        if vote is None:
            raise RuntimeError("the vote's card has no refresh button")

        problems = {}
        for bot in bots:
            problems[bot.key] = await warm_up(http, connector_of[bot.key], bot.process, members, args.think[1])
        if any(problems.values()):
            raise RuntimeError(f"warm-up failed: {problems}\n{ours.process.log_tail()}")

        load_before = loadavg()
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = {bot.key: bot.process.cpu_seconds() for bot in bots}
        started = time.perf_counter()
        ends = started + args.minutes * 60
        runs = {bot.key: Run(http, connector_of[bot.key], bot, started, ends, args.think, shared) for bot in bots}
        people = []
        for i, user in enumerate(members):
            journeys = STATSFORVALTER_JOURNEYS if i == 0 else REPRESENTATIVE_JOURNEYS
            people.append(Member(runs[ours.key], user, journeys, member_rng(args.seed, i)))
            people.append(EchoMember(runs[echo.key], user, journeys, member_rng(args.seed, i)))
        await asyncio.gather(*(p.live() for p in people))
        wall = time.perf_counter() - started
        for bot in bots:
            bot.cpu = bot.process.cpu_seconds() - cpu_before[bot.key]
            bot.memory = bot.process.memory()
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = loadavg()
    finally:
        for bot in bots:
            bot.process.stop()
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    run = runs[ours.key]
    database = await counted(url, int(vote[1]["vote"]))
    checks = []
    if database["reports_sent"] != run.receipts:
        checks.append(f"{run.receipts} receipts, {database['reports_sent']} reports sent in the database")
    if database["ballots_rows"] != len(run.ballots):
        checks.append(f"{len(run.ballots)} seats told 'Du stemte', {database['ballots_rows']} ballots in the database")
    last = {}
    for choice in run.ballots.values():
        last[int(choice)] = last.get(int(choice), 0) + 1
    if database["tally_per_option"] != {o: last.get(o, 0) for o in range(1, len(OPTIONS) + 1)}:
        checks.append(f"the count {database['tally_per_option']} is not the last choices {dict(sorted(last.items()))}")
    return {
        "database": kind,
        "wall_s": round(wall, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "client_cpu_percent": round(client_cpu * 100 / wall),
        "bots": {bot.key: figures(bot, wall) for bot in bots},
        "steps": steps(ours),
        "windows": windows(bots, wall),
        "receipts": run.receipts,
        "seats_voted": len(run.ballots),
        "database_counts": database,
        "database_problems": checks,
    }


# --- figures -----------------------------------------------------------------------------------


LABELS = {
    "sqlite": "ours (SQLite)",
    "postgresql": "ours (PostgreSQL)",
    "echo": f"echo ({EDGE})",
}


def latency_figures(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    if not ordered:
        return {}
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def figures(bot: Bot, wall: float) -> dict:
    errors = bot.errors()
    kinds: dict[str, int] = {}
    for sample in errors:
        kinds[sample.error] = kinds.get(sample.error, 0) + 1
    return {
        "label": bot.label,
        "requests": len(bot.samples),
        "errors": len(errors),
        "errors_by_kind": kinds,
        "first_errors": [f"{s.step} at {s.at:.1f} s: {s.error}: {s.detail}" for s in errors[:5]],
        # Every request is timed, the failed ones too: a slow failure is slow for the person.
        **latency_figures([s.latency for s in bot.samples]),
        "per_s": round(len(bot.samples) / wall, 1),
        "cpu_percent": round(bot.cpu * 100 / wall),
        "cpu_ms_per_request": round(bot.cpu * 1000 / len(bot.samples), 1) if bot.samples else None,
        "rss_peak_mib": round(bot.memory.get("VmHWM", 0) / 2**20, 1),
    }


def steps(bot: Bot) -> dict:
    by_step: dict[str, list[Sample]] = {}
    for sample in bot.samples:
        by_step.setdefault(sample.step, []).append(sample)
    return {
        step: {"requests": len(s), "errors": sum(1 for x in s if x.error), **latency_figures([x.latency for x in s])}
        for step, s in sorted(by_step.items())
    }


def windows(bots, wall: float) -> list[dict]:
    out = []
    for start in range(0, int(wall // WINDOW_SECONDS) + 1):
        low, high = start * WINDOW_SECONDS, (start + 1) * WINDOW_SECONDS
        row = {"from_s": low}
        for bot in bots:
            inside = [s.latency for s in bot.samples if low <= s.at < high]
            row[bot.key] = {"requests": len(inside), **latency_figures(inside)}
        if any(row[bot.key]["requests"] for bot in bots):
            out.append(row)
    return out


def ms(value) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def print_run(result: dict, args) -> None:
    kind = result["database"]
    print(
        f"{LABELS[kind]} and the echo bot side by side: {args.members} members each for {result['wall_s']:.0f} s, "
        f"think {args.think[0]:g}–{args.think[1]:g} s; load avg {result['loadavg_before']} before, "
        f"{result['loadavg_after']} after; this process (members + connector) {result['client_cpu_percent']} % of a core"
    )
    columns = ("requests", "errors", "p50", "p95", "p99", "max", "req/s", "CPU", "CPU/req", "RSS peak")
    print(f"  {'':<20}" + "".join(f"{c:>10}" for c in columns))
    for f in result["bots"].values():
        cells = [
            f["requests"],
            f["errors"],
            ms(f.get("p50_ms")),
            ms(f.get("p95_ms")),
            ms(f.get("p99_ms")),
            ms(f.get("max_ms")),
            f["per_s"],
            f"{f['cpu_percent']} %",
            f"{f['cpu_ms_per_request']} ms",
            f"{f['rss_peak_mib']} MiB",
        ]
        print(f"  {f['label']:<20}" + "".join(f"{c:>10}" for c in cells))
        for line in f["first_errors"]:
            print(f"      {line}")
    print("  (CPU: the bot process's CPU over the wall time, 100 % = the one core its event loop can use)")
    print(f"  {LABELS[kind]}, step by step:")
    for step, f in result["steps"].items():
        print(
            f"    {step:<16} {f['requests']:>6} requests {f['errors']:>4} errors   p50 {ms(f.get('p50_ms')):>8}"
            f"   p99 {ms(f.get('p99_ms')):>8}   max {ms(f.get('max_ms')):>8}"
        )
    print(
        f"  p99 per {WINDOW_SECONDS:.0f} s (requests): "
        + "  ".join(
            f"{w['from_s']:.0f}s "
            + " / ".join(f"{ms(w[k].get('p99_ms'))} ({w[k]['requests']})" for k in result["bots"])
            for w in result["windows"]
        )
    )
    d = result["database_counts"]
    verdict = "PASS" if not result["database_problems"] else "FAIL: " + "; ".join(result["database_problems"])
    print(
        f"  database: {result['receipts']} receipts, {d['reports_sent']} reports sent; {result['seats_voted']} seats told "
        f"'Du stemte', {d['ballots_rows']} ballots, count {d['tally_per_option']}   {verdict}"
    )


async def benchmark(args, databases: Databases, logs: Path, directory: Path) -> dict:
    settings = {
        "members": args.members,
        "minutes": args.minutes,
        "think_s": list(args.think),
        "seed": args.seed,
        "databases": args.kinds,
    }
    result = await header("load benchmark", settings)
    print(
        f"settings  {args.members} members per bot (1 Statsforvalter, {args.members - 1} seats) for {args.minutes:g} min "
        f"per database, think {args.think[0]:g}–{args.think[1]:g} s, seed {args.seed}; {', '.join(args.kinds)}"
    )
    print(flush=True)
    roster_path = directory / "forum.yaml"
    write_forum(roster_path, args.members, date.today())
    roster = load_roster(roster_path)
    connectors = (LoadConnector(), LoadConnector())  # ours, the echo bot's
    for connector in connectors:
        for user in roster.everyone:
            connector.members[user.id] = user.member_record()
        await connector.start()
    # One connection per member and bot: each member has one request in flight at most.
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=4 * args.members + 16),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
    )
    runs = []
    try:
        for kind in args.kinds:
            run = await measure(kind, args, http, connectors, roster, databases, logs)
            runs.append(run)
            print_run(run, args)
            print(flush=True)
    finally:
        await http.close()
        for connector in connectors:
            await connector.stop()
    result["runs"] = runs
    result["loadavg_after"] = loadavg()

    checks = []
    print("Target: no errors, our p99 within 1.5x the echo bot's in the same run")
    for run in runs:
        ours, echo = run["bots"][f"ours-{run['database']}"], run["bots"][f"echo-{run['database']}"]
        ratio = ours["p99_ms"] / echo["p99_ms"] if ours.get("p99_ms") and echo.get("p99_ms") else None
        ok = ratio is not None and ratio <= P99_RATIO_TARGET and not ours["errors"] and not run["database_problems"]
        checks.append(
            {"database": run["database"], "errors": ours["errors"], "p99_ratio": ratio and round(ratio, 2), "pass": ok}
        )
        print(
            f"  {ours['label']:<20} {ours['errors']} errors in {ours['requests']}; p99 {ms(ours.get('p99_ms'))} / echo "
            f"{ms(echo.get('p99_ms'))} = {ratio:.2f}x (target <= {P99_RATIO_TARGET}x)   {'PASS' if ok else 'MISS'}"
        )
    result["checks"] = checks
    print(f"load avg  {result['loadavg_after']} after the run")
    return result


async def main(args) -> int:
    result = await run_with_bots(
        args, "sfb-load-", lambda databases, logs, directory: benchmark(args, databases, logs, directory)
    )
    if result is None:
        return 1
    return 0 if all(c["pass"] for c in result["checks"]) else 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50, help="simulated members per bot (default 50)")
    parser.add_argument("--minutes", type=float, default=2, help="minutes of load per database (default 2)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--think", default="1-3", help="think time before each step, seconds MIN-MAX (default 1-3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the members' choices and think times (default 1)")
    parser.add_argument("--timeout", type=float, default=0, help="global limit in seconds (default: minutes + 10 min)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    args.kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if not 2 <= args.members <= MAX_MEMBERS:
        parser.error(f"--members must be between 2 (the Statsforvalter and one seat) and {MAX_MEMBERS}")
    if not 0 < args.minutes <= 60:
        parser.error("--minutes must be above 0 and at most 60")
    try:
        low, high = (float(x) for x in args.think.split("-"))
    except ValueError:
        parser.error("--think must be MIN-MAX in seconds, e.g. 1-3")
    if not 0 <= low <= high <= 60:
        parser.error("--think must be MIN-MAX with 0 <= MIN <= MAX <= 60")
    args.think = (low, high)
    args.timeout = args.timeout or len(args.kinds) * (args.minutes * 60 + 600)
    if not 0 < args.timeout <= 4 * 3600:
        parser.error("--timeout must be at most 4 hours")
    if "postgresql" in args.kinds and make_url(POSTGRES_URL).host not in LOOPBACK:
        parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
    return args


if __name__ == "__main__":
    run_main(main, parse_args)

"""Every forum in one deployment: do 30 forums (10 Statsforvalter offices ×
three schemes) and 1,000 members on PostgreSQL cost per message what one
forum does, in one process and over three replicas, and does a needs
deadline reach every channel and person exactly once?

    .venv/bin/python -m tests.benchmarks.bench_forums [--forums 30] [--members 1000]
        [--messages 1000] [--blocks 5] [--concurrency 8] [--replicas 3] [--timeout 1800] [--json PATH]

Measured in one run, on this machine, everything on 127.0.0.1, PostgreSQL:

1. the forums: --forums forums, three per office (voksenopplæring, skole,
   barnehage), each with its own team and channel; one Statsforvalter per
   office, on the roster of its office's three forums; the seats (a
   representative and a deputy each, every organisation one that sends
   needs reports) dealt over the forums, so that the Statsforvalters and
   seat holders are --members distinct people; each forum's wheel has a
   needs-report deadline 60 days ahead. Written to one roster file
   (`forums:`), which the bot validates;
2. four deployments, each on a fresh database: the forums in one process;
   the same forums in --replicas processes on one database (REPLICAS set,
   requests dealt round-robin over them); and, for the comparison, one
   forum holding all the same seats, in one process and in --replicas.
   Started one after the other and then all kept running to the end.
   Start to ready: launch of `python -m bot` until GET /readyz answers 200
   (the replicas are launched together); SCHEDULER_INTERVAL_SECONDS=2, so
   that a reminder goes within 2 s of falling due;
3. set-up: each forum's Statsforvalter writes `oppsett <forum id>` in the
   forum's channel (the local connector answers each team's member list
   with that forum's people); the first forum's Statsforvalter picks it in
   their personal chat (forum.choose: they are on three) and opens a live
   vote there (bench_ballots' form); every seat holder types `hjelp` once
   (their first message stores their chat; not measured);
4. the fan-out: every Statsforvalter moves their forum's deadline (wheel.save
   in the channel, all at once) to an hour after the next whole minute,
   with one reminder 60 minutes before: at that minute every channel gets
   the deadline's card and every seat holder a nudge, from the scheduler
   of each process. Each reminder card the connector receives is counted
   per conversation and compared with the reminder rows in the database:
   lost is an expected conversation without its card, doubled a second
   card, and every row must end "sent"; the completion runs from the due
   minute to the last card, against the bound of Teams' 30 a second for the
   tenant;
5. chat: --messages typed messages (`hjelp`, `årshjul` in turn) from the
   seat holders of every forum but the first, --concurrency at a time, each
   timed until its reply reaches the connector (bench_messages' load), to
   the four deployments and the bare echo bot in --blocks blocks taken in
   turn, the order rotated each block (run minutes apart, the same work
   differed by 1.4x on this machine); then, to the two deployments of all
   the forums, again while all of the first forum's representatives press
   vote.cast on its channel card at once (the ballot burst, timed until
   each invoke answer is read, checked as bench_ballots checks it). CPU
   per message (of all the deployment's processes) against that of one
   forum in as many processes is what "flat in the number of forums" means
   here;
6. RSS (VmHWM, per process) after the load.

Printed: a table per part, the targets (per-message CPU within 1.25x one
forum's in as many processes, RSS < 250 MB a process, start to ready < 2 s,
0 lost, 0 doubled) and the load average. Exit status 2 when a reminder was
lost or doubled, a ballot not counted or a message not answered; 1 on the
global --timeout.
A benchmark, not a test: pytest collects nothing here."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import yaml
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.forum.config_file import load_forum_config
from storage.models import ReminderRow, WheelEventRow
from storage.unit_of_work import UnitOfWork
from tests import teams
from tests.benchmarks.bench_ballots import Database, burst, card_text, choice_of, open_vote, post
from tests.benchmarks.bench_ballots import Run as BallotRun
from tests.benchmarks.bench_ballots import check as check_ballots
from tests.benchmarks.bench_messages import (
    LOOPBACK,
    POSTGRES_URL,
    REQUEST_TIMEOUT,
    BotProcess,
    Databases,
    Target,
    TimedConnector,
    child_env,
    footer,
    header,
    loadavg,
    run_interleaved,
    run_load,
    run_main,
    run_with_bots,
)
from tests.benchmarks.echo_bot import EDGE
from tests.benchmarks.load import latency_figures, lead, template
from tests.benchmarks.rosters import TIMEZONE, guid
from tests.card_reading import texts

OFFICES = (
    "Agder",
    "Innlandet",
    "Møre og Romsdal",
    "Nordland",
    "Oslo og Viken",
    "Rogaland",
    "Troms og Finnmark",
    "Trøndelag",
    "Vestfold og Telemark",
    "Vestland",
)
SCHEMES = {  # id suffix -> what the forum is for
    "vo": "kompetanseutvikling i voksenopplæringen",
    "skole": "desentralisert ordning for skole",
    "barnehage": "regional ordning for barnehage",
}
DEADLINE_TITLE = "Frist for behovsmeldinger (benk)"  # how the connector knows a reminder card
DEADLINE_OFFSET_MINUTES = 60
DUE_LEAD_SECONDS = 5  # the deadline's reminder falls due at the first whole minute at least this far ahead
SCHEDULER_INTERVAL = "2"
TENANT_RATE = 30.0  # what the replicas share (bot.delivery.pace)
CHAT_TEXTS = ("hjelp", "årshjul")
BURST_AFTER_SECONDS = 1.0  # into the chat, so that the ballots meet it going on

FLAT_TARGET = 1.25
RSS_TARGET_BYTES = 250 * 1000 * 1000
START_TARGET_SECONDS = 2.0
MAX_MEMBERS = 5000


# --- the forums ---------------------------------------------------------------------------


@dataclass
class ForumPlan:
    id: str
    name: str
    statsforvalter: list[teams.User]
    seats: list[tuple[teams.User, teams.User]] = field(default_factory=list)  # (representative, deputy)

    @property
    def team(self) -> str:
        return f"19:team-{self.id}@thread.tacv2"

    @property
    def channel(self) -> str:
        return f"19:channel-{self.id}@thread.tacv2"

    @property
    def seat_holders(self) -> list[teams.User]:
        return [person for seat in self.seats for person in seat]

    @property
    def representatives(self) -> list[teams.User]:
        return [representative for representative, _ in self.seats]


def person(kind: int, number: int, role: str, domain: str) -> teams.User:
    return teams.User(
        f"{role} {number:04d} Eksempelsen", guid(kind, number), f"{role.lower()}.{number:04d}@{domain}.example.org"
    )


def plan_forums(forums: int, members: int) -> list[ForumPlan]:
    """Three forums an office, the offices' Statsforvalters, and the seats
    of the other members dealt over the forums in turn."""
    offices = -(-forums // 3)
    statsforvalters = [person(0, i + 1, "Statsforvalter", "statsforvalteren") for i in range(offices)]
    plans = []
    for f in range(forums):
        office, scheme = OFFICES[f // 3 % len(OFFICES)], list(SCHEMES)[f % 3]
        suffix = "" if f // 3 < len(OFFICES) else f"-{f // 3 + 1}"
        slug = office.lower().replace("ø", "o").replace("æ", "ae").replace(" ", "-")
        plans.append(
            ForumPlan(
                f"{slug}{suffix}-{scheme}",
                f"Samarbeidsforum for {SCHEMES[scheme]} i {office}",
                [statsforvalters[f // 3]],
            )
        )
    for n in range(1, (members - offices) // 2 + 1):
        plans[(n - 1) % forums].seats.append(
            (person(1, n, "Representant", f"org-{n:04d}"), person(2, n, "Vara", f"org-{n:04d}"))
        )
    return plans


def one_forum(plans: list[ForumPlan]) -> ForumPlan:
    """The same people in a single forum: every Statsforvalter and every seat."""
    statsforvalters = list({u.aad_object_id: u for p in plans for u in p.statsforvalter}.values())
    return ForumPlan("alle-forum", "Samarbeidsforum for alle", statsforvalters, [s for p in plans for s in p.seats])


def write_forums(path: Path, plans: list[ForumPlan], deadline: date) -> None:
    def entry(user: teams.User) -> dict:
        return {"name": user.name, "email": user.email, "aad_object_id": user.aad_object_id}

    forums = [
        {
            "forum": {"id": plan.id, "name": plan.name, "timezone": TIMEZONE},
            "statsforvalter": [entry(u) for u in plan.statsforvalter],
            "organisations": [
                {
                    "id": f"org-{i + 1:04d}",
                    "name": f"VO-nettverk {representative.email.split('@')[1].split('.')[0]}",
                    "kind": "vo-nettverk",
                    "submits_needs": True,
                    "seats": [{"representative": entry(representative), "deputy": entry(deputy)}],
                }
                for i, (representative, deputy) in enumerate(plan.seats)
            ],
            "wheel": [
                {
                    "kind": "frist_behovsmeldinger",
                    "date": deadline.isoformat(),
                    "time": "12:00",
                    "title": DEADLINE_TITLE,
                    "text": "Behovsmeldingene sendes med «behovsmelding» i Teams.",
                    "reminders": "1d",
                }
            ],
        }
        for plan in plans
    ]
    path.write_text(yaml.safe_dump({"forums": forums}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_forum_config(path)  # the bot's own validation, before any bot starts on it


# --- the connector ----------------------------------------------------------------------------


REMINDER_HEADINGS = (lead("reminder_heading"), lead("reminder_personal_heading"))


def is_reminder(shown: str) -> bool:
    """The deadline's reminder card, not the wheel that lists the deadline."""
    return DEADLINE_TITLE in shown and any(heading in shown for heading in REMINDER_HEADINGS)


class ForumsConnector(TimedConnector):
    """bench_messages' connector (a waiter per message), which answers each
    forum team's member list with that forum's people, and counts the
    deadline's reminder cards per conversation instead of handing them to
    a waiter."""

    def __init__(self) -> None:
        super().__init__()
        self.teams: dict[str, list[dict]] = {}
        self.reminders: Counter = Counter()
        self.last_reminder = 0.0

    def team_members(self, team_id: str) -> list[dict]:
        return self.teams.get(team_id, [])

    async def _record(self, item) -> None:
        if item.method == "send" and any(is_reminder(texts(card)) for card in item.cards):
            self.reminders[item.conversation_id] += 1
            self.last_reminder = time.perf_counter()
            return
        await super()._record(item)


# --- a deployment: one process or several on one database ---------------------------------


@dataclass
class Deployment:
    """The bot processes of one deployment, which the benchmark talks to as
    to one bot: each request goes to the next process in turn."""

    key: str
    label: str
    plans: list[ForumPlan]
    url_database: str
    processes: list[BotProcess]
    starts: list[float] = field(default_factory=list)
    _turn: itertools.count = field(default_factory=itertools.count)

    @property
    def url(self) -> str:
        return self.processes[next(self._turn) % len(self.processes)].url

    def cpu_seconds(self) -> float:
        return sum(p.cpu_seconds() for p in self.processes)

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


async def start(
    key: str,
    label: str,
    plans: list[ForumPlan],
    replicas: int,
    http: aiohttp.ClientSession,
    databases: Databases,
    logs: Path,
    directory: Path,
) -> Deployment:
    url = await databases.new("postgresql", key)
    config = directory / f"{key}.yaml"
    write_forums(config, plans, date.today() + timedelta(days=60))
    env = child_env(
        DATABASE_URL=url,
        FORUM_CONFIG=str(config),
        REPLICAS=str(replicas),
        SCHEDULER_INTERVAL_SECONDS=SCHEDULER_INTERVAL,
    )
    processes = [BotProcess(f"bot {key} #{i + 1}", "bot", env, logs / f"{key}-{i + 1}.log") for i in range(replicas)]
    deployment = Deployment(key, label, plans, url, processes)
    deployment.starts = list(await asyncio.gather(*(p.ready(http, "readyz") for p in processes)))
    return deployment


async def set_up(
    deployment: Deployment, http: aiohttp.ClientSession, connector: ForumsConnector, concurrency: int
) -> None:
    """Every forum's channel bound; the first forum's vote open; every seat
    holder's chat stored."""
    said = await asyncio.gather(
        *(
            post(
                http,
                deployment,
                teams.message(
                    plan.statsforvalter[0],
                    f"oppsett {plan.id}",
                    connector.url,
                    kind="channel",
                    team=plan.team,
                    channel=plan.channel,
                ),
            )
            for plan in deployment.plans
        )
    )
    if any(answer.status not in (200, 201) for answer in said):
        raise RuntimeError(f"oppsett answered {[a.status for a in said]}\n{deployment.log_tail()}")
    first = deployment.plans[0]
    chosen = await post(
        http, deployment, teams.execute(first.statsforvalter[0], "forum.choose", {"forum": first.id}, connector.url)
    )
    if chosen.status != 200:
        raise RuntimeError(f"forum.choose answered {chosen.status}: {chosen.body[:200]!r}\n{deployment.log_tail()}")
    await open_vote(http, connector, deployment, first.statsforvalter[0])
    people = [u for plan in deployment.plans for u in plan.seat_holders]
    warm = Target(f"{deployment.key}-warm-up", deployment.label, deployment, expects_card=True)
    await run_load(http, connector, warm, people, len(people), concurrency, record=False)


# --- the fan-out ---------------------------------------------------------------------------


@dataclass
class FanOut:
    expected: int = 0
    received: int = 0
    lost: int = 0
    doubled: int = 0
    unexpected: int = 0
    statuses: dict = field(default_factory=dict)
    completion_s: float | None = None
    bound_s: float = 0.0
    problems: list[str] = field(default_factory=list)


async def deadlines(database: Database) -> dict[str, int]:
    async with UnitOfWork(database.sessions) as uow:
        rows = await uow.session.execute(
            select(WheelEventRow.forum_id, WheelEventRow.id).where(WheelEventRow.title == DEADLINE_TITLE)
        )
        return dict(rows.all())


async def reminder_statuses(database: Database, events: list[int], starts: datetime) -> Counter:
    async with UnitOfWork(database.sessions) as uow:
        rows = await uow.session.scalars(
            select(ReminderRow.status).where(
                ReminderRow.event_id.in_(events),
                ReminderRow.event_starts_at == starts,
                ReminderRow.offset_minutes == DEADLINE_OFFSET_MINUTES,
            )
        )
        return Counter(rows)


async def fan_out(deployment: Deployment, http: aiohttp.ClientSession, connector: ForumsConnector) -> FanOut:
    """Every forum's deadline moved so that its reminder falls due at the
    next whole minute; wait until every reminder row is done."""
    result = FanOut()
    database = Database(deployment.url_database)
    try:
        events = await deadlines(database)
        if set(events) != {p.id for p in deployment.plans}:
            raise RuntimeError(f"expected one deadline a forum, found them in {sorted(events)}")
        zone = ZoneInfo(TIMEZONE)
        due = (datetime.now(zone) + timedelta(seconds=DUE_LEAD_SECONDS + 60)).replace(second=0, microsecond=0)
        starts = due + timedelta(minutes=DEADLINE_OFFSET_MINUTES)
        form = {
            "kind": "frist_behovsmeldinger",
            "date": starts.date().isoformat(),
            "time": starts.strftime("%H:%M"),
            "title": DEADLINE_TITLE,
            "place": "",
            "text": "Behovsmeldingene sendes med «behovsmelding» i Teams.",
            "offsets": f"{DEADLINE_OFFSET_MINUTES}m",
        }
        moved = await burst(
            http,
            deployment,
            [
                teams.execute(
                    plan.statsforvalter[0],
                    "wheel.save",
                    {"event_id": events[plan.id], **form},
                    connector.url,
                    kind="channel",
                    team=plan.team,
                    channel=plan.channel,
                )
                for plan in deployment.plans
            ],
        )
        refused = [
            a for a in moved[0] if a.status != 200 or template("wheel_changed_title") not in (card_text(a) or "")
        ]
        if refused:
            raise RuntimeError(
                f"{len(refused)} of the deadlines were not moved, e.g. {refused[0]}\n{deployment.log_tail()}"
            )
        connector.reminders.clear()
        due_at = time.perf_counter() + (due - datetime.now(zone)).total_seconds()
        expected = {plan.channel for plan in deployment.plans}
        expected |= {teams.personal_conversation(u) for plan in deployment.plans for u in plan.seat_holders}
        result.expected = len(expected)
        result.bound_s = len(expected) / TENANT_RATE
        # Done when every expected row exists and none is still on its way.
        give_up = due_at + 60 + 4 * result.bound_s
        while True:
            await asyncio.sleep(1.0)
            statuses = await reminder_statuses(database, list(events.values()), starts.astimezone(ZoneInfo("UTC")))
            open_rows = sum(statuses[s] for s in ("planned", "claimed", "sending"))
            if time.perf_counter() > due_at and sum(statuses.values()) >= len(expected) and not open_rows:
                break
            if time.perf_counter() > give_up:
                result.problems.append(f"not done {give_up - due_at:.0f} s after the due minute: rows {dict(statuses)}")
                break
        await asyncio.sleep(1.0)  # a card sent twice would come right after the first
        result.statuses = dict(statuses)
        received = connector.reminders
        result.received = sum(received.values())
        result.lost = sum(1 for c in expected if not received.get(c))
        result.doubled = sum(n - 1 for n in received.values() if n > 1)
        result.unexpected = sum(n for c, n in received.items() if c not in expected)
        if received:
            result.completion_s = connector.last_reminder - due_at
        if statuses.get("sent", 0) != len(expected) or sum(statuses.values()) != len(expected):
            result.problems.append(f"reminder rows {dict(statuses)}, expected {len(expected)} sent")
    finally:
        await database.close()
    return result


# --- the chat and the ballot burst -----------------------------------------------------------


def chatters(plans: list[ForumPlan]) -> list[teams.User]:
    """The seat holders of every forum but the first (the first forum votes)."""
    return [u for plan in plans[1:] for u in plan.seat_holders]


async def chat_with_ballots(
    deployment: Deployment, http: aiohttp.ClientSession, connector: ForumsConnector, users: list[teams.User], args
) -> tuple[Target, BallotRun]:
    first = deployment.plans[0]
    database = Database(deployment.url_database)
    try:
        vote_id = await database.the_vote(first.id)
        target = Target(
            f"{deployment.key}-chat-burst", deployment.label, deployment, expects_card=True, texts=CHAT_TEXTS
        )
        talking = asyncio.create_task(
            run_load(http, connector, target, users, args.messages, args.concurrency, record=True)
        )
        await asyncio.sleep(BURST_AFTER_SECONDS)
        ballots = BallotRun("postgresql", len(first.representatives))
        cpu = deployment.cpu_seconds()
        answers, ballots.wall = await burst(
            http,
            deployment,
            [
                teams.execute(
                    voter,
                    "vote.cast",
                    {"vote": vote_id, "choices": str(choice_of(i))},
                    connector.url,
                    kind="channel",
                    team=first.team,
                    channel=first.channel,
                )
                for i, voter in enumerate(first.representatives)
            ],
        )
        ballots.cpu = deployment.cpu_seconds() - cpu  # the chat's share included
        ballots.latencies = [a.latency for a in answers if a.status == 200]
        await talking
        check_ballots(ballots, answers, await database.counted(vote_id, first.id))
    finally:
        await database.close()
    return target, ballots


# --- figures -----------------------------------------------------------------------------------


def chat_figures(target: Target) -> dict:
    n = len(target.latencies)
    return {
        "requests": n + target.errors,
        "errors": target.errors,
        "first_error": target.first_error or None,
        **latency_figures(target.latencies),
        "per_s": round(n / target.wall, 1) if target.wall else None,
        "cpu_ms_per_message": round(target.cpu * 1000 / n, 2) if n else None,
    }


def ms(value) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def print_figures(result: dict, args) -> None:
    deployments = result["deployments"]
    print(
        f"Start to ready: launch of `python -m bot` until GET /readyz = 200 (target < {START_TARGET_SECONDS:g} s), "
        f"on a fresh database and again after the load; replicas launched together"
    )
    for d in deployments.values():
        print(
            f"  {d['label']:<38} fresh "
            + " / ".join(f"{s:.2f} s" for s in d["start_s"])
            + "; restart "
            + " / ".join(f"{s:.2f} s" for s in d["restart_s"])
        )
    print()
    print(
        f"Fan-out: every forum's needs deadline falls due in the same minute; the channel card and a nudge to every\n"
        f"seat holder, counted per conversation at the connector (bound: the cards at Teams' {TENANT_RATE:g}/s for the tenant)"
    )
    columns = ("expected", "received", "lost", "doubled", "elsewhere", "completion", "bound", "rows")
    print(f"  {'':<38}" + "".join(f"{c:>11}" for c in columns))
    for d in deployments.values():
        f = d.get("fan_out")
        if f:
            completion = "–" if f["completion_s"] is None else f"{f['completion_s']:.1f} s"
            cells = (
                f["expected"],
                f["received"],
                f["lost"],
                f["doubled"],
                f["unexpected"],
                completion,
                f"{f['bound_s']:.1f} s",
            )
            print(f"  {d['label']:<38}" + "".join(f"{c:>11}" for c in cells) + f"   {f['statuses']}")
            for problem in f["problems"]:
                print(f"      {problem}")
    print()
    print(
        f"Chat: {args.messages} typed messages ({', '.join(CHAT_TEXTS)} in turn) at concurrency {args.concurrency} from the\n"
        f"seat holders of every forum but the first, each until its reply reached the connector; CPU: of every process\n"
        f"of the deployment, over the messages"
    )
    columns = ("requests", "errors", "p50", "p95", "p99", "max", "req/s", "CPU/msg")
    print(f"  {'':<50}" + "".join(f"{c:>10}" for c in columns))
    rows = [
        (f"{d['label']}, {part}", d[key])
        for d in deployments.values()
        for key, part in (("chat", "alone"), ("chat_burst", "with the burst"))
        if key in d
    ]
    rows.append((f"echo bot ({EDGE}), alone", result["echo"]))
    for name, f in rows:
        cells = (
            f["requests"],
            f["errors"],
            ms(f.get("p50_ms")),
            ms(f.get("p95_ms")),
            ms(f.get("p99_ms")),
            ms(f.get("max_ms")),
            f["per_s"],
            f"{f['cpu_ms_per_message']} ms",
        )
        print(f"  {name:<50}" + "".join(f"{c:>10}" for c in cells))
        if f["first_error"]:
            print(f"      first error: {f['first_error']}")
    print()
    print("Ballot burst: every representative of the first forum presses vote.cast at once, during the chat above")
    for d in deployments.values():
        b = d.get("ballots")
        if b:
            verdict = "all counted" if not b["problems"] else "NOT COUNTED: " + "; ".join(b["problems"][:3])
            print(
                f"  {d['label']:<38} {b['requests']} ballots, p50 {ms(b.get('p50_ms'))}, p99 {ms(b.get('p99_ms'))}, "
                f"max {ms(b.get('max_ms'))}, burst {b['wall_s']:.2f} s   {verdict}"
            )
    print()
    print("Memory: RSS after the load (VmRSS) and its peak (VmHWM), per process")
    for d in deployments.values():
        print(f"  {d['label']:<38} " + " / ".join(f"{m['rss_mib']} MiB, peak {m['peak_mib']} MiB" for m in d["memory"]))


def targets(result: dict) -> tuple[list[dict], bool]:
    """The targets, and whether everything was delivered once and answered."""
    checks, sound = [], True
    deployments = result["deployments"]
    print()
    print("Targets")
    for d in deployments.values():
        base_key = d.get("compared_with")
        if base_key:
            base = deployments[base_key]
            ratio = d["chat"]["cpu_ms_per_message"] / base["chat"]["cpu_ms_per_message"]
            checks.append({"check": f"flat {d['key']}", "value": round(ratio, 2), "pass": ratio <= FLAT_TARGET})
            print(
                f"  {d['label']:<38} CPU per message {d['chat']['cpu_ms_per_message']} ms / "
                f"{base['chat']['cpu_ms_per_message']} ms of {base['label']} = {ratio:.2f}x "
                f"(target <= {FLAT_TARGET}x)   {'PASS' if ratio <= FLAT_TARGET else 'MISS'}"
            )
        peak = max(m["peak_bytes"] for m in d["memory"])
        slowest = max(d["restart_s"])
        checks.append({"check": f"rss {d['key']}", "value_bytes": peak, "pass": peak < RSS_TARGET_BYTES})
        checks.append({"check": f"start {d['key']}", "value_s": slowest, "pass": slowest < START_TARGET_SECONDS})
        print(
            f"  {d['label']:<38} RSS peak {peak / 1e6:.0f} MB (target < 250 MB)   {'PASS' if peak < RSS_TARGET_BYTES else 'MISS'};"
            f" restart to ready {slowest:.2f} s, fresh {max(d['start_s']):.2f} s (target < {START_TARGET_SECONDS:g} s)   "
            f"{'PASS' if slowest < START_TARGET_SECONDS else 'MISS'}"
        )
        f, b = d.get("fan_out"), d.get("ballots")
        errors = d["chat"]["errors"] + d.get("chat_burst", {}).get("errors", 0)
        once = f is None or (not f["lost"] and not f["doubled"] and not f["unexpected"] and not f["problems"])
        counted = b is None or not b["problems"]
        sound = sound and once and counted and not errors
        checks.append({"check": f"delivered {d['key']}", "pass": once and counted and not errors})
        if f:
            print(
                f"  {'':<38} reminders: {f['lost']} lost, {f['doubled']} doubled of {f['expected']}; ballots "
                f"{'all counted' if counted else 'NOT all counted'}; {errors} chat errors   "
                f"{'PASS' if once and counted and not errors else 'FAIL'}"
            )
    return checks, sound


# --- the run -------------------------------------------------------------------------------------


def memory_figures(deployment: Deployment) -> list[dict]:
    figures = []
    for process in deployment.processes:
        m = process.memory()
        figures.append(
            {
                "rss_mib": round(m.get("VmRSS", 0) / 2**20, 1),
                "peak_mib": round(m.get("VmHWM", 0) / 2**20, 1),
                "peak_bytes": m.get("VmHWM", 0),
            }
        )
    return figures


async def benchmark(args, databases: Databases, logs: Path, directory: Path) -> dict:
    settings = {
        "forums": args.forums,
        "members": args.members,
        "messages": args.messages,
        "blocks": args.blocks,
        "concurrency": args.concurrency,
        "replicas": args.replicas,
        "databases": ["postgresql"],
    }
    result = await header("every forum in one deployment", settings)
    plans = args.plans
    seats = sum(len(p.seats) for p in plans)
    people = len({u.aad_object_id for p in plans for u in (*p.statsforvalter, *p.seat_holders)})
    print(
        f"settings  {len(plans)} forums ({-(-len(plans) // 3)} offices × 3 schemes), {people} distinct members "
        f"({seats} seats, {seats // len(plans)}–{-(-seats // len(plans))} a forum); {args.messages} messages at "
        f"concurrency {args.concurrency} in {args.blocks} interleaved blocks; in one process and {args.replicas} "
        f"replicas, and one forum of the same seats in as many, all running at once"
    )
    print(flush=True)
    connector = ForumsConnector()
    for plan in plans:
        connector.teams[plan.team] = [u.member_record() for u in (*plan.statsforvalter, *plan.seat_holders)]
        for user in (*plan.statsforvalter, *plan.seat_holders):
            connector.members[user.id] = user.member_record()
            connector.installed.add(user.id)
    single = one_forum(plans)
    connector.teams[single.team] = [u.member_record() for u in (*single.statsforvalter, *single.seat_holders)]
    await connector.start()
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=4 * args.concurrency + 2 * len(plans) + 2 * max(len(p.seats) for p in plans)
        ),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT * 4),
    )
    echo = BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / "echo.log")
    # key, label, forums, processes, the deployment of one forum it is compared with (it then
    # takes the fan-out and the ballot burst too): the number of forums is all that differs.
    runs = (
        ("one-process", f"{len(plans)} forums, 1 process", plans, 1, "one-forum"),
        ("replicas", f"{len(plans)} forums, {args.replicas} replicas", plans, args.replicas, "one-forum-replicas"),
        ("one-forum", "1 forum of the same seats, 1 process", [single], 1, None),
        ("one-forum-replicas", f"1 forum of the same seats, {args.replicas} replicas", [single], args.replicas, None),
    )
    voting = [key for key, *_, compared_with in runs if compared_with]
    deployments: dict[str, Deployment] = {}
    out: dict[str, dict] = {}
    users = chatters(plans)
    try:
        await echo.ready(http)
        await run_load(
            http,
            connector,
            Target("echo-warm-up", "echo", echo, False, CHAT_TEXTS),
            users,
            len(users),
            args.concurrency,
            record=False,
        )
        # Started one after the other, so that each start is timed on its
        # own, and then all kept running, so that the chat can interleave.
        for key, label, forum_plans, replicas, compared_with in runs:
            deployment = await start(key, label, forum_plans, replicas, http, databases, logs, directory)
            deployments[key] = deployment
            out[key] = {
                "key": key,
                "label": label,
                "compared_with": compared_with,
                "start_s": [round(s, 3) for s in deployment.starts],
            }
        for deployment in deployments.values():
            await set_up(deployment, http, connector, args.concurrency)
            print(f"  {deployment.label}: set up", flush=True)
        for key in voting:
            out[key]["fan_out"] = vars(await fan_out(deployments[key], http, connector))
            print(f"  {deployments[key].label}: fan-out done", flush=True)
        chats = [
            Target(f"{key}-chat", d.label, d, expects_card=True, texts=CHAT_TEXTS) for key, d in deployments.items()
        ]
        chats.append(Target("echo", "echo", echo, expects_card=False, texts=CHAT_TEXTS))
        await run_interleaved(http, connector, chats, users, args.messages, args.blocks, args.concurrency)
        for key, target in zip(deployments, chats):
            out[key]["chat"] = chat_figures(target)
        result["echo"] = chat_figures(chats[-1])
        print("  chat done", flush=True)
        for key in voting:
            talked, voted = await chat_with_ballots(deployments[key], http, connector, users, args)
            out[key]["chat_burst"] = chat_figures(talked)
            out[key]["ballots"] = {
                "requests": voted.ballots,
                "problems": voted.problems[:10],
                "wall_s": round(voted.wall, 3),
                **latency_figures(voted.latencies),
            }
            print(f"  {deployments[key].label}: ballot burst done", flush=True)
        for key, deployment in deployments.items():
            out[key]["memory"] = memory_figures(deployment)
            deployment.stop()
        # Start to ready again on each database as the load left it: a restart.
        for key, deployment in deployments.items():
            deployment.starts = list(await asyncio.gather(*(p.ready(http, "readyz") for p in deployment.processes)))
            out[key]["restart_s"] = [round(s, 3) for s in deployment.starts]
            deployment.stop()
    finally:
        await http.close()
        await connector.stop()
        echo.stop()
        for deployment in deployments.values():
            deployment.stop()
    result["deployments"] = out
    result["loadavg_after"] = loadavg()
    print()
    print_figures(result, args)
    result["checks"], result["sound"] = targets(result)
    footer(result)
    print(
        f"Overall: {'every reminder once, every ballot counted, every message answered' if result['sound'] else 'LOST, DOUBLED OR UNANSWERED'}"
    )
    return result


async def main(args) -> int:
    result = await run_with_bots(
        args, "sfb-bench-forums-", lambda databases, logs, directory: benchmark(args, databases, logs, directory)
    )
    if result is None:
        return 1
    return 0 if result["sound"] else 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_forums", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--forums", type=int, default=30, help="forums, three an office (default 30)")
    parser.add_argument(
        "--members", type=int, default=1000, help="distinct members: Statsforvalters and seat holders (default 1000)"
    )
    parser.add_argument("--messages", type=int, default=1000, help="typed messages of the chat, per run (default 1000)")
    parser.add_argument("--blocks", type=int, default=5, help="interleaved blocks the chat is split into (default 5)")
    parser.add_argument("--concurrency", type=int, default=8, help="messages in flight (default 8)")
    parser.add_argument(
        "--replicas", type=int, default=3, help="bot processes of the replicated deployment (default 3)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="global limit in seconds (default 1800)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not 2 <= args.forums <= 300:
        parser.error("--forums must be between 2 (one votes, the others chat) and 300")
    offices = -(-args.forums // 3)
    if not offices + 4 * args.forums <= args.members <= MAX_MEMBERS:
        parser.error(f"--members must be between {offices + 4 * args.forums} (two seats a forum) and {MAX_MEMBERS}")
    if not 1 <= args.messages <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--messages must be 1..100000 and --concurrency 1..256")
    if not 1 <= args.blocks <= args.messages:
        parser.error("--blocks must be between 1 and --messages")
    if not 2 <= args.replicas <= 8:
        parser.error("--replicas must be between 2 and 8")
    if not 0 < args.timeout <= 4 * 3600:
        parser.error("--timeout must be at most 4 hours")
    if make_url(POSTGRES_URL).host not in LOOPBACK:
        parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
    args.plans = plan_forums(args.forums, args.members)
    return args


if __name__ == "__main__":
    run_main(main, parse_args)

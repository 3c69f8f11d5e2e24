"""How fast does the bot start and answer, next to a bare echo bot on the same SDK (BOT_SDK)?

    .venv/bin/python -m tests.benchmarks.bench_messages [--requests 1000]
        [--concurrency 8] [--seats 100] [--database sqlite|postgresql|both]
        [--json PATH]

Measured in one run, on this machine, everything on 127.0.0.1:

1. start-to-ready: `python -m bot` launched as a subprocess until GET /healthz
   answers 200, on an empty database (migrations and roster load) and again
   on the same database; median of --starts runs;
2. round trip of a typed `hjelp` in a personal chat: POST /api/messages until
   the bot's reply (an Adaptive Card) reaches a local Bot Connector, for
   the people of a roster of --seats seats (a representative and a deputy
   each, and the Statsforvalter), so the real identification path runs.
   So many, because each person's chat is held to Teams' limit for one
   conversation (8 messages in 2 s) as in Teams: with the example roster's
   25 people, 150 messages a second would be 6 a second per chat, which no
   person types and Teams would refuse (the echo bot does not pace, and
   the local connector does not refuse); 0 takes the example roster;
3. the same load on a bare echo bot on the same SDK (BOT_SDK) (tests/benchmarks/echo_bot.py),
   once with the SDK as shipped and once with the msrest patch our bot
   applies (bot/edge/botbuilder_sdk), interleaved block by block with ours so
   that drift on the machine hits all alike;
4. CPU per message (utime+stime of the bot process) and its RSS high-water
   mark (VmHWM) after the load;
5. the targets: our p99 within 1.2x the echo bot's (as shipped, and like for
   like with the patched one), our peak RSS under 150 MB.

The load generator and the connector live in this process; the bots are
subprocesses that are always stopped at the end, also on Ctrl-C, an error
or the global --timeout. A benchmark, not a test: pytest collects nothing
here."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import itertools
import json
import math
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

from bot.config import EXAMPLE_FORUM_CONFIG
from bot.forum.config_file import load_forum_config
from tests import teams
from tests.benchmarks.echo_bot import EDGE
from tests.benchmarks.procfs import memory
from tests.benchmarks.rosters import load_roster, write_roster
from tests.connector import LocalConnector, Received

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

P99_RATIO_TARGET = 1.2  # against the echo bot on the same edge
RSS_TARGET_BYTES = 150 * 1000 * 1000  # "150 MB", read strictly (= 143.1 MiB)

READY_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
MAX_REQUESTS = 100_000  # a typo in --requests must not turn into a soak test
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


# --- the bots as subprocesses ----------------------------------------------


def _die_with_parent() -> None:
    # If this process is killed outright (no finally runs), the kernel still
    # takes the bots down with it: PR_SET_PDEATHSIG = 1.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def free_port() -> int:
    # The bot listens on every interface, so the port must be free on all.
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROSOFT_APP_")}
    env.update(extra)
    return env


@dataclass(eq=False)  # identity: RUNNING is a set of live processes
class BotProcess:
    name: str
    module: str
    env: dict[str, str]
    log_path: Path
    args: tuple[str, ...] = ()
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def launch(self) -> None:
        self.port = free_port()
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                cwd=ROOT,
                env={**self.env, "PORT": str(self.port)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Our own session: a Ctrl-C reaches only us, and we stop the
                # bots in order (the database is dropped after they are gone).
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log.close()
        RUNNING.add(self)

    async def ready(self, http: aiohttp.ClientSession, probe: str = "healthz") -> float:
        """Launch and wait for GET /<probe> 200 (/healthz: it listens;
        /readyz: its database answers too); seconds from launch to ready."""
        started = time.perf_counter()
        self.launch()
        deadline = started + READY_TIMEOUT
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} before it was ready:\n{self.log_tail()}"
                )
            try:
                async with http.get(f"{self.url}{probe}", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.005)
        raise RuntimeError(f"{self.name} was not ready within {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime and stime are fields 14 and 15 of proc(5); 3 is the first after ")"
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory(self) -> dict[str, int]:
        return memory(self.pid)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        RUNNING.discard(self)
        if process is None or process.poll() is not None:
            return
        process.terminate()  # aiohttp shuts down cleanly on SIGTERM
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


RUNNING: set[BotProcess] = set()


def stop_all() -> None:
    for bot in list(RUNNING):
        bot.stop()


# --- PostgreSQL ---------------------------------------------------------------


async def admin_sql(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def postgres_version() -> str:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        return await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()


@dataclass
class Databases:
    """Databases this run made; whatever happens, they are dropped."""

    directory: Path
    postgres: list[str] = field(default_factory=list)

    async def new(self, kind: str, label: str) -> str:
        if kind == "sqlite":
            path = self.directory / label / "forum.db"
            path.parent.mkdir(parents=True, exist_ok=False)
            return f"sqlite+aiosqlite:///{path}"
        name = f"sfb_bench_{uuid.uuid4().hex[:12]}"
        await admin_sql(f'CREATE DATABASE "{name}"')
        self.postgres.append(name)
        return (
            make_url(POSTGRES_URL)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )

    async def drop_all(self) -> None:
        for name in self.postgres:
            try:
                await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as error:  # report, but let the other cleanups run
                print(f"warning: could not drop database {name}: {error}", file=sys.stderr)
        self.postgres.clear()


# --- the connector, with a waiter per request ------------------------------


class TimedConnector(LocalConnector):
    """The tests' local connector, which also tells each request's waiter
    when its reply arrived.

    A reply sent within the turn is posted to …/activities/{replyToId}, the
    id of the request it answers (the echo bot). Our bot sends its replies
    after the turn, through its deliverer (bot/handlers/turn.py), as proactive
    messages: their replyToId is botbuilder's continuation activity, no
    request of ours. Such a reply goes to the oldest request still waiting
    in its conversation, as the deliverer sends to a conversation one at a
    time; exact while a conversation has one request in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, asyncio.Future] = {}
        self._queues: dict[str, list[str]] = {}  # conversation id -> ids of requests waiting, oldest first

    def expect(self, activity: dict) -> asyncio.Future:
        """A future that gets (arrival time, Received) when the reply comes."""
        waiter = asyncio.get_running_loop().create_future()
        self.waiting[activity["id"]] = waiter
        self._queues.setdefault(activity["conversation"]["id"], []).append(activity["id"])
        return waiter

    def forget(self, activity: dict) -> None:
        self.waiting.pop(activity["id"], None)
        queue = self._queues.get(activity["conversation"]["id"])
        if queue is not None and activity["id"] in queue:
            queue.remove(activity["id"])
            if not queue:
                del self._queues[activity["conversation"]["id"]]

    async def _record(self, item: Received) -> None:
        arrived = time.perf_counter()
        waiter = self.waiting.pop(item.reply_to or item.activity.get("replyToId") or "", None)
        queue = self._queues.get(item.conversation_id) or []
        while waiter is None and queue:
            waiter = self.waiting.pop(queue.pop(0), None)
        if waiter is not None and not waiter.done():
            waiter.set_result((arrived, item))
        # Only the count matters here; keeping 1,000s of cards would only
        # grow this process.
        self.received.clear()


# --- the load ---------------------------------------------------------------


@dataclass
class Target:
    key: str
    label: str
    bot: BotProcess
    expects_card: bool
    texts: tuple[str, ...] = ("hjelp",)  # typed in turn, request by request
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    first_error: str = ""
    memory: dict[str, int] = field(default_factory=dict)


_request_ids = itertools.count(1)


async def one_request(
    http: aiohttp.ClientSession, connector: TimedConnector, target: Target, user: teams.User, text: str = "hjelp"
) -> float:
    activity = teams.message(user, text, connector.url)
    activity["id"] = f"bench-{next(_request_ids)}"
    waiter = connector.expect(activity)
    started = time.perf_counter()
    try:
        async with http.post(f"{target.bot.url}api/messages", json=activity) as response:
            body = await response.read()
            if not 200 <= response.status < 300:
                raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        try:
            arrived, reply = await asyncio.wait_for(waiter, REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            raise RuntimeError(f"no reply within {REQUEST_TIMEOUT:.0f} s") from None
    finally:
        connector.forget(activity)
    if target.expects_card:
        if not reply.cards:
            raise RuntimeError(f"reply without an Adaptive Card: {json.dumps(reply.activity)[:200]}")
    elif reply.activity.get("text") != text:
        raise RuntimeError(f"echo answered {reply.activity.get('text')!r}")
    return arrived - started


async def run_load(
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    target: Target,
    users: list[teams.User],
    count: int,
    concurrency: int,
    record: bool,
) -> None:
    """`count` requests, `concurrency` at a time; users in turn."""
    turns = iter(range(count))
    cpu_before = target.bot.cpu_seconds()
    started = time.perf_counter()

    async def worker() -> None:
        for i in turns:
            try:
                text = target.texts[i % len(target.texts)]
                latency = await one_request(http, connector, target, users[i % len(users)], text)
            except Exception as error:
                if record:
                    target.errors += 1
                    target.first_error = target.first_error or f"{type(error).__name__}: {error}"
                    continue
                raise RuntimeError(f"warm-up of {target.label} failed: {error}\n{target.bot.log_tail()}") from error
            if record:
                target.latencies.append(latency)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if record:
        target.wall += time.perf_counter() - started
        target.cpu += target.bot.cpu_seconds() - cpu_before


async def run_interleaved(
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    targets: list[Target],
    users: list[teams.User],
    total: int,
    blocks: int,
    concurrency: int,
) -> None:
    """`total` requests to every target, in `blocks` blocks taken in turn.
    The order rotates block by block, so that no bot always meets the
    freshest machine: on a shared machine the same work measured minutes
    apart differed by 1.4x."""
    for block, count in enumerate(split(total, blocks)):
        for target in targets[block % len(targets) :] + targets[: block % len(targets)]:
            await run_load(http, connector, target, users, count, concurrency, record=True)


def roster_users() -> list[teams.User]:
    """Everyone in the example roster who has an Entra object id, so the bot
    identifies them from its database (no member look-up)."""
    forum = load_forum_config(EXAMPLE_FORUM_CONFIG)[0]
    people = list(forum.statsforvalter)
    for organisation in forum.organisations:
        for seat in organisation.seats:
            people += [p for p in (seat.representative, seat.deputy) if p is not None]
    return [teams.User(p.name, p.aad_object_id, p.email) for p in people if p.aad_object_id]


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# --- figures ----------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: a value that was really measured."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(target: Target) -> dict:
    ordered = sorted(target.latencies)
    n = len(ordered)
    figures = {
        "requests": n + target.errors,
        "errors": target.errors,
        "first_error": target.first_error or None,
        "throughput_per_s": round(n / target.wall, 1) if target.wall else None,
        "cpu_ms_per_message": round(target.cpu * 1000 / n, 2) if n else None,
        "rss_peak_mib": round(target.memory.get("VmHWM", 0) / 2**20, 1),
        "rss_now_mib": round(target.memory.get("VmRSS", 0) / 2**20, 1),
    }
    if n:
        figures.update(
            median_ms=round(statistics.median(ordered) * 1000, 1),
            mean_ms=round(statistics.fmean(ordered) * 1000, 1),
            p95_ms=round(percentile(ordered, 95) * 1000, 1),
            p99_ms=round(percentile(ordered, 99) * 1000, 1),
            max_ms=round(ordered[-1] * 1000, 1),
        )
    return figures


ON_BOTBUILDER = EDGE == "botbuilder"


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in (
        "botbuilder-core",
        "microsoft-agents-hosting-core",
        "aiohttp",
        "SQLAlchemy",
        "aiosqlite",
        "asyncpg",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "code": code_version(),
    }


def code_version() -> str:
    """The commit measured, and whether the work tree differs from it: the
    figures belong to the code as it was, not to a commit message."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit} + uncommitted changes" if dirty else commit


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the run -----------------------------------------------------------------


async def measure_starts(http: aiohttp.ClientSession, databases: Databases, kind: str, runs: int, logs: Path) -> dict:
    first, second = [], []
    for run in range(runs):
        url = await databases.new(kind, f"start-{kind}-{run}")
        env = child_env(DATABASE_URL=url, FORUM_CONFIG=str(EXAMPLE_FORUM_CONFIG))
        bot = BotProcess(f"bot ({kind})", "bot", env, logs / f"start-{kind}-{run}.log")
        try:
            first.append(round(await bot.ready(http), 4))
            bot.stop()
            second.append(round(await bot.ready(http), 4))
        finally:
            bot.stop()
    return {"first_s": first, "second_s": second}


async def measure_echo_starts(http: aiohttp.ClientSession, runs: int, logs: Path) -> dict:
    times = []
    for run in range(runs):
        bot = BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / f"start-echo-{run}.log")
        try:
            times.append(round(await bot.ready(http), 4))
        finally:
            bot.stop()
    return {"first_s": times, "second_s": []}


async def header(title: str, settings: dict) -> dict:
    """Print what the figures were measured on; the start of a result."""
    result: dict = {"machine": machine(), "settings": settings}
    m = result["machine"]
    print(f"samarbeidsforum-bot: {title}")
    print(f"machine   {m['cpus']} CPUs ({m['cpus_usable']} usable), {m['cpu_model'] or 'unknown CPU'}")
    print(f"          Python {m['python']}, {m['platform']}")
    print("packages  " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    print(f"code      {m['code']}")
    m["edge"] = EDGE
    print(f"edge      {EDGE} (BOT_SDK), for our bot and the echo bot")
    if "postgresql" in settings["databases"]:
        m["postgresql"] = await postgres_version()
        print(f"          PostgreSQL server {m['postgresql']} on {make_url(POSTGRES_URL).host}")
    result["loadavg_before"] = loadavg()
    print(f"load avg  {result['loadavg_before']} (1/5/15 min) before the run")
    return result


def footer(result: dict) -> None:
    """The machine's load after the run and this process's CPU: the end of a result."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["benchmark_process_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    print()
    print(
        f"load avg  {result['loadavg_after']} after the run; this process (client + connector) used "
        f"{result['benchmark_process_cpu_s']} s CPU in all"
    )


async def benchmark(args: argparse.Namespace, databases: Databases, logs: Path, directory: Path) -> dict:
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    settings = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "blocks": args.blocks,
        "starts": args.starts,
        "seats": args.seats,
        "databases": kinds,
    }
    result = await header("message benchmark", settings)
    print(
        f"settings  {args.requests} requests per bot at concurrency {args.concurrency}, "
        f"in {args.blocks} interleaved blocks, after {args.warmup} warm-up requests (excluded); "
        f"{args.starts} starts each; " + (f"a roster of {args.seats} seats" if args.seats else "the example roster")
    )
    print(flush=True)

    if args.seats:
        forum_config = directory / "forum.yaml"
        write_roster(forum_config, args.seats)
        users = load_roster(forum_config).everyone
    else:
        forum_config, users = EXAMPLE_FORUM_CONFIG, roster_users()
    connector = TimedConnector()
    for user in users:
        connector.members[user.id] = user.member_record()
    await connector.start()
    targets: list[Target] = []
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.concurrency * 2), timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    )
    try:
        # 1. start-to-ready ------------------------------------------------
        starts = {}
        for kind in kinds:
            starts[f"ours-{kind}"] = await measure_starts(http, databases, kind, args.starts, logs)
        starts["echo"] = await measure_echo_starts(http, args.starts, logs)
        result["startup"] = starts
        print(f"Start to ready: launch of `python -m <bot>` until GET /healthz = 200 (median of {args.starts})")
        print(f"  {'bot':<20} {'empty database':>16} {'same database again':>21}   all runs (ms)")
        for key, runs in starts.items():
            first = statistics.median(runs["first_s"]) * 1000
            second = f"{statistics.median(runs['second_s']) * 1000:.0f} ms" if runs["second_s"] else "–"
            every = " / ".join(
                ", ".join(f"{t * 1000:.0f}" for t in runs[k]) for k in ("first_s", "second_s") if runs[k]
            )
            runs["median_first_ms"] = round(first, 1)
            runs["median_second_ms"] = (
                round(statistics.median(runs["second_s"]) * 1000, 1) if runs["second_s"] else None
            )
            print(f"  {label_of(key):<20} {first:>13.0f} ms {second:>21}   {every}")
        print("  (echo has no database: its one column is a plain start)")
        print(flush=True)

        # 2./3. the load, interleaved ----------------------------------------
        for kind in kinds:
            url = await databases.new(kind, f"load-{kind}")
            env = child_env(DATABASE_URL=url, FORUM_CONFIG=str(forum_config))
            bot = BotProcess(f"bot ({kind})", "bot", env, logs / f"load-{kind}.log")
            targets.append(Target(f"ours-{kind}", label_of(f"ours-{kind}"), bot, expects_card=True))
        echo = BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / "load-echo.log")
        targets.append(Target("echo", label_of("echo"), echo, expects_card=False))
        if ON_BOTBUILDER:  # the msrest patch is botbuilder's alone
            patched = BotProcess(
                "echo (patched)",
                "tests.benchmarks.echo_bot",
                child_env(),
                logs / "load-echo-patched.log",
                args=("--msrest-patch",),
            )
            targets.append(Target("echo-patched", label_of("echo-patched"), patched, expects_card=False))
        for target in targets:
            await target.bot.ready(http)
        # Every roster person once at least: the first message of each stores
        # their chat reference (a write); the steady state is what we measure.
        warmup = max(args.warmup, len(users))
        for target in targets:
            await run_load(http, connector, target, users, warmup, args.concurrency, record=False)
        await run_interleaved(http, connector, targets, users, args.requests, args.blocks, args.concurrency)
        for target in targets:
            target.memory = target.bot.memory()
    finally:
        await http.close()
        await connector.stop()
        for target in targets:
            target.bot.stop()

    result["loadavg_after"] = loadavg()
    figures = {t.key: summary(t) for t in targets}
    result["round_trip"] = figures
    print(
        f"Round trip of `hjelp` in a personal chat: POST /api/messages until the reply reaches the connector\n"
        f"({args.requests} requests per bot at concurrency {args.concurrency}; RSS peak = VmHWM after the load)"
    )
    columns = ("median", "p95", "p99", "max", "req/s", "CPU/msg", "RSS peak", "errors")
    print(f"  {'bot':<20}" + "".join(f"{h:>10}" for h in columns))
    for target in targets:
        f = figures[target.key]
        cells = [
            f"{f.get('median_ms', float('nan')):.1f} ms",
            f"{f.get('p95_ms', float('nan')):.1f} ms",
            f"{f.get('p99_ms', float('nan')):.1f} ms",
            f"{f.get('max_ms', float('nan')):.1f} ms",
            f"{f['throughput_per_s']}",
            f"{f['cpu_ms_per_message']} ms",
            f"{f['rss_peak_mib']} MiB",
            f"{f['errors']}",
        ]
        print(f"  {target.label:<20}" + "".join(f"{c:>10}" for c in cells))
    for target in targets:
        if target.errors:
            print(f"  {target.label}: first error: {target.first_error}")
    if ON_BOTBUILDER:
        print(
            f"  ({label_of('echo-patched')}: the echo bot with our msrest patch; its RSS includes our edge's modules)"
        )
    print()

    checks = []
    print("Targets")
    for kind in kinds:
        ours = figures[f"ours-{kind}"]
        label = label_of(f"ours-{kind}")
        # The shipped SDK is the stated baseline; the patched echo bot shows
        # how much of the difference is our msrest patch alone.
        baselines = (("echo", "echo", f"p99 {kind}"), ("echo-patched", "patched echo", f"p99 {kind} like for like"))
        baselines = baselines if ON_BOTBUILDER else baselines[:1]
        for baseline, name, check in baselines:
            echo_f = figures[baseline]
            if "p99_ms" in ours and "p99_ms" in echo_f:
                ratio = ours["p99_ms"] / echo_f["p99_ms"]
                ok = ratio <= P99_RATIO_TARGET and not ours["errors"]
                checks.append({"check": check, "value": round(ratio, 2), "target": P99_RATIO_TARGET, "pass": ok})
                print(
                    f"  {label:<20} p99 {ours['p99_ms']:.1f} ms / {name} {echo_f['p99_ms']:.1f} ms = {ratio:.2f}x"
                    f"  (target <= {P99_RATIO_TARGET}x)   {'PASS' if ok else 'MISS'}"
                )
            if "median_ms" in ours and "median_ms" in echo_f:
                print(
                    f"  {'':<20} for context: median {ours['median_ms'] / echo_f['median_ms']:.2f}x, "
                    f"CPU/msg {ours['cpu_ms_per_message'] / echo_f['cpu_ms_per_message']:.2f}x, "
                    f"throughput {ours['throughput_per_s'] / echo_f['throughput_per_s']:.2f}x the {name} bot's"
                )
        peak = next(t for t in targets if t.key == f"ours-{kind}").memory.get("VmHWM", 0)
        ok = 0 < peak < RSS_TARGET_BYTES
        checks.append({"check": f"rss {kind}", "value_bytes": peak, "target_bytes": RSS_TARGET_BYTES, "pass": ok})
        print(
            f"  {label:<20} RSS peak {peak / 2**20:.1f} MiB ({peak / 1e6:.1f} MB)"
            f"  (target < 150 MB = {RSS_TARGET_BYTES / 2**20:.1f} MiB)   {'PASS' if ok else 'MISS'}"
        )
    result["checks"] = checks
    footer(result)
    return result


def label_of(key: str) -> str:
    return {
        "ours-sqlite": "ours (SQLite)",
        "ours-postgresql": "ours (PostgreSQL)",
        "echo": f"echo ({EDGE})",
        "echo-patched": "echo (msrest patch)",
    }[key]


async def run_with_bots(args: argparse.Namespace, prefix: str, benchmark) -> dict | None:
    """``benchmark(databases, logs, directory)`` within ``args.timeout``, in a
    temporary directory; afterwards every bot is stopped and every database
    dropped, and the figures go to ``args.json`` when asked. None on timeout."""
    task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        databases = Databases(Path(tmp))
        try:
            result = await asyncio.wait_for(benchmark(databases, logs, Path(tmp)), args.timeout)
        except asyncio.TimeoutError:
            print(f"\nbenchmark: gave up after the global timeout of {args.timeout:.0f} s", file=sys.stderr)
            return None
        finally:
            stop_all()
            await databases.drop_all()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return result


def run_main(main, parse_args) -> None:
    """The command line: exit with what ``main`` returns; Ctrl-C stops cleanly."""
    arguments = parse_args()
    try:
        sys.exit(asyncio.run(main(arguments)))
    except KeyboardInterrupt:
        print("\nbenchmark: interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        stop_all()  # the last guard; normally everything is stopped already


async def main(args: argparse.Namespace) -> int:
    result = await run_with_bots(args, "sfb-bench-", lambda databases, logs, tmp: benchmark(args, databases, logs, tmp))
    return 1 if result is None else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_messages", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per bot (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight per bot (default 8)")
    parser.add_argument(
        "--seats", type=int, default=100, help="seats of the roster written (default 100; 0: the example roster)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests per bot first (default 50)")
    parser.add_argument("--blocks", type=int, default=5, help="interleaved blocks the load is split into (default 5)")
    parser.add_argument("--starts", type=int, default=3, help="start-to-ready runs per bot (default 3)")
    parser.add_argument("--timeout", type=float, default=900, help="global limit in seconds (default 900)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if not 0 <= args.seats <= 2000:
        parser.error("--seats must be between 0 and 2000")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    if not 1 <= args.blocks <= args.requests:
        parser.error("--blocks must be between 1 and --requests")
    if not 1 <= args.starts <= 20 or not 0 <= args.warmup <= MAX_REQUESTS:
        parser.error("--starts must be 1..20 and --warmup 0..100000")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be at most 3600 s")
    if args.database != "sqlite" and make_url(POSTGRES_URL).host not in LOOPBACK:
        parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
    return args


if __name__ == "__main__":
    run_main(main, parse_args)

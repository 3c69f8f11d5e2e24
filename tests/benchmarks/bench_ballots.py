"""Are 200 ballots cast at the same moment all counted, and how long does
each voter wait, next to a bare echo bot on the same SDK (BOT_SDK) under the same burst?

    .venv/bin/python -m tests.benchmarks.bench_ballots [--sqlite] [--postgres]
        [--ballots 200[,800,…]] [--rounds 1] [--timeout 600] [--json PATH]

Without --sqlite or --postgres both databases run. Measured in one run, on
this machine, everything on 127.0.0.1, for each roster size of --ballots
on each database (each a fresh bot on a fresh database):

1. a forum of --ballots organisations with one seat each (a representative
   and a deputy, all with Entra object ids) is written to a roster file in a
   temporary directory; our bot (`python -m bot`, a subprocess) starts on it
   with a fresh database (a SQLite file, or a new PostgreSQL database made
   over the admin connection as tests/conftest.py does) and
   SCHEDULER_INTERVAL_SECONDS=0;
2. the Statsforvalter binds the forum channel (`oppsett` in the channel) and
   opens a live one-choice vote of three options with the form (vote.open),
   so the vote's shared card is posted in the channel;
3. warm-up, excluded: every voter presses vote.refresh at once (reads only),
   which also opens the client's connections; the echo bot
   (tests/benchmarks/echo_bot.py, a subprocess) gets a burst of messages;
4. the baseline: --ballots messages to the echo bot at once, each timed
   until its reply reaches the local connector (bench_messages' round trip);
5. the burst: every seat's representative presses vote.cast on the channel
   card, all at once (asyncio.gather over one aiohttp session), each timed
   from POST /api/messages until the invoke answer has been read;
6. checks: every answer is 200 with the voter's own card saying "Du stemte";
   the database has exactly --ballots rows in `ballots` and in
   `ballot_casts` for the vote; the bot's own count of the vote sums to
   --ballots, option by option as cast; and the channel card, updated by
   PUTs that coalesce a burst, ends showing every seat as voted.

With several sizes (`--ballots 200,800`), whether CPU per ballot grows with
the roster is one figure of one run: --rounds rounds of every size, the
order reversed every other round (200, 800, 800, 200, …) so that a machine
getting slower or faster over the run weighs on both sizes alike; per
database, the median CPU per ballot of each size and its ratio to the
smallest size's.

Printed: per database the requests, whether all were counted, p50/p99/max
latency, the wall time of the burst, ballots per second, the bot's CPU per
ballot and its CPU over the burst's wall time (100 % = the one core its
event loop can use: below that it waits, for a lock or the database), its
peak RSS and the ratio of its p99 to the echo bot's p99 in the burst just
before; on PostgreSQL also what the bot's sessions did on average during
the burst (pg_stat_activity every 50 ms); then the channel card's PUTs,
and with several sizes the CPU per ballot by roster size. Exit status 2 when any
ballot was not counted, 1 on the global --timeout. A benchmark, not a test:
pytest collects nothing here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.forum.votes.service import vote_state
from storage.database import create_engine, session_factory
from storage.models import BallotCastRow, BallotRow
from storage.unit_of_work import UnitOfWork
from tests import teams
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
    label_of,
    loadavg,
    percentile,
    run_load,
    run_main,
    run_with_bots,
)
from tests.benchmarks.rosters import FORUM_ID, TIMEZONE, Roster, load_roster, write_roster
from tests.card_reading import texts

OPTIONS = ("Lesekurs", "Digital kompetanse", "Norsk på arbeidsplassen")
MAX_BALLOTS = 2000  # the shared card lists every seat; past this it outgrows a Teams message
SETTLE_TIMEOUT = 60.0  # for the channel card to show every ballot after the burst
QUIET = 3.0  # no card update for this long (the coalescing pause is 1 s): the updates are over
GIVE_UP = 15.0  # no card update for this long and the card never showed every ballot: it will not
PARTICIPATION = re.compile(r"(\d+) av (\d+) seter har stemt")


def choice_of(i: int) -> int:
    """The option the i-th voter picks: 1, 2, 3, 1, 2, …"""
    return i % len(OPTIONS) + 1


# --- the connector: counts what reaches the forum channel ------------------------------


class ChannelConnector(TimedConnector):
    """bench_messages' connector (a waiter per message, for the echo bot),
    which also notes every card sent to and updated in the forum channel."""

    def __init__(self) -> None:
        super().__init__()
        self.channel_posts = 0
        self.channel_updates: list[tuple[float, int | None]] = []  # (arrived, seats shown as voted)

    async def _record(self, item) -> None:
        if item.conversation_id == teams.CHANNEL and item.cards:
            if item.method == "update":
                shown = PARTICIPATION.search(texts(item.cards[0]))
                self.channel_updates.append((time.perf_counter(), int(shown.group(1)) if shown else None))
            else:
                self.channel_posts += 1
        await super()._record(item)


# --- talking to the bot -----------------------------------------------------------------


@dataclass
class Answer:
    latency: float
    status: int
    body: bytes
    error: str = ""


async def post(http: aiohttp.ClientSession, bot: BotProcess, activity: dict) -> Answer:
    started = time.perf_counter()
    try:
        async with http.post(f"{bot.url}api/messages", json=activity) as response:
            body = await response.read()
            return Answer(time.perf_counter() - started, response.status, body)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return Answer(time.perf_counter() - started, 0, b"", f"{type(error).__name__}: {error}")


def card_of(answer: Answer) -> dict | None:
    """The invoke answer's card; None when it is not a card."""
    try:
        value = json.loads(answer.body).get("value")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, dict) else None


def card_text(answer: Answer) -> str | None:
    """The text of the invoke answer's card; None when it is not a card."""
    card = card_of(answer)
    return None if card is None else texts(card)


async def bind_channel(http: aiohttp.ClientSession, connector: TimedConnector, bot: BotProcess, roster: Roster) -> None:
    """The Statsforvalter's `oppsett` in the forum channel."""
    setup = await post(http, bot, teams.message(roster.statsforvalter, "oppsett", connector.url, kind="channel"))
    if setup.status not in (200, 201):
        raise RuntimeError(f"oppsett answered {setup.status} {setup.error}: {setup.body[:200]!r}\n{bot.log_tail()}")


async def set_up(http: aiohttp.ClientSession, connector: ChannelConnector, bot: BotProcess, roster: Roster) -> None:
    """`oppsett` in the channel, then the form's vote.open: the card is posted."""
    await bind_channel(http, connector, bot, roster)
    await open_vote(http, connector, bot, roster.statsforvalter)


async def open_vote(
    http: aiohttp.ClientSession, connector: TimedConnector, bot: BotProcess, statsforvalter: teams.User
) -> None:
    """The Statsforvalter's vote.open with the form, in their personal chat:
    a live one-choice vote of OPTIONS, its card posted in the forum channel."""
    closes = datetime.now(ZoneInfo(TIMEZONE)) + timedelta(days=3)
    form = {
        "question": "Hvilket tiltak skal prioriteres først?",
        "options": "\n".join(OPTIONS),
        "mode": "one",
        "close_date": closes.date().isoformat(),
        "close_time": "12:00",
        "live": "true",
    }
    opened = await post(http, bot, teams.execute(statsforvalter, "vote.open", form, connector.url))
    said = card_text(opened) or ""
    if opened.status != 200 or "er lagt ut i forumets kanal" not in said:
        raise RuntimeError(f"vote.open answered {opened.status}: {said or opened.body[:300]!r}\n{bot.log_tail()}")


def press(voter: teams.User, verb: str, data: dict, connector: ChannelConnector) -> dict:
    """A press of the vote card in the forum channel."""
    return teams.execute(voter, verb, data, connector.url, kind="channel")


async def burst(http: aiohttp.ClientSession, bot: BotProcess, activities: list[dict]) -> tuple[list[Answer], float]:
    started = time.perf_counter()
    answers = await asyncio.gather(*(post(http, bot, a) for a in activities))
    return answers, time.perf_counter() - started


# --- the database ---------------------------------------------------------------------------


class Database:
    """The bench's own view of the bot's database, through the bot's unit of work."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def the_vote(self, forum_id: str = FORUM_ID) -> int:
        async with UnitOfWork(self.sessions) as uow:
            votes = await uow.votes.of_forum(forum_id)
        if len(votes) != 1:
            raise RuntimeError(f"expected the one vote opened, found {len(votes)}")
        return votes[0].id

    async def counted(self, vote_id: int, forum_id: str = FORUM_ID) -> dict:
        async with UnitOfWork(self.sessions) as uow:

            async def rows(model) -> int:
                return await uow.session.scalar(select(func.count()).select_from(model).where(model.vote_id == vote_id))

            ballots, casts = await rows(BallotRow), await rows(BallotCastRow)
            forum = await uow.forums.get(forum_id)
            state = await vote_state(uow, forum, vote_id)
        result = state.result()
        per_option = {o: p.votes for p in result.places for o in p.options}
        return {
            "ballots_rows": ballots,
            "ballot_casts_rows": casts,
            "tally_ballots": result.ballots,
            "tally_votes": sum(per_option.values()),
            "tally_per_option": dict(sorted(per_option.items())),
            "seats_voted": state.voted,
        }

    async def close(self) -> None:
        await self.engine.dispose()


class LockWaits:
    """What the bot's PostgreSQL sessions do during the burst: pg_stat_activity
    every 50 ms over one extra connection, averaged per state."""

    def __init__(self, url: str) -> None:
        self.database = make_url(url).database
        self.samples: list[Counter] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        import asyncpg

        admin = make_url(POSTGRES_URL)
        self._connection = await asyncpg.connect(
            host=admin.host,
            port=admin.port or 5432,
            user=admin.username,
            password=admin.password,
            database=admin.database,
        )
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            rows = await self._connection.fetch(
                "SELECT state, wait_event_type FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
                self.database,
            )
            self.samples.append(Counter(self._state(r["state"], r["wait_event_type"]) for r in rows))
            await asyncio.sleep(0.05)

    @staticmethod
    def _state(state: str | None, wait: str | None) -> str:
        if state == "active":
            return "waiting for a lock" if wait == "Lock" else "running a statement"
        if state == "idle in transaction":
            return "in a transaction, waiting for the bot"
        return "idle in the pool"

    async def stop(self) -> dict[str, float]:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._connection.close()
        total = Counter()
        for sample in self.samples:
            total.update(sample)
        return (
            {state: round(count / len(self.samples), 1) for state, count in total.most_common()} if self.samples else {}
        )


# --- one database ----------------------------------------------------------------------------


@dataclass
class Run:
    kind: str
    ballots: int
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    memory: dict[str, int] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    database: dict = field(default_factory=dict)
    card_updates: int = 0
    card_posts: int = 0
    card_caught_up_s: float | None = None
    card_shows: int | None = None
    echo: Target | None = None
    sessions: dict[str, float] = field(default_factory=dict)  # PostgreSQL: mean sessions per state in the burst

    @property
    def counted(self) -> bool:
        return not self.problems


def check(run: Run, answers: list[Answer], counted: dict) -> None:
    n = run.ballots
    for i, answer in enumerate(answers):
        run.statuses[answer.status] += 1
        if answer.status != 200:
            run.problems.append(f"voter {i}: HTTP {answer.status} {answer.error or answer.body[:200]!r}")
            continue
        text = card_text(answer)
        if text is None or "Du stemte" not in text:
            run.problems.append(
                f"voter {i}: answer without 'Du stemte': {(text or answer.body.decode(errors='replace'))[:200]!r}"
            )
    run.database = counted
    cast = Counter(choice_of(i) for i in range(n))
    expected = {option: cast[option] for option in range(1, len(OPTIONS) + 1)}
    for key, want in (
        ("ballots_rows", n),
        ("ballot_casts_rows", n),
        ("tally_ballots", n),
        ("tally_votes", n),
        ("seats_voted", n),
    ):
        if counted[key] != want:
            run.problems.append(f"database: {key} = {counted[key]}, expected {want}")
    if counted["tally_per_option"] != expected:
        run.problems.append(f"database: per option {counted['tally_per_option']}, expected {expected}")


async def card_settled(connector: ChannelConnector, ballots: int, burst_end: float) -> float | None:
    """Wait until the channel card shows every ballot and no update has come
    for QUIET seconds (GIVE_UP seconds while it does not show them all);
    seconds from the burst's end to the card showing all, None if never."""
    deadline = time.perf_counter() + SETTLE_TIMEOUT
    caught_up = None
    while time.perf_counter() < deadline:
        updates = connector.channel_updates
        if caught_up is None:
            caught_up = next((at - burst_end for at, shown in updates if shown == ballots), None)
        last = updates[-1][0] if updates else burst_end
        quiet = time.perf_counter() - last
        if quiet >= (QUIET if caught_up is not None else GIVE_UP):
            break
        await asyncio.sleep(0.1)
    return caught_up


async def measure(
    kind: str,
    http: aiohttp.ClientSession,
    connector: ChannelConnector,
    roster: Roster,
    echo: BotProcess,
    databases: Databases,
    logs: Path,
    name: str,
) -> Run:
    """One burst of a ballot from every seat of ``roster``, on a fresh bot
    and database called ``name``."""
    n = len(roster.voters)
    run = Run(kind, n)
    url = await databases.new(kind, name)
    env = child_env(DATABASE_URL=url, FORUM_CONFIG=str(roster.path), SCHEDULER_INTERVAL_SECONDS="0")
    bot = BotProcess(f"bot ({kind})", "bot", env, logs / f"{name}.log")
    database = Database(url)
    try:
        await bot.ready(http)
        await set_up(http, connector, bot, roster)
        vote_id = await database.the_vote()
        await database.close()  # no connection of ours beside the bot's in the burst (it reconnects after)

        # Warm-up: every voter looks at the card once, all at once (reads).
        answers, _ = await burst(
            http, bot, [press(v, "vote.refresh", {"vote": vote_id}, connector) for v in roster.voters]
        )
        bad = [a for a in answers if a.status != 200 or card_text(a) is None]
        if bad:
            raise RuntimeError(f"warm-up of {kind}: {len(bad)} refreshes failed, e.g. {bad[0]}\n{bot.log_tail()}")

        # The baseline, right before: the same burst size to the echo bot.
        run.echo = Target(f"echo-{kind}", label_of("echo"), echo, expects_card=False)
        await run_load(http, connector, run.echo, roster.voters, n, n, record=True)

        # The burst.
        activities = [
            press(voter, "vote.cast", {"vote": vote_id, "choices": str(choice_of(i))}, connector)
            for i, voter in enumerate(roster.voters)
        ]
        connector.channel_updates.clear()
        connector.channel_posts = 0
        waits = LockWaits(url) if kind == "postgresql" else None
        if waits:
            await waits.start()
        cpu_before = bot.cpu_seconds()
        try:
            answers, run.wall = await burst(http, bot, activities)
            run.cpu = bot.cpu_seconds() - cpu_before
        finally:
            if waits:
                run.sessions = await waits.stop()
        burst_end = time.perf_counter()
        run.latencies = [a.latency for a in answers if a.status == 200]
        run.card_caught_up_s = await card_settled(connector, n, burst_end)
        run.card_updates = len(connector.channel_updates)
        run.card_posts = connector.channel_posts
        run.card_shows = connector.channel_updates[-1][1] if connector.channel_updates else None
        check(run, answers, await database.counted(vote_id))
        if run.card_shows != n:
            run.problems.append(f"channel card: the last update shows {run.card_shows} of {n} seats as voted")
        run.memory = bot.memory()
    finally:
        await database.close()
        bot.stop()
    return run


# --- figures ----------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def figures(run: Run) -> dict:
    ordered = sorted(run.latencies)
    echo = sorted(run.echo.latencies) if run.echo else []
    out = {
        "database": run.kind,
        "requests": run.ballots,
        "answered_200": run.statuses.get(200, 0),
        "all_counted": run.counted,
        "problems": run.problems[:20],
        "wall_s": round(run.wall, 3),
        "ballots_per_s": round(run.ballots / run.wall, 1) if run.wall else None,
        "cpu_ms_per_ballot": round(run.cpu * 1000 / run.ballots, 1),
        "bot_busy_percent": round(run.cpu * 100 / run.wall) if run.wall else None,
        "postgresql_sessions": run.sessions,
        "rss_peak_mib": round(run.memory.get("VmHWM", 0) / 2**20, 1),
        "database_counts": run.database,
        "channel_card": {
            "posts": run.card_posts,
            "updates": run.card_updates,
            "caught_up_after_burst_s": None if run.card_caught_up_s is None else round(run.card_caught_up_s, 2),
            "last_shows_voted": run.card_shows,
        },
    }
    for name, values in (("", ordered), ("echo_", echo)):
        if values:
            out.update(
                {
                    f"{name}p50_ms": round(percentile(values, 50) * 1000, 1),
                    f"{name}p99_ms": round(percentile(values, 99) * 1000, 1),
                    f"{name}max_ms": round(values[-1] * 1000, 1),
                }
            )
    if run.echo:
        out["echo_requests"] = len(echo) + run.echo.errors
        out["echo_errors"] = run.echo.errors
        out["echo_wall_s"] = round(run.echo.wall, 3)
        out["echo_per_s"] = round(len(echo) / run.echo.wall, 1) if run.echo.wall else None
    if ordered and echo:
        out["p99_over_echo_p99"] = round(out["p99_ms"] / out["echo_p99_ms"], 2)
    return out


def name_of(run: Run, sizes: list[int]) -> str:
    label = label_of("ours-" + run.kind)
    return label if len(sizes) == 1 else f"{label} {run.ballots}"


def print_table(runs: list[Run], table: list[dict], sizes: list[int]) -> None:
    n = "/".join(map(str, sizes))
    print(
        f"Ballots: {n} Action.Execute `vote.cast` invokes at once (one per seat, from the channel card),\n"
        f"POST /api/messages until the invoke answer (the voter's own card) is read; the echo bot: as many\n"
        f"messages at once, each until its reply reached the connector, in the burst just before"
    )
    columns = (
        "requests",
        "counted",
        "p50",
        "p99",
        "max",
        "wall",
        "per s",
        "CPU/ballot",
        "bot busy",
        "RSS peak",
        "p99/echo",
    )
    print(f"  {'':<24}" + "".join(f"{h:>11}" for h in columns))
    for run, f in zip(runs, table):
        cells = [
            f"{f['requests']}",
            "yes" if f["all_counted"] else "NO",
            f"{f.get('p50_ms', float('nan')):.0f} ms",
            f"{f.get('p99_ms', float('nan')):.0f} ms",
            f"{f.get('max_ms', float('nan')):.0f} ms",
            f"{f['wall_s']:.2f} s",
            f"{f['ballots_per_s']}",
            f"{f['cpu_ms_per_ballot']} ms",
            f"{f['bot_busy_percent']} %",
            f"{f['rss_peak_mib']} MiB",
            f"{f['p99_over_echo_p99']:.2f}x" if "p99_over_echo_p99" in f else "–",
        ]
        print(f"  {name_of(run, sizes):<24}" + "".join(f"{c:>11}" for c in cells))
        if "echo_p99_ms" in f:
            cells = [
                f"{f['echo_requests']}",
                "–" if not f["echo_errors"] else f"{f['echo_errors']} err",
                f"{f['echo_p50_ms']:.0f} ms",
                f"{f['echo_p99_ms']:.0f} ms",
                f"{f['echo_max_ms']:.0f} ms",
                f"{f['echo_wall_s']:.2f} s",
                f"{f['echo_per_s']}",
                "",
                "",
                "",
                "",
            ]
            print(f"  {'  echo, just before':<24}" + "".join(f"{c:>11}" for c in cells))
    print(
        "  (CPU/ballot: the bot process's CPU during the burst over the ballots; bot busy: that CPU over the\n"
        "  burst's wall time, 100 % = one core, which is all one event loop can use)"
    )
    for run in runs:
        if run.sessions:
            print(
                f"  {name_of(run, sizes)}: its database sessions during the burst, on average: "
                + ", ".join(f"{count} {state}" for state, count in run.sessions.items())
            )
    print()
    print("Checks: every answer 200 with 'Du stemte'; `ballots` and `ballot_casts` rows for the vote; the bot's count")
    for run, f in zip(runs, table):
        d = f["database_counts"]
        print(
            f"  {name_of(run, sizes):<24} answers 200: {f['answered_200']}/{run.ballots}; ballots {d.get('ballots_rows')}, "
            f"ballot_casts {d.get('ballot_casts_rows')}; count {d.get('tally_votes')} votes "
            f"{d.get('tally_per_option')}   {'PASS' if run.counted else 'FAIL'}"
        )
        for problem in run.problems[:5]:
            print(f"      {problem}")
        if len(run.problems) > 5:
            print(f"      … and {len(run.problems) - 5} more")
    print()
    print("Channel card: its PUTs coalesce the burst (one update per second at most while ballots come in)")
    for run, f in zip(runs, table):
        c = f["channel_card"]
        caught = "never" if c["caught_up_after_burst_s"] is None else f"{c['caught_up_after_burst_s']:.1f} s"
        print(
            f"  {name_of(run, sizes):<24} {c['updates']} update PUTs for {run.ballots} ballots; the last shows "
            f"{c['last_shows_voted']} of {run.ballots} voted, {caught} after the burst ended"
        )


# --- the run ------------------------------------------------------------------------------------


def by_size(runs: list[Run], table: list[dict], kinds: list[str], sizes: list[int]) -> dict:
    """Per database: each size's CPU per ballot over the rounds, its median,
    and that median over the smallest size's."""
    out = {}
    for kind in kinds:
        cpu = {
            n: [f["cpu_ms_per_ballot"] for r, f in zip(runs, table) if (r.kind, r.ballots) == (kind, n)] for n in sizes
        }
        medians = {n: round(statistics.median(values), 2) for n, values in cpu.items()}
        out[kind] = {
            str(n): {
                "cpu_ms_per_ballot": cpu[n],
                "median": medians[n],
                "over_smallest": round(medians[n] / medians[sizes[0]], 2),
            }
            for n in sizes
        }
    return out


def print_by_size(summary: dict, sizes: list[int], rounds: int) -> None:
    print()
    print(f"CPU per ballot by roster size: {rounds} round(s), the order of the sizes reversed every other round")
    for kind, per_size in summary.items():
        cells = [
            f"{n} seats {' / '.join(map(str, f['cpu_ms_per_ballot']))} ms (median {f['median']})"
            + ("" if n == sizes[0] else f" = {f['over_smallest']:.2f}x")
            for n, f in ((n, per_size[str(n)]) for n in sizes)
        ]
        print(f"  {label_of('ours-' + kind):<20} " + "; ".join(cells))


def order_of_runs(sizes: list[int], rounds: int) -> list[int]:
    """The sizes round after round, every other round reversed: 200, 800, 800, 200, …"""
    return [n for r in range(rounds) for n in (sizes if r % 2 == 0 else sizes[::-1])]


async def benchmark(args: argparse.Namespace, databases: Databases, logs: Path, directory: Path) -> dict:
    kinds, sizes = args.kinds, args.ballots
    result = await header("ballot burst benchmark", {"ballots": sizes, "rounds": args.rounds, "databases": kinds})
    said = "/".join(map(str, sizes))
    print(
        f"settings  {said} seats, as many ballots at once per database; {', '.join(kinds)}"
        + (f"; {args.rounds} rounds" if args.rounds > 1 else "")
    )
    print(flush=True)

    rosters = {}
    for n in sizes:
        write_roster(directory / f"forum-{n}.yaml", n)
        rosters[n] = load_roster(directory / f"forum-{n}.yaml")
    connector = ChannelConnector()
    for roster in rosters.values():
        for user in roster.everyone:
            connector.members[user.id] = user.member_record()
    await connector.start()
    # Every request of a burst gets its own connection.
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max(sizes) * 2 + 16),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT * 4),
    )
    echo = BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / "echo.log")
    runs: list[Run] = []
    try:
        await echo.ready(http)
        largest = rosters[max(sizes)]
        warm = Target("echo-warm-up", label_of("echo"), echo, expects_card=False)
        await run_load(http, connector, warm, largest.voters, max(sizes), max(sizes), record=False)
        for i, n in enumerate(order_of_runs(sizes, args.rounds)):
            for kind in kinds:
                run = await measure(kind, http, connector, rosters[n], echo, databases, logs, f"ballots-{kind}-{i}")
                runs.append(run)
                print(f"  {name_of(run, sizes)}: done", flush=True)
    finally:
        await http.close()
        await connector.stop()
        echo.stop()
    print()

    table = [figures(run) for run in runs]
    result["runs"] = table
    result["loadavg_after"] = loadavg()
    print_table(runs, table, sizes)
    if len(sizes) > 1:
        result["cpu_by_roster_size"] = by_size(runs, table, kinds, sizes)
        print_by_size(result["cpu_by_roster_size"], sizes, args.rounds)
    footer(result)
    result["all_counted"] = all(run.counted for run in runs)
    print(f"Overall: {'every ballot counted' if result['all_counted'] else 'BALLOTS NOT COUNTED'}")
    return result


async def main(args: argparse.Namespace) -> int:
    result = await run_with_bots(
        args, "sfb-bench-ballots-", lambda databases, logs, directory: benchmark(args, databases, logs, directory)
    )
    if result is None:
        return 1
    return 0 if result["all_counted"] else 2


def sizes_of(value: str) -> list[int]:
    try:
        return [int(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size or a comma-separated list of sizes: {value!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_ballots", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite (without --sqlite or --postgres: both)")
    parser.add_argument("--postgres", "--postgresql", action="store_true", help="run on PostgreSQL")
    parser.add_argument(
        "--ballots",
        type=sizes_of,
        default=[200],
        help="seats, and ballots cast at once; several sizes comma-separated, the smallest first (default 200)",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of every size, the order reversed every other round (default 1)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="global limit in seconds (default 600)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    both = args.sqlite == args.postgres
    args.kinds = [k for k, on in (("sqlite", args.sqlite or both), ("postgresql", args.postgres or both)) if on]
    if not all(1 <= n <= MAX_BALLOTS for n in args.ballots):
        parser.error(f"--ballots must be between 1 and {MAX_BALLOTS}")
    if args.ballots != sorted(set(args.ballots)):
        parser.error("--ballots: each size once, the smallest first")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be at most 3600 s")
    if "postgresql" in args.kinds and make_url(POSTGRES_URL).host not in LOOPBACK:
        parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
    return args


if __name__ == "__main__":
    run_main(main, parse_args)

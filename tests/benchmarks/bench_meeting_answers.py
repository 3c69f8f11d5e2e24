"""Are 800 answers to a meeting's notice, pressed at the same moment, all
stored, and how long does each representative wait, next to a bare echo
bot on the same SDK (BOT_SDK) under the same burst?

    .venv/bin/python -m tests.benchmarks.bench_meeting_answers [--sqlite] [--postgres]
        [--seats 800] [--timeout 900] [--json PATH]

Without --sqlite or --postgres both databases run. Measured in one run, on
this machine, everything on 127.0.0.1, in bench_ballots' way:

1. bench_ballots' forum of --seats organisations with one seat each (a
   representative and a deputy), its annual wheel holding a spring meeting
   (vårmøte) 30 days ahead, written to a roster file; our bot (a
   subprocess) starts on it with a fresh database and
   SCHEDULER_INTERVAL_SECONDS=0;
2. everyone has the app installed (the connector lets the bot open their
   1:1 chats); the Statsforvalter binds the forum channel (`oppsett`, which
   learns the team members' Teams ids), opens the
   notice's form of the spring meeting (meeting.compose, the button of
   `innkalling`) and sends it as proposed (meeting.send): the notice goes to
   the channel and to every seat's representative, each seat's reminder to
   answer is planned; the bench waits until every notice has gone;
3. warm-up, excluded: every representative presses meeting.answer for a
   meeting that does not exist, all at once (refused, nothing stored),
   which also opens the client's connections; then the echo bot
   (tests/benchmarks/echo_bot.py) gets --seats messages at once, each timed
   until its reply reaches the local connector: the baseline;
4. the burst: every seat's representative presses meeting.answer on their
   notice at once, *Kommer* for the even seats and *Forfall* for the odd
   ones (a Forfall plans a call to the seat's deputy, which the bot starts
   sending at once), each timed from POST /api/messages until the invoke
   answer has been read;
5. checks: every answer is 200 with the presser's notice card saying
   "Takk! Du er ført opp som «kommer»." or "Du er ført opp med forfall.
   Varaen din, …, er kalt inn."; the database has exactly one
   `meeting_answers` row per seat, from its representative, with the
   answer pressed; exactly one deputy_call row in `meeting_deliveries` per
   Forfall seat and none for the others; and every seat's reminder row is
   "skipped".

Printed: per database the requests, whether all were stored, p50/p99/max
latency, the wall time of the burst, answers per second, the bot's CPU per
answer (the deputy calls it sends meanwhile included), its peak RSS and the
ratio of its p99 to the echo bot's; on PostgreSQL what the bot's sessions
did during the burst; then how long the notices and the deputy calls took
to go out. Exit status 2 when any answer was not answered or stored, 1 on
the global --timeout. A benchmark, not a test: pytest collects nothing
here."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.forum.meetings.notice import Purpose
from storage.models import MeetingAnswerRow, MeetingDeliveryRow, MeetingRow
from storage.unit_of_work import UnitOfWork
from tests import teams
from tests.benchmarks.bench_ballots import Answer, Database, LockWaits, bind_channel, burst, card_of, card_text, post
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
    run_load,
    run_main,
    run_with_bots,
)
from tests.benchmarks.load import latency_figures, template
from tests.benchmarks.rosters import FORUM_ID, Roster, load_roster, write_roster
from tests.card_reading import actions, inputs

MAX_SEATS = 2000  # as bench_ballots
MEETING_IN_DAYS = 30  # well past the reminder's two days: every seat gets a reminder row
UNFINISHED = ("planned", "claimed", "sending")  # storage.outbox: not gone yet
NOTICES_TIMEOUT = 600.0  # for every seat's notice to go out before the burst
CALLS_TIMEOUT = 300.0  # for the deputy calls to go out after it
COMING = template("meeting_answered_coming")


def coming(i: int) -> bool:
    """The i-th seat answers Kommer, the next Forfall, and so on."""
    return i % 2 == 0


def expected_note(i: int, roster: Roster) -> str:
    if coming(i):
        return COMING
    deputy = template("meeting_deputy_called").format(deputy=roster.deputies[i].name)
    return f"{template('meeting_answered_absent')} {deputy}"


def write_forum(path: Path, seats: int, today: date) -> None:
    when = (today + timedelta(days=MEETING_IN_DAYS)).isoformat()
    spring = {"kind": "vaarmote", "date": when, "time": "10:00", "title": "Vårmøte", "place": "Hos Statsforvalteren"}
    write_roster(path, seats, wheel=[spring])


# --- the database -------------------------------------------------------------------------


class MeetingDatabase(Database):
    """bench_ballots' view of the bot's database, for the meeting."""

    async def spring_meeting(self) -> int:
        """The wheel's spring meeting: the event the notice is for."""
        async with UnitOfWork(self.sessions) as uow:
            now = datetime.now(UTC)
            events = await uow.wheel.between(FORUM_ID, now, now + timedelta(days=MEETING_IN_DAYS + 1))
        spring = [e.id for e in events if e.kind == "vaarmote"]
        if len(spring) != 1:
            raise RuntimeError(f"expected the wheel's one spring meeting, found {len(spring)}")
        return spring[0]

    async def the_meeting(self) -> int:
        async with UnitOfWork(self.sessions) as uow:
            ids = list(await uow.session.scalars(select(MeetingRow.id).where(MeetingRow.forum_id == FORUM_ID)))
        if len(ids) != 1:
            raise RuntimeError(f"expected the one meeting noticed, found {len(ids)}")
        return ids[0]

    async def deliveries(self, meeting_id: int, purpose: Purpose) -> list:
        """(seat_id, status) of each of the meeting's messages of the purpose."""
        row = MeetingDeliveryRow
        async with UnitOfWork(self.sessions) as uow:
            found = await uow.session.execute(
                select(row.seat_id, row.status).where(row.meeting_id == meeting_id, row.purpose == purpose)
            )
            return list(found)

    async def gone(self, meeting_id: int, purpose: Purpose, timeout: float) -> tuple[float | None, Counter]:
        """Wait until no message of the purpose is still to go; the seconds
        it took (None: not within the timeout) and the rows' statuses."""
        started = time.perf_counter()
        while True:
            rows = await self.deliveries(meeting_id, purpose)
            statuses = Counter(r.status for r in rows)
            if not any(statuses[s] for s in UNFINISHED):
                return time.perf_counter() - started, statuses
            if time.perf_counter() - started > timeout:
                return None, statuses
            await asyncio.sleep(0.5)

    async def answers(self, meeting_id: int) -> list:
        """(seat_id, role, coming, answered_by) of each answer stored."""
        row = MeetingAnswerRow
        async with UnitOfWork(self.sessions) as uow:
            found = await uow.session.execute(
                select(row.seat_id, row.role, row.coming, row.answered_by).where(row.meeting_id == meeting_id)
            )
            return list(found)


# --- the Statsforvalter's notice -----------------------------------------------------------


async def send_notice(
    http: aiohttp.ClientSession, connector: TimedConnector, bot: BotProcess, roster: Roster, event_id: int
) -> None:
    """The notice's form as the bot proposes it, sent as it stands."""
    sf = roster.statsforvalter
    form = await post(http, bot, teams.execute(sf, "meeting.compose", {"event": event_id}, connector.url))
    card = card_of(form)
    if form.status != 200 or card is None or "Send innkallingen" not in actions(card):
        raise RuntimeError(
            f"meeting.compose answered {form.status}: {card_text(form) or form.body[:300]!r}\n{bot.log_tail()}"
        )
    verb, data = actions(card)["Send innkallingen"]
    sent = await post(http, bot, teams.execute(sf, verb, {**data, **inputs(card)}, connector.url))
    said = card_text(sent) or ""
    if sent.status != 200 or template("meeting_sending") not in said:
        raise RuntimeError(f"meeting.send answered {sent.status}: {said or sent.body[:300]!r}\n{bot.log_tail()}")


# --- one database --------------------------------------------------------------------------


@dataclass
class Run:
    kind: str
    seats: int
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    memory: dict[str, int] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    stored: dict = field(default_factory=dict)
    notices_s: float | None = None
    calls_s: float | None = None
    calls: dict[str, int] = field(default_factory=dict)
    echo: Target | None = None
    sessions: dict[str, float] = field(default_factory=dict)

    @property
    def all_stored(self) -> bool:
        return not self.problems


def check_answers(run: Run, answers: list[Answer], roster: Roster) -> None:
    for i, answer in enumerate(answers):
        run.statuses[answer.status] += 1
        if answer.status != 200:
            run.problems.append(f"seat {i + 1}: HTTP {answer.status} {answer.error or answer.body[:200]!r}")
            continue
        text = card_text(answer)
        if text is None or expected_note(i, roster) not in text:
            run.problems.append(
                f"seat {i + 1}: not {expected_note(i, roster)!r}: {(text or answer.body.decode(errors='replace'))[:200]!r}"
            )


async def check_stored(run: Run, database: MeetingDatabase, meeting_id: int, roster: Roster) -> None:
    n = run.seats
    wanted = {voter.aad_object_id: coming(i) for i, voter in enumerate(roster.voters)}
    rows = await database.answers(meeting_id)
    by_person = Counter(r.answered_by for r in rows)
    seats = Counter(r.seat_id for r in rows)
    wrong = [r for r in rows if r.role != "representative" or wanted.get(r.answered_by) != r.coming]
    calls = await database.deliveries(meeting_id, Purpose.DEPUTY_CALL)
    reminders = await database.deliveries(meeting_id, Purpose.REMINDER)
    absent_seats = {r.seat_id for r in rows if not r.coming}
    called = Counter(r.seat_id for r in calls)
    run.stored = {
        "meeting_answers_rows": len(rows),
        "coming": sum(r.coming for r in rows),
        "forfall": sum(not r.coming for r in rows),
        "deputy_call_rows": len(calls),
        "reminder_rows": len(reminders),
        "reminders": dict(Counter(r.status for r in reminders)),
    }
    if len(rows) != n or set(by_person) != set(wanted) or max(seats.values(), default=0) > 1 or len(seats) != n:
        run.problems.append(
            f"database: {len(rows)} meeting_answers rows for {len(by_person)} people and {len(seats)} "
            f"seats, expected one per seat ({n})"
        )
    if wrong:
        run.problems.append(f"database: {len(wrong)} answers not as pressed, e.g. seat {wrong[0].seat_id}")
    if (
        set(called) != absent_seats
        or max(called.values(), default=0) > 1
        or len(absent_seats) != n - sum(wanted.values())
    ):
        run.problems.append(
            f"database: {len(calls)} deputy_call rows for {len(called)} seats, expected one for each of "
            f"the {n - sum(wanted.values())} seats with forfall"
        )
    reminded = Counter(r.seat_id for r in reminders)
    if len(reminded) != n or max(reminded.values(), default=0) > 1 or any(r.status != "skipped" for r in reminders):
        run.problems.append(
            f"database: reminders {run.stored['reminders']} over {len(reminded)} seats, expected "
            f"{n} skipped, one a seat"
        )


async def measure(
    kind: str,
    args: argparse.Namespace,
    http: aiohttp.ClientSession,
    connector: TimedConnector,
    roster: Roster,
    echo: BotProcess,
    databases: Databases,
    logs: Path,
) -> Run:
    n = args.seats
    run = Run(kind, n)
    url = await databases.new(kind, f"meetings-{kind}")
    env = child_env(DATABASE_URL=url, FORUM_CONFIG=str(roster.path), SCHEDULER_INTERVAL_SECONDS="0")
    bot = BotProcess(f"bot ({kind})", "bot", env, logs / f"meetings-{kind}.log")
    database = MeetingDatabase(url)
    try:
        await bot.ready(http)
        await bind_channel(http, connector, bot, roster)
        await send_notice(http, connector, bot, roster, await database.spring_meeting())
        meeting_id = await database.the_meeting()
        run.notices_s, statuses = await database.gone(meeting_id, Purpose.NOTICE, NOTICES_TIMEOUT)
        if run.notices_s is None or set(statuses) != {"sent"} or statuses["sent"] != n + 1:
            raise RuntimeError(f"the notices of {kind} did not all go out: {dict(statuses)}\n{bot.log_tail()}")
        await database.close()  # no connection of ours beside the bot's in the burst (it reconnects after)

        # Warm-up: every representative answers a meeting that is not there (refused, nothing stored).
        nowhere = {"meeting": meeting_id + 1000, "coming": True}
        answers, _ = await burst(
            http, bot, [teams.execute(v, "meeting.answer", nowhere, connector.url) for v in roster.voters]
        )
        bad = [a for a in answers if a.status != 200]
        if bad:
            raise RuntimeError(f"warm-up of {kind}: {len(bad)} presses failed, e.g. {bad[0]}\n{bot.log_tail()}")

        # The baseline, right before: the same burst size to the echo bot.
        run.echo = Target(f"echo-{kind}", label_of("echo"), echo, expects_card=False)
        await run_load(http, connector, run.echo, roster.voters, n, n, record=True)

        # The burst.
        activities = [
            teams.execute(voter, "meeting.answer", {"meeting": meeting_id, "coming": coming(i)}, connector.url)
            for i, voter in enumerate(roster.voters)
        ]
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
        run.latencies = [a.latency for a in answers if a.status == 200]
        check_answers(run, answers, roster)
        run.calls_s, calls = await database.gone(meeting_id, Purpose.DEPUTY_CALL, CALLS_TIMEOUT)
        run.calls = dict(calls)
        await check_stored(run, database, meeting_id, roster)
        run.memory = bot.memory()
    finally:
        await database.close()
        bot.stop()
    return run


# --- figures ---------------------------------------------------------------------------------


def figures(run: Run) -> dict:
    out = {
        "database": run.kind,
        "requests": run.seats,
        "answered_200": run.statuses.get(200, 0),
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "all_stored": run.all_stored,
        "problems": run.problems[:20],
        **latency_figures(run.latencies),
        "wall_s": round(run.wall, 3),
        "answers_per_s": round(run.seats / run.wall, 1) if run.wall else None,
        "cpu_ms_per_answer": round(run.cpu * 1000 / run.seats, 1),
        "bot_busy_percent": round(run.cpu * 100 / run.wall) if run.wall else None,
        "postgresql_sessions": run.sessions,
        "rss_peak_mib": round(run.memory.get("VmHWM", 0) / 2**20, 1),
        "database_counts": run.stored,
        "notices_sent_s": None if run.notices_s is None else round(run.notices_s, 1),
        "deputy_calls_after_burst_s": None if run.calls_s is None else round(run.calls_s, 1),
        "deputy_calls": run.calls,
    }
    if run.echo:
        out.update({f"echo_{k}": v for k, v in latency_figures(run.echo.latencies).items()})
        out["echo_requests"] = len(run.echo.latencies) + run.echo.errors
        out["echo_errors"] = run.echo.errors
        out["echo_wall_s"] = round(run.echo.wall, 3)
    if out.get("p99_ms") and out.get("echo_p99_ms"):
        out["p99_over_echo_p99"] = round(out["p99_ms"] / out["echo_p99_ms"], 2)
    return out


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def print_table(runs: list[Run], table: list[dict], n: int) -> None:
    print(
        f"Answers: {n} Action.Execute `meeting.answer` invokes at once (one per seat, half Kommer, half Forfall),\n"
        f"POST /api/messages until the invoke answer (the presser's notice) is read; the echo bot: {n}\n"
        f"messages at once, each until its reply reached the connector, in the burst just before"
    )
    columns = (
        "requests",
        "stored",
        "p50",
        "p99",
        "max",
        "wall",
        "per s",
        "CPU/answer",
        "bot busy",
        "RSS peak",
        "p99/echo",
    )
    print(f"  {'':<20}" + "".join(f"{h:>11}" for h in columns))
    for run, f in zip(runs, table):
        cells = [
            f["requests"],
            "yes" if f["all_stored"] else "NO",
            ms(f.get("p50_ms")),
            ms(f.get("p99_ms")),
            ms(f.get("max_ms")),
            f"{f['wall_s']:.2f} s",
            f["answers_per_s"],
            f"{f['cpu_ms_per_answer']} ms",
            f"{f['bot_busy_percent']} %",
            f"{f['rss_peak_mib']} MiB",
            f"{f['p99_over_echo_p99']:.2f}x" if "p99_over_echo_p99" in f else "–",
        ]
        print(f"  {label_of('ours-' + run.kind):<20}" + "".join(f"{c:>11}" for c in cells))
        if "echo_p99_ms" in f:
            cells = [
                f["echo_requests"],
                "–" if not f["echo_errors"] else f"{f['echo_errors']} err",
                ms(f["echo_p50_ms"]),
                ms(f["echo_p99_ms"]),
                ms(f["echo_max_ms"]),
                f"{f['echo_wall_s']:.2f} s",
                round(f["echo_requests"] / f["echo_wall_s"], 1) if f["echo_wall_s"] else "–",
            ]
            print(f"  {'  echo, just before':<20}" + "".join(f"{c:>11}" for c in cells))
    print(
        "  (CPU/answer: the bot process's CPU during the burst over the answers, the deputy calls it sends\n"
        "  meanwhile included; bot busy: that CPU over the burst's wall time, 100 % = one core)"
    )
    for run in runs:
        if run.sessions:
            print(
                f"  {label_of('ours-' + run.kind)}: its database sessions during the burst, on average: "
                + ", ".join(f"{count} {state}" for state, count in run.sessions.items())
            )
    print()
    print(
        "Checks: every answer 200 with its note; one meeting_answers row a seat as pressed; one deputy_call a forfall;"
    )
    print("every seat's reminder skipped")
    for run, f in zip(runs, table):
        d = f["database_counts"]
        print(
            f"  {label_of('ours-' + run.kind):<20} answers 200: {f['answered_200']}/{n} {f['statuses']}; meeting_answers "
            f"{d.get('meeting_answers_rows')} ({d.get('coming')} kommer, {d.get('forfall')} forfall); deputy_call "
            f"{d.get('deputy_call_rows')}; reminders {d.get('reminders')}   {'PASS' if run.all_stored else 'FAIL'}"
        )
        for problem in run.problems[:5]:
            print(f"      {problem}")
        if len(run.problems) > 5:
            print(f"      … and {len(run.problems) - 5} more")
    print()
    print("Messages: the notices before the burst, the deputy calls after it")
    for run, f in zip(runs, table):
        calls = f["deputy_calls_after_burst_s"]
        print(
            f"  {label_of('ours-' + run.kind):<20} {n + 1} notices (the channel and every seat) sent in "
            f"{f['notices_sent_s']} s; the deputy calls {f['deputy_calls']}, "
            + ("not all gone" if calls is None else f"all gone {calls} s after the burst")
        )


# --- the run ------------------------------------------------------------------------------------


async def benchmark(args: argparse.Namespace, databases: Databases, logs: Path, directory: Path) -> dict:
    result = await header("meeting answers burst benchmark", {"seats": args.seats, "databases": args.kinds})
    print(f"settings  {args.seats} seats, {args.seats} answers at once per database; {', '.join(args.kinds)}")
    print(flush=True)

    roster_path = directory / "forum.yaml"
    write_forum(roster_path, args.seats, date.today())
    roster = load_roster(roster_path)
    connector = TimedConnector()
    for user in roster.everyone:
        connector.members[user.id] = user.member_record()
        connector.installed.add(user.id)
    await connector.start()
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.seats * 2 + 16),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT * 4),
    )
    echo = BotProcess("echo", "tests.benchmarks.echo_bot", child_env(), logs / "echo.log")
    runs: list[Run] = []
    try:
        await echo.ready(http)
        warm = Target("echo-warm-up", label_of("echo"), echo, expects_card=False)
        await run_load(http, connector, warm, roster.voters, args.seats, args.seats, record=False)
        for kind in args.kinds:
            runs.append(await measure(kind, args, http, connector, roster, echo, databases, logs))
            print(f"  {label_of('ours-' + kind)}: done", flush=True)
    finally:
        await http.close()
        await connector.stop()
        echo.stop()
    print()

    table = [figures(run) for run in runs]
    result["runs"] = table
    result["loadavg_after"] = loadavg()
    print_table(runs, table, args.seats)
    footer(result)
    result["all_stored"] = all(run.all_stored for run in runs)
    print(
        f"Overall: {'every answer answered and stored' if result['all_stored'] else 'ANSWERS NOT ANSWERED OR STORED'}"
    )
    return result


async def main(args: argparse.Namespace) -> int:
    result = await run_with_bots(
        args, "sfb-bench-meetings-", lambda databases, logs, directory: benchmark(args, databases, logs, directory)
    )
    if result is None:
        return 1
    return 0 if result["all_stored"] else 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_meeting_answers", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite (without --sqlite or --postgres: both)")
    parser.add_argument("--postgres", "--postgresql", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--seats", type=int, default=800, help="seats, and answers pressed at once (default 800)")
    parser.add_argument("--timeout", type=float, default=900, help="global limit in seconds (default 900)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    both = args.sqlite == args.postgres
    args.kinds = [k for k, on in (("sqlite", args.sqlite or both), ("postgresql", args.postgres or both)) if on]
    if not 2 <= args.seats <= MAX_SEATS:
        parser.error(f"--seats must be between 2 and {MAX_SEATS}")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be at most 3600 s")
    if "postgresql" in args.kinds and make_url(POSTGRES_URL).host not in LOOPBACK:
        parser.error("the PostgreSQL server must be on this machine (127.0.0.1)")
    return args


if __name__ == "__main__":
    run_main(main, parse_args)

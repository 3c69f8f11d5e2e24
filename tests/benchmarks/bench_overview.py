"""How fast are the overview card and the Excel export on a forum's ten years?

    .venv/bin/python -m tests.benchmarks.bench_overview
        [--database sqlite|postgresql|both] [--runs 20] [--reports 5000] [--json PATH]

On a fresh database of each kind (SQLite in a temporary folder; PostgreSQL
as a temporary database on the server of TEST_POSTGRES_URL, default
postgres@127.0.0.1:5432, dropped afterwards) the bot's own start-up runs
the migrations and loads a roster of 30 organisations, 28 of which report
needs. Then 5,000 sent reports (every status from submitted to reported,
with full form values) spread over ten years are inserted in bulk, plus
some drafts and withdrawn reports that the figures must leave out.

Measured, for the newest year beside its three years before (--runs runs
each after one warm-up, in this process, on this machine):

1. the overview card: a unit of work, the overview service's queries and
   sums, the card data, the template expansion and the JSON Teams gets;
2. the .xlsx: a unit of work, the queries, and the workbook's bytes;
3. the same .xlsx the way a person gets it: GET /exports/{token} on the
   running web application (HTTP on 127.0.0.1 included).

Targets: the card in under 300 ms, the .xlsx in under 2 s. The table says
PASS or MISS for the median and the slowest run of each. A benchmark, not
a test: pytest collects nothing here."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bot.app import UOW, create_app
from bot.config import Settings
from bot.forum.needs import export
from bot.forum.needs.competence_areas import MANDATE_2023
from bot.forum.needs.form import EDUCATIONS, TARGET_GROUPS
from bot.forum.needs.overview import SENT, overview
from bot.forum.needs.report import Status
from bot.views.overview import overview_card
from bot.web.downloads import DOWNLOADS
from storage.models import NeedsReportRow

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FORUM = "oslo-viken"
ORGANISATIONS = 30
YEARS = 10
LAST_YEAR = 2026
CARD_TARGET = 0.300
XLSX_TARGET = 2.0


# --- the forum and its reports --------------------------------------------------


def roster_file(folder: Path) -> Path:
    lines = [
        f"forum: {{id: {FORUM}, name: Samarbeidsforum for kompetanseutvikling i voksenopplæringen i Oslo og Viken,"
        " timezone: Europe/Oslo}",
        "statsforvalter:",
        "  - {name: Stine Eksempeldatter, email: stine@sf.example.org}",
        "organisations:",
    ]
    for i in range(ORGANISATIONS):
        submits = "false" if i >= ORGANISATIONS - 2 else "true"
        lines += [
            f"  - {{id: org-{i:02d}, name: 'VO-nettverk nummer {i + 1} i Oslo og Viken', kind: vo-nettverk,"
            f" submits_needs: {submits}, seats: [",
            f"      {{representative: {{name: Rep {i}, email: rep{i}@org{i}.example.org}},",
            f"        deputy: {{name: Vara {i}, email: vara{i}@org{i}.example.org}}}}]}}",
        ]
    path = folder / "forum.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def report_rows(count: int, seed: int = 2026) -> list[dict]:
    """``count`` sent reports over YEARS years from the submitting
    organisations, numbered per year, plus 5% drafts and withdrawn ones."""
    rnd = random.Random(seed)
    submitting = [f"org-{i:02d}" for i in range(ORGANISATIONS - 2)]
    areas = [a.code for a in MANDATE_2023]
    statuses = [Status.SUBMITTED, Status.PRIORITISED, Status.NOT_PRIORITISED, Status.GRANTED, Status.REPORTED]
    numbers: dict[int, int] = {}
    rows = []
    for i in range(count + count // 20):
        year = LAST_YEAR - YEARS + 1 + i % YEARS
        organisation = rnd.choice(submitting)
        at = datetime(year, 2, 1, tzinfo=UTC) + timedelta(minutes=rnd.randrange(0, 60 * 24 * 120))
        applied = rnd.randrange(20, 1500) * 1000
        values = {
            "organisation_id": organisation,
            "title": f"Kompetanseheving i {rnd.choice(['norsk', 'grunnskole', 'vurdering', 'ledelse'])} nr. {i}",
            "education": rnd.sample(EDUCATIONS, rnd.randrange(1, 3)),
            "competence_areas": rnd.sample(areas, rnd.choice([1, 1, 1, 2, 3])),
            "target_groups": rnd.sample(TARGET_GROUPS, rnd.randrange(1, 3)),
            "local_need": "Lærerne i nettverket trenger felles praksis. " * 12,
            "mapping": "Spørreundersøkelse blant lærere og ledere. " * 6,
            "anchored": True,
            "anchoring": "Drøftet med tillitsvalgte og i ledermøtet. " * 4,
            "partner": "OsloMet",
            "lecturers": None,
            "municipalities": "Asker, Bærum, Drammen",
            "participants": rnd.randrange(10, 400),
            "period_start": f"{year}-08-15",
            "period_end": f"{year}-12-15",
            "amount_applied": applied,
            "own_contribution": applied // 10,
            "contact_name": f"Kontakt {i}",
            "contact_email": f"kontakt{i}@example.org",
            "contact_phone": "+47 400 00 000",
        }
        if i < count:
            status = rnd.choice(statuses)
            numbers[year] = numbers.get(year, 0) + 1
            number = numbers[year]
        else:  # not counted: drafts and withdrawn reports
            status = rnd.choice([Status.DRAFT, Status.WITHDRAWN])
            number = None if status is Status.DRAFT else numbers.setdefault(year, 0) + 1
            if number:
                numbers[year] = number
        granted = applied * rnd.randrange(30, 100) // 100 if status in (Status.GRANTED, Status.REPORTED) else None
        sent = status is not Status.DRAFT
        rows.append(
            {
                "forum_id": FORUM,
                "organisation_id": organisation,
                "year": year,
                "number": number,
                "status": status.value,
                "fields": values if sent else {},
                "draft": None if sent else values,
                "version": 3,
                "title": values["title"] if sent else "",
                "competence_areas": values["competence_areas"] if sent else [],
                "amount_applied": applied if sent else None,
                "granted_amount": granted,
                "created_by": None,
                "created_at": at,
                "updated_by": None,
                "updated_at": at,
                "submitted_at": at if sent else None,
            }
        )
    return rows


async def seed(app: web.Application, count: int) -> float:
    started = time.perf_counter()
    rows = report_rows(count)
    async with app[UOW]() as uow:
        for start in range(0, len(rows), 1000):
            await uow.session.execute(insert(NeedsReportRow), rows[start : start + 1000])
        await uow.commit()
        await uow.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have them
        await uow.commit()
    return time.perf_counter() - started


# --- what is measured -------------------------------------------------------------


async def build_card(app: web.Application) -> int:
    async with app[UOW]() as uow:
        forum = await uow.forums.get(FORUM)
        summary = await overview(uow, forum, LAST_YEAR)
    card = overview_card(summary, "nb", 1, True)
    return len(json.dumps(card, ensure_ascii=False).encode())


async def build_xlsx(app: web.Application) -> int:
    async with app[UOW]() as uow:
        forum = await uow.forums.get(FORUM)
        gathered = await export.gather(uow, forum, LAST_YEAR)
    return len(export.workbook(gathered, datetime.now(UTC)))


async def fetch_xlsx(app: web.Application, http: aiohttp.ClientSession, base: str) -> int:
    link = app[DOWNLOADS].link(FORUM, LAST_YEAR)
    path = link.split("/exports/", 1)[1]
    async with http.get(f"{base}exports/{path}") as response:
        body = await response.read()
        assert response.status == 200, response.status
        return len(body)


async def timed(runs: int, work) -> tuple[list[float], int]:
    size = await work()  # warm-up: caches, compiled template, connection pool
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - started)
    return seconds, size


async def measure(database: str, url: str, args: argparse.Namespace, folder: Path) -> dict:
    settings = Settings(database_url=url, forum_config=roster_file(folder))
    app = await create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
    try:
        seeded = await seed(app, args.reports)
        async with app[UOW]() as uow:
            counted = await uow.session.scalar(
                text(
                    "SELECT count(*) FROM needs_reports WHERE status IN ("
                    + ", ".join(f"'{s.value}'" for s in SENT)
                    + ")"
                )
            )
            this_year = len(await uow.needs_reports.with_organisation_names(FORUM, LAST_YEAR, SENT))
        card, card_bytes = await timed(args.runs, lambda: build_card(app))
        xlsx, xlsx_bytes = await timed(args.runs, lambda: build_xlsx(app))
        async with aiohttp.ClientSession() as http:
            http_xlsx, _ = await timed(args.runs, lambda: fetch_xlsx(app, http, base))
    finally:
        await runner.cleanup()
    return {
        "database": database,
        "seeded_seconds": seeded,
        "sent_reports": counted,
        "reports_in_year": this_year,
        "card_bytes": card_bytes,
        "xlsx_bytes": xlsx_bytes,
        "card": card,
        "xlsx": xlsx,
        "xlsx_http": http_xlsx,
    }


# --- databases ------------------------------------------------------------------------


async def admin_sql(statement: str) -> str:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
        return await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()


async def on_databases(choice: str, folder: Path, measure) -> list[dict]:
    """``measure(label, url)`` on a fresh database of each kind ``choice``
    names: SQLite in ``folder``, a PostgreSQL database dropped afterwards."""
    results = []
    for kind in ["sqlite", "postgresql"] if choice == "both" else [choice]:
        if kind == "sqlite":
            results.append(
                await measure(f"SQLite {sqlite3.sqlite_version}", f"sqlite+aiosqlite:///{folder / 'bench.db'}")
            )
            continue
        name = f"sfb_bench_{uuid.uuid4().hex[:10]}"
        version = await admin_sql(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
            results.append(await measure(f"PostgreSQL {version.split()[0]}", url))
        finally:
            await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


async def run(args: argparse.Namespace) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-overview-") as tmp:
        folder = Path(tmp)
        return await on_databases(args.database, folder, lambda label, url: measure(label, url, args, folder))


# --- report -------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "MISS"


def report(results: list[dict], args: argparse.Namespace) -> bool:
    print(
        f"overview benchmark: {args.reports} sent reports over {YEARS} years from {ORGANISATIONS} organisations,"
        f" year {LAST_YEAR} beside 3 years before; {args.runs} runs after one warm-up"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    header = f"{'database':<18} {'what':<34} {'median':>9} {'max':>9} {'target':>8}  median  max"
    print()
    print(header)
    print("-" * len(header))
    ok = True
    for r in results:
        rows = [
            ("overview card (service + render)", r["card"], CARD_TARGET),
            (".xlsx (queries + workbook)", r["xlsx"], XLSX_TARGET),
            (".xlsx via GET /exports/{token}", r["xlsx_http"], XLSX_TARGET),
        ]
        for what, seconds, target in rows:
            median, slowest = statistics.median(seconds), max(seconds)
            ok = ok and median < target and slowest < target
            print(
                f"{r['database']:<18} {what:<34} {median * 1000:>6.1f} ms {slowest * 1000:>6.1f} ms"
                f" {target * 1000:>5.0f} ms  {verdict(median, target):<6}  {verdict(slowest, target)}"
            )
        print(
            f"{'':<18} ({r['sent_reports']} sent reports stored, {r['reports_in_year']} in {LAST_YEAR};"
            f" card {r['card_bytes'] / 1024:.1f} KB, .xlsx {r['xlsx_bytes'] / 1024:.0f} KB;"
            f" seeded in {r['seeded_seconds']:.1f} s)"
        )
    print()
    print("all targets met" if ok else "some targets MISSED")
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_overview",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20, help="measured runs of each (default 20)")
    parser.add_argument("--reports", type=int, default=5000, help="sent reports to seed (default 5000)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 1000 or not 1 <= args.reports <= 200_000:
        parser.error("--runs must be 1..1000 and --reports 1..200000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    ok = report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

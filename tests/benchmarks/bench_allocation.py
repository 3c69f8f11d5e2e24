"""How fast is the allocation proposal card for a year of 200 reports, and
how large are its pages?

    .venv/bin/python -m tests.benchmarks.bench_allocation [--database sqlite|postgresql|both] [--runs 20]

On a fresh database of each kind, with the roster of bench_overview, 200
open reports of one year with full form values, a budget and a saved
proposal. Measured (--runs runs after one warm-up, in this process): the
Statsforvalter's editor card, page 1 — a unit of work, the proposal
service's queries and sums, the page split, the template expansion and the
JSON Teams gets. Also the size of every page, editor and read-only.

Targets: the card in under 300 ms; every page under 28 KB (Teams' limit).
A benchmark, not a test: pytest collects nothing here."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web
from sqlalchemy import insert

from bot.app import UOW, create_app
from bot.config import Settings
from bot.forum.allocation import proposal as service
from bot.forum.allocation.budget import Budget
from bot.forum.needs.report import Status
from bot.views.allocation import AllocationView, allocation_card
from storage.models import NeedsReportRow
from tests.benchmarks.bench_overview import FORUM, on_databases, report_rows, roster_file, timed

YEAR = 2026
REPORTS = 200
CARD_TARGET = 0.300
PAGE_LIMIT = 28 * 1024


async def seed(app) -> None:
    rows = report_rows(REPORTS)[:REPORTS]
    for number, row in enumerate(rows, start=1):
        row.update(year=YEAR, number=number, status=Status.SUBMITTED.value, granted_amount=None)
    async with app[UOW]() as uow:
        await uow.session.execute(insert(NeedsReportRow), rows)
        budget = Budget(
            FORUM, YEAR, 10**9, {"modulstruktur": 5_000_000, "ledere": 3_000_000}, 1, None, datetime.now(UTC)
        )
        await uow.budgets.put(budget, expected_version=0)
        await uow.commit()
    async with app[UOW]() as uow:
        stine = SimpleNamespace(forum=await uow.forums.get(FORUM), is_statsforvalter=True, aad_object_id="bench")
        current = await service.allocation(uow, stine.forum, YEAR)
        changes = {line.report_id: (None, line.applied // 2) for line in current.lines[::3]}
        await service.save(uow, stine, service.SaveProposal(YEAR, 0, changes), datetime.now(UTC))


def _size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


async def editor_card(app) -> int:
    async with app[UOW]() as uow:
        forum = await uow.forums.get(FORUM)
        allocation = await service.allocation(uow, forum, YEAR)
        names = (await uow.roster.roster(forum)).names()
    return _size(allocation_card(AllocationView(allocation, "nb", forum, True, votes=[]), 1, names))


async def page_sizes(app, edit: bool) -> list[int]:
    async with app[UOW]() as uow:
        forum = await uow.forums.get(FORUM)
        allocation = await service.allocation(uow, forum, YEAR)
    view = AllocationView(allocation, "nb", forum, edit, votes=[])
    sizes, page = [], 1
    while True:
        card = allocation_card(view, page, {})
        sizes.append(_size(card))
        if "Neste side" not in json.dumps(card, ensure_ascii=False):
            return sizes
        page += 1


async def measure(database: str, url: str, runs: int, folder: Path) -> dict:
    app = await create_app(Settings(database_url=url, forum_config=roster_file(folder)))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()  # the bot's start-up: migrations and the roster
    try:
        await seed(app)
        card, _ = await timed(runs, lambda: editor_card(app))
        return {
            "database": database,
            "card": card,
            "editor_pages": await page_sizes(app, True),
            "reader_pages": await page_sizes(app, False),
        }
    finally:
        await runner.cleanup()


async def run(args: argparse.Namespace) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-allocation-") as tmp:
        folder = Path(tmp)
        return await on_databases(args.database, folder, lambda label, url: measure(label, url, args.runs, folder))


def report(results: list[dict], runs: int) -> bool:
    print(f"allocation benchmark: {REPORTS} open reports of {YEAR}; {runs} runs after one warm-up")
    ok = True
    for r in results:
        median, slowest = statistics.median(r["card"]), max(r["card"])
        largest = max(r["editor_pages"] + r["reader_pages"])
        card_ok = median < CARD_TARGET and slowest < CARD_TARGET
        pages_ok = largest < PAGE_LIMIT
        ok = ok and card_ok and pages_ok
        print(
            f"{r['database']:<18} editor card, page 1: median {median * 1000:.1f} ms, slowest {slowest * 1000:.1f} ms"
            f" (target < {CARD_TARGET * 1000:.0f} ms) {'PASS' if card_ok else 'MISS'}"
        )
        print(
            f"{'':<18} pages: {len(r['editor_pages'])} to edit, {len(r['reader_pages'])} to read; largest"
            f" {largest:,} bytes (limit {PAGE_LIMIT:,}) {'PASS' if pages_ok else 'MISS'}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_allocation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    return 0 if report(asyncio.run(run(args)), args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())

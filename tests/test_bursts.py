"""A whole forum pressing at once: every press is answered and stored, and
nobody is told to try again because others pressed at the same moment.

The forum here has 800 seats, each with a representative and a deputy;
everyone presses within the same instant, all requests in flight together
(as Teams delivers them, with no client-side queue). How long the voters
wait is measured by tests/benchmarks/bench_ballots.py, not here."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import UOW
from storage.models import BallotCastRow, BallotRow, NeedsReportRow
from tests import teams
from tests.benchmarks.bench_ballots import choice_of
from tests.benchmarks.rosters import FORUM_ID, load_roster, write_roster
from tests.card_reading import actions, inputs, texts
from tests.needs_helpers import card_of, fill_in
from tests.test_votes_in_teams import form

SEATS = 800
SENDERS = 40  # needs reports sent at the same moment (27 at once lost 8 before)
APOLOGY = "Beklager"


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forum.yaml"
    write_roster(path, SEATS, submits_needs=SENDERS)
    return path


async def all_at_once(forum, activities: list[dict]) -> list[dict]:
    """Post every activity together, with no limit on connections, and
    return each invoke's answer."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def post(activity: dict) -> dict:
            async with http.post(f"{forum.bot_url}api/messages", json=activity) as response:
                assert response.status == 200, await response.text()
                return json.loads(await response.read())

        return await asyncio.gather(*(post(a) for a in activities))


async def count(forum, model, **where) -> int:
    async with forum.app[UOW]() as uow:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return await uow.session.scalar(query)


async def test_800_seats_voting_at_the_same_moment_are_all_counted_and_none_is_told_to_retry(forum):
    roster = load_roster(forum.config_path)
    await forum.say(roster.statsforvalter, "oppsett", kind="channel")
    body, _ = await forum.press(roster.statsforvalter, "vote.open", form(), kind="channel")
    assert "er lagt ut" in texts(body["value"]), body
    async with forum.app[UOW]() as uow:
        (vote,) = await uow.votes.of_forum(FORUM_ID)

    presses = [
        teams.execute(
            voter, "vote.cast", {"vote": vote.id, "choices": str(choice_of(i))}, forum.service_url, kind="channel"
        )
        for i, voter in enumerate(roster.voters)
    ]
    answers = await all_at_once(forum, presses)

    said = [texts(a["value"]) if isinstance(a["value"], dict) else a["value"] for a in answers]
    assert not [s for s in said if APOLOGY in s]
    assert all("Du stemte" in s for s in said), Counter(s[:80] for s in said if "Du stemte" not in s)
    assert await count(forum, BallotRow, vote_id=vote.id) == SEATS
    assert await count(forum, BallotCastRow, vote_id=vote.id) == SEATS
    async with forum.app[UOW]() as uow:
        stored = {b.seat_id: tuple(b.choices) for b in await uow.votes.ballots(vote.id)}
    assert Counter(stored.values()) == Counter((choice_of(i),) for i in range(SEATS))

    await forum.settle()
    updates = [r for r in forum.new_replies() if r.method == "update" and r.conversation_id == teams.CHANNEL]
    assert updates and f"{SEATS} av {SEATS} seter har stemt" in texts(updates[-1].cards[0])


async def test_a_crowd_of_representatives_sending_their_needs_reports_at_once_each_get_a_number(forum):
    roster = load_roster(forum.config_path)
    senders = roster.voters[:SENDERS]
    summaries = [await fill_in(forum, user) for user in senders]

    presses = []
    for user, summary in zip(senders, summaries):
        verb, data = actions(summary)["Send behovsmeldingen"]
        presses.append(teams.execute(user, verb, {**data, **inputs(summary)}, forum.service_url))
    answers = await all_at_once(forum, presses)

    said = [texts(card_of(a)) for a in answers]
    assert all("er sendt" in s for s in said), [s[:120] for s in said if "er sendt" not in s]
    async with forum.app[UOW]() as uow:
        numbers = sorted(await uow.session.scalars(select(NeedsReportRow.number)))
    assert numbers == list(range(1, SENDERS + 1))

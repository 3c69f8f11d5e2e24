"""One ballot per seat: representative and deputy share it, a later ballot
replaces an earlier one, and nothing forged is counted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import UOW
from bot.forum.roster import Refused
from bot.forum.votes.service import Cast, cast_ballot
from bot.forum.votes.vote import Option
from storage.models import BallotCastRow, BallotRow
from tests import teams
from tests.vote_helpers import OTHER_FORUM, actor_of

NOW = datetime(2031, 10, 1, 9, 0, tzinfo=UTC)


async def open_vote(forum, max_choices: int = 1, forum_id: str = "oslo-viken") -> int:
    async with forum.app[UOW]() as uow:
        vote = await uow.votes.add(
            forum_id,
            {
                "question": "Hvilket tiltak prioriteres?",
                "options": [Option(1, "Tiltak A"), Option(2, "Tiltak B"), Option(3, "Tiltak C")],
                "kind": "one" if max_choices == 1 else "up_to",
                "max_choices": max_choices,
                "closes_at": NOW + timedelta(days=1),
                "live": True,
                "quorum_percent": None,
            },
            None,
            NOW,
        )
        await uow.commit()
        return vote.id


async def cast(forum, user, vote_id: int, choices, now: datetime = NOW) -> Cast:
    async with forum.app[UOW]() as uow:
        return await cast_ballot(uow, await actor_of(uow, user), vote_id, choices, now)


async def ballots(forum, model=BallotRow) -> list:
    async with forum.app[UOW]() as uow:
        rows = list(await uow.session.scalars(select(model).order_by(model.id)))
        uow.session.expunge_all()
        return rows


async def refused(call) -> str:
    with pytest.raises(Refused) as caught:
        await call
    return caught.value.code


async def test_representative_and_deputy_clicking_at_once_leave_one_ballot(forum):
    vote = await open_vote(forum)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for _ in range(5):
        done = await asyncio.gather(
            cast(forum, ada, vote, [1]), cast(forum, bo, vote, [2]), cast(forum, ada, vote, [1])
        )
        assert all(isinstance(c, Cast) and c.vote_id == vote for c in done)
    (ballot,) = await ballots(forum)
    assert (ballot.choices, ballot.cast_by) in (([1], ada.aad_object_id), ([2], bo.aad_object_id))
    assert len(await ballots(forum, BallotCastRow)) == 15  # every click is in the log


async def test_a_ballot_says_what_was_recorded_and_for_which_seat(forum):
    vote = await open_vote(forum, max_choices=2)
    done = await cast(forum, forum.deputy("ostfold-vo"), vote, "2, 1")  # a multi-select choice set's value
    assert done == Cast(vote, (2, 1), "Østfold VO-nettverk")
    # EVU region ØST has two seats: each seat's ballot counts for the organisation.
    done = await cast(forum, forum.representative("evu-ost", 1), vote, [3])
    assert (done.vote_id, done.choices) == (vote, (3,)) and done.seat.startswith("EVU region ØST")
    (ostfold, evu) = await ballots(forum)
    assert ostfold.seat_id != evu.seat_id


async def test_a_later_ballot_replaces_the_seats_earlier_one(forum):
    vote = await open_vote(forum, max_choices=2)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await cast(forum, ada, vote, [1, 2])
    await cast(forum, bo, vote, [3], NOW + timedelta(hours=1))
    (ballot,) = await ballots(forum)
    assert (ballot.choices, ballot.cast_by) == ([3], bo.aad_object_id)
    await cast(forum, forum.representative("follo"), vote, [1])
    assert len(await ballots(forum)) == 2
    assert [c.choices for c in await ballots(forum, BallotCastRow)] == [[1, 2], [3], [1]]


@pytest.mark.parametrize(
    "choices, message",
    [
        ([9], "vote_bad_choice"),
        (["1"], "vote_bad_choice"),
        ([True], "vote_bad_choice"),
        ([None], "vote_bad_choice"),
        ([1.0], "vote_bad_choice"),
        ([[1]], "vote_bad_choice"),
        ({"1": 1}, "vote_bad_choice"),
        (None, "vote_bad_choice"),
        ("1; DROP TABLE ballots", "vote_bad_choice"),
        ("-1", "vote_bad_choice"),
        ([1, 9], "vote_bad_choice"),
        ([1, 2], "vote_too_many"),
        ("1,2", "vote_too_many"),
        ([], "vote_no_choice"),
        ("", "vote_no_choice"),
        (" , ", "vote_no_choice"),
    ],
)
async def test_forged_choices_are_refused_and_nothing_is_recorded(forum, choices, message):
    vote = await open_vote(forum)
    assert await refused(cast(forum, forum.representative("ostfold-vo"), vote, choices)) == message
    assert await ballots(forum) == [] and await ballots(forum, BallotCastRow) == []


async def test_the_same_option_named_twice_is_one_choice(forum):
    vote = await open_vote(forum)
    assert (await cast(forum, forum.representative("ostfold-vo"), vote, [2, 2])).choices == (2,)


async def test_a_choice_in_unusual_digits_is_refused_not_a_crash(forum):
    """BUG (bot/forum/votes/vote.py, read_choices): "²".isdigit() is True
    but int("²") raises ValueError, so a forged card value crashes the
    handler instead of being refused as vote_bad_choice."""
    vote = await open_vote(forum)
    try:
        code = await refused(cast(forum, forum.representative("ostfold-vo"), vote, "²"))
    except ValueError as error:
        pytest.fail(f"a forged choice '²' crashed cast_ballot instead of being refused: {error!r}")
    assert code == "vote_bad_choice"
    assert await ballots(forum) == []


async def test_only_seats_vote_and_only_while_the_vote_is_open(forum):
    vote = await open_vote(forum)
    assert await refused(cast(forum, forum.statsforvalter, vote, [1])) == "vote_no_seat"
    assert (
        await refused(cast(forum, forum.representative("ostfold-vo"), vote, [1], NOW + timedelta(days=2)))
        == "vote_closed"
    )
    assert (
        await refused(cast(forum, forum.representative("ostfold-vo"), vote, [1], NOW + timedelta(days=1)))
        == "vote_closed"
    )
    assert await refused(cast(forum, forum.representative("ostfold-vo"), vote + 1000, [1])) == "vote_unknown"
    for forged_id in (str(vote), None, True, float(vote), [vote]):
        assert await refused(cast(forum, forum.representative("ostfold-vo"), forged_id, [1])) == "vote_unknown"
    async with forum.app[UOW]() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(BallotRow)) == 0


async def test_someone_outside_the_roster_has_no_seat(forum):
    vote = await open_vote(forum)
    assert await refused(cast(forum, teams.stranger(), vote, [1])) == "vote_no_seat"
    assert await ballots(forum) == []


async def test_another_forums_vote_is_refused(forum):
    async with forum.app[UOW]() as uow:
        await uow.roster_sync.apply(OTHER_FORUM)
        await uow.commit()
    theirs = await open_vote(forum, forum_id="vest")
    ours = await open_vote(forum)
    assert await refused(cast(forum, forum.representative("ostfold-vo"), theirs, [1])) == "vote_unknown"
    assert await ballots(forum) == [] and await ballots(forum, BallotCastRow) == []
    # ...while their own seat votes in it, and not in ours.
    berit = teams.User("Berit Bergen", "44444444-4444-4444-8444-444444444444", "berit@bergen.example.org")
    assert (await cast(forum, berit, theirs, [2])).seat == "Bergen VO"
    assert await refused(cast(forum, berit, ours, [2])) == "vote_unknown"
    (ballot,) = await ballots(forum)
    assert (ballot.vote_id, ballot.choices) == (theirs, [2])

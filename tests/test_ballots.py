"""One ballot per seat: representative and deputy share it, a later ballot
replaces an earlier one, and nothing forged is counted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import UOW
from bot.forum.identity import identify
from bot.forum.roster import Refused
from bot.forum.votes.vote import cast_ballot
from storage.models import BallotCastRow, BallotRow

NOW = datetime(2031, 10, 1, 9, 0, tzinfo=UTC)


async def open_vote(forum, max_choices: int = 1) -> int:
    async with forum.app[UOW]() as uow:
        vote = await uow.votes.add(
            "oslo-viken",
            {
                "question": "Hvilket tiltak prioriteres?",
                "options": [{"id": 1, "label": "Tiltak A"}, {"id": 2, "label": "Tiltak B"}, {"id": 3, "label": "Tiltak C"}],
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


async def cast(forum, user, vote_id: int, choices, now: datetime = NOW):
    async with forum.app[UOW]() as uow:

        async def no_email():
            return None

        who = await identify(uow, aad_object_id=user.aad_object_id, display_name=user.name, team_id=None, email_lookup=no_email)
        return await cast_ballot(uow, who.actor, vote_id, choices, now)


async def ballots(forum, model=BallotRow) -> list:
    async with forum.app[UOW]() as uow:
        rows = list(await uow.session.scalars(select(model).order_by(model.id)))
        uow.session.expunge_all()
        return rows


async def test_representative_and_deputy_clicking_at_once_leave_one_ballot(forum):
    vote = await open_vote(forum)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for round_ in range(5):
        await asyncio.gather(cast(forum, ada, vote, [1]), cast(forum, bo, vote, [2]), cast(forum, ada, vote, [1]))
    (ballot,) = await ballots(forum)
    assert (ballot.choices, ballot.cast_by) in (([1], ada.aad_object_id), ([2], bo.aad_object_id))
    assert len(await ballots(forum, BallotCastRow)) == 15  # every click is in the log


async def test_a_later_ballot_replaces_the_seats_earlier_one(forum):
    vote = await open_vote(forum, max_choices=2)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await cast(forum, ada, vote, [1, 2])
    await cast(forum, bo, vote, [3], NOW + timedelta(hours=1))
    (ballot,) = await ballots(forum)
    assert (ballot.choices, ballot.cast_by) == ([3], bo.aad_object_id)
    await cast(forum, forum.representative("follo"), vote, [1])
    assert len(await ballots(forum)) == 2


@pytest.mark.parametrize(
    "choices, message",
    [
        ([9], "vote_bad_choice"),
        (["1"], "vote_bad_choice"),
        ([True], "vote_bad_choice"),
        ([1, 2], "vote_too_many"),
        ([], "vote_too_many"),
    ],
)
async def test_forged_choices_are_refused_and_nothing_is_recorded(forum, choices, message):
    vote = await open_vote(forum)
    with pytest.raises(Refused) as refused:
        await cast(forum, forum.representative("ostfold-vo"), vote, choices)
    assert refused.value.code == message
    assert await ballots(forum) == [] and await ballots(forum, BallotCastRow) == []


async def test_only_seats_vote_and_only_while_the_vote_is_open(forum):
    vote = await open_vote(forum)
    for user, code in ((forum.statsforvalter, "vote_no_seat"),):
        with pytest.raises(Refused) as refused:
            await cast(forum, user, vote, [1])
        assert refused.value.code == code
    with pytest.raises(Refused) as refused:
        await cast(forum, forum.representative("ostfold-vo"), vote, [1], NOW + timedelta(days=2))
    assert refused.value.code == "vote_closed"
    with pytest.raises(Refused) as refused:
        await cast(forum, forum.representative("ostfold-vo"), vote + 1000, [1])
    assert refused.value.code == "vote_unknown"
    async with forum.app[UOW]() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(BallotRow)) == 0

"""Prioritising many measures: a ranked vote (each seat ranks up to N,
counted by Borda: N points for first place, N-1 for second…) and a points
vote (each seat spreads up to N points), with a number of places to
prioritise. They keep what every vote has: one ballot per seat that the
deputy's replaces, a hidden or live result, the close, and a tie at the
cut line handed to the Statsforvalter.

Through the bot's real /api/messages, as in tests/test_votes_in_teams.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import UOW
from bot.forum.roster import Refused
from bot.forum.votes.service import check_new_vote
from bot.forum.votes.tally import tally
from bot.forum.votes.vote import Ballot, Option, Vote, VoteKind, VoteStatus, check_ballot
from bot.i18n import text
from tests.card_reading import input_named, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, settle
from tests.test_votes_in_teams import (
    OSLO,
    Clock,
    channel,
    form,
    keeper,
    open_vote,
    set_up_channel,
    stored,
)

LESEKURS, DIGITAL, NORSK = 1, 2, 3


def nb(key: str, **params) -> str:
    return text("nb", key, **params)


async def rank(forum, user, vote_id: int, **places: str) -> dict:
    """Press «Stem» with a place (or points) typed by some options:
    ``option_1="2"`` puts option 1 second."""
    body, _ = await forum.press(user, "vote.cast", {"vote": vote_id, **places})
    return body


async def stored_ballots(forum, vote_id: int) -> list[tuple[list[int], list[int] | None]]:
    """Each seat's stored ballot: (choices in order, points)."""
    async with forum.app[UOW]() as uow:
        return sorted((list(b.choices), b.points) for b in await uow.votes.ballots(vote_id))


# --- a ranked vote --------------------------------------------------------------------------


async def test_a_ranked_vote_counts_borda_points_and_the_deputys_ranking_replaces_the_representatives(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="ranking", up_to="2", places="1")
    (posted,) = [r for r in channel(forum, "send") if r.cards]
    card = posted.cards[0]
    assert "Hvert sete rangerer inntil 2 (Borda) · 1 prioriteres" in texts(card)
    assert "Plass 1 gir 2 poeng, plass 2 gir 1" in texts(card)
    assert [input_named(card, f"option_{o}")["label"] for o in (1, 2, 3)] == ["Plass"] * 3

    lise, lars = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    mine = card_of(await rank(forum, lise, vote, option_1="2", option_3="1"))
    assert "Du stemte 1. «Norsk på arbeidsplassen», 2. «Lesekurs» for Østfold VO-nettverk." in texts(mine)
    assert inputs(mine) == {"option_1": "2", "option_2": "", "option_3": "1"}  # her ranking, to change
    await rank(forum, forum.representative("follo"), vote, option_2="1", option_1="2")
    await rank(forum, lars, vote, option_1="1")  # the deputy's ballot replaces Lise's
    assert await stored_ballots(forum, vote) == [([LESEKURS], None), ([DIGITAL, LESEKURS], None)]

    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    closed = await stored(forum, vote)
    # Follo: Digital 2, Lesekurs 1; Østfold (the deputy): Lesekurs 2.
    assert [(p.options, p.votes) for p in closed.result.places] == [((LESEKURS,), 3), ((DIGITAL,), 2), ((NORSK,), 0)]
    assert closed.status is VoteStatus.DECIDED and closed.chosen == (LESEKURS,)
    *_, update = channel(forum, "update")
    shown = texts(update.cards[0])
    assert "3 poeng" in shown and "2 poeng" in shown and "Forumet valgte: «Lesekurs»" in shown, shown

    await settle(forum)
    log = texts(only_card(await forum.say(forum.statsforvalter, "vedtak")))
    assert "Nettverket for Follo-regionen: 1. «Digital kompetanse», 2. «Lesekurs»" in log, log


@pytest.mark.parametrize(
    "typed, refusal",
    [
        ({"option_1": "1", "option_2": "3"}, nb("vote_bad_places", limit=2)),  # a gap
        ({"option_1": "1", "option_2": "1"}, nb("vote_bad_places", limit=2)),  # one place twice
        ({"option_1": "1", "option_2": "2", "option_3": "3"}, nb("vote_bad_places", limit=2)),  # more than N
        ({"option_1": "første"}, nb("vote_bad_number")),
        ({"option_1": "1.5"}, nb("vote_bad_number")),
        ({"option_1": True}, nb("vote_bad_number")),
        ({"option_1": ["1"]}, nb("vote_bad_number")),
        ({"option_9": "1"}, nb("vote_bad_choice")),
        ({"option_x": "1"}, nb("vote_bad_choice")),
        ({"option_1": "", "option_2": " "}, nb("vote_no_choice")),
        ({}, nb("vote_no_choice")),
    ],
)
async def test_a_ranking_that_is_not_one_is_refused_and_the_seats_ballot_stays(forum, typed, refusal):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="ranking", up_to="2", places="1")
    lise = forum.representative("ostfold-vo")
    await rank(forum, lise, vote, option_3="1")
    assert message_of(await rank(forum, lise, vote, **typed)) == refusal
    assert await stored_ballots(forum, vote) == [([NORSK], None)]


async def test_a_tie_at_the_cut_line_goes_to_the_statsforvalter(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="ranking", up_to="2", places="1")
    await rank(forum, forum.representative("ostfold-vo"), vote, option_1="1")
    await rank(forum, forum.representative("follo"), vote, option_2="1")
    sf = forum.statsforvalter
    await forum.press(sf, "vote.close", {"vote": vote})
    body, _ = await forum.press(sf, "vote.close.confirmed", {"vote": vote})
    shown = texts(card_of(body))
    assert "Uavgjort" in shown and "Din avgjørelse" in shown, shown
    decision = input_named(card_of(body), "choices")
    assert [c["title"] for c in decision["choices"]] == ["Lesekurs", "Digital kompetanse"]
    await settle(forum)

    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": "Flest deltakere."})
    assert "Statsforvalteren avgjorde: «Digital kompetanse»" in texts(card_of(body))
    decided = await stored(forum, vote)
    assert decided.status is VoteStatus.DECIDED and decided.chosen == (DIGITAL,)


# --- a points vote --------------------------------------------------------------------------


async def test_a_points_vote_adds_up_the_points_and_refuses_more_than_each_seat_has(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="points", up_to="100", places="2", live="false")
    (posted,) = [r for r in channel(forum, "send") if r.cards]
    assert "Hvert sete fordeler 100 poeng · 2 prioriteres" in texts(posted.cards[0])

    lise, marte = forum.representative("ostfold-vo"), forum.representative("follo")
    mine = card_of(await rank(forum, lise, vote, option_1="70", option_3=" 30 "))
    assert "Du stemte «Lesekurs» (70 poeng), «Norsk på arbeidsplassen» (30 poeng)" in texts(mine)
    assert "Foreløpig resultat" not in texts(mine)  # hidden until the close

    refused = await rank(forum, marte, vote, option_1="60", option_2="50")
    assert message_of(refused) == nb("vote_too_many_points", limit=100, given=110)
    for bad in ("-5", "1e3", "100000"):
        assert message_of(await rank(forum, marte, vote, option_2=bad)) == nb("vote_bad_number")
    assert await stored_ballots(forum, vote) == [([LESEKURS, NORSK], [70, 30])]

    await rank(forum, marte, vote, option_2="100", option_1="0")  # a zero names nothing
    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    closed = await stored(forum, vote)
    assert [(p.options, p.votes) for p in closed.result.places] == [
        ((DIGITAL,), 100),
        ((LESEKURS,), 70),
        ((NORSK,), 30),
    ]
    assert closed.chosen == (DIGITAL, LESEKURS)
    assert await stored_ballots(forum, vote) == [([LESEKURS, NORSK], [70, 30]), ([DIGITAL], [100])]


async def test_an_english_reader_ranks_in_english(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="ranking", up_to="3", places="1")
    body, _ = await forum.press(
        forum.representative("follo"), "vote.cast", {"vote": vote, "option_2": "1"}, locale="en-GB"
    )
    shown = texts(card_of(body))
    assert 'You voted 1. "Digital kompetanse"' in shown
    assert "Place 1 gives 3 points, place 2 gives 2" in shown


# --- the form -------------------------------------------------------------------------------


NOW = datetime(2031, 10, 1, 9, 0, tzinfo=UTC)


def check(**typed):
    closes = (NOW + timedelta(days=3)).astimezone(OSLO)
    return check_new_vote({**form(close_date=closes.date().isoformat()), **typed}, "Europe/Oslo", NOW, [])


@pytest.mark.parametrize(
    "typed, errors",
    [
        ({"mode": "ranking"}, {"up_to": "required", "places": "required"}),
        ({"mode": "points", "up_to": "100"}, {"places": "required"}),
        ({"mode": "ranking", "up_to": "4", "places": "1"}, {"up_to": "vote_rank_too_many"}),  # three options
        ({"mode": "ranking", "up_to": "2", "places": "3"}, {"places": "vote_places_too_many"}),
        ({"mode": "points", "up_to": "1001", "places": "1"}, {"up_to": "out_of_range"}),
        ({"mode": "points", "up_to": "1", "places": "1"}, {"up_to": "out_of_range"}),
        ({"mode": "points", "up_to": "100", "places": "0"}, {"places": "out_of_range"}),
        ({"mode": "points", "up_to": "100", "places": "to"}, {"places": "not_a_number"}),
        ({"mode": "borda"}, {"mode": "not_offered"}),
    ],
)
def test_a_ranked_or_points_vote_needs_its_n_and_the_places_within_the_options(typed, errors):
    assert {name: error.code for name, error in check(**typed).errors.items()} == errors


def test_the_form_keeps_what_each_kind_uses():
    ranking = check(mode="ranking", up_to="3", places="2").values
    assert (ranking["mode"], ranking["up_to"], ranking["places"]) == (VoteKind.RANKING, 3, 2)
    points = check(mode="points", up_to="1000", places="1").values
    assert (points["mode"], points["up_to"], points["places"]) == (VoteKind.POINTS, 1000, 1)
    one = check(mode="one", up_to="7", places="2").values  # typed, but not used by a single choice
    assert (one["up_to"], one["places"]) == (None, None)


# --- the count, without Teams -------------------------------------------------------------


def _vote(kind: VoteKind, n: int, places: int, options: int = 4) -> Vote:
    return Vote(
        1,
        "f",
        "?",
        tuple(Option(i, f"O{i}") for i in range(1, options + 1)),
        n if kind in (VoteKind.RANKING, VoteKind.UP_TO) else options,
        NOW,
        False,
        None,
        VoteStatus.OPEN,
        kind=kind,
        points=n if kind is VoteKind.POINTS else None,
        places=places,
    )


def test_borda_gives_n_points_for_first_place_down_to_one():
    vote = _vote(VoteKind.RANKING, 3, 2)
    ballots = [Ballot(b) for b in [(1, 2, 3), (2, 1), (2,), (4, 3, 1)]]
    result = vote.count(ballots, seats=12)
    assert [(p.options, p.votes) for p in result.places] == [((2,), 8), ((1,), 6), ((3, 4), 3)]
    assert result.chosen == (2, 1) and result.winners == 2


def test_a_points_tie_inside_the_prioritised_places_is_no_tie_but_across_the_cut_it_is():
    vote = _vote(VoteKind.POINTS, 10, 2)
    inside = vote.count([Ballot((1, 2), (6, 4)), Ballot((2, 1), (6, 4)), Ballot((3,), (3,))], seats=12)
    assert inside.tie == () and inside.chosen == (1, 2)
    across = vote.count([Ballot((1,), (10,)), Ballot((2, 3), (5, 5)), Ballot((3, 2), (5, 5))], seats=12)
    assert across.tie == (1, 2, 3) and across.needs_decision


def test_a_points_ballot_is_ordered_by_points_and_a_ranking_by_place():
    points = _vote(VoteKind.POINTS, 100, 1)
    assert check_ballot(points, None, {1: "10", 2: "", 3: 60, 4: "30"}) == Ballot((3, 4, 1), (60, 30, 10))
    ranking = _vote(VoteKind.RANKING, 3, 1)
    assert check_ballot(ranking, None, {4: "2", 2: "1"}) == Ballot((2, 4))
    with pytest.raises(Refused):
        check_ballot(ranking, None, {True: "1"})  # a key that is no option id


def test_a_plain_vote_counts_one_vote_per_option_named_whatever_the_order():
    vote = _vote(VoteKind.UP_TO, 2, 0)
    assert vote.count([Ballot((2, 1)), Ballot((1,))], seats=2) == tally([1, 2, 3, 4], [[1, 2], [1]], seats=2, winners=2)

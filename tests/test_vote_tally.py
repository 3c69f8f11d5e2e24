"""Counting a priority vote, and when the Statsforvalter must decide."""

from __future__ import annotations

import random
from fractions import Fraction

from bot.forum.votes.tally import tally

A, B, C, D = 1, 2, 3, 4


def test_a_single_choice_with_a_clear_winner():
    result = tally([A, B, C], [[A], [A], [B], [C], [A]], seats=12)
    assert [(p.rank, p.options, p.votes) for p in result.places] == [(1, (A,), 3), (2, (B, C), 1)]
    assert result.chosen == (A,) and not result.needs_decision


def test_a_tie_for_first_place_goes_to_the_statsforvalter():
    result = tally([A, B, C], [[A], [B], [C], [A], [B]], seats=12)
    assert result.tie == (A, B) and result.needs_decision and result.chosen == ()


def test_up_to_n_a_tie_across_the_last_place_needs_a_decision_one_inside_does_not():
    across = tally([A, B, C, D], [[A, B], [A, C], [A, D]], seats=12, winners=2)
    assert across.tie == (B, C, D)
    inside = tally([A, B, C, D], [[A, B], [A, B], [C]], seats=12, winners=2)
    assert inside.tie == () and inside.chosen == (A, B)


def test_options_nobody_chose_are_never_chosen_nor_a_tie():
    result = tally([A, B, C], [[A]], seats=12, winners=2)
    assert result.chosen == (A,) and result.tie == ()


def test_a_missed_quorum_goes_to_the_statsforvalter():
    result = tally([A, B], [[A], [A], [B]], seats=12, quorum=Fraction(1, 2))
    assert result.quorum_missed and result.needs_decision
    assert not tally([A, B], [[A]] * 6, seats=12, quorum=Fraction(1, 2)).quorum_missed


def test_choices_outside_the_vote_and_repeats_count_for_nothing():
    result = tally([A, B], [[A, A, 99], [B]], seats=12, winners=2)
    assert {p.options: p.votes for p in result.places} == {(A, B): 1}


def test_ten_thousand_ballots_are_counted_exactly():
    rng = random.Random(7)
    options = list(range(1, 21))
    ballots = [rng.sample(options, 3) for _ in range(10_000)]
    result = tally(options, ballots, seats=10_000, winners=3)
    assert sum(p.votes * len(p.options) for p in result.places) == 30_000
    assert result.ballots == 10_000

"""Counting a vote, and telling when the Statsforvalter must decide.

Plain functions over plain values, so the rules can be read and tested
without a database: a ballot is the set of options one seat chose, one
vote each, or (ranked and points votes) each option it named with the
points it gives it."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Place:
    """One rank of the result: the options that share it and their count
    (votes, or points in a ranked or points vote)."""

    rank: int
    options: tuple[int, ...]
    votes: int


@dataclass(frozen=True)
class Result:
    places: tuple[Place, ...]  # every option, most votes first
    ballots: int
    seats: int
    winners: int
    # The options tied across the last deciding place (empty when none are).
    tie: tuple[int, ...] = ()
    quorum_missed: bool = False

    @property
    def needs_decision(self) -> bool:
        """The forum has not settled it: the Statsforvalter decides."""
        return bool(self.tie) or self.quorum_missed

    @property
    def settled(self) -> tuple[int, ...]:
        """The options whose whole place is within the deciding places:
        chosen by the ballots, whatever is decided about a tie below them."""
        return tuple(
            o for p in self.places if p.votes > 0 and p.rank + len(p.options) - 1 <= self.winners for o in p.options
        )

    @property
    def chosen(self) -> tuple[int, ...]:
        """The options the forum chose, when it settled it."""
        return () if self.needs_decision else self.settled


def tally(
    options: Sequence[int],
    ballots: Iterable[Iterable[int]],
    *,
    seats: int,
    winners: int = 1,
    quorum: Fraction | None = None,
) -> Result:
    """Rank the options by votes: each ballot gives each option it names
    one vote. ``winners`` is how many the vote chooses (1 for a single
    choice, N for "up to N"). A tie that straddles the last of those places
    (some tied options would be in, some out) is for the Statsforvalter to
    decide, and so is a turnout below ``quorum`` (a share of the seats)."""
    return points_tally(options, (zip(set(b), _ONES) for b in ballots), seats=seats, winners=winners, quorum=quorum)


def points_tally(
    options: Sequence[int],
    ballots: Iterable[Iterable[tuple[int, int]]],
    *,
    seats: int,
    winners: int = 1,
    quorum: Fraction | None = None,
) -> Result:
    """Rank the options by points: each ballot is the (option, points)
    pairs one seat gave, each option at most once (ranked and points votes;
    ``winners`` is the places they prioritise). Ties and quorum as in
    ``tally``."""
    counts = dict.fromkeys(options, 0)
    cast = 0
    for ballot in ballots:
        cast += 1
        for option, points in ballot:
            if option in counts and points > 0:
                counts[option] += points
    return ranked(options, counts, cast, seats=seats, winners=winners, quorum=quorum)


def ranked(
    options: Sequence[int],
    counts: Mapping[int, int],
    cast: int,
    *,
    seats: int,
    winners: int = 1,
    quorum: Fraction | None = None,
) -> Result:
    """The result of ``cast`` ballots that gave the options these votes
    or points in all. Ties and quorum as in ``tally``."""
    by_votes: dict[int, list[int]] = {}
    for option in options:  # within a place, the vote's own order
        by_votes.setdefault(counts[option], []).append(option)
    places, rank, tie = [], 1, ()
    for votes in sorted(by_votes, reverse=True):
        group = tuple(by_votes[votes])
        last = rank + len(group) - 1
        if votes > 0 and rank <= winners < last:
            tie = group  # some of these would be chosen, some not
        places.append(Place(rank, group, votes))
        rank = last + 1

    missed = quorum is not None and Fraction(cast, max(seats, 1)) < quorum
    return Result(tuple(places), cast, seats, winners, tie, missed)


_ONES = itertools.repeat(1)

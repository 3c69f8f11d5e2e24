"""A priority vote as the forum sees it, and what a ballot may name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from itertools import zip_longest

from bot.forum.roster import Refused
from bot.forum.votes.tally import Result, ranked


class VoteStatus(StrEnum):
    OPEN = "open"
    AWAITING_DECISION = "awaiting_decision"  # a tie or no quorum: the Statsforvalter decides
    DECIDED = "decided"


class VoteKind(StrEnum):
    ONE = "one"  # one option per seat
    UP_TO = "up_to"  # up to N options per seat, one vote each
    RANKING = "ranking"  # each seat ranks up to N options: N points for first place, N-1 for second…
    POINTS = "points"  # each seat spreads up to N points over the options


# Kinds counted in points, with a number of places to prioritise.
SCORED = (VoteKind.RANKING, VoteKind.POINTS)


class Escalation(StrEnum):
    TIE = "tie"
    QUORUM = "quorum"
    DISAGREEMENT = "disagreement"  # the forum did not approve the allocation proposal


@dataclass(frozen=True)
class Option:
    id: int
    label: str
    report_id: int | None = None  # when the option is a needs report


@dataclass(frozen=True)
class Vote:
    id: int
    forum_id: str
    question: str
    options: tuple[Option, ...]  # in the vote's order
    max_choices: int  # how many options a ballot may name (ranking: N)
    closes_at: datetime
    live: bool  # the tally shows while the vote is open
    quorum_percent: int | None
    status: VoteStatus
    created_by: str | None = None
    created_at: datetime | None = None
    remind_at: datetime | None = None
    card_activity_id: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    result: Result | None = None  # the tally at the close
    escalation: Escalation | None = None
    chosen: tuple[int, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    kind: VoteKind = VoteKind.ONE
    points: int | None = None  # points vote: the N points each seat spreads
    places: int | None = None  # ranked and points votes: how many they prioritise
    allocation_year: int | None = None  # a vote on approving that year's allocation proposal

    @property
    def winners(self) -> int:
        """How many options the vote chooses: the cut line."""
        return self.places if self.kind in SCORED and self.places else self.max_choices

    def is_open(self, now: datetime) -> bool:
        return self.status is VoteStatus.OPEN and now < self.closes_at

    def label(self, option_id: int) -> str:
        return next((o.label for o in self.options if o.id == option_id), "?")

    @property
    def quorum(self) -> Fraction | None:
        return Fraction(self.quorum_percent, 100) if self.quorum_percent else None

    def count(self, ballots: Iterable[Ballot], seats: int) -> Result:
        """The result of the seats' ballots."""
        ballots = list(ballots)
        marks = Counter(
            (place, option, points)
            for b in ballots
            for place, (option, points) in enumerate(zip_longest(b.choices, b.points[: len(b.choices)]))
        )
        return self.count_marks(marks, len(ballots), seats)

    def count_marks(self, marks: Mapping[tuple[int, int, int | None], int], cast: int, seats: int) -> Result:
        """The result of ``cast`` ballots, from how many of them put each
        option at each place (0: first) with what points (points vote):
        (place, option, points) -> ballots. So the count needs no seat's
        ballot of its own, only how often each mark was made."""
        options = [o.id for o in self.options]
        counts = dict.fromkeys(options, 0)
        for (place, option, points), ballots in marks.items():
            if option in counts:
                counts[option] += self._worth(place, points) * ballots
        return ranked(options, counts, cast, seats=seats, winners=self.winners, quorum=self.quorum)

    def _worth(self, place: int, points: int | None) -> int:
        """What an option at this place of a ballot gets: one vote; in a
        ranked vote N points for first place, N-1 for second and so on
        (Borda, for up to N places); in a points vote the points given."""
        if self.kind is VoteKind.RANKING:
            return max(self.max_choices - place, 0)
        if self.kind is VoteKind.POINTS:
            return max(points or 0, 0)
        return 1

    def decision_options(self) -> tuple[tuple[int, ...], int]:
        """What the Statsforvalter chooses among, and how many to choose:
        the tied options for the places left, or (no quorum) any of them."""
        result = self.result
        if result is None or self.escalation is None:
            return (), 0
        if self.escalation is not Escalation.TIE:
            return tuple(o.id for o in self.options), self.winners
        return result.tie, result.winners - len(result.settled)


def read_choices(raw: object) -> list[object]:
    """A ballot's options as the card sent them: one id, a list, or the
    comma-separated string a multi-select choice set gives."""
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        return [int(p) if p.isascii() and p.isdigit() and len(p) < 10 else p for p in parts]
    if isinstance(raw, list):
        return raw
    return [raw]


def check_choices(offered: tuple[int, ...], raw: object, at_most: int, at_least: int = 1) -> list[int]:
    """The options a ballot names, if they are offered and few enough.
    Card data is the client's: anything else is refused."""
    picked: list[int] = []
    for choice in read_choices(raw):
        if isinstance(choice, bool) or not isinstance(choice, int) or choice not in offered:
            raise Refused("vote_bad_choice")
        if choice not in picked:
            picked.append(choice)
    if not picked:
        raise Refused("vote_no_choice")
    if not at_least <= len(picked) <= at_most:
        raise Refused("vote_too_many" if len(picked) > at_most else "vote_too_few", limit=at_most)
    return picked


@dataclass(frozen=True)
class Ballot:
    """What one seat chose: the options in its order (ranking: first place
    first) and, in a points vote, the points each of them got."""

    choices: tuple[int, ...]
    points: tuple[int, ...] = ()


def check_ballot(vote: Vote, raw_choices: object, raw_marks: Mapping[object, object]) -> Ballot:
    """A ballot for ``vote`` from what the card sent: the picked options
    of a plain vote, or a number per option (``raw_marks``: option id ->
    place or points) in a ranked or points vote."""
    offered = tuple(o.id for o in vote.options)
    if vote.kind not in SCORED:
        return Ballot(tuple(check_choices(offered, raw_choices, vote.max_choices)))
    marks: dict[int, int] = {}
    for option, raw in raw_marks.items():
        if isinstance(option, bool) or option not in offered:
            raise Refused("vote_bad_choice")
        number = _whole(raw)
        if number:
            marks[option] = number
    if not marks:
        raise Refused("vote_no_choice")
    if vote.kind is VoteKind.RANKING:
        places = sorted(marks.values())
        if places != list(range(1, len(places) + 1)) or len(places) > vote.max_choices:
            raise Refused("vote_bad_places", limit=vote.max_choices)
        return Ballot(tuple(sorted(marks, key=marks.__getitem__)))
    given = sum(marks.values())
    if given > (vote.points or 0):
        raise Refused("vote_too_many_points", limit=vote.points, given=given)
    ordered = sorted(marks, key=lambda o: (-marks[o], offered.index(o)))
    return Ballot(tuple(ordered), tuple(marks[o] for o in ordered))


def _whole(raw: object) -> int:
    """A place or points as typed: empty is 0; anything but a whole number
    from 0 to 10,000 is refused."""
    if raw is None or raw == "":
        return 0
    if isinstance(raw, bool):
        raise Refused("vote_bad_number")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw:
            return 0
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 5):
            raise Refused("vote_bad_number")
        raw = int(raw)
    if not isinstance(raw, int) or not 0 <= raw <= 10_000:
        raise Refused("vote_bad_number")
    return raw

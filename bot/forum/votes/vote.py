"""A priority vote as the forum sees it, and what a ballot may name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from bot.forum.roster import Refused
from bot.forum.votes.tally import Result, tally


class VoteStatus(StrEnum):
    OPEN = "open"
    AWAITING_DECISION = "awaiting_decision"  # a tie or no quorum: the Statsforvalter decides
    DECIDED = "decided"


class Escalation(StrEnum):
    TIE = "tie"
    QUORUM = "quorum"


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
    max_choices: int  # 1: one choice; N: up to N
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

    def is_open(self, now: datetime) -> bool:
        return self.status is VoteStatus.OPEN and now < self.closes_at

    def label(self, option_id: int) -> str:
        return next((o.label for o in self.options if o.id == option_id), "?")

    @property
    def quorum(self) -> Fraction | None:
        return Fraction(self.quorum_percent, 100) if self.quorum_percent else None

    def count(self, ballots: list[tuple[int, ...]], seats: int) -> Result:
        return tally(
            [o.id for o in self.options], ballots, seats=seats, winners=self.max_choices, quorum=self.quorum
        )

    def decision_options(self) -> tuple[tuple[int, ...], int]:
        """What the Statsforvalter chooses among, and how many to choose:
        the tied options for the places left, or (no quorum) any of them."""
        result = self.result
        if result is None or self.escalation is None:
            return (), 0
        if self.escalation is Escalation.QUORUM:
            return tuple(o.id for o in self.options), self.max_choices
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

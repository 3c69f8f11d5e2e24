"""A priority vote, and casting a seat's ballot in it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.forum.roster import Actor, Refused


@dataclass(frozen=True)
class Vote:
    id: int
    forum_id: str
    question: str
    options: tuple[tuple[int, str], ...]  # (option id, label), in the vote's order
    max_choices: int  # 1: one choice; N: up to N
    closes_at: datetime
    live: bool
    quorum_percent: int | None
    status: str  # open | closed

    def is_open(self, now: datetime) -> bool:
        return self.status == "open" and now < self.closes_at


def check_choices(vote: Vote, choices: Iterable[object]) -> list[int]:
    """The options a ballot names, if they are this vote's and few enough.
    Card data is the client's: anything else is refused."""
    offered = {option_id for option_id, _ in vote.options}
    picked: list[int] = []
    for choice in choices:
        if isinstance(choice, bool) or not isinstance(choice, int) or choice not in offered:
            raise Refused("vote_bad_choice")
        if choice not in picked:
            picked.append(choice)
    if not 1 <= len(picked) <= vote.max_choices:
        raise Refused("vote_too_many", limit=vote.max_choices)
    return picked


async def cast_ballot(uow, actor: Actor, vote_id: int, choices: Iterable[object], now: datetime) -> list[int]:
    """The seat's ballot: cast by its representative or deputy; a later
    ballot replaces the seat's earlier one."""
    if actor.forum is None or not actor.holds_seat or actor.person.seat_id is None:
        raise Refused("vote_no_seat")
    vote = await uow.votes.get(actor.forum.id, vote_id)
    if vote is None:
        raise Refused("vote_unknown")
    if not vote.is_open(now):
        raise Refused("vote_closed")
    picked = check_choices(vote, choices)
    await uow.votes.cast(vote.id, actor.person.seat_id, picked, actor.aad_object_id, now)
    await uow.commit()
    return picked

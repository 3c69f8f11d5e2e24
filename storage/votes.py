"""Votes and ballots in SQL.

A ballot and the close must not pass each other: a ballot counted after
the tally was taken would be in the log but not in the result. So every
write first bumps the vote's `revision` with a conditional UPDATE: on
PostgreSQL that takes the row's lock, and on SQLite the database's, so the
close waits for ballots in flight and ballots after it find the vote no
longer open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.votes.tally import Place, Result
from bot.forum.votes.vote import Ballot, Escalation, Option, Vote, VoteKind, VoteStatus
from storage.models import BallotCastRow, BallotRow, SeatRow, VoteRow

# A ballot's choices and points are JSON lists, index by index; a mark is
# one choice with its place and, in a points vote, its points. Ballots of
# seats no longer on the roster are not counted.
_MARKS_SQLITE = text(
    """
    SELECT c.key, c.value, p.value, count(*)
    FROM ballots AS b
    JOIN seats AS s ON s.id = b.seat_id AND s.active
    JOIN json_each(b.choices) AS c
    LEFT JOIN json_each(CASE json_type(b.points) WHEN 'array' THEN b.points END) AS p ON p.key = c.key
    WHERE b.vote_id = :vote_id
    GROUP BY c.key, c.value, p.value
    """
)
_MARKS_POSTGRESQL = text(
    """
    SELECT c.place - 1, c.value, p.value, count(*)
    FROM ballots AS b
    JOIN seats AS s ON s.id = b.seat_id AND s.active
    CROSS JOIN LATERAL json_array_elements_text(b.choices) WITH ORDINALITY AS c(value, place)
    LEFT JOIN LATERAL json_array_elements_text(
        CASE json_typeof(b.points) WHEN 'array' THEN b.points END
    ) WITH ORDINALITY AS p(value, place) ON p.place = c.place
    WHERE b.vote_id = :vote_id
    GROUP BY c.place, c.value, p.value
    """
)


def _result_json(result: Result) -> dict:
    return {
        "places": [[p.rank, list(p.options), p.votes] for p in result.places],
        "ballots": result.ballots,
        "seats": result.seats,
        "winners": result.winners,
        "tie": list(result.tie),
        "quorum_missed": result.quorum_missed,
    }


def _result(data: dict | None) -> Result | None:
    if data is None:
        return None
    return Result(
        places=tuple(Place(rank, tuple(options), votes) for rank, options, votes in data["places"]),
        ballots=data["ballots"],
        seats=data["seats"],
        winners=data["winners"],
        tie=tuple(data["tie"]),
        quorum_missed=data["quorum_missed"],
    )


def _vote(row: VoteRow) -> Vote:
    return Vote(
        id=row.id,
        forum_id=row.forum_id,
        question=row.question,
        options=tuple(Option(o["id"], o["label"], o.get("report_id")) for o in row.options),
        kind=VoteKind(row.kind),
        max_choices=row.max_choices,
        points=row.points,
        places=row.places,
        allocation_year=row.allocation_year,
        closes_at=row.closes_at,
        live=row.live,
        quorum_percent=row.quorum_percent,
        status=VoteStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        remind_at=row.remind_at,
        card_activity_id=row.card_activity_id,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        result=_result(row.result),
        escalation=Escalation(row.escalation) if row.escalation else None,
        chosen=tuple(row.chosen or ()),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


class VoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, forum_id: str, values: dict, by: str | None, at: datetime) -> Vote:
        values = dict(values)
        values["options"] = [
            {"id": o.id, "label": o.label, "report_id": o.report_id} if isinstance(o, Option) else o
            for o in values["options"]
        ]
        row = VoteRow(
            forum_id=forum_id, status=VoteStatus.OPEN.value, created_by=by, created_at=at, revision=0, **values
        )
        self.session.add(row)
        await self.session.flush()
        return _vote(row)

    async def get(self, forum_id: str, vote_id: int) -> Vote | None:
        row = await self.session.scalar(select(VoteRow).where(VoteRow.id == vote_id, VoteRow.forum_id == forum_id))
        return _vote(row) if row else None

    async def of_forum(self, forum_id: str, limit: int = 100) -> list[Vote]:
        """The forum's votes, newest first."""
        rows = await self.session.scalars(
            select(VoteRow)
            .where(VoteRow.forum_id == forum_id)
            .order_by(VoteRow.created_at.desc(), VoteRow.id.desc())
            .limit(limit)
        )
        return [_vote(row) for row in rows]

    async def opened_between(
        self, forum_id: str, start: datetime, end: datetime, statuses: tuple[VoteStatus, ...]
    ) -> list[Vote]:
        """The forum's votes in ``statuses`` opened from ``start`` until
        ``end``, oldest first."""
        rows = await self.session.scalars(
            select(VoteRow)
            .where(
                VoteRow.forum_id == forum_id,
                VoteRow.created_at >= start,
                VoteRow.created_at < end,
                VoteRow.status.in_([s.value for s in statuses]),
            )
            .order_by(VoteRow.created_at, VoteRow.id)
        )
        return [_vote(row) for row in rows]

    async def _take(self, vote_id: int, *conditions, **values) -> bool:
        """Bump the vote's revision where ``conditions`` hold: the row lock
        that orders ballots, the close and the decision (see the module)."""
        done = await self.session.execute(
            update(VoteRow)
            .where(VoteRow.id == vote_id, *conditions)
            .values(revision=VoteRow.revision + 1, **values)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1

    async def cast(self, vote_id: int, seat_id: int, ballot: Ballot, by: str, at: datetime) -> bool:
        """The seat's ballot, replacing its earlier one in one statement, so
        that the representative and the deputy clicking at the same moment
        leave exactly one ballot (the later write wins). False, and nothing
        written, when the vote is no longer open."""
        if not await self._take(vote_id, VoteRow.status == VoteStatus.OPEN.value, VoteRow.closes_at > at):
            return False
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        values = {"choices": list(ballot.choices), "points": list(ballot.points) or None, "cast_by": by, "cast_at": at}
        statement = insert(BallotRow).values(vote_id=vote_id, seat_id=seat_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[BallotRow.vote_id, BallotRow.seat_id], set_=values)
        )
        self.session.add(BallotCastRow(vote_id=vote_id, seat_id=seat_id, **values))
        await self.session.flush()
        return True

    async def ballots(self, vote_id: int) -> list:
        """Each seat's current ballot: seat_id, choices, points, cast_by, cast_at."""
        return list(
            await self.session.execute(
                select(
                    BallotRow.seat_id, BallotRow.choices, BallotRow.points, BallotRow.cast_by, BallotRow.cast_at
                ).where(BallotRow.vote_id == vote_id)
            )
        )

    async def ballot(self, vote_id: int, seat_id: int):
        """The seat's current ballot (seat_id, choices, points, cast_by, cast_at), or None."""
        return (
            await self.session.execute(
                select(
                    BallotRow.seat_id, BallotRow.choices, BallotRow.points, BallotRow.cast_by, BallotRow.cast_at
                ).where(BallotRow.vote_id == vote_id, BallotRow.seat_id == seat_id)
            )
        ).first()

    async def marks(self, vote_id: int) -> tuple[int, dict[tuple[int, int, int | None], int]]:
        """How many seats on the roster have a ballot, and how many of
        those ballots put each option at each place (0: first) with what
        points: (place, option, points) -> ballots. Counted by the
        database, so that a press does not read every seat's ballot."""
        seated = (BallotRow.vote_id == vote_id) & SeatRow.active.is_(True)
        cast = await self.session.scalar(
            select(func.count()).select_from(BallotRow).join(SeatRow, SeatRow.id == BallotRow.seat_id).where(seated)
        )
        statement = _MARKS_POSTGRESQL if self.session.bind.dialect.name == "postgresql" else _MARKS_SQLITE
        rows = await self.session.execute(statement, {"vote_id": vote_id})
        return cast or 0, {
            (int(place), int(option), None if points is None else int(points)): n for place, option, points, n in rows
        }

    async def casts(self, vote_id: int) -> list[BallotCastRow]:
        """Every ballot cast, replaced ones included, in order."""
        return list(
            await self.session.scalars(
                select(BallotCastRow).where(BallotCastRow.vote_id == vote_id).order_by(BallotCastRow.id)
            )
        )

    async def start_closing(self, vote_id: int) -> bool:
        """Take the open vote for closing: True for exactly one caller."""
        return await self._take(vote_id, VoteRow.status == VoteStatus.OPEN.value)

    async def close(
        self,
        vote_id: int,
        result: Result,
        status: VoteStatus,
        escalation: Escalation | None,
        chosen: tuple[int, ...],
        by: str | None,
        at: datetime,
    ) -> None:
        values = {
            "status": status.value,
            "result": _result_json(result),
            "escalation": escalation.value if escalation else None,
            "chosen": list(chosen),
            "closed_at": at,
            "closed_by": by,
        }
        if status is VoteStatus.DECIDED:
            values["decided_at"] = at
        await self._take(vote_id, **values)

    async def decide(self, vote_id: int, chosen: list[int], by: str, reason: str, at: datetime) -> bool:
        """The Statsforvalter's decision: True for exactly one caller."""
        return await self._take(
            vote_id,
            VoteRow.status == VoteStatus.AWAITING_DECISION.value,
            status=VoteStatus.DECIDED.value,
            chosen=chosen,
            decided_by=by,
            decided_at=at,
            reason=reason,
        )

    async def set_card(self, vote_id: int, activity_id: str) -> None:
        await self.session.execute(update(VoteRow).where(VoteRow.id == vote_id).values(card_activity_id=activity_id))

    async def due_to_close(self, now: datetime, limit: int = 20) -> list[tuple[str, int]]:
        rows = await self.session.execute(
            select(VoteRow.forum_id, VoteRow.id)
            .where(VoteRow.status == VoteStatus.OPEN.value, VoteRow.closes_at <= now)
            .order_by(VoteRow.closes_at)
            .limit(limit)
        )
        return [(forum_id, vote_id) for forum_id, vote_id in rows]

    async def due_to_remind(self, now: datetime, limit: int = 20) -> list[tuple[str, int]]:
        rows = await self.session.execute(
            select(VoteRow.forum_id, VoteRow.id)
            .where(
                VoteRow.status == VoteStatus.OPEN.value,
                VoteRow.remind_at <= now,
                VoteRow.reminded_at.is_(None),
                VoteRow.closes_at > now,
            )
            .limit(limit)
        )
        return [(forum_id, vote_id) for forum_id, vote_id in rows]

    async def claim_reminder(self, vote_id: int, now: datetime) -> bool:
        """True for exactly one replica: the reminders go out once."""
        done = await self.session.execute(
            update(VoteRow)
            .where(VoteRow.id == vote_id, VoteRow.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1

"""Votes and ballots in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.votes.vote import Vote
from storage.models import BallotCastRow, BallotRow, VoteRow


def _vote(row: VoteRow) -> Vote:
    return Vote(
        id=row.id,
        forum_id=row.forum_id,
        question=row.question,
        options=tuple((o["id"], o["label"]) for o in row.options),
        max_choices=row.max_choices,
        closes_at=row.closes_at,
        live=row.live,
        quorum_percent=row.quorum_percent,
        status=row.status,
    )


class VoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, forum_id: str, values: dict, by: str | None, at: datetime) -> Vote:
        row = VoteRow(forum_id=forum_id, status="open", created_by=by, created_at=at, **values)
        self.session.add(row)
        await self.session.flush()
        return _vote(row)

    async def get(self, forum_id: str, vote_id: int) -> Vote | None:
        row = await self.session.scalar(select(VoteRow).where(VoteRow.id == vote_id, VoteRow.forum_id == forum_id))
        return _vote(row) if row else None

    async def cast(self, vote_id: int, seat_id: int, choices: list[int], by: str, at: datetime) -> None:
        """The seat's ballot, replacing its earlier one in one statement, so
        that the representative and the deputy clicking at the same moment
        leave exactly one ballot (the later write wins)."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = insert(BallotRow).values(vote_id=vote_id, seat_id=seat_id, choices=choices, cast_by=by, cast_at=at)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[BallotRow.vote_id, BallotRow.seat_id],
                set_={"choices": statement.excluded.choices, "cast_by": by, "cast_at": at},
            )
        )
        self.session.add(BallotCastRow(vote_id=vote_id, seat_id=seat_id, choices=choices, cast_by=by, cast_at=at))
        await self.session.flush()

    async def ballots(self, vote_id: int) -> list[BallotRow]:
        return list(await self.session.scalars(select(BallotRow).where(BallotRow.vote_id == vote_id)))

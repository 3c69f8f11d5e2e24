"""The award letters and their deliveries in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.allocation.award import AwardLetter, LetterDelivery, LetterToSend
from storage import outbox
from storage.models import AwardLetterDeliveryRow as Row
from storage.models import AwardLetterRow


class AwardLetterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, forum_id: str, year: int) -> AwardLetter | None:
        row = await self.session.get(AwardLetterRow, (forum_id, year))
        if row is None:
            return None
        return AwardLetter(
            row.forum_id, row.year, row.conditions, row.deadline_event_id, row.deadline_at, row.sent_by, row.sent_at
        )

    async def years_reporting_by(self, forum_id: str, event_id: int) -> list[int]:
        """The years whose letters named this reporting deadline."""
        return list(
            await self.session.scalars(
                select(AwardLetterRow.year)
                .where(AwardLetterRow.forum_id == forum_id, AwardLetterRow.deadline_event_id == event_id)
                .order_by(AwardLetterRow.year)
            )
        )

    async def add(self, letter: AwardLetter, deliveries: list[LetterDelivery]) -> bool:
        """The letters and their deliveries; False, and nothing stored, when
        the year's letters exist already."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        values = {
            "forum_id": letter.forum_id,
            "year": letter.year,
            "conditions": letter.conditions,
            "deadline_event_id": letter.deadline_event_id,
            "deadline_at": letter.deadline_at,
            "sent_by": letter.sent_by,
            "sent_at": letter.sent_at,
        }
        added = await self.session.execute(insert(AwardLetterRow).values(**values).on_conflict_do_nothing())
        if added.rowcount != 1:
            return False
        if deliveries:
            await self.session.execute(
                insert(Row)
                .values(
                    [
                        {
                            "forum_id": letter.forum_id,
                            "year": letter.year,
                            "organisation_id": d.organisation_id,
                            "target": d.target,
                            "status": d.status,
                            "attempts": 0,
                            "detail": d.detail,
                            "finished_at": None if d.status == "planned" else letter.sent_at,
                        }
                        for d in deliveries
                    ]
                )
                .on_conflict_do_nothing()
            )
        return True

    async def deliveries(self, forum_id: str, year: int) -> list[LetterDelivery]:
        rows = await self.session.scalars(
            select(Row).where(Row.forum_id == forum_id, Row.year == year).order_by(Row.id)
        )
        return [
            LetterDelivery(r.id, r.organisation_id, r.target, r.status, r.attempts, r.detail, r.finished_at)
            for r in rows
        ]

    async def claim(self, claimant: str, now: datetime, limit: int) -> list[LetterToSend]:
        claimed = await outbox.claim(
            self.session,
            Row,
            claimant,
            now,
            limit,
            returning=(Row.forum_id, Row.year, Row.organisation_id, Row.target),
        )
        return [LetterToSend(c.id, c.forum_id, c.year, c.organisation_id, c.target) for c in sorted(claimed)]

    async def mark(
        self,
        row_id: int,
        status: str,
        at: datetime,
        attempts: int = 0,
        detail: str | None = None,
        claimant: str | None = None,
    ) -> bool:
        return await outbox.mark(self.session, Row, row_id, status, at, attempts, detail, claimant)

    async def plan_again(self, forum_id: str, year: int) -> int:
        return await outbox.plan_again(self.session, Row, Row.forum_id == forum_id, Row.year == year)

    async def recover(self, older_than: datetime) -> tuple[int, int]:
        return await outbox.recover(self.session, Row, older_than)

    async def release(self, claimant: str) -> tuple[int, int]:
        return await outbox.release(self.session, Row, claimant)

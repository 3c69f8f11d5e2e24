"""Announcements and their deliveries in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.announcements import Announce, Announcement, AnnouncementDelivery, AnnouncementToSend
from storage import outbox
from storage.models import AnnouncementDeliveryRow as Row
from storage.models import AnnouncementRow


def _announcement(row: AnnouncementRow) -> Announcement:
    return Announcement(row.id, row.forum_id, row.title, row.text, row.link, row.to_people, row.sent_by, row.sent_at)


class AnnouncementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, announcement_id: int) -> Announcement | None:
        row = await self.session.get(AnnouncementRow, announcement_id)
        return _announcement(row) if row else None

    async def by_key(self, forum_id: str, key: str) -> Announcement | None:
        row = await self.session.scalar(
            select(AnnouncementRow).where(AnnouncementRow.forum_id == forum_id, AnnouncementRow.key == key)
        )
        return _announcement(row) if row else None

    async def recent(self, forum_id: str, limit: int) -> list[tuple[Announcement, int, int]]:
        """The newest first, each with (deliveries sent, deliveries in all)."""
        sent = func.sum(func.cast(Row.status == "sent", type_=Row.attempts.type))
        rows = await self.session.execute(
            select(AnnouncementRow, func.coalesce(sent, 0), func.count(Row.id))
            .outerjoin(Row, Row.announcement_id == AnnouncementRow.id)
            .where(AnnouncementRow.forum_id == forum_id)
            .group_by(AnnouncementRow.id)
            .order_by(AnnouncementRow.sent_at.desc(), AnnouncementRow.id.desc())
            .limit(limit)
        )
        return [(_announcement(a), int(s), int(n)) for a, s, n in rows]

    async def add(
        self, forum_id: str, command: Announce, by: str | None, at: datetime, deliveries: list[AnnouncementDelivery]
    ) -> Announcement | None:
        """None, and nothing stored, when the forum has one with this key."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        announcement_id = await self.session.scalar(
            insert(AnnouncementRow)
            .values(
                forum_id=forum_id,
                key=command.key,
                title=command.title,
                text=command.text,
                link=command.link,
                to_people=command.to_people,
                sent_by=by,
                sent_at=at,
            )
            .on_conflict_do_nothing()
            .returning(AnnouncementRow.id)
        )
        if announcement_id is None:
            return None
        await self.session.execute(
            insert(Row)
            .values(
                [
                    {
                        "announcement_id": announcement_id,
                        "target": d.target,
                        "status": d.status,
                        "attempts": 0,
                        "detail": d.detail,
                        "finished_at": None if d.status == "planned" else at,
                    }
                    for d in deliveries
                ]
            )
            .on_conflict_do_nothing()
        )
        return Announcement(
            announcement_id, forum_id, command.title, command.text, command.link, command.to_people, by, at
        )

    async def deliveries(self, announcement_id: int) -> list[AnnouncementDelivery]:
        rows = await self.session.scalars(select(Row).where(Row.announcement_id == announcement_id).order_by(Row.id))
        return [AnnouncementDelivery(r.id, r.target, r.status, r.attempts, r.detail) for r in rows]

    async def claim(self, claimant: str, now: datetime, limit: int) -> list[AnnouncementToSend]:
        claimed = await outbox.claim(
            self.session, Row, claimant, now, limit, returning=(Row.announcement_id, Row.target)
        )
        return [AnnouncementToSend(c.id, c.announcement_id, c.target) for c in sorted(claimed)]

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

    async def plan_again(self, announcement_id: int) -> int:
        return await outbox.plan_again(self.session, Row, Row.announcement_id == announcement_id)

    async def recover(self, older_than: datetime) -> tuple[int, int]:
        return await outbox.recover(self.session, Row, older_than)

    async def release(self, claimant: str) -> tuple[int, int]:
        return await outbox.release(self.session, Row, claimant)

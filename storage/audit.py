"""The audit log's rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.audit import Action, AuditEntry
from storage.models import AuditEntryRow


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(row.forum_id, row.at, row.actor, Action(row.action), row.subject, row.detail, row.id)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: AuditEntry) -> None:
        self.session.add(
            AuditEntryRow(
                forum_id=entry.forum_id,
                at=entry.at,
                actor=entry.actor,
                action=entry.action.value,
                subject=entry.subject,
                detail=entry.detail,
            )
        )

    async def latest(self, forum_id: str, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """A page of entries, newest first, and how many there are in all."""
        rows = await self.session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.forum_id == forum_id)
            .order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        total = await self.session.scalar(
            select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.forum_id == forum_id)
        )
        return [_entry(r) for r in rows], total or 0

    async def between(self, forum_id: str, start: datetime, end: datetime) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.forum_id == forum_id, AuditEntryRow.at >= start, AuditEntryRow.at < end)
            .order_by(AuditEntryRow.at, AuditEntryRow.id)
        )
        return [_entry(r) for r in rows]

    async def by_actor(self, forum_id: str, actors: list[str]) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.forum_id == forum_id, AuditEntryRow.actor.in_(actors))
            .order_by(AuditEntryRow.at, AuditEntryRow.id)
        )
        return [_entry(r) for r in rows]

"""The Statsforvalter's changes to the roster from Teams, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RosterChangeRow


class RosterChangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_forum(self, forum_id: str) -> dict[str, dict]:
        """Place → what was set there, in the order they were set."""
        rows = await self.session.scalars(
            select(RosterChangeRow).where(RosterChangeRow.forum_id == forum_id).order_by(RosterChangeRow.set_at)
        )
        return {row.place: dict(row.value) for row in rows}

    async def forget_seats(self, forum_id: str, organisation_id: str) -> None:
        await self.session.execute(
            delete(RosterChangeRow).where(
                RosterChangeRow.forum_id == forum_id,
                RosterChangeRow.place.startswith(f"seat:{organisation_id}:", autoescape=True),
            )
        )

    async def put(self, forum_id: str, place: str, value: dict, by: str, at: datetime) -> None:
        """The latest change of a place is the one that stands (a change
        is a Statsforvalter's press, never two at once for one place)."""
        row = await self.session.get(RosterChangeRow, (forum_id, place))
        if row is None:
            self.session.add(RosterChangeRow(forum_id=forum_id, place=place, value=value, set_by=by, set_at=at))
        else:
            row.value, row.set_by, row.set_at = value, by, at
        await self.session.flush()

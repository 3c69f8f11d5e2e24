"""The forum each person in several forums chose for their 1:1 chat, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ForumChoiceRow


class ForumChoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, aad_object_id: str) -> str | None:
        row = await self.session.get(ForumChoiceRow, aad_object_id)
        return row.forum_id if row else None

    async def choose(self, aad_object_id: str, forum_id: str, at: datetime) -> None:
        """One statement: a double click's two presses both find no row."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        values = {"forum_id": forum_id, "chosen_at": at}
        await self.session.execute(
            insert(ForumChoiceRow)
            .values(aad_object_id=aad_object_id, **values)
            .on_conflict_do_update(index_elements=[ForumChoiceRow.aad_object_id], set_=values),
            execution_options={"synchronize_session": False},
        )

"""The languages people chose for themselves, in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LanguageChoiceRow

_CHOSEN = select(LanguageChoiceRow.language).where(LanguageChoiceRow.aad_object_id == bindparam("aad"))


class LanguageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def chosen(self, aad_object_id: str | None) -> str | None:
        """The person's own choice, or None when they made none."""
        if not aad_object_id:
            return None
        return await self.session.scalar(_CHOSEN, {"aad": aad_object_id.lower()})

    async def chosen_by(self, aad_object_ids: Iterable[str]) -> dict[str, str]:
        """Each person's choice, keyed as asked, for those who made one."""
        asked = {i.lower(): i for i in aad_object_ids if i}
        if not asked:
            return {}
        rows = await self.session.execute(
            select(LanguageChoiceRow.aad_object_id, LanguageChoiceRow.language).where(
                LanguageChoiceRow.aad_object_id.in_(sorted(asked))
            )
        )
        return {asked[aad]: language for aad, language in rows}

    async def choose(self, aad_object_id: str, language: str | None, at: datetime) -> None:
        """Keep ``language`` as the person's choice; None forgets it (their
        Teams locale decides again). Not committed."""
        key = aad_object_id.lower()
        row = await self.session.get(LanguageChoiceRow, key)
        if language is None:
            if row is not None:
                await self.session.delete(row)
            await self.session.flush()
            return
        if row is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(LanguageChoiceRow(aad_object_id=key, language=language, chosen_at=at))
                return
            except IntegrityError:  # the same person choosing twice at once: the last one counts
                row = await self.session.get(LanguageChoiceRow, key, populate_existing=True)
        row.language, row.chosen_at = language, at
        await self.session.flush()

"""The years' budgets in SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.allocation.budget import Budget
from storage.models import BudgetRow
from storage.versioned import compare_and_set


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, forum_id: str, year: int) -> Budget | None:
        row = await self.session.get(BudgetRow, (forum_id, year))
        if row is None:
            return None
        return Budget(
            row.forum_id,
            row.year,
            row.frame,
            {code: int(a) for code, a in row.reserved.items()},
            row.version,
            row.updated_by,
            row.updated_at,
        )

    async def put(self, budget: Budget, expected_version: int) -> bool:
        """Compare and set (see storage.versioned)."""
        values = {
            "frame": budget.frame,
            "reserved": dict(budget.reserved),
            "version": budget.version,
            "updated_by": budget.updated_by,
            "updated_at": budget.updated_at,
        }
        key = {"forum_id": budget.forum_id, "year": budget.year}
        return await compare_and_set(self.session, BudgetRow, key, values, expected_version)

"""The years' budgets in SQL."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.allocation.budget import Budget
from storage.models import BudgetRow


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, forum_id: str, year: int) -> Budget | None:
        row = await self.session.get(BudgetRow, (forum_id, year))
        if row is None:
            return None
        return Budget(
            row.forum_id, row.year, row.frame, {code: int(a) for code, a in row.reserved.items()},
            row.version, row.updated_by, row.updated_at,
        )

    async def put(self, budget: Budget, expected_version: int) -> bool:
        """Compare and set: store ``budget`` only if the stored one is still
        at ``expected_version`` (0: none stored yet); False otherwise."""
        values = {
            "frame": budget.frame,
            "reserved": dict(budget.reserved),
            "version": budget.version,
            "updated_by": budget.updated_by,
            "updated_at": budget.updated_at,
        }
        if expected_version == 0:
            insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
            statement = (
                insert(BudgetRow).values(forum_id=budget.forum_id, year=budget.year, **values).on_conflict_do_nothing()
            )
        else:
            statement = (
                update(BudgetRow)
                .where(
                    BudgetRow.forum_id == budget.forum_id,
                    BudgetRow.year == budget.year,
                    BudgetRow.version == expected_version,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        changed = (await self.session.execute(statement)).rowcount == 1
        self.session.expire_all()  # a later get reads what was stored, not the identity map's copy
        return changed

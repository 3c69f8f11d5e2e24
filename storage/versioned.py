"""Compare and set for rows that carry a version: a write names the
version it was made from, and only one of two writers from the same
version gets through."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


async def compare_and_set(session: AsyncSession, row_class, key: dict, values: dict, expected_version: int) -> bool:
    """Store ``values`` (with the new ``version``) in the row at ``key``
    only if it is still at ``expected_version`` (0: no row yet); False,
    and nothing written, otherwise."""
    if expected_version == 0:
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = insert(row_class).values(**key, **values).on_conflict_do_nothing()
    else:
        statement = (
            update(row_class)
            .where(*(getattr(row_class, k) == v for k, v in key.items()), row_class.version == expected_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    changed = (await session.execute(statement)).rowcount == 1
    session.expire_all()  # a later read gets what was stored, not the identity map's copy
    return changed

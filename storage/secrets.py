"""Secrets the bot makes for itself, in SQL."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AppSecretRow


class SecretRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, name: str, at: datetime) -> str:
        """The secret called ``name``; made (random, 64 URL-safe characters)
        the first time it is asked for. Two replicas starting at the same
        moment both end up with the one that was stored first. Commits."""
        for _ in range(2):
            value = await self.session.scalar(select(AppSecretRow.value).where(AppSecretRow.name == name))
            if value is not None:
                return value
            self.session.add(AppSecretRow(name=name, value=secrets.token_urlsafe(48), created_at=at))
            try:
                await self.session.commit()
            except IntegrityError:  # another replica stored it first: read theirs
                await self.session.rollback()
        raise RuntimeError(f"could not store or read the secret {name!r}")

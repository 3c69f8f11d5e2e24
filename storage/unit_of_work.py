"""One transaction, with the repositories that work inside it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.allocations import AllocationRepository
from storage.announcements import AnnouncementRepository
from storage.audit import AuditRepository
from storage.award_letters import AwardLetterRepository
from storage.budgets import BudgetRepository
from storage.forum_choices import ForumChoiceRepository
from storage.grant_reports import GrantReportRepository
from storage.languages import LanguageRepository
from storage.meetings import MeetingRepository
from storage.needs_reports import NeedsReportRepository
from storage.privacy import PrivacyRepository
from storage.repositories import (
    ActivityRepository,
    ConversationRepository,
    ForumRepository,
    RosterCache,
    RosterRepository,
    RosterSync,
)
from storage.roster_changes import RosterChangeRepository
from storage.secrets import SecretRepository
from storage.votes import VoteRepository
from storage.wheel import WheelRepository


class UnitOfWork:
    """``async with uow_factory() as uow: …; await uow.commit()``.
    Leaving the block without commit rolls back."""

    session: AsyncSession

    def __init__(self, sessions: async_sessionmaker, roster_cache: RosterCache | None = None) -> None:
        self._sessions = sessions
        self._roster_cache = roster_cache

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.forums = ForumRepository(self.session)
        self.roster = RosterRepository(self.session, self._roster_cache)
        self.conversations = ConversationRepository(self.session)
        self.forum_choices = ForumChoiceRepository(self.session)
        self.activities = ActivityRepository(self.session)
        self.roster_sync = RosterSync(self.session)
        self.roster_changes = RosterChangeRepository(self.session)
        self.needs_reports = NeedsReportRepository(self.session)
        self.wheel = WheelRepository(self.session)
        self.votes = VoteRepository(self.session)
        self.secrets = SecretRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.privacy = PrivacyRepository(self.session)
        self.budgets = BudgetRepository(self.session)
        self.allocations = AllocationRepository(self.session)
        self.award_letters = AwardLetterRepository(self.session)
        self.grant_reports = GrantReportRepository(self.session)
        self.announcements = AnnouncementRepository(self.session)
        self.meetings = MeetingRepository(self.session)
        self.languages = LanguageRepository(self.session)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        """Forget this transaction's changes, to try again in a new one."""
        await self.session.rollback()

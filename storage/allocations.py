"""The allocation proposals in SQL: one per forum and year."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.allocation.proposal import DecidedLine, Proposal, ProposalLine
from storage.models import AllocationProposalRow
from storage.versioned import compare_and_set


class AllocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, forum_id: str, year: int) -> Proposal | None:
        row = await self.session.get(AllocationProposalRow, (forum_id, year))
        if row is None:
            return None
        return Proposal(
            row.forum_id,
            row.year,
            tuple(ProposalLine(int(r), int(a)) for r, a in row.lines),
            row.version,
            row.from_vote_id,
            row.updated_by,
            row.updated_at,
            row.posted_by,
            row.posted_at,
            tuple(DecidedLine(**line) for line in row.decided_lines or ()),
            row.decided_at,
            row.decided_vote_id,
        )

    async def put(self, proposal: Proposal, expected_version: int) -> bool:
        """Compare and set (see storage.versioned)."""
        values = {
            "lines": [[line.report_id, line.amount] for line in proposal.lines],
            "version": proposal.version,
            "from_vote_id": proposal.from_vote,
            "updated_by": proposal.updated_by,
            "updated_at": proposal.updated_at,
            "posted_by": proposal.posted_by,
            "posted_at": proposal.posted_at,
        }
        key = {"forum_id": proposal.forum_id, "year": proposal.year}
        return await compare_and_set(self.session, AllocationProposalRow, key, values, expected_version)

    async def decide(
        self, forum_id: str, year: int, lines: tuple[DecidedLine, ...], vote_id: int, at: datetime
    ) -> None:
        """Keep the table as decided. Within the transaction that closes or
        decides the vote, which has taken the vote's row first, so this
        happens once."""
        row = await self.session.get(AllocationProposalRow, (forum_id, year))
        row.decided_lines = [asdict(line) for line in lines]
        row.decided_at, row.decided_vote_id = at, vote_id
        row.version += 1
        await self.session.flush()

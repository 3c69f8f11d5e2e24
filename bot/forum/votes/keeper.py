"""Closing votes when their time is up, and reminding the seats that have
not voted. Runs in the scheduler's rounds; on several replicas each close
and each vote's reminders are taken by one of them only (conditional
updates on the vote's row), so nothing is closed or reminded twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.forum.roster import Forum
from bot.forum.votes.service import VoteState, close_vote, vote_state
from bot.forum.votes.vote import Vote

log = logging.getLogger(__name__)

OnClosed = Callable[[Forum, Vote], Awaitable[None]]
OnReminder = Callable[[Forum, VoteState], Awaitable[None]]


class VoteKeeper:
    def __init__(
        self, uow_factory, on_closed: OnClosed, on_reminder: OnReminder, clock: Callable[[], datetime], batch: int = 20
    ) -> None:
        self._uow = uow_factory
        self._on_closed = on_closed
        self._on_reminder = on_reminder
        self._clock = clock
        self.batch = batch

    async def run_once(self) -> int:
        """Close what is due and send what reminders are due; returns how many."""
        now = self._clock()
        async with self._uow() as uow:
            closing = await uow.votes.due_to_close(now, self.batch)
            reminding = await uow.votes.due_to_remind(now, self.batch)
        for forum_id, vote_id in closing:
            try:
                async with self._uow() as uow:
                    forum = await uow.forums.get(forum_id)
                    vote = await close_vote(uow, forum, vote_id, now)
                if vote is not None:  # else another replica (or the button) closed it
                    await self._on_closed(forum, vote)
            except Exception:  # one vote's trouble must not hold up the others
                log.exception("closing vote %s failed", vote_id)
        for forum_id, vote_id in reminding:
            try:
                async with self._uow() as uow:
                    if not await uow.votes.claim_reminder(vote_id, now):
                        continue
                    await uow.commit()
                    forum = await uow.forums.get(forum_id)
                    state = await vote_state(uow, forum, vote_id)
                await self._on_reminder(forum, state)
            except Exception:
                log.exception("reminding for vote %s failed", vote_id)
        return len(closing) + len(reminding)

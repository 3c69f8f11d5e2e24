"""A vote's card in the forum channel, kept in step with its ballots, and
the messages a vote sends: the result in the channel, the reminders to
seats that have not voted, and the Statsforvalter's call to decide.

Each ballot changes the shared card, and a burst of ballots must not become
a burst of updates (Teams allows about seven a second per conversation):
an update waits `pause` seconds, then sends the card as the database has it
then, once for every ballot that came in meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.deliverer import Deliverer
from bot.forum.roster import Forum, Roster
from bot.forum.votes.service import VoteState, vote_state
from bot.forum.votes.vote import Vote, VoteStatus
from bot.handlers.reminders import send_to_person
from bot.i18n import NB
from bot.views.votes import Viewer, VoteViews
from cards.markdown import escape_markdown as md

log = logging.getLogger(__name__)

# The channel is shared, and a person's own Teams language is not known when
# they are not talking to us: the forum's language, unless they chose their
# own («språk») for what is sent to them alone.
LANG = NB


def statsforvalter_ids(roster: Roster) -> list[str]:
    return [p.aad_object_id for p in roster.statsforvalter if p.aad_object_id]


@dataclass(frozen=True)
class _Read:
    """A vote as its messages need it, read in one go."""

    channel: dict | None  # the forum channel's reference, when set up
    roster: Roster
    state: VoteState
    shared_card: dict


class VoteCards:
    def __init__(self, uow_factory, deliverer: Deliverer, clock: Callable[[], datetime], pause: float = 1.0) -> None:
        self._uow = uow_factory
        self._deliverer = deliverer
        self._clock = clock
        self.pause = pause
        self._pending: dict[int, asyncio.Task] = {}
        self._again: set[int] = set()

    # --- the shared card ---------------------------------------------------------

    async def _read(self, forum: Forum, vote_id: int) -> _Read:
        async with self._uow() as uow:
            channel = await uow.forums.channel_reference(forum.id)
            roster = await uow.roster.roster(forum)
            state = await vote_state(uow, forum, vote_id, roster)
            voters = [aad for seat in state.seats for aad in seat.contacts] + statsforvalter_ids(roster)
            known = await uow.conversations.teams_users(voters)
        card = VoteViews(LANG, forum, self._clock()).card(
            state, refresh_ids=[known[aad] for aad in voters if aad in known], names=roster.names()
        )
        return _Read(channel, roster, state, card)

    async def post(self, forum: Forum, vote_id: int) -> bool:
        """Post the new vote's card in the forum channel and remember it."""
        read = await self._read(forum, vote_id)
        if not read.channel:
            return False
        result = await self._deliverer.send_card(read.channel, read.shared_card)
        if result.sent and result.activity_id:
            async with self._uow() as uow:
                await uow.votes.set_card(vote_id, result.activity_id)
                await uow.commit()
        return result.sent

    async def update(self, forum: Forum, vote_id: int) -> _Read:
        """Put the shared card as the database has it now in its place."""
        read = await self._read(forum, vote_id)
        if read.channel and read.state.vote.card_activity_id:
            await self._deliverer.update_card(read.channel, read.state.vote.card_activity_id, read.shared_card)
        return read

    def changed(self, forum: Forum, vote_id: int) -> None:
        """A ballot came in: update the shared card soon, once for a burst."""
        if vote_id in self._pending:
            self._again.add(vote_id)
            return
        self._pending[vote_id] = asyncio.create_task(self._update_soon(forum, vote_id))

    async def _update_soon(self, forum: Forum, vote_id: int) -> None:
        try:
            while True:
                await asyncio.sleep(self.pause)
                self._again.discard(vote_id)
                await self.update(forum, vote_id)
                if vote_id not in self._again:
                    break
        except Exception:  # the ballots stand; the next one tries again
            log.exception("updating the card of vote %s failed", vote_id)
        finally:
            self._pending.pop(vote_id, None)
            self._again.discard(vote_id)

    async def settle(self) -> None:
        """Wait until every pending update has gone (for tests and shutdown)."""
        while self._pending:
            await asyncio.gather(*self._pending.values(), return_exceptions=True)

    def cancel(self) -> None:
        """Give up the pending updates (shutdown, when the grace runs out):
        the next ballot, or the close, puts the card right."""
        for task in self._pending.values():
            task.cancel()

    # --- what a vote tells people ------------------------------------------------

    async def closed(self, forum: Forum, vote: Vote) -> None:
        """The result in the channel, the card updated, and when the
        Statsforvalter must decide, the decision form in their 1:1 chat."""
        read = await self.update(forum, vote.id)
        state, roster = read.state, read.roster
        views = VoteViews(LANG, forum, self._clock())
        if read.channel:
            await self._deliverer.send_card(read.channel, views.closed_notice(state))
        if vote.status is VoteStatus.AWAITING_DECISION:
            names = roster.names()

            def decision_form(aad: str) -> Callable[[VoteViews, list[str]], dict]:
                def card(own: VoteViews, ids: list[str]) -> dict:
                    call = (own.t("vote_escalated_personal_title"), own.escalation(state)["text"])
                    return own.card(state, Viewer(aad, None, True), ids, names, call)

                return card

            for aad in statsforvalter_ids(roster):
                await self._to_person(forum, aad, decision_form(aad))

    async def decided(self, forum: Forum, vote: Vote) -> None:
        read = await self.update(forum, vote.id)
        if read.channel:
            await self._deliverer.send_card(read.channel, VoteViews(LANG, forum, self._clock()).decided_notice(vote))

    async def remind(self, forum: Forum, state: VoteState) -> None:
        """Each seat that has not voted: its representative and deputy, in 1:1,
        with the buttons to vote right there."""

        def reminder(seat, aad: str) -> Callable[[VoteViews, list[str]], dict]:
            def card(own: VoteViews, ids: list[str]) -> dict:
                when = own.when(state.vote.closes_at)
                heading = (
                    own.t("vote_reminder_heading", seat=md(seat.organisation)),
                    own.t("vote_reminder_text", when=when),
                )
                return own.card(state, Viewer(aad, seat.seat_id, False), ids, heading=heading)

            return card

        await asyncio.gather(
            *(
                self._to_person(forum, aad, reminder(seat, aad))
                for seat in state.seats
                if not seat.choices
                for aad in seat.contacts
            )
        )

    async def _to_person(self, forum: Forum, aad: str, card_for: Callable[[VoteViews, list[str]], dict]) -> None:
        """``card_for`` gets the views in the person's own language (their
        «språk», else the forum's) and the Teams ids whose card refreshes
        (theirs, when known)."""
        async with self._uow() as uow:
            known = await uow.conversations.teams_user(aad)
            channel = await uow.forums.channel_reference(forum.id)
            lang = await uow.languages.chosen(aad) or LANG
        card = card_for(VoteViews(lang, forum, self._clock()), [known[0]] if known else [])
        delivery = await send_to_person(self._deliverer, self._uow, self._clock, aad, known, channel, card)
        if delivery.status != "sent":
            log.info("vote message to %s not delivered: %s %s", aad, delivery.status, delivery.detail)

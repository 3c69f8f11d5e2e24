"""One incoming activity, as the command handlers see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.forum.identity import Identified, acting_in
from bot.forum.roster import Actor, Forum, Refused
from bot.handlers import activity
from bot.handlers.members import Directory
from bot.i18n import text


@dataclass(frozen=True)
class Turn:
    incoming: object  # the activity, as the edge's SDK read it (the Bot Framework schema's names)
    directory: Directory  # the Teams members around it
    who: Identified
    lang: str
    uow: object  # storage.unit_of_work.UnitOfWork, open for this turn
    clock: Callable[[], datetime]
    args: str = ""
    downloads: object = None  # bot.web.downloads.Downloads: signed links to files
    calendar: object = None  # bot.web.calendar_feed.CalendarFeed: the wheel's feed address
    deliverer: object = None  # bot.delivery.deliverer.Deliverer: sends within Teams' limits
    vote_cards: object = None  # bot.handlers.vote_cards.VoteCards: the votes' cards in the channel
    posts: object = None  # bot.forum.post.Posts: send the award letters, announcements and meeting notices
    afterwards: object = None  # bot.handlers.afterwards.Afterwards: what is sent after the answer
    replies: object = None  # bot.handlers.afterwards.Afterwards: the replies, sent after the answer

    @property
    def actor(self) -> Actor:
        return self.who.actor

    def forum(self) -> Forum:
        """The forum of the one who wrote; refused for someone in none."""
        if self.actor.forum is None:
            raise Refused("not_in_roster")
        return self.actor.forum

    def actor_in(self, forum_id: str) -> Actor:
        """The one who pressed, as a member of that forum when they are one:
        a card about one forum (a notice in a personal chat) acts in it,
        whichever forum the chat has chosen."""
        if self.actor.forum is not None and self.actor.forum.id == forum_id:
            return self.actor
        membership = next((m for m in self.who.memberships if m.forum.id == forum_id), None)
        if membership is None:
            return self.actor
        return acting_in(self.actor.display_name, self.actor.aad_object_id, membership)

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def year_asked(self, default: int, refusal: str) -> int:
        """The year typed after the command (`budsjett 2027`), else ``default``;
        anything but a year from 2000 to 2100 is refused with ``refusal``."""
        if not self.args:
            return default
        if not self.args.isdigit() or not 2000 <= int(self.args) <= 2100:
            raise Refused(refusal)
        return int(self.args)

    def with_args(self, args: str) -> Turn:
        return replace(self, args=args)

    async def reply(self, card: dict) -> None:
        """Send the card to where the activity came from. It goes after
        Teams' request has been answered, through the same retried path as
        every proactive send (429 and 5xx are retried, a Retry-After is
        kept), within the conversation's limits but ahead of the tenant's
        queue of proactive sends; so a slow or refusing connector neither
        holds the request nor loses the reply, and a reminder fan-out does
        not keep people waiting for answers."""
        where = activity.reference(self.incoming, self.incoming.conversation.id)
        self.replies.start(self.deliverer.send_reply(where, card), "a reply")

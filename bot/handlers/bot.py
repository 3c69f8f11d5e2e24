"""The forum's side of every Teams activity: a typed message, the app
installed, a card button; each routed to one function. Free of either SDK:
an edge's handler (bot.edge.handler) hands it the activity, and what the
bot says goes through the `Deliverer`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bot import logs
from bot.forum.identity import identify
from bot.forum.roster import Refused
from bot.handlers import activity, commands, forum_choice
from bot.handlers.card_actions import read_execute
from bot.handlers.members import Directory
from bot.handlers.turn import Turn
from bot.i18n import language_of, text
from bot.views import common as views

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class ForumBot:
    def __init__(
        self,
        uow_factory: Callable,
        connector,  # bot.delivery.connector.Connector: reads the team's members
        *,
        downloads=None,
        calendar=None,
        deliverer=None,
        vote_cards=None,
        posts=None,
        afterwards=None,
        replies=None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._connector = connector
        self._clock = clock
        self._downloads = downloads
        self._calendar = calendar
        self._deliverer = deliverer
        self._vote_cards = vote_cards
        self._posts = posts
        self._afterwards = afterwards
        self._replies = replies

    # Messages: typed commands ------------------------------------------

    async def on_message(self, incoming) -> None:
        async with self._answering(incoming) as uow:
            turn = await self._turn(incoming, uow)
            if turn.who.must_choose:
                typed = activity.command_text(incoming)
                await turn.reply(forum_choice.choice_card(turn, then_text=typed))
                return
            if incoming.value and not incoming.text:
                await turn.reply(views.refusal(turn.lang, Refused("unknown_action")))
                return
            command, args = commands.parse(activity.command_text(incoming))
            await commands.run(turn.with_args(args), command or commands.HELP)

    # Installation: the welcome card -------------------------------------

    async def on_members_added(self, incoming) -> None:
        if not activity.bot_was_added(incoming):
            return
        async with self._answering(incoming) as uow:
            turn = await self._turn(incoming, uow)
            forum = turn.actor.forum
            several = turn.t("role_several_forums") if turn.who.must_choose else None
            await turn.reply(
                views.welcome_card(
                    turn.actor, turn.lang, forum_has_channel=bool(forum and forum.channel_id), role=several
                )
            )
            if turn.who.must_choose:
                await turn.reply(forum_choice.choice_card(turn))

    # Card buttons: Action.Execute ----------------------------------------

    async def on_execute(self, incoming) -> dict:
        """The answer to an `adaptiveCard/action` invoke: what the one who
        pressed sees, a short message or a card that takes the pressed
        card's place."""
        lang = language_of(activity.locale(incoming))
        try:
            answer = await self._execute(incoming)
        except Exception:  # the user gets a message, never a trace
            log.exception("card action failed")
            answer = text(lang, "error")
        if isinstance(answer, dict):
            return {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": answer}
        return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": answer}

    async def _execute(self, incoming) -> str | dict:
        async with self._uow() as uow:
            turn = await self._turn(incoming, uow)
            action = read_execute(incoming.value)
            verb = commands.VERBS.get(action.verb) if action else None
            try:
                if verb is None:
                    raise Refused("unknown_action" if action else "bad_card_data")
                if turn.who.must_choose and action.verb != forum_choice.VERB:
                    return forum_choice.choice_card(turn, then_verb=action.verb, then_data=action.data)
                return await verb(turn, action.data)
            except Refused as refused:
                # Card data is written by the client: a refusal here may be forgery.
                # What was typed stays out of the log: the keys tell enough.
                log.warning(
                    "refused card action %r (%s) from %s, data keys %s",
                    action.verb if action else None,
                    refused.code,
                    turn.actor.aad_object_id,
                    sorted(action.data)[:20] if action else None,
                )
                return turn.t(refused.code, **refused.params)

    # Shared steps --------------------------------------------------------

    @asynccontextmanager
    async def _answering(self, incoming):
        """A unit of work for the turn; if the turn fails, the one who wrote
        gets a short apology in their language, never a trace."""
        try:
            async with self._uow() as uow:
                yield uow
        except Exception:
            log.exception("turn failed")
            lang = language_of(activity.locale(incoming))
            card = views.notice(text(lang, "error_title"), text(lang, "error"), "attention")
            where = activity.reference(incoming, incoming.conversation.id)
            self._replies.start(self._deliverer.send_reply(where, card), "an apology")

    async def _turn(self, incoming, uow) -> Turn:
        sender = incoming.from_property
        directory = Directory(self._connector, incoming)

        async def email_of_sender() -> str | None:
            try:
                member = await directory.member(sender.id)
            except Exception:  # no roster access: the person stays unmatched
                log.info("member lookup failed for %s", sender.id, exc_info=True)
                return None
            return member.email or member.user_principal_name

        team = activity.team_id(incoming)
        who = await identify(
            uow,
            aad_object_id=sender.aad_object_id,
            display_name=sender.name or "",
            team_id=team,
            email_lookup=email_of_sender,
            personal_chat=activity.is_personal(incoming),
        )
        await self._remember_conversation(uow, incoming, team)
        if who.actor.forum is not None:
            logs.FORUM_ID.set(who.actor.forum.id)
        # A person's own choice («språk») goes before their Teams locale.
        lang = await uow.languages.chosen(sender.aad_object_id) or language_of(activity.locale(incoming))
        return Turn(
            incoming,
            directory,
            who,
            lang,
            uow,
            self._clock,
            downloads=self._downloads,
            calendar=self._calendar,
            deliverer=self._deliverer,
            vote_cards=self._vote_cards,
            posts=self._posts,
            afterwards=self._afterwards,
            replies=self._replies,
        )

    async def _remember_conversation(self, uow, incoming, team: str | None) -> None:
        sender = incoming.from_property
        changed = False
        if team:
            changed = await uow.forums.refresh_service_url(team, incoming.service_url)
        elif activity.is_personal(incoming) and sender.aad_object_id:
            changed = await uow.conversations.remember_personal(
                sender.aad_object_id.lower(),
                sender.id,
                activity.reference(incoming, incoming.conversation.id),
                self._clock(),
            )
        if changed:
            await uow.commit()

"""«språk»: which language the bot answers a person in, and their choice."""

from __future__ import annotations

from dataclasses import replace

from bot.forum.language import FOLLOW_TEAMS, choose_language
from bot.handlers import activity
from bot.handlers.turn import Turn
from bot.i18n import language_of
from bot.views import common as views


async def language(turn: Turn) -> None:
    """Without an argument, the language now and how to change it; with
    one, the new choice, confirmed in the new language."""
    teams = language_of(activity.locale(turn.incoming))
    if not turn.args:
        chosen = await turn.uow.languages.chosen(turn.actor.aad_object_id)
        key = "language_now_chosen" if chosen else "language_now_teams"
        body = f"{turn.t(key, language=turn.t(f'language_name_{turn.lang}'))}\n\n{turn.t('language_how')}"
        await turn.reply(views.notice(turn.t("language_title"), body))
        return
    choice = await choose_language(turn.uow, turn.actor, turn.args, turn.clock())
    answer = replace(turn, lang=teams if choice == FOLLOW_TEAMS else choice)
    key = "language_follows_teams" if choice == FOLLOW_TEAMS else "language_chosen"
    body = answer.t(key, language=answer.t(f"language_name_{answer.lang}"))
    await answer.reply(views.notice(answer.t("language_title"), body, "good"))

"""Which forum a person in several forums uses in their personal chat: the
choice card, its button, and `bytt forum`. The rules are in
bot.forum.identity (identify, choose_forum)."""

from __future__ import annotations

from dataclasses import replace

from pydantic import Field

from bot import logs
from bot.forum.identity import acting_in, choose_forum
from bot.forum.roster import Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.common import PAGE_BUDGET, card_size, md, notice, role_text
from cards import render

VERB = "forum.choose"
MAX_TYPED = 500  # what was typed before the question, carried to the answer


class Choice(CardData):
    forum: str = Field(min_length=1, max_length=64)
    # What they had asked for when they were asked: typed, or a pressed button.
    then_text: str = Field(default="", max_length=MAX_TYPED)
    then_verb: str = Field(default="", max_length=64)
    then_data: dict = Field(default_factory=dict)


def choice_card(turn: Turn, *, then_text: str = "", then_verb: str = "", then_data: dict | None = None) -> dict:
    """Each of the person's forums with their role in it, a button each.
    What they had asked for rides along on every button; when that would
    not fit on a card it stays behind, and choosing shows help instead."""
    then = {
        k: v for k, v in (("then_text", then_text[:MAX_TYPED]), ("then_verb", then_verb), ("then_data", then_data)) if v
    }
    card = _card(turn, then)
    return card if card_size(card) <= PAGE_BUDGET else _card(turn, {})


def _card(turn: Turn, then: dict) -> dict:
    actor, current = turn.actor, turn.actor.forum
    forums = []
    for m in turn.who.memberships:
        role = role_text(acting_in(actor.display_name, actor.aad_object_id, m), turn.lang)
        forums.append(
            {
                "name": md(m.forum.name),
                "role": role[:1].upper() + role[1:],
                "button": turn.t("forum_choice_use", forum=m.forum.name),
                "data": {"forum": m.forum.id, **then},
            }
        )
    return render(
        "forum_choice",
        {
            "title": turn.t("forum_choice_title"),
            "intro": turn.t("forum_choice_intro"),
            "then": turn.t("forum_choice_then") if then else "",
            "current": turn.t("forum_choice_current", forum=md(current.name)) if current else "",
            "forums": forums,
        },
    )


async def show_choice(turn: Turn) -> None:
    """`bytt forum`: the choice card again, to change the forum."""
    forums = {m.forum.id: m.forum for m in turn.who.memberships}
    if not forums:
        raise Refused("not_in_roster")
    if len(forums) == 1:
        only = next(iter(forums.values()))
        await turn.reply(notice(turn.t("cmd_forum"), turn.t("forum_only_one", forum=md(only.name))))
        return
    if not turn.who.chooses_forum:
        raise Refused("forum_choice_not_here")
    await turn.reply(choice_card(turn))


async def press_choose(turn: Turn, data: dict) -> str | dict:
    """Remember the forum, then do what they had asked for (or show help)."""
    # The commands' table names this module; it is read when a button is pressed.
    from bot.handlers import commands

    request = card_data(Choice, data)
    chosen = replace(turn, who=await choose_forum(turn.uow, turn.who, request.forum, turn.clock()))
    forum = chosen.actor.forum
    logs.FORUM_ID.set(forum.id)
    title = chosen.t("forum_chosen_title", forum=md(forum.name))
    verb = commands.VERBS.get(request.then_verb) if request.then_verb != VERB else None
    if verb is not None:
        answer = await verb(chosen, request.then_data)
        return answer if isinstance(answer, dict) else notice(title, answer, "good")
    command, args = commands.parse(request.then_text)
    if command is None or command.run is not show_choice:
        await commands.run(chosen.with_args(args), command or commands.HELP)
    return notice(title, chosen.t("forum_chosen"), "good")


FORUM_VERBS = {VERB: press_choose}

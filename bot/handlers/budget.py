"""`budsjett [år]`: the year's budget card, and the Statsforvalter's form on it."""

from __future__ import annotations

from pydantic import Field

from bot.forum import access
from bot.forum.allocation import budget as service
from bot.forum.allocation.budget import MAX_FRAME, BudgetFigures, SetBudget
from bot.forum.allocation.proposal import allocation
from bot.forum.needs.competence_areas import CompetenceArea
from bot.forum.needs.form import Field as FormField
from bot.forum.needs.form import Invalid
from bot.forum.needs.service import competence_areas, forum_year
from bot.forum.roster import Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views import common as views
from bot.views.needs import nok, when
from cards import render

FRAME_INPUT = "budget_frame"  # not "frame": an input's id becomes an HTML id in Teams' page
RESERVE = "reserve_"  # + the area's code: the input of an amount set aside
SHOWN_BACK = 100  # characters of a typed value put back on the form (the input takes 20)


def _amount(key: str) -> FormField:
    """The frame must be given; an amount set aside may be left empty."""
    return FormField(key, "whole", required=key == FRAME_INPUT, low=0, high=MAX_FRAME)


class SaveBudget(CardData):
    year: int = Field(ge=2000, le=2100)
    version: int = Field(ge=0, le=10**9)


async def show_budget(turn: Turn) -> None:
    forum = turn.forum()
    year = turn.year_asked(forum_year(turn.actor, turn.clock()), "budget_bad_year")
    await turn.reply(await _card(turn, year, await competence_areas(turn.uow, forum.id, year)))


async def press_save(turn: Turn, data: dict) -> dict:
    """Typed amounts are checked here: a wrong one comes back on the form,
    with everything typed kept and nothing saved."""
    forum = turn.forum()
    request = card_data(SaveBudget, data)
    areas = await competence_areas(turn.uow, forum.id, request.year)
    typed = {
        FRAME_INPUT: data.get(FRAME_INPUT),
        **{f"{RESERVE}{a.code}": data.get(f"{RESERVE}{a.code}") for a in areas},
    }
    errors: dict[str, str] = {}
    amounts: dict[str, int] = {}
    for key, raw in typed.items():
        try:
            amounts[key] = _amount(key).clean(raw) or 0
        except Invalid as error:
            errors[key] = turn.t(f"invalid_{error.code}", **error.params)
    if errors:
        return await _card(turn, request.year, areas, typed=typed, errors=errors)
    command = SetBudget(
        request.year,
        amounts[FRAME_INPUT],
        {a.code: amounts[f"{RESERVE}{a.code}"] for a in areas},
        request.version,
    )
    try:
        await service.set_budget(turn.uow, turn.actor, command, {a.code for a in areas}, turn.clock())
    except Refused as refused:
        if refused.code == "budget_reserved_over_frame":
            problem = turn.t(
                refused.code,
                reserved=nok(turn.lang, refused.params["reserved"]),
                frame=nok(turn.lang, refused.params["frame"]),
            )
        elif refused.code == "budget_changed_meanwhile":
            problem = turn.t(refused.code)
        else:
            raise
        return await _card(turn, request.year, areas, typed=typed, problems=[problem])
    return await _card(turn, request.year, areas, note=turn.t("budget_saved", year=request.year))


async def _card(
    turn: Turn,
    year: int,
    areas: tuple[CompetenceArea, ...],
    *,
    note: str = "",
    typed: dict | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
) -> dict:
    forum = turn.actor.forum
    figures = await service.figures(turn.uow, forum.id, year)
    proposed = await allocation(turn.uow, forum, year)
    budget = figures.budget
    may_edit = access.may_edit(turn.actor)
    errors = errors or {}
    names = (await turn.uow.roster.roster(forum)).names()
    shown = {
        FRAME_INPUT: str(budget.frame) if budget.is_set else "",
        **{f"{RESERVE}{a.code}": str(budget.reserved.get(a.code, "")) for a in areas},
    }
    shown.update({k: "" if v is None else str(v)[:SHOWN_BACK] for k, v in (typed or {}).items()})
    labels = {
        FRAME_INPUT: turn.t("budget_frame_label"),
        **{f"{RESERVE}{a.code}": turn.t("budget_reserve_label", area=a.name) for a in areas},
    }
    problems = [*(problems or []), *(f"{labels[key]}: {error}" for key, error in errors.items())]
    return render(
        "budget",
        {
            "title": turn.t("budget_title", year=year),
            "note": note or _status(turn, figures, names),
            "problems_title": turn.t("budget_problems"),
            "problems": problems,
            "figures": _figures(turn, figures, proposed.total if proposed.proposal.version else None),
            "reserved_title": turn.t("budget_reserved_title"),
            "reserved": [
                {"title": views.md(a.name), "value": nok(turn.lang, budget.reserved[a.code])}
                for a in areas
                if budget.reserved.get(a.code)
            ],
            "may_edit": may_edit,
            "fields": [
                {"id": key, "label": labels[key], "value": shown[key], "error": errors.get(key, "")} for key in labels
            ]
            if may_edit
            else [],
            "actions": [{"title": turn.t("budget_save", year=year), "data": {"year": year, "version": budget.version}}]
            if may_edit
            else [],
        },
    )


def _status(turn: Turn, figures: BudgetFigures, names: dict[str, str]) -> str:
    budget = figures.budget
    if not budget.is_set:
        return turn.t("budget_not_set", year=budget.year)
    at = when(budget.updated_at, turn.actor.forum.timezone)
    who = names.get(budget.updated_by or "")
    return turn.t("budget_set_by", when=at, who=views.md(who)) if who else turn.t("budget_set_at", when=at)


def _figures(turn: Turn, figures: BudgetFigures, proposed: int | None) -> list[dict]:
    """Frame and remaining only once the frame is set: before, there is
    none; proposed once there is an allocation proposal."""
    shown = [("budget_applied", figures.applied), ("budget_granted", figures.granted)]
    if proposed is not None:
        shown.insert(1, ("budget_proposed", proposed))
    if figures.budget.is_set:
        shown = [("budget_frame", figures.budget.frame), *shown, ("budget_remaining", figures.remaining)]
    return [{"title": turn.t(key), "value": nok(turn.lang, value)} for key, value in shown]


BUDGET_VERBS = {"budget.save": press_save}

"""The allocation proposal in Teams: `tildeling [år]` and the buttons of its
card. The Statsforvalter gets the editor, a page of reports at a time with
a number and an amount by each; once it is put before the forum, everyone
in the forum reads it (a copy goes to the channel). The rules are in
bot.forum.allocation.proposal, the card in bot.views.allocation.

Typed numbers are checked here, and a wrong one comes back on the page
with everything typed kept and nothing saved."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from bot.forum import access
from bot.forum.allocation import proposal as service
from bot.forum.allocation.budget import MAX_FRAME
from bot.forum.allocation.proposal import Allocation, SaveProposal
from bot.forum.needs.form import Field as FormField
from bot.forum.needs.form import Invalid
from bot.forum.needs.service import forum_year
from bot.forum.roster import Forum, Refused
from bot.forum.votes.service import check_new_vote, open_vote
from bot.forum.votes.vote import VoteStatus
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.i18n import text
from bot.views import common as views
from bot.views.allocation import AMOUNT, PRIORITY, AllocationView, allocation_card
from bot.views.needs import nok
from bot.views.votes import VoteViews

_AMOUNT = FormField("amount", "whole", required=False, low=0, high=MAX_FRAME)
SHOWN_BACK = 20  # characters of a wrong value shown back in its field
CHANNEL_LANG = "nb"  # the channel is shared: its copy is in the forum's own language


class PageRequest(CardData):
    # strict: the card sends numbers; a year sent as text is forged card data
    model_config = ConfigDict(strict=True)

    year: int = Field(ge=2000, le=2100)
    page: int = Field(default=1, ge=1, le=1000)
    edit: bool = False


class Change(PageRequest):
    version: int = Field(ge=0, le=10**9)


# --- the command and the buttons ----------------------------------------


async def show_allocation(turn: Turn) -> None:
    forum = turn.forum()
    year = turn.year_asked(forum_year(turn.actor, turn.clock()), "allocation_bad_year")
    await turn.reply(await _card(turn, forum, year, 1, edit=access.may_edit(turn.actor)))


async def press_page(turn: Turn, data: dict) -> dict:
    request = card_data(PageRequest, data)
    return await _card(turn, turn.forum(), request.year, request.page, edit=request.edit)


async def press_save(turn: Turn, data: dict) -> dict:
    forum = turn.forum()
    request = card_data(Change, data)
    current = await service.allocation(turn.uow, forum, request.year)
    typed, errors, problems, changes = _read_page(turn, current, data)
    if errors:
        return await _card(
            turn, forum, request.year, request.page, edit=True, typed=typed, errors=errors, problems=problems
        )
    command = SaveProposal(request.year, request.version, changes)

    async def save() -> tuple[Allocation, str]:
        return await service.save(turn.uow, turn.actor, command, turn.clock()), turn.t("allocation_saved")

    return await _change(turn, forum, request, save, typed)


async def press_from_vote(turn: Turn, data: dict) -> dict:
    forum = turn.forum()
    request = card_data(Change, data)
    vote = data.get("vote")
    vote_id = int(vote) if isinstance(vote, str) and vote.isascii() and vote.isdigit() and len(vote) < 10 else 0

    async def take_order() -> tuple[Allocation, str]:
        ordered = await service.order_by_vote(
            turn.uow, turn.actor, request.year, request.version, vote_id, turn.clock()
        )
        return ordered, turn.t("allocation_ordered")

    return await _change(turn, forum, request, take_order)


async def press_post(turn: Turn, data: dict) -> dict:
    """Put the proposal before the forum: a read-only copy in the channel,
    and a vote on approving it that closes when the card says."""
    forum = turn.forum()
    request = card_data(Change, data)
    now = turn.clock()
    check = check_new_vote(
        {
            "question": text(CHANNEL_LANG, "allocation_vote_question", year=request.year),
            "options": "\n".join(text(CHANNEL_LANG, k) for k in ("allocation_vote_yes", "allocation_vote_no")),
            "close_date": data.get("close_date"),
            "close_time": data.get("close_time"),
            "live": "false",
        },
        forum.timezone,
        now,
        [],
    )
    if check.errors:
        problems = [
            f"{turn.t('allocation_vote_closes')}: {views.invalid_text(turn.lang, e)}" for e in check.errors.values()
        ]
        typed = {k: str(data.get(k) or "")[:SHOWN_BACK] for k in ("close_date", "close_time")}
        return await _card(turn, forum, request.year, request.page, edit=True, problems=problems, typed=typed)

    async def post() -> tuple[Allocation, str]:
        posted = await service.post(turn.uow, turn.actor, request.year, request.version, now)
        vote = await open_vote(turn.uow, turn.actor, check, now, allocation_year=request.year)
        channel = await turn.uow.forums.channel_reference(forum.id)
        if not channel:
            return posted, turn.t("allocation_posted_no_channel")
        shared = allocation_card(AllocationView(posted, CHANNEL_LANG, forum, edit=False), 1, names={})
        turn.afterwards.start(_post_both(turn, channel, shared, forum, vote.id), "the allocation proposal")
        return posted, turn.t("allocation_posted_vote", when=VoteViews(turn.lang, forum, now).when(vote.closes_at))

    return await _change(turn, forum, request, post)


async def _post_both(turn: Turn, channel: dict, proposal_card: dict, forum: Forum, vote_id: int) -> None:
    """The proposal, then the vote on it, in that order in the channel."""
    await turn.deliverer.send_card(channel, proposal_card)
    await turn.vote_cards.post(forum, vote_id)


ALLOCATION_VERBS = {
    "allocation.page": press_page,
    "allocation.save": press_save,
    "allocation.from_vote": press_from_vote,
    "allocation.post": press_post,
}

# Refusals that bring the page back with what was typed, rather than a message.
_SHOWN_ON_THE_PAGE = (
    "allocation_over_frame",
    "allocation_over_applied",
    "allocation_bad_priority",
    "allocation_changed_meanwhile",
    "allocation_no_budget",
    "allocation_report_gone",
    "allocation_vote_not_closed",
    "allocation_vote_without_reports",
    "allocation_nothing_to_post",
    "allocation_vote_running",
    "allocation_decided",
)


async def _change(turn: Turn, forum: Forum, request: Change, act, typed: dict | None = None) -> dict:
    """Do ``act`` (which gives the allocation as it now stands and the note
    to show) and show the page again; a refusal the page can explain is
    shown on it."""
    try:
        changed, note = await act()
    except Refused as refused:
        if refused.code not in _SHOWN_ON_THE_PAGE:
            raise
        params = {k: nok(turn.lang, v) if k in ("total", "frame") else v for k, v in refused.params.items()}
        return await _card(
            turn, forum, request.year, request.page, edit=True, typed=typed, problems=[turn.t(refused.code, **params)]
        )
    return await _card(turn, forum, request.year, request.page, edit=True, note=note, allocation=changed)


def _read_page(turn: Turn, current: Allocation, data: dict):
    """The page's inputs: what was typed (to show back), what is wrong (by
    input, and as the list above the page), and the changes for the
    service (a number left as it was is no change)."""
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    problems: list[str] = []
    changes: dict[int, tuple[int | None, int]] = {}
    high = len(current.lines)
    for line in current.lines:
        priority_key, amount_key = f"{PRIORITY}{line.report_id}", f"{AMOUNT}{line.report_id}"
        if priority_key not in data and amount_key not in data:
            continue  # on another page
        raw_priority, raw_amount = data.get(priority_key), data.get(amount_key)
        typed[priority_key] = "" if raw_priority is None else str(raw_priority)[:SHOWN_BACK]
        typed[amount_key] = "" if raw_amount is None else str(raw_amount)[:SHOWN_BACK]
        try:
            priority = FormField("priority", "whole", required=False, low=1, high=high).clean(raw_priority)
        except Invalid as error:
            errors[priority_key] = views.invalid_text(turn.lang, error)
            problems.append(f"{line.reference}, {turn.t('allocation_priority_label')} {errors[priority_key]}")
            priority = None
        try:
            amount = _AMOUNT.clean(raw_amount)
        except Invalid as error:
            errors[amount_key] = views.invalid_text(turn.lang, error)
            problems.append(f"{line.reference}, {turn.t('allocation_amount_label')}: {errors[amount_key]}")
            amount = None
        changes[line.report_id] = (
            None if priority in (None, line.priority) else priority,
            # an emptied amount is no grant; an amount not sent stays as it was
            (0 if amount_key in data else line.proposed) if amount is None else amount,
        )
    return typed, errors, problems, changes


async def _card(
    turn: Turn,
    forum: Forum,
    year: int,
    page: int,
    *,
    edit: bool,
    note: str = "",
    typed: dict | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    allocation: Allocation | None = None,
) -> dict:
    """The page, of ``allocation`` when the caller has it as it now stands."""
    allocation = allocation or await service.allocation(turn.uow, forum, year)
    edit = edit and access.may_edit(turn.actor) and not allocation.is_decided
    if not edit and allocation.proposal.posted_at is None and not access.may_edit(turn.actor):
        raise Refused("allocation_not_posted", year=year)
    roster = await turn.uow.roster.roster(forum)
    votes = [v for v in await turn.uow.votes.of_forum(forum.id) if v.status is not VoteStatus.OPEN] if edit else []
    view = AllocationView(allocation, turn.lang, forum, edit, votes=votes, now=turn.clock())
    return allocation_card(
        view, page, roster.names(), note=note, typed=typed or {}, errors=errors or {}, problems=problems or []
    )

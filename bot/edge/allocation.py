"""The allocation proposal in Teams: `tildeling [år]` and the buttons of its
card. The Statsforvalter gets the editor, a page of reports at a time with
a number and an amount by each; once it is put before the forum, everyone
in the forum reads it (a copy goes to the channel). The rules are in
bot.forum.allocation.proposal.

Typed numbers are checked here, and a wrong one comes back on the page
with everything typed kept and nothing saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from pydantic import ConfigDict, Field

from bot.edge import views
from bot.edge.card_actions import CardData, card_data
from bot.edge.needs_views import nok, when
from bot.edge.turn import Turn
from bot.edge.views import PAGE_BUDGET, card_size, paging, text_size
from bot.edge.vote_views import VoteViews
from bot.forum.allocation import proposal as service
from bot.forum.allocation.budget import MAX_FRAME
from bot.forum.allocation.proposal import Allocation, AllocationLine, SaveProposal
from bot.forum.needs.form import Field as FormField
from bot.forum.needs.form import Invalid
from bot.forum.needs.service import forum_year
from bot.forum.roster import Forum, Refused
from bot.forum.votes.service import check_new_vote, open_vote
from bot.forum.votes.vote import VoteStatus
from bot.i18n import text
from cards import render
from cards.markdown import escape_markdown as md

PRIORITY, AMOUNT = "priority_", "amount_"
LINES_PER_PAGE = 25
_RESERVE = 2048  # the problems above the list, and the reader's language
_AMOUNT = FormField("amount", "whole", required=False, low=0, high=MAX_FRAME)
SHOWN_BACK = 20  # characters of a wrong value shown back in its field
CHANNEL_LANG = "nb"  # the channel is shared: its copy is in the forum's own language
VOTES_OFFERED = 10  # the newest closed votes over reports, to take the order from
QUESTION_SHOWN = 100  # characters of a vote's question in that list


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
    await turn.reply(await _card(turn, forum, year, 1, edit=turn.actor.is_statsforvalter))


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
        ordered = await service.order_by_vote(turn.uow, turn.actor, request.year, request.version, vote_id, turn.clock())
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
            "close_date": data.get("close_date"), "close_time": data.get("close_time"), "live": "false",
        },
        forum.timezone, now, [],
    )
    if check.errors:
        problems = [f"{turn.t('allocation_vote_closes')}: {views.invalid_text(turn.lang, e)}" for e in check.errors.values()]
        typed = {k: str(data.get(k) or "")[:SHOWN_BACK] for k in ("close_date", "close_time")}
        return await _card(turn, forum, request.year, request.page, edit=True, problems=problems, typed=typed)

    async def post() -> tuple[Allocation, str]:
        posted = await service.post(turn.uow, turn.actor, request.year, request.version, now)
        vote = await open_vote(turn.uow, turn.actor, check, now, allocation_year=request.year)
        channel = await turn.uow.forums.channel_reference(forum.id)
        if not channel:
            return posted, turn.t("allocation_posted_no_channel")
        shared = _render(AllocationView(posted, CHANNEL_LANG, forum, edit=False), 1, names={})
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
    "allocation_over_frame", "allocation_over_applied", "allocation_bad_priority", "allocation_changed_meanwhile",
    "allocation_no_budget", "allocation_report_gone", "allocation_vote_not_closed", "allocation_vote_without_reports",
    "allocation_nothing_to_post", "allocation_vote_running", "allocation_decided",
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
        return await _card(turn, forum, request.year, request.page, edit=True, typed=typed,
                           problems=[turn.t(refused.code, **params)])
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
    turn: Turn, forum: Forum, year: int, page: int, *, edit: bool, note: str = "", typed: dict | None = None,
    errors: dict[str, str] | None = None, problems: list[str] | None = None, allocation: Allocation | None = None,
) -> dict:
    """The page, of ``allocation`` when the caller has it as it now stands."""
    allocation = allocation or await service.allocation(turn.uow, forum, year)
    edit = edit and turn.actor.is_statsforvalter and not allocation.is_decided
    if not edit and allocation.proposal.posted_at is None and not turn.actor.is_statsforvalter:
        raise Refused("allocation_not_posted", year=year)
    roster = await turn.uow.roster.roster(forum)
    votes = [v for v in await turn.uow.votes.of_forum(forum.id) if v.status is not VoteStatus.OPEN] if edit else []
    view = AllocationView(allocation, turn.lang, forum, edit, votes=votes, now=turn.clock())
    return _render(view, page, roster.names(), note=note, typed=typed or {}, errors=errors or {}, problems=problems or [])


# --- the card ----------------------------------------------------------------


@dataclass
class AllocationView:
    """The proposal as one reader sees it: editor or read-only."""

    allocation: Allocation
    lang: str
    forum: Forum
    edit: bool
    votes: list | None = None  # closed votes over reports, for the editor
    now: datetime | None = None  # for the proposed closing of the vote on it

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def line(self, line: AllocationLine, area_names: dict[str, str], typed: dict, errors: dict) -> dict:
        priority_key, amount_key = f"{PRIORITY}{line.report_id}", f"{AMOUNT}{line.report_id}"
        return {
            "editable": self.edit,
            "priority": typed.get(priority_key, str(line.priority)),
            "priority_input": priority_key,
            "priority_label": self.t("allocation_priority_label"),
            "heading": md(f"{line.reference} {line.title}"),
            "organisation": md(line.organisation),
            "areas": ", ".join(md(area_names.get(code, code)) for code in line.areas),
            "money": self.t(
                "allocation_money", applied=nok(self.lang, line.applied), proposed=nok(self.lang, line.proposed),
                running=nok(self.lang, line.running),
            ),
            "amount": typed.get(amount_key, str(line.proposed)),
            "amount_input": amount_key,
            "amount_label": self.t("allocation_amount_label"),
            "error": " ".join(e for e in (errors.get(priority_key), errors.get(amount_key)) if e),
        }


def _render(
    view: AllocationView, page: int, names: dict[str, str], *, note: str = "", typed: dict | None = None,
    errors: dict | None = None, problems: list[str] | None = None,
) -> dict:
    allocation = view.allocation
    area_names = allocation.area_names
    lines = [view.line(line, area_names, typed or {}, errors or {}) for line in allocation.lines]
    frame = _frame(view, names, note, problems or [], typed or {})
    pages = _pages(frame, lines)
    number = min(max(page, 1), len(pages))
    start, end = pages[number - 1]
    return render("allocation", _data(view, frame, lines[start:end], number, len(pages)))


def _frame(view: AllocationView, names: dict[str, str], note: str, problems: list[str], typed: dict) -> dict:
    """Everything on the card but the lines and the paging."""
    allocation, t, lang = view.allocation, view.t, view.lang
    budget, proposal = allocation.budget, allocation.proposal
    year = allocation.year
    figures = [
        (t("allocation_frame"), nok(lang, budget.frame) if budget.is_set else t("allocation_no_frame", year=year)),
        (t("allocation_applied"), nok(lang, sum(line.applied for line in allocation.lines))),
        (t("allocation_proposed"), nok(lang, allocation.total)),
    ]
    if budget.is_set:
        figures.append((t("allocation_remaining"), nok(lang, allocation.remaining)))
    zone = view.forum.timezone
    if proposal.version == 0:
        state = [t("allocation_state_new")]
    else:
        who = names.get(proposal.updated_by or "")
        at = when(proposal.updated_at, zone)
        state = [t("allocation_state_saved", when=at, who=md(who)) if who else t("allocation_state_saved_at", when=at)]
    if proposal.from_vote and view.votes is not None:
        question = next((v.question for v in view.votes if v.id == proposal.from_vote), None)
        if question:
            state.append(t("allocation_state_from_vote", question=md(question)))
    if proposal.posted_at:
        state.append(t("allocation_state_posted", when=when(proposal.posted_at, zone)))
    if proposal.decided_at:
        state.append(t("allocation_state_decided", when=when(proposal.decided_at, zone)))
    over_reports = [v for v in view.votes or () if any(o.report_id for o in v.options)][:VOTES_OFFERED]
    choices = [{"title": md(v.question[:QUESTION_SHOWN]), "value": str(v.id)} for v in over_reports]
    # The vote on the proposal: a week ahead at noon unless changed.
    proposed = VoteViews(view.lang, view.forum, view.now).proposed_close() if view.now else None
    ref = {"year": year, "version": proposal.version}
    return {
        "title": t("allocation_title", year=year),
        "forum": md(view.forum.name),
        "note": note,
        "problems_title": t("allocation_problems"),
        "problems": problems,
        "figures": [{"title": title, "value": value} for title, value in figures],
        "state": " ".join(state) if view.edit else " ".join(state[1:] or state),
        "areas_title": t("allocation_areas_title"),
        "areas": [
            {"title": md(a.name), "value": t("allocation_area_sum", proposed=nok(lang, a.proposed), reserved=nok(lang, a.reserved))}
            for a in allocation.areas
        ],
        "lines_title": t("allocation_lines_title"),
        "empty": "" if allocation.lines else t("allocation_empty", year=year),
        "from_vote": [
            {"label": t("allocation_from_vote_label"), "choices": choices, "button": t("allocation_from_vote_button"),
             "value": next((c["value"] for c in choices if c["value"] == str(proposal.from_vote)), choices[0]["value"]),
             "data": ref}
        ] if view.edit and choices and allocation.lines else [],
        "closing": [
            {
                "date_label": t("allocation_vote_closes"), "time_label": t("vote_field_close_time"),
                "date": typed.get("close_date", proposed["close_date"]), "time": typed.get("close_time", proposed["close_time"]),
            }
        ] if view.edit and allocation.lines and proposed else [],
        "ref": ref,
        "edit": view.edit,
    }





def _data(view: AllocationView, frame: dict, lines: list[dict], number: int, pages: int) -> dict:
    t, ref = view.t, frame["ref"]
    data = {k: v for k, v in frame.items() if k not in ("ref", "edit")}
    data["lines"] = lines
    row = paging(
        number, pages, t("allocation_page", page=number, pages=pages), t("allocation_previous"), t("allocation_next"),
        lambda n: {"data": {"year": ref["year"], "page": n, "edit": view.edit}},
    )
    if row:
        data["paging"] = row
    data["actions"] = [
        {"title": t("allocation_save"), "verb": "allocation.save", "data": {**ref, "page": number}, "style": "positive"},
        {"title": t("allocation_post"), "verb": "allocation.post", "data": ref, "style": "default"},
    ] if view.edit and lines else []
    return data


def _pages(frame: dict, lines: list[dict]) -> list[tuple[int, int]]:
    """The lines in pages of at most LINES_PER_PAGE that fit in PAGE_BUDGET
    bytes, reckoned from the texts and what the template adds per line
    (measured once by rendering it)."""
    editable = bool(lines and lines[0]["editable"])
    base = card_size(render("allocation", {**_blank(frame), "paging": _blank_paging()}))
    budget = PAGE_BUDGET - _RESERVE - base - text_size(frame)
    per_line = _line_cost(editable)
    pages, start, used = [], 0, 0
    for index, line in enumerate(lines):
        cost = per_line + text_size(line)
        if index > start and (used + cost > budget or index - start >= LINES_PER_PAGE):
            pages.append((start, index))
            start, used = index, 0
        used += cost
    pages.append((start, len(lines)))
    return pages


def _blank(frame: dict) -> dict:
    return {
        **{k: "" for k in frame}, "problems": [], "figures": [], "areas": [], "lines": [], "from_vote": [], "closing": [],
        "actions": [{"title": "", "verb": "", "data": {}, "style": "default"}] * 2,
    }


def _blank_paging() -> dict:
    return {"label": "", "actions": [{"title": "", "data": {"year": 2000, "page": 1, "edit": False}}] * 2}


@lru_cache(maxsize=2)
def _line_cost(editable: bool) -> int:
    """What the template adds around one line's texts."""
    blank = {
        "editable": editable, "priority": "", "priority_input": "", "priority_label": "", "heading": "",
        "organisation": "", "areas": "", "money": "", "amount": "", "amount_input": "", "amount_label": "",
        "error": "",
    }
    frame = {"title": "", "problems": []}
    one = card_size(render("allocation", {**_blank(frame), "lines": [blank]}))
    two = card_size(render("allocation", {**_blank(frame), "lines": [blank, blank]}))
    return two - one

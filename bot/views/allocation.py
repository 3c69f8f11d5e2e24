"""The allocation proposal's card: the editor for the Statsforvalter, the
read-only copy for everyone else, a page of reports at a time that fits
in a card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.forum.allocation.proposal import Allocation, AllocationLine
from bot.forum.roster import Forum
from bot.i18n import text
from bot.views.common import PAGE_BUDGET, card_size, paging, text_size
from bot.views.needs import nok, when
from bot.views.votes import VoteViews
from cards import render
from cards.markdown import escape_markdown as md

PRIORITY, AMOUNT = "priority_", "amount_"  # + the report's id: the inputs of a line
LINES_PER_PAGE = 25
_RESERVE = 2048  # the problems above the list, and the reader's language
VOTES_OFFERED = 10  # the newest closed votes over reports, to take the order from
QUESTION_SHOWN = 100  # characters of a vote's question in that list


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
                "allocation_money",
                applied=nok(self.lang, line.applied),
                proposed=nok(self.lang, line.proposed),
                running=nok(self.lang, line.running),
            ),
            "amount": typed.get(amount_key, str(line.proposed)),
            "amount_input": amount_key,
            "amount_label": self.t("allocation_amount_label"),
            "error": " ".join(e for e in (errors.get(priority_key), errors.get(amount_key)) if e),
        }


def allocation_card(
    view: AllocationView,
    page: int,
    names: dict[str, str],
    *,
    note: str = "",
    typed: dict | None = None,
    errors: dict | None = None,
    problems: list[str] | None = None,
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
            {
                "title": md(a.name),
                "value": t("allocation_area_sum", proposed=nok(lang, a.proposed), reserved=nok(lang, a.reserved)),
            }
            for a in allocation.areas
        ],
        "lines_title": t("allocation_lines_title"),
        "empty": "" if allocation.lines else t("allocation_empty", year=year),
        "from_vote": [
            {
                "label": t("allocation_from_vote_label"),
                "choices": choices,
                "button": t("allocation_from_vote_button"),
                "value": next(
                    (c["value"] for c in choices if c["value"] == str(proposal.from_vote)), choices[0]["value"]
                ),
                "data": ref,
            }
        ]
        if view.edit and choices and allocation.lines
        else [],
        "closing": [
            {
                "date_label": t("allocation_vote_closes"),
                "time_label": t("vote_field_close_time"),
                "date": typed.get("close_date", proposed["close_date"]),
                "time": typed.get("close_time", proposed["close_time"]),
            }
        ]
        if view.edit and allocation.lines and proposed
        else [],
        "ref": ref,
        "edit": view.edit,
    }


def _data(view: AllocationView, frame: dict, lines: list[dict], number: int, pages: int) -> dict:
    t, ref = view.t, frame["ref"]
    data = {k: v for k, v in frame.items() if k not in ("ref", "edit")}
    data["lines"] = lines
    row = paging(
        number,
        pages,
        t("allocation_page", page=number, pages=pages),
        t("allocation_previous"),
        t("allocation_next"),
        lambda n: {"data": {"year": ref["year"], "page": n, "edit": view.edit}},
    )
    if row:
        data["paging"] = row
    data["actions"] = (
        [
            {
                "title": t("allocation_save"),
                "verb": "allocation.save",
                "data": {**ref, "page": number},
                "style": "positive",
            },
            {"title": t("allocation_post"), "verb": "allocation.post", "data": ref, "style": "default"},
        ]
        if view.edit and lines
        else []
    )
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
        **{k: "" for k in frame},
        "problems": [],
        "figures": [],
        "areas": [],
        "lines": [],
        "from_vote": [],
        "closing": [],
        "actions": [{"title": "", "verb": "", "data": {}, "style": "default"}] * 2,
    }


def _blank_paging() -> dict:
    return {"label": "", "actions": [{"title": "", "data": {"year": 2000, "page": 1, "edit": False}}] * 2}


@lru_cache(maxsize=2)
def _line_cost(editable: bool) -> int:
    """What the template adds around one line's texts."""
    blank = {
        "editable": editable,
        "priority": "",
        "priority_input": "",
        "priority_label": "",
        "heading": "",
        "organisation": "",
        "areas": "",
        "money": "",
        "amount": "",
        "amount_input": "",
        "amount_label": "",
        "error": "",
    }
    frame = {"title": "", "problems": []}
    one = card_size(render("allocation", {**_blank(frame), "lines": [blank]}))
    two = card_size(render("allocation", {**_blank(frame), "lines": [blank, blank]}))
    return two - one

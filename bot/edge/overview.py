"""The overview of needs reports in Teams: the `oversikt [år]` command, its
pages, and the button that gives a link to the Excel file.

Everyone in the forum's team may see the overview: it holds counts and
sums only. The Excel file also holds each report's contact person, so
only the Statsforvalter and the representatives and deputies on the
roster get a link to it; observers do not."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.edge.card_actions import read_data
from bot.edge.downloads import MAX_YEAR, MIN_YEAR, NEEDS
from bot.edge.turn import Turn
from bot.forum.needs import export
from bot.forum.needs.overview import Figures, Overview, overview
from bot.forum.needs.service import forum_year
from bot.forum.roster import Actor, Refused
from bot.i18n import EN, text
from cards import render
from cards.markdown import escape_markdown as md

PAGE_SIZE = 12  # organisations per card: keeps the card far below Teams' 28 KB
MAX_PAGE = 1000


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PageRequest(_Data):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


def may_export(actor: Actor) -> bool:
    return actor.forum is not None and (actor.is_statsforvalter or actor.holds_seat)


# --- the command and the buttons ----------------------------------------


async def show_overview(turn: Turn) -> None:
    """`oversikt [år]`: the overview of the year (this year if none is given)."""
    forum = _forum(turn)
    year = _year(turn)
    summary = await overview(turn.uow, forum, year)
    await turn.reply(overview_card(summary, turn.lang, 1, may_export(turn.actor)))


async def press_overview_page(turn: Turn, data: dict) -> dict:
    """Another page of the organisations; the card is replaced in place."""
    request = _read(data)
    summary = await overview(turn.uow, _forum(turn), request.year)
    return overview_card(summary, turn.lang, request.page, may_export(turn.actor))


async def press_overview_export(turn: Turn, data: dict) -> dict:
    """The same page again, with a link to the Excel file that works for
    15 minutes; only the one who pressed sees the new card."""
    request = _read(data)
    forum = _forum(turn)
    if not may_export(turn.actor):
        raise Refused("overview_export_members_only")
    summary = await overview(turn.uow, forum, request.year)
    until = turn.downloads.expires_at().astimezone(ZoneInfo(forum.timezone)).strftime("%H:%M")
    name = export.filename(request.year)
    download = {
        "text": turn.t("overview_export_ready", until=until),
        "title": turn.t("overview_export_open", filename=name),
        "url": turn.downloads.link(forum.id, request.year, NEEDS),
    }
    return overview_card(summary, turn.lang, request.page, True, download)


OVERVIEW_VERBS = {
    "overview.page": press_overview_page,
    "overview.export": press_overview_export,
}


def _forum(turn: Turn):
    if turn.actor.forum is None:
        raise Refused("not_in_roster")
    return turn.actor.forum


def _year(turn: Turn) -> int:
    this_year = forum_year(turn.actor, turn.clock())
    words = turn.args.split()
    if not words:
        return this_year
    if len(words) == 1 and words[0].isascii() and words[0].isdigit() and len(words[0]) <= 4:
        year = int(words[0])
        if MIN_YEAR <= year <= MAX_YEAR:
            return year
    raise Refused("overview_bad_year", low=MIN_YEAR, high=MAX_YEAR, example=this_year - 1)


def _read(data: dict) -> PageRequest:
    parsed = read_data(PageRequest, data)
    if parsed is None:
        raise Refused("bad_card_data")
    return parsed


# --- the card -------------------------------------------------------------


def amount(lang: str, value: int) -> str:
    """Whole kroner, grouped in thousands the way the reader writes them."""
    grouped = f"{value:,}"
    return grouped if lang == EN else grouped.replace(",", "\u00a0")


def overview_card(
    summary: Overview, lang: str, page: int, can_export: bool, download: dict | None = None
) -> dict:
    return render("overview", overview_data(summary, lang, page, can_export, download))


def overview_data(
    summary: Overview, lang: str, page: int, can_export: bool, download: dict | None = None
) -> dict:
    """The card's data: page ``page`` (kept within the pages there are)."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    def cell(f: Figures) -> dict:
        return {"count": str(f.count), "applied": amount(lang, f.applied), "granted": amount(lang, f.granted)}

    pages = max(1, math.ceil(len(summary.organisations) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = summary.organisations[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    year = summary.year
    several_years = bool(summary.earlier_years)

    data: dict = {
        "title": t("overview_title", year=year),
        "forum": md(summary.forum.name),
        "totals": [
            {"label": t("overview_reports"), "value": str(summary.total.count)},
            {"label": t("overview_applied"), "value": t("overview_nok", amount=amount(lang, summary.total.applied))},
            {"label": t("overview_granted"), "value": t("overview_nok", amount=amount(lang, summary.total.granted))},
        ],
        "nothing_sent": t("overview_nothing_sent", year=year) if summary.total.count == 0 else "",
        "counted": t("overview_counted"),
        "areas_title": t("overview_areas_title"),
        "areas_note": t("overview_areas_note", count=summary.in_several_areas),
        "area_heading": {
            "name": t("overview_area"),
            "count": t("overview_count"),
            "applied": t("overview_applied"),
            "granted": t("overview_granted"),
        },
        "areas": [
            {
                "name": md(a.name) if a.listed else md(t("overview_area_unlisted", code=a.code, year=year)),
                **cell(a.figures),
            }
            for a in summary.areas
        ],
        "organisations_title": t("overview_organisations_title"),
        "legend": t("overview_organisations_legend" if several_years else "overview_organisations_legend_one_year"),
        "organisation_heading": t("overview_organisation"),
        "year_heading": str(year),
        "earlier_headings": [{"year": str(y)} for y in summary.earlier_years],
        "organisations": [
            {"name": md(o.name), "current": cell(o.figures), "earlier": [cell(f) for f in o.earlier]}
            for o in shown
        ],
        "sum": {
            "name": t("overview_sum"),
            "current": cell(summary.total),
            "earlier": [cell(f) for f in summary.earlier_totals],
        },
        "missing_title": t("overview_missing_title", year=year),
        "missing": ", ".join(md(o.name) for o in summary.missing) or t("overview_missing_none"),
        "actions": [],
    }
    if pages > 1:
        actions = []
        if page > 1:
            actions.append({"title": t("overview_previous"), "data": {"year": year, "page": page - 1}})
        if page < pages:
            actions.append({"title": t("overview_next"), "data": {"year": year, "page": page + 1}})
        data["paging"] = {"label": t("overview_page", page=page, pages=pages), "actions": actions}
    if can_export:
        data["actions"].append(
            {"title": t("overview_export"), "verb": "overview.export", "data": {"year": year, "page": page}}
        )
    if download:
        data["download"] = download
    return data

"""The overview of needs reports in Teams: the `oversikt [år]` command, its
pages, and the button that gives a link to the Excel file (the card is in
bot.views.overview).

Everyone in the forum's team may see the overview: it holds counts and
sums only. The Excel file also holds each report's contact person, so
only the Statsforvalter and the representatives and deputies on the
roster get a link to it; observers do not."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field

from bot.forum import access
from bot.forum.needs import export
from bot.forum.needs.overview import overview
from bot.forum.needs.service import forum_year
from bot.forum.roster import Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.overview import overview_card
from bot.web.downloads import MAX_YEAR, MIN_YEAR, NEEDS

MAX_PAGE = 1000


class PageRequest(CardData):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


# --- the command and the buttons ----------------------------------------


async def show_overview(turn: Turn) -> None:
    """`oversikt [år]`: the overview of the year (this year if none is given)."""
    forum = turn.forum()
    year = _year(turn)
    summary = await overview(turn.uow, forum, year)
    await turn.reply(overview_card(summary, turn.lang, 1, access.may_export(turn.actor)))


async def press_overview_page(turn: Turn, data: dict) -> dict:
    """Another page of the organisations; the card is replaced in place."""
    request = card_data(PageRequest, data)
    summary = await overview(turn.uow, turn.forum(), request.year)
    return overview_card(summary, turn.lang, request.page, access.may_export(turn.actor))


async def press_overview_export(turn: Turn, data: dict) -> dict:
    """The same page again, with a link to the Excel file that works for
    15 minutes; only the one who pressed sees the new card."""
    request = card_data(PageRequest, data)
    forum = turn.forum()
    if not access.may_export(turn.actor):
        raise Refused("overview_export_members_only")
    summary = await overview(turn.uow, forum, request.year)
    until = turn.downloads.expires_at().astimezone(ZoneInfo(forum.timezone)).strftime("%H:%M")
    name = export.filename(request.year)
    download = {
        "text": turn.t("overview_export_ready", until=until),
        "title": turn.t("overview_export_open", filename=name),
        "url": turn.downloads.link(forum.id, request.year, NEEDS, turn.actor.aad_object_id or ""),
    }
    return overview_card(summary, turn.lang, request.page, True, download)


OVERVIEW_VERBS = {
    "overview.page": press_overview_page,
    "overview.export": press_overview_export,
}


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

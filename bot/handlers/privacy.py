"""The Statsforvalter's audit log and people's data in Teams: `logg`,
`personvern <…>` and `slett personopplysninger <…>`, and their buttons.
The rules are in bot.forum.privacy and bot.forum.audit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field

from bot.forum import access, privacy
from bot.forum.audit_export import detail, what, who
from bot.forum.roster import Forum, Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.common import notice, paging
from bot.views.moments import long_moment
from bot.web.downloads import AUDIT, MAX_YEAR, MIN_YEAR, PERSONAL
from cards import render
from cards.markdown import escape_markdown as md

PAGE_SIZE = 15  # entries on one card, well under Teams' 28 KB
MAX_PAGE = 10_000
EXPORT_YEARS = 3  # buttons for this year and the two before


class PageRequest(CardData):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


class ExportRequest(CardData):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)


class PersonRef(CardData):
    person_id: int = Field(ge=1, le=2**31 - 1)


def _statsforvalter(turn: Turn) -> Forum:
    forum = turn.forum()
    if not access.may_handle_personal_data(turn.actor):
        raise Refused("statsforvalter_only")
    return forum


# --- the audit log ------------------------------------------------------------


async def show_log(turn: Turn) -> None:
    await turn.reply(await _log_card(turn, 1))


async def press_page(turn: Turn, data: dict) -> dict:
    return await _log_card(turn, card_data(PageRequest, data).page)


async def press_export(turn: Turn, data: dict) -> str:
    forum = _statsforvalter(turn)
    year = card_data(ExportRequest, data).year
    link = turn.downloads.link(forum.id, year, AUDIT, turn.actor.aad_object_id or "")
    return turn.t("audit_export_ready", year=year, link=link)


async def _log_card(turn: Turn, page: int) -> dict:
    forum = _statsforvalter(turn)
    entries, total = await turn.uow.audit.latest(forum.id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    names = (await turn.uow.roster.roster(forum)).names()
    pages = max(1, -(-total // PAGE_SIZE))
    this_year = turn.clock().astimezone(ZoneInfo(forum.timezone)).year
    return render(
        "audit_log",
        {
            "title": turn.t("audit_title", forum=md(forum.name)),
            "empty": "" if total else turn.t("audit_empty"),
            "entries": [
                {
                    "what": md(what(e, turn.lang)),
                    "line": turn.t(
                        "audit_line",
                        when=long_moment(e.at, forum.timezone, turn.lang),
                        who=md(who(e, names, turn.lang)),
                    ),
                    "detail": md(detail(e)),
                }
                for e in entries
            ],
            "paging": paging(
                page,
                pages,
                turn.t("audit_page", page=page, pages=pages, count=total),
                turn.t("audit_newer"),
                turn.t("audit_older"),
                lambda n: {"data": {"page": n}},
            ),
            "exports": [
                {"title": turn.t("audit_export", year=year), "data": {"year": year}}
                for year in range(this_year, this_year - EXPORT_YEARS, -1)
            ],
        },
    )


# --- a person's data ----------------------------------------------------------


async def export_personal_data(turn: Turn) -> None:
    """`personvern <navn, e-post eller Entra-id>`: a link to the file."""
    forum = _statsforvalter(turn)
    person = await privacy.one(turn.uow, turn.actor, turn.args)
    link = turn.downloads.link(forum.id, person.id, PERSONAL, turn.actor.aad_object_id or "")
    await turn.reply(
        notice(
            turn.t("privacy_export_title", name=md(person.name)),
            turn.t("privacy_export_ready", name=md(person.name), email=md(person.email), link=link),
        )
    )


async def ask_to_erase(turn: Turn) -> None:
    """`slett personopplysninger <…>`: asks first; the button erases."""
    _statsforvalter(turn)
    person = await privacy.one(turn.uow, turn.actor, turn.args)
    if person.active:
        raise Refused("privacy_still_on_roster", name=md(person.name))
    ref = {"person_id": person.id}
    await turn.reply(
        render(
            "confirm",
            {
                "question": turn.t("privacy_confirm_erase", name=md(person.name), email=md(person.email)),
                "yes": {"title": turn.t("privacy_yes_erase"), "verb": "privacy.erase", "data": ref},
                "no": {"title": turn.t("privacy_no_keep"), "verb": "privacy.keep", "data": ref},
            },
        )
    )


async def press_erase(turn: Turn, data: dict) -> dict:
    counts = await privacy.erase(turn.uow, turn.actor, card_data(PersonRef, data).person_id, turn.clock())
    references = sum(
        v for k, v in counts.items() if k not in ("report_contacts", "reminders", "chats", "forum_choices", "language")
    )
    return notice(
        turn.t("privacy_erased_title"),
        turn.t(
            "privacy_erased",
            references=references,
            contacts=counts["report_contacts"],
            reminders=counts["reminders"],
            chats=counts["chats"],
        ),
        "good",
    )


async def press_keep(turn: Turn, data: dict) -> dict:
    card_data(PersonRef, data)
    return notice(turn.t("privacy_kept_title"), turn.t("privacy_erase_kept"))


PRIVACY_VERBS = {
    "audit.page": press_page,
    "audit.export": press_export,
    "privacy.erase": press_erase,
    "privacy.keep": press_keep,
}

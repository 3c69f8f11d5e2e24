"""`rapportering`: the granted reports a person reports back on, and the
form for each, one function per button. The rules are in
bot.forum.allocation.reporting."""

from __future__ import annotations

import math

from pydantic import ConfigDict, Field

from bot.forum.allocation import reporting as service
from bot.forum.allocation.reporting import FIELDS, NAMES, Grant, Progress, SaveGrantReport
from bot.forum.needs.form import Field as FormField
from bot.forum.needs.form import Invalid
from bot.forum.needs.service import typed_errors
from bot.forum.roster import Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.common import invalid_text, paging
from bot.views.moments import long_moment
from bot.views.needs import nok, when
from cards import render
from cards.markdown import escape_markdown as md

PAGE_SIZE = 10  # granted reports per card: ten of the longest titles stay well inside Teams' limit
MAX_PAGE = 1000
MONEY = ("money_used", "unused")


class GrantRef(CardData):
    report_id: int = Field(ge=1, le=2**31 - 1)


class SaveRequest(GrantRef):
    version: int = Field(ge=0, le=10**9)


class ListPage(CardData):
    model_config = ConfigDict(strict=True)  # a page sent as "2" is forged card data
    page: int = Field(ge=1, le=MAX_PAGE)


# --- the list -----------------------------------------------------------------


async def show_grants(turn: Turn) -> None:
    turn.forum()
    await turn.reply(await _list(turn, 1))


async def press_list(turn: Turn, data: dict) -> dict:
    turn.forum()
    return await _list(turn, card_data(ListPage, data).page)


async def _list(turn: Turn, page: int) -> dict:
    t = turn.t
    grants = await service.grants(turn.uow, turn.actor)
    pages = max(1, math.ceil(len(grants) / PAGE_SIZE))
    number = min(page, pages)
    shown = grants[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    now = turn.clock()
    rows = paging(
        number,
        pages,
        t("overview_page", page=number, pages=pages),
        t("overview_previous"),
        t("overview_next"),
        lambda n: {"data": {"page": n}},
    )
    return render(
        "grant_reports",
        {
            "title": t("grant_list_title"),
            "note": t("grant_list_intro") if grants else t("grant_list_empty"),
            "grants": [
                {
                    "heading": f"{g.report.reference} {md(g.report.fields.get('title', ''))} ({md(g.organisation)})",
                    "state": " · ".join(
                        [
                            t("grant_granted_amount", amount=nok(turn.lang, g.granted)),
                            _progress(turn, g),
                            _deadline(turn, g),
                        ]
                    ),
                    "button": t(
                        "grant_report_button"
                        if g.open_to(turn.actor, now) and g.progress is not Progress.SENT
                        else "grant_view_button"
                    ),
                    "data": {"report_id": g.report.id},
                }
                for g in shown
            ],
            "page": rows["label"] if rows else "",
            "pages": rows["actions"] if rows else [],
        },
    )


# --- one grant -----------------------------------------------------------------


async def press_open(turn: Turn, data: dict) -> dict:
    """The form while there is something to finish; what was sent otherwise."""
    turn.forum()
    grant = await service.grant(turn.uow, turn.actor, card_data(GrantRef, data).report_id)
    if grant.open_to(turn.actor, turn.clock()) and grant.progress is not Progress.SENT:
        return _form(turn, grant)
    return _view(turn, grant)


async def press_edit(turn: Turn, data: dict) -> dict:
    turn.forum()
    grant = await service.grant(turn.uow, turn.actor, card_data(GrantRef, data).report_id)
    if not grant.open_to(turn.actor, turn.clock()):
        return _view(turn, grant, problems=[_refusal(turn, grant)])
    return _form(turn, grant)


async def press_save(turn: Turn, data: dict) -> dict:
    return await _save(turn, data, send=False)


async def press_send(turn: Turn, data: dict) -> dict:
    return await _save(turn, data, send=True)


async def _save(turn: Turn, data: dict, send: bool) -> dict:
    turn.forum()
    request = card_data(SaveRequest, data)
    # The inputs arrive merged into the action's data, beside our own keys.
    entered = {k: v for k, v in data.items() if k in NAMES}
    command = SaveGrantReport(request.report_id, request.version, entered, send)
    try:
        saved = await service.save(turn.uow, turn.actor, command, turn.clock())
    except Refused as refused:
        if refused.code == "grant_forged":  # the field by its label, in the reader's words
            raise Refused(refused.code, field=turn.t(f"grant_field_{refused.params['field']}")) from None
        if refused.code != "grant_deadline_passed":
            raise
        grant = await service.grant(turn.uow, turn.actor, request.report_id)
        return _form(turn, grant, typed=entered, problems=[turn.t(refused.code, **refused.params)], editable=False)
    grant = saved.grant
    if saved.already:
        return _view(turn, grant, note=turn.t("grant_sent_already"))
    if saved.sent:
        key = "grant_sent_first" if saved.first_time else "grant_sent_changes"
        return _view(turn, grant, note=turn.t(key, reference=grant.report.reference))
    if saved.changed_meanwhile:
        return _form(turn, grant, typed=entered, errors=saved.errors, problems=[turn.t("grant_changed_meanwhile")])
    problems = []
    if send:
        wrong = service.still_wrong(grant.reported)
        problems = [
            turn.t("grant_not_sent", count=len(wrong)),
            *(
                f"{_label(turn, name)}: {_error(turn, grant, saved.errors[name]) if name in saved.errors else turn.t('invalid_required')}"
                for name in wrong
            ),
        ]
    note = turn.t("grant_draft_saved", when=when(grant.reported.updated_at, turn.actor.forum.timezone))
    # A draft may be half empty: what is missing is said when it is sent.
    errors = saved.errors if send else {n: e for n, e in saved.errors.items() if e.code != "required"}
    return _form(turn, grant, errors=errors, note=note, problems=problems)


GRANT_VERBS = {
    "grant.list": press_list,
    "grant.open": press_open,
    "grant.edit": press_edit,
    "grant.save": press_save,
    "grant.send": press_send,
}


# --- the cards --------------------------------------------------------------------


def _form(
    turn: Turn,
    grant: Grant,
    *,
    typed: dict | None = None,
    errors: dict[str, Invalid] | None = None,
    note: str = "",
    problems: list[str] | None = None,
    editable: bool = True,
) -> dict:
    """What was typed on this press first; else text kept from an earlier
    one that failed its check; else the saved value."""
    t, reported = turn.t, grant.reported
    kept = typed_errors(reported)
    errors = {**{name: error for name, (_, error) in kept.items()}, **(errors or {})}
    values = {name: "" if v is None else str(v) for name, v in reported.working_values.items()}
    values |= {name: text for name, (text, _) in kept.items()}
    values |= {f.name: v[: f.max_length] for f in FIELDS if isinstance(v := (typed or {}).get(f.name), str)}
    fields = [
        {
            "id": f.name,
            "kind": "whole" if f.kind == "whole" else "longtext",
            "label": _label(turn, f.name),
            "value": values.get(f.name, ""),
            "max_length": 16 if f.kind == "whole" else f.max_length,
            "error": _error(turn, grant, errors[f.name]) if f.name in errors else "",
        }
        for f in FIELDS
    ]
    data = {"report_id": grant.report.id, "version": reported.version}
    send = "grant_send_changes" if reported.sent_at else "grant_send"
    actions = (
        [
            {"title": t(send), "verb": "grant.send", "data": data, "style": "positive"},
            {"title": t("grant_save_draft"), "verb": "grant.save", "data": data, "style": "default"},
        ]
        if editable
        else []
    )
    actions.append({"title": t("grant_back"), "verb": "grant.list", "data": {"page": 1}, "style": "default"})
    return render(
        "grant_report",
        {
            **_heading(turn, grant),
            "style": "emphasis",
            "note": note or t("grant_form_intro"),
            "problems_title": t("grant_problems"),
            "problems": list(problems or []),
            "fields": fields,
            "answers": [],
            "actions": actions,
        },
    )


def _view(turn: Turn, grant: Grant, *, note: str = "", problems: list[str] | None = None) -> dict:
    t, values = turn.t, grant.reported.fields
    answers = (
        [{"label": _label(turn, f.name), "value": _answer(turn, f, values.get(f.name))} for f in FIELDS]
        if values
        else []
    )
    actions = []
    if grant.open_to(turn.actor, turn.clock()):
        key = "grant_continue" if grant.reported.draft else ("grant_edit" if values else "grant_report_button")
        actions.append(
            {"title": t(key), "verb": "grant.edit", "data": {"report_id": grant.report.id}, "style": "default"}
        )
    actions.append({"title": t("grant_back"), "verb": "grant.list", "data": {"page": 1}, "style": "default"})
    return render(
        "grant_report",
        {
            **_heading(turn, grant),
            "style": "good" if values else "emphasis",
            "note": note or ("" if values else t("grant_nothing_sent")),
            "problems_title": t("grant_problems"),
            "problems": list(problems or []),
            "fields": [],
            "answers": answers,
            "actions": actions,
        },
    )


def _answer(turn: Turn, f: FormField, value: object) -> str:
    if value is None or value == "":
        return "–"
    if f.name in MONEY:
        return nok(turn.lang, value)
    return str(value) if f.kind == "whole" else md(str(value))


def _heading(turn: Turn, grant: Grant) -> dict:
    report, lang = grant.report, turn.lang
    return {
        "title": turn.t("grant_title", reference=report.reference, year=report.year),
        "subtitle": f"{md(report.fields.get('title', ''))} · {md(grant.organisation)}",
        "facts": [
            {"title": turn.t("grant_fact_granted"), "value": nok(lang, grant.granted)},
            {
                "title": turn.t("grant_fact_deadline"),
                "value": long_moment(grant.deadline, turn.actor.forum.timezone, lang)
                if grant.deadline
                else turn.t("grant_no_deadline"),
            },
            {"title": turn.t("grant_fact_status"), "value": _progress(turn, grant)},
        ],
    }


def _progress(turn: Turn, grant: Grant) -> str:
    tz, reported = turn.actor.forum.timezone, grant.reported
    if grant.progress is Progress.SENT:
        key = "grant_progress_sent_draft" if reported.draft else "grant_progress_sent"
        return turn.t(key, when=when(reported.sent_at, tz))
    if grant.progress is Progress.DRAFT:
        return turn.t("grant_progress_draft", when=when(reported.updated_at, tz))
    return turn.t("grant_progress_not_started")


def _deadline(turn: Turn, grant: Grant) -> str:
    if grant.deadline is None:
        return turn.t("grant_no_deadline")
    return turn.t("grant_deadline_short", when=when(grant.deadline, turn.actor.forum.timezone))


def _label(turn: Turn, name: str) -> str:
    return turn.t(f"grant_field_{name}")


def _error(turn: Turn, grant: Grant, error: Invalid) -> str:
    if error.code == "grant_sum":
        return turn.t("invalid_grant_sum", granted=nok(turn.lang, grant.granted))
    return invalid_text(turn.lang, error)


def _refusal(turn: Turn, grant: Grant) -> str:
    return turn.t("grant_deadline_passed", deadline=when(grant.deadline, turn.actor.forum.timezone))

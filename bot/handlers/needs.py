"""Needs reports in Teams: the commands and the form's buttons, one
function each. The rules are in bot.forum.needs.service."""

from __future__ import annotations

import math

from pydantic import ConfigDict, Field

from bot.forum import access
from bot.forum.needs import service
from bot.forum.needs.form import FIELDS, Invalid
from bot.forum.needs.form import Field as FormField
from bot.forum.needs.report import OPEN_FOR_CHANGE, NeedsReport, Status
from bot.forum.roster import Refused
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views import common as views
from bot.views.needs import NeedsViews, nok, status_name, when
from cards import render

# Reports per page of `mine behovsmeldinger`: ten of the longest titles and
# names stay well within Teams' card size.
LIST_PAGE_SIZE = 10
MAX_PAGE = 1000


class ReportRef(CardData):
    report_id: int = Field(ge=1, le=2**31 - 1)


class GoTo(ReportRef):
    step: int = Field(ge=1, le=service.SUMMARY_STEP)


class Save(GoTo):
    version: int = Field(ge=1)
    forward: bool
    shown: dict = Field(default_factory=dict)


class Send(ReportRef):
    version: int = Field(ge=1)


class Decide(ReportRef):
    status: Status


class ListPage(CardData):
    # strict: a page sent as "2" or true is forged card data, not page 2
    model_config = ConfigDict(strict=True)
    page: int = Field(ge=1, le=MAX_PAGE)


class SaveAreas(CardData):
    year: int = Field(ge=2000, le=2100)
    areas: str = Field(max_length=10_000)


async def _views(turn: Turn, report: NeedsReport | None = None) -> NeedsViews:
    roster = await turn.uow.roster.roster(turn.actor.forum)
    year = report.year if report else await service.report_year(turn.uow, turn.actor, turn.clock())
    areas = await service.competence_areas(turn.uow, turn.actor.forum.id, year)
    offered = service.reporting_for(turn.actor, roster)  # the roster read once for both
    return NeedsViews(
        turn.lang,
        {o.id: o.name for o in roster.organisations},
        {o.id: o.name for o in offered},
        {a.code: a.name for a in areas},
    )


async def _name(turn: Turn, aad: str | None) -> str:
    people = await turn.uow.roster.people_with_aad(aad) if aad else []
    return views.md(people[0].person.name) if people else turn.t("needs_someone")


# --- commands ---------------------------------------------------------------


async def start_needs_report(turn: Turn) -> None:
    """`behovsmelding`: resume a draft, or begin a new report."""
    turn.forum()
    drafts = await service.open_drafts(turn.uow, turn.actor)
    v = await _views(turn)
    if drafts:
        card = v.report_list(drafts, turn.t("needs_drafts_title"), lambda r: False, intro=turn.t("needs_drafts_intro"))
    else:
        card = v.form(await service.start(turn.uow, turn.actor, turn.clock()))
    await turn.reply(card)


async def list_needs_reports(turn: Turn) -> None:
    """`mine behovsmeldinger`: the organisation's reports, newest first."""
    await turn.reply(await _list_card(turn, 1))


async def press_list_page(turn: Turn, data: dict) -> dict:
    """Another page of the list; the card is replaced in place."""
    return await _list_card(turn, card_data(ListPage, data).page)


async def _list_card(turn: Turn, page: int) -> dict:
    turn.forum()
    organisations = await service.submitting_organisations(turn.uow, turn.actor)
    if not organisations:
        raise Refused("needs_no_organisation")
    reports = await turn.uow.needs_reports.of_organisations(turn.actor.forum.id, [o.id for o in organisations])
    pages = max(1, math.ceil(len(reports) / LIST_PAGE_SIZE))
    number = min(page, pages)  # reports may have gone since the card was made
    shown = reports[(number - 1) * LIST_PAGE_SIZE : number * LIST_PAGE_SIZE]
    names = ", ".join(views.md(o.name) for o in organisations) if len(organisations) <= 2 else turn.actor.forum.name
    changeable = {r.id for r in shown if await _open_for_change(turn, r)}
    return (await _views(turn)).report_list(
        shown, turn.t("needs_list_title", organisations=names), lambda r: r.id in changeable, (number, pages)
    )


async def _open_for_change(turn: Turn, report: NeedsReport) -> bool:
    """Whether this person may still edit or withdraw the sent report."""
    deadline = await service.deadline_of(turn.uow, turn.actor, report.year)
    return access.may_change_report(turn.actor, report, deadline, turn.clock())


# --- the form's buttons -----------------------------------------------------


async def press_new(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.start(turn.uow, turn.actor, turn.clock())
    return (await _views(turn, report)).form(report)


async def press_resume(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.edit(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    return (await _views(turn, report)).form(report)


async def press_goto(turn: Turn, data: dict) -> dict:
    turn.forum()
    request = card_data(GoTo, data)
    report = await service.edit(turn.uow, turn.actor, request.report_id, turn.clock())
    return (await _views(turn, report)).form(report, step=request.step)


async def press_save(turn: Turn, data: dict) -> dict:
    turn.forum()
    request = card_data(Save, data)
    # The inputs arrive merged into the action's data, beside our own keys.
    entered = {k: v for k, v in data.items() if k in FIELDS}
    try:
        outcome = await service.save_step(
            turn.uow,
            turn.actor,
            service.SaveStep(request.report_id, request.step, request.version, request.shown, entered, request.forward),
            turn.clock(),
        )
    except Refused as refused:
        if refused.code == "needs_forged":  # the field by its label, in the reader's words
            raise Refused(refused.code, field=turn.t("field_" + refused.params["field"])) from None
        raise
    named = {field: (theirs, await _name(turn, who)) for field, (theirs, who) in outcome.conflicts.items()}
    outcome.conflicts = named
    return (await _views(turn, outcome.report)).form(outcome.report, outcome)


async def press_send(turn: Turn, data: dict) -> dict:
    turn.forum()
    request = card_data(Send, data)
    sent = await service.submit(turn.uow, turn.actor, request.report_id, request.version, turn.clock())
    report = sent.report
    v = await _views(turn, report)
    organisation = v.organisations.get(report.organisation_id, report.organisation_id)
    channel = None if sent.already else await turn.uow.forums.channel_reference(report.forum_id)
    if channel:
        key = "needs_channel_title" if sent.first_time else "needs_channel_changed_title"
        notice = views.notice(
            turn.t(key, reference=report.reference),
            turn.t(
                "needs_channel_text",
                organisation=views.md(organisation),
                title=views.md(report.fields.get("title", "")),
                amount=nok(turn.lang, report.fields.get("amount_applied")),
            ),
        )
        turn.afterwards.start(turn.deliverer.send_card(channel, notice), "a needs report's notice")
    return v.report(
        report,
        organisation,
        title=turn.t("needs_receipt_title" if sent.first_time or sent.already else "needs_receipt_changes_title"),
        note=turn.t("needs_receipt_text", reference=report.reference),
    )


async def press_cancel(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.edit(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    question = "needs_confirm_cancel_changes" if report.reference else "needs_confirm_cancel"
    v = await _views(turn, report)
    return v.confirm(
        turn.t(question),
        ("needs_yes_discard", "needs.cancel.confirm"),
        ("needs_no_continue", "needs.resume"),
        report.id,
    )


async def press_cancel_confirmed(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.cancel_draft(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    key = "needs_discarded_changes" if report.reference else "needs_discarded"
    return views.notice(turn.t(key), "")


async def press_view(turn: Turn, data: dict) -> dict:
    turn.forum()
    return await _report_card(turn, await service.view(turn.uow, turn.actor, card_data(ReportRef, data).report_id))


async def _report_card(turn: Turn, report: NeedsReport, note: str = "") -> dict:
    v = await _views(turn, report)
    tz = turn.actor.forum.timezone
    history = [
        turn.t("needs_revision", revision=number, who=await _name(turn, by), when=when(at, tz))
        for number, by, at in await turn.uow.needs_reports.revisions(report.id)
    ]
    history += [
        turn.t(
            "needs_status_change",
            when=when(change.at, tz),
            status=status_name(turn.lang, Status(change.to_status)),
            who=await _name(turn, change.by),
        )
        for change in await turn.uow.needs_reports.status_changes(report.id)
    ]
    actor = turn.actor
    actions = []
    if await _open_for_change(turn, report):
        actions = [
            {"title": turn.t("needs_edit"), "verb": "needs.edit", "data": {"report_id": report.id}},
            {"title": turn.t("needs_withdraw"), "verb": "needs.withdraw", "data": {"report_id": report.id}},
        ]
    deadline = await service.deadline_of(turn.uow, actor, report.year)
    if (
        access.may_decide(actor)
        and report.status in OPEN_FOR_CHANGE
        and not report.reopened
        and deadline is not None
        and turn.clock() > deadline
    ):
        actions.append({"title": turn.t("needs_reopen"), "verb": "needs.reopen", "data": {"report_id": report.id}})
    return v.report(
        report,
        v.organisations.get(report.organisation_id, report.organisation_id),
        note=note,
        history=history,
        decide=access.may_decide(actor),
        actions=actions,
    )


async def press_withdraw(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.edit(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    v = await _views(turn, report)
    return v.confirm(
        turn.t("needs_confirm_withdraw", reference=report.reference),
        ("needs_yes_withdraw", "needs.withdraw.confirm"),
        ("needs_no_keep", "needs.view"),
        report.id,
    )


async def press_withdraw_confirmed(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.withdraw(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    return await _report_card(turn, report, turn.t("needs_withdrawn", reference=report.reference))


async def press_reopen(turn: Turn, data: dict) -> dict:
    turn.forum()
    report = await service.reopen(turn.uow, turn.actor, card_data(ReportRef, data).report_id, turn.clock())
    return await _report_card(turn, report, turn.t("needs_reopened", reference=report.reference))


_GRANTED = FormField("granted_amount", "whole", low=0, high=100_000_000)


async def press_decide(turn: Turn, data: dict) -> dict:
    turn.forum()
    request = card_data(Decide, data)
    granted = None
    if request.status is Status.GRANTED:
        try:
            granted = _GRANTED.clean(data.get("granted_amount"))
        except Invalid:
            raise Refused("needs_granted_amount_required") from None
    report = await service.decide(turn.uow, turn.actor, request.report_id, request.status, turn.clock(), granted)
    note = turn.t("needs_status_set", reference=report.reference, status=status_name(turn.lang, report.status))
    return await _report_card(turn, report, note)


# --- the year's competence areas ---------------------------------------------


async def show_competence_areas(turn: Turn) -> None:
    """`kompetanseområder [år]`: the year's list; the Statsforvalter may edit it."""
    turn.forum()
    year = turn.year_asked(service.forum_year(turn.actor, turn.clock()), "areas_bad_year")
    await turn.reply(await _areas_card(turn, year))


async def press_save_areas(turn: Turn, data: dict) -> dict:
    turn.forum()
    request = card_data(SaveAreas, data)
    await service.set_competence_areas(turn.uow, turn.actor, request.year, request.areas.splitlines(), turn.clock())
    return await _areas_card(turn, request.year, turn.t("areas_saved", year=request.year))


async def _areas_card(turn: Turn, year: int, note: str = "") -> dict:
    stored = await turn.uow.needs_reports.competence_areas(turn.actor.forum.id, year)
    areas = stored or await service.competence_areas(turn.uow, turn.actor.forum.id, year)
    may_edit = access.may_edit(turn.actor)
    return render(
        "competence_areas",
        {
            "title": turn.t("areas_title", year=year),
            "note": note or ("" if stored else turn.t("areas_default_note", year=year)),
            "areas": [f"{n}\\. {views.md(a.name)}" for n, a in enumerate(areas, start=1)],
            "may_edit": may_edit,
            "edit_label": turn.t("areas_edit_label"),
            "edit_value": "\n".join(a.name for a in areas),
            "actions": [{"title": turn.t("areas_save", year=year), "data": {"year": year}}] if may_edit else [],
        },
    )


VERBS = {
    "needs.new": press_new,
    "needs.resume": press_resume,
    "needs.edit": press_resume,
    "needs.goto": press_goto,
    "needs.save": press_save,
    "needs.submit": press_send,
    "needs.cancel": press_cancel,
    "needs.cancel.confirm": press_cancel_confirmed,
    "needs.view": press_view,
    "needs.list": press_list_page,
    "needs.withdraw": press_withdraw,
    "needs.withdraw.confirm": press_withdraw_confirmed,
    "needs.decide": press_decide,
    "needs.reopen": press_reopen,
    "areas.save": press_save_areas,
}

"""Reporting back (rapportering) on a granted needs report: what was done
with the money. The organisation's representative and deputy fill the
form in, save it as a draft, send it, and may change it until the
reporting deadline the year's award letters named; the first send moves
the report to *rapportert*. What fails a check is kept as typed, beside
the last good value, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.needs.form import MAX_NOK, Field, Invalid
from bot.forum.needs.report import TYPED, Drafted, NeedsReport, Status
from bot.forum.needs.service import NotYetSent, local_time, not_yet_sent, refuse_forged, typed_now
from bot.forum.roster import Actor, Refused

FIELDS: tuple[Field, ...] = (
    Field("done", "longtext", max_length=4000),
    Field("participants", "whole", low=0, high=10_000),
    Field("partner_part", "longtext", max_length=2000),
    Field("money_used", "whole", low=0, high=MAX_NOK),
    Field("unused", "whole", low=0, high=MAX_NOK),
    Field("experience", "longtext", max_length=4000),
)
NAMES = tuple(f.name for f in FIELDS)
REPORTED_ON = (Status.GRANTED, Status.REPORTED)


class Progress(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SENT = "sent"


@dataclass(frozen=True)
class GrantReport(Drafted):
    """The report back on one granted needs report."""

    report_id: int
    fields: dict  # as last sent; empty before the first send
    draft: dict | None  # work in progress over the sent values
    version: int  # 0: nothing stored yet
    updated_by: str | None = None
    updated_at: datetime | None = None
    sent_by: str | None = None
    sent_at: datetime | None = None  # the latest send


def nothing_yet(report_id: int) -> GrantReport:
    return GrantReport(report_id, {}, None, 0)


@dataclass(frozen=True)
class Grant:
    """A granted needs report, with what has been reported back on it."""

    report: NeedsReport
    organisation: str
    reported: GrantReport
    deadline: datetime | None  # from the year's award letters; None before they went

    @property
    def granted(self) -> int:
        return self.report.granted_amount or 0

    @property
    def progress(self) -> Progress:
        if self.reported.sent_at:
            return Progress.SENT
        return Progress.DRAFT if self.reported.draft else Progress.NOT_STARTED

    def open_to(self, actor: Actor, now: datetime) -> bool:
        """Whether this person may still change what is reported: the
        report's own seats until the deadline, the Statsforvalter always."""
        if not access.speaks_for(actor, self.report):
            return False
        return access.runs_forum(actor) or self.deadline is None or now <= self.deadline


@dataclass(frozen=True)
class Check:
    values: dict
    errors: dict[str, Invalid]


def check(entered: Mapping[str, object], granted: int) -> Check:
    """Every field again, whatever the card promised; money used and unused
    must add up to what was granted."""
    values: dict = {}
    errors: dict[str, Invalid] = {}
    for f in FIELDS:
        try:
            values[f.name] = f.clean(entered.get(f.name))
        except Invalid as error:
            errors[f.name] = error
    used, unused = values.get("money_used"), values.get("unused")
    if isinstance(used, int) and isinstance(unused, int) and used + unused != granted:
        errors["unused"] = Invalid("grant_sum", granted=granted)
        del values["unused"]
    return Check(values, errors)


def still_wrong(reported: GrantReport) -> list[str]:
    """What stands between the draft and Send: empty fields, and typed text
    that failed its check."""
    values = reported.working_values
    return list(dict.fromkeys([*(n for n in NAMES if values.get(n) in (None, "")), *reported.typed]))


# --- reading ---------------------------------------------------------------


async def grants(uow, actor: Actor) -> list[Grant]:
    """The granted reports this person reports back on, newest year first:
    their organisation's, or every organisation's for the Statsforvalter."""
    forum = actor.forum
    if forum is None:
        raise Refused("not_in_roster")
    if not access.may_report_back(actor):
        raise Refused("grant_no_organisation")
    organisation = None if access.runs_forum(actor) else actor.organisation.id
    return await _with_reports(uow, forum.id, await uow.needs_reports.granted(forum.id, organisation))


async def year_grants(uow, forum_id: str, year: int) -> list[Grant]:
    """The year's granted reports, every organisation's, for the export."""
    return await _with_reports(uow, forum_id, await uow.needs_reports.granted(forum_id, year=year))


async def _with_reports(uow, forum_id: str, found: list[tuple[NeedsReport, str]]) -> list[Grant]:
    reported = await uow.grant_reports.of_reports([r.id for r, _ in found])
    deadlines: dict[int, datetime | None] = {}
    for year in {r.year for r, _ in found}:
        letter = await uow.award_letters.get(forum_id, year)
        deadlines[year] = letter.deadline_at if letter else None
    return [Grant(r, name, reported.get(r.id) or nothing_yet(r.id), deadlines[r.year]) for r, name in found]


async def grant(uow, actor: Actor, report_id: int) -> Grant:
    """One granted report, for the Statsforvalter and its organisation's seats."""
    report = await uow.needs_reports.get(actor.forum.id, report_id) if actor.forum else None
    if report is None or report.status not in REPORTED_ON:
        raise Refused("grant_unknown")
    if not access.speaks_for(actor, report):
        raise Refused("grant_not_yours")
    roster = await uow.roster.roster(actor.forum)
    name = next((o.name for o in roster.organisations if o.id == report.organisation_id), report.organisation_id)
    letter = await uow.award_letters.get(report.forum_id, report.year)
    reported = await uow.grant_reports.get(report.id) or nothing_yet(report.id)
    return Grant(report, name, reported, letter.deadline_at if letter else None)


# --- saving and sending ----------------------------------------------------


@dataclass(frozen=True)
class SaveGrantReport:
    report_id: int
    version: int  # of the grant report when the card was made; 0 for none
    entered: dict  # the inputs as the client sent them
    send: bool = False


@dataclass
class Saved:
    grant: Grant
    errors: dict[str, Invalid] = field(default_factory=dict)
    sent: bool = False  # this press sent it
    first_time: bool = False  # and it was the first send: now *rapportert*
    already: bool = False  # a repeated Send of what was sent
    changed_meanwhile: bool = False  # someone saved since the card was made: nothing was written


async def save(uow, actor: Actor, command: SaveGrantReport, now: datetime) -> Saved:
    """Save the form as a draft, and with ``send`` send it when all of it
    is right. Text that fails its check is saved as typed; a value no
    honest card can send is refused, and nothing is saved. When someone
    saved since the card was made, nothing is written: the card comes back
    with this person's text, and their next save puts it in place."""
    current = await grant(uow, actor, command.report_id)
    if not current.open_to(actor, now):
        raise Refused("grant_deadline_passed", deadline=local_time(current.deadline, actor.forum.timezone))
    checked = check(command.entered, current.granted)
    refuse_forged(NAMES, command.entered, checked.errors, "grant_forged")
    stored = current.reported
    if stored.version != command.version:
        if (
            command.send
            and stored.draft is None
            and stored.sent_at
            and not checked.errors
            and all(stored.fields.get(n) == checked.values.get(n) for n in NAMES)
        ):
            return Saved(current, sent=True, already=True)
        return Saved(current, checked.errors, changed_meanwhile=True)
    typed = typed_now(command.entered, checked.errors)
    draft = {**{k: v for k, v in (stored.draft or {}).items() if k != TYPED}, **checked.values}
    if typed:
        draft[TYPED] = typed
    sending = command.send and not checked.errors
    if sending:
        written = await uow.grant_reports.send(current.report, stored.version, checked.values, actor.aad_object_id, now)
    else:
        written = await uow.grant_reports.save_draft(current.report, stored.version, draft, actor.aad_object_id, now)
    if written is None:  # another save came between the read and the write
        await uow.rollback()
        return Saved(await grant(uow, actor, command.report_id), checked.errors, changed_meanwhile=True)
    first_time = sending and current.report.status is Status.GRANTED
    report = current.report
    if first_time:
        report = await uow.needs_reports.set_status(report, Status.REPORTED, actor.aad_object_id, now)
        if report is None:  # the Statsforvalter moved it at the same moment
            await uow.rollback()
            raise Refused("needs_status_changed_meanwhile")
    if sending:
        await audit.record(
            uow,
            report.forum_id,
            actor.aad_object_id,
            Action.GRANT_REPORTED,
            report.reference,
            now,
            first_time=first_time,
            money_used=checked.values["money_used"],
            unused=checked.values["unused"],
        )
    await uow.commit()
    after = Grant(report, current.organisation, written, current.deadline)
    return Saved(after, checked.errors, sent=sending, first_time=first_time)


# --- the reporting deadline's reminders ------------------------------------


async def unreported(uow, forum_id: str, event_id: int) -> list[NotYetSent] | None:
    """The organisations with a grant still unreported whose award letters
    named this reporting deadline; None when no letters named it."""
    years = await uow.award_letters.years_reporting_by(forum_id, event_id)
    if not years:
        return None
    owing = {
        r.organisation_id
        for year in years
        for r, _ in await uow.needs_reports.granted(forum_id, year=year)
        if r.status is Status.GRANTED
    }
    roster = await uow.roster.roster(await uow.forums.get(forum_id))
    return [not_yet_sent(o) for o in roster.organisations if o.id in owing]

"""What members and the Statsforvalter do with needs reports.

Every function takes the unit of work, the acting person and what they
asked for, checks that they may, and returns the outcome; refusals are
raised as ``Refused`` with the message to show."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.needs.competence_areas import MANDATE_2023, CompetenceArea, from_names
from bot.forum.needs.form import (
    EDUCATIONS,
    LAST_STEP,
    STEPS,
    TARGET_GROUPS,
    Invalid,
    check_step,
    missing_fields,
)
from bot.forum.needs.report import DECISIONS, OPEN_FOR_CHANGE, TYPED, Drafted, NeedsReport, Status
from bot.forum.roster import Actor, Organisation, Refused, Roster
from bot.forum.wheel.service import needs_deadline

log = logging.getLogger(__name__)

SUMMARY_STEP = LAST_STEP + 1
_RETRIES = 3
# What an honest card cannot send: a choice it did not offer, a value that
# is not text, more than the input's maxLength.
FORGED = ("not_offered", "invalid_value", "too_long")


def forum_year(actor: Actor, now: datetime) -> int:
    return now.astimezone(ZoneInfo(actor.forum.timezone)).year


async def report_year(uow, actor: Actor, now: datetime) -> int:
    """The year a new report is for: this year until this year's needs-report
    deadline has passed, then the next."""
    year = forum_year(actor, now)
    deadline = await deadline_of(uow, actor, year)
    return year + 1 if deadline is not None and now > deadline else year


async def submitting_organisations(uow, actor: Actor) -> list[Organisation]:
    """The organisations this person may report needs for."""
    if actor.forum is None:
        raise Refused("not_in_roster")
    return reporting_for(actor, await uow.roster.roster(actor.forum))


def reporting_for(actor: Actor, roster: Roster) -> list[Organisation]:
    """The roster's organisations this person may report needs for."""
    if access.runs_forum(actor):
        return [o for o in roster.organisations if o.submits_needs]
    return [o for o in roster.organisations if o.submits_needs and actor.organisation and o.id == actor.organisation.id]


async def competence_areas(uow, forum_id: str, year: int) -> tuple[CompetenceArea, ...]:
    return await uow.needs_reports.competence_areas(forum_id, year) or MANDATE_2023


async def seed_competence_areas(uow, forum_id: str, years: dict[int, tuple[str, ...]], now: datetime) -> None:
    """The lists in the forum file, at every start: a corrected file corrects
    the stored list, until the Statsforvalter sets the year's list in Teams;
    from then on that list stands."""
    for year, names in years.items():
        if await uow.needs_reports.competence_areas_set_in_teams(forum_id, year):
            continue
        try:
            await _replace_areas(uow, forum_id, year, list(names), None, now)
        except Refused as refused:
            log.warning(
                "competence areas for %s in %s not taken from the file (%s): %s",
                year,
                forum_id,
                refused.code,
                refused.params.get("names", ""),
            )


async def set_competence_areas(
    uow, actor: Actor, year: int, names: list[str], now: datetime
) -> tuple[CompetenceArea, ...]:
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    if not 2000 <= year <= 2100:
        raise Refused("areas_bad_year")
    areas = await _replace_areas(uow, actor.forum.id, year, names, actor.aad_object_id, now)
    await audit.record(
        uow, actor.forum.id, actor.aad_object_id, Action.AREAS_SET, year, now, areas=[a.name for a in areas]
    )
    await uow.commit()
    return areas


async def _replace_areas(
    uow, forum_id: str, year: int, names: list[str], by: str | None, now: datetime
) -> tuple[CompetenceArea, ...]:
    """Store the year's list; an area a report of the year has chosen stays."""
    stored = await uow.needs_reports.competence_areas(forum_id, year)
    current = stored or MANDATE_2023
    try:
        areas = from_names(names, current)
    except ValueError as error:
        raise Refused(str(error)) from None
    dropped = {a.code for a in current} - {a.code for a in areas}
    # Runs for every year of the file at every start: read the reports only when an area goes.
    in_use = dropped and dropped & await uow.needs_reports.codes_in_use(forum_id, year)
    if in_use:
        raise Refused("areas_in_use", names=", ".join(a.name for a in current if a.code in in_use))
    if by is not None or areas != stored:
        await uow.needs_reports.set_competence_areas(forum_id, year, areas, by, now)
    return areas


async def view(uow, actor: Actor, report_id: int) -> NeedsReport:
    """A sent report, whole. The seats read each other's reports, as they
    prioritise them (and get them all in the Excel export); it names a
    contact person with e-mail and phone, so observers in the team get the
    overview's figures instead."""
    report = await uow.needs_reports.get(actor.forum.id, report_id) if actor.forum else None
    if report is None or report.status is Status.DRAFT:
        raise Refused("needs_unknown_report")
    if not access.may_read_report(actor):
        raise Refused("needs_view_not_allowed")
    return report


async def _editable(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    report = await uow.needs_reports.get(actor.forum.id, report_id) if actor.forum else None
    if report is None:
        raise Refused("needs_unknown_report")
    if not access.speaks_for(actor, report):
        raise Refused("needs_not_yours")
    if report.status is not Status.DRAFT and report.status not in OPEN_FOR_CHANGE:
        raise Refused("needs_closed", status=report.status.value)
    deadline = await deadline_of(uow, actor, report.year)
    if not access.may_change_report(actor, report, deadline, now):
        raise Refused("needs_deadline_passed", deadline=local_time(deadline, actor.forum.timezone))
    return report


async def deadline_of(uow, actor: Actor, year: int) -> datetime | None:
    """The year's needs-report deadline from the annual wheel, if it has one."""
    return await needs_deadline(uow, actor.forum.id, actor.forum.timezone, year)


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


async def reopen(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    """After the deadline, let the organisation change a report again
    (until it is sent anew)."""
    if not access.may_decide(actor):
        raise Refused("statsforvalter_only")
    report = await _editable(uow, actor, report_id, now)
    reopened = await uow.needs_reports.reopen(report, actor.aad_object_id, now)
    if reopened is None:
        raise Refused("needs_status_changed_meanwhile")
    await audit.record(uow, report.forum_id, actor.aad_object_id, Action.REPORT_REOPENED, report.reference, now)
    await uow.commit()
    return reopened


# --- starting -----------------------------------------------------------


async def open_drafts(uow, actor: Actor) -> list[NeedsReport]:
    organisations = await submitting_organisations(uow, actor)
    reports = await uow.needs_reports.of_organisations(actor.forum.id, [o.id for o in organisations])
    return [r for r in reports if r.draft is not None]


async def start(uow, actor: Actor, now: datetime) -> NeedsReport:
    organisations = await submitting_organisations(uow, actor)
    if not organisations:
        raise Refused("needs_no_organisation")
    report = await uow.needs_reports.add(
        actor.forum.id, organisations[0].id, await report_year(uow, actor, now), actor.aad_object_id, now
    )
    await uow.commit()
    return report


async def edit(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    """Open a report in the form; a sent one gets a draft of changes."""
    return await _editable(uow, actor, report_id, now)


# --- saving a step ------------------------------------------------------


@dataclass(frozen=True)
class SaveStep:
    report_id: int
    step: int
    version: int  # the report's version when the card was made
    shown: dict  # this step's values as the card showed them
    entered: dict  # the inputs as the client sent them
    forward: bool = True  # Next, or Back


@dataclass
class StepOutcome:
    report: NeedsReport
    step: int  # the step to show now; SUMMARY_STEP is the summary
    errors: dict[str, Invalid] = field(default_factory=dict)
    # Fields someone else changed while this person had the card open:
    # field -> (their value, who).
    conflicts: dict[str, tuple[object, str | None]] = field(default_factory=dict)
    entered: dict = field(default_factory=dict)  # shown again when the step stays


async def options(uow, actor: Actor, report: NeedsReport) -> dict[str, tuple[str, ...]]:
    organisations = await submitting_organisations(uow, actor)
    if report.status is not Status.DRAFT:
        # A sent report stays with its organisation.
        organisations = [o for o in organisations if o.id == report.organisation_id] or organisations
    return {
        "organisation_id": tuple(o.id for o in organisations),
        "education": EDUCATIONS,
        "competence_areas": tuple(a.code for a in await competence_areas(uow, actor.forum.id, report.year)),
        "target_groups": TARGET_GROUPS,
    }


async def save_step(uow, actor: Actor, command: SaveStep, now: datetime) -> StepOutcome:
    """Save what the step holds, even when some of it is wrong, so nothing
    typed is lost: text that fails its check is kept in the draft beside
    the last good value, with its error, and shown whenever the step is;
    it stands between the draft and Send until it is put right. Move on
    only when all of it is right (going back is always allowed). A value
    no honest card can send is refused, and nothing of that submission is
    saved.

    Representative and deputy may work on the same draft. A field changed
    by both since the card was made is not overwritten silently: the other
    person's value stays saved, and this person sees it beside their own,
    which a second save then deliberately puts in place."""
    if not 1 <= command.step <= LAST_STEP:
        raise Refused("bad_card_data")
    names = [f.name for f in STEPS[command.step - 1]]
    for _ in range(_RETRIES):
        report = await _editable(uow, actor, command.report_id, now)
        check = check_step(command.step, command.entered, await options(uow, actor, report))
        refuse_forged(names, command.entered, check.errors)
        current = report.working_values
        draft = dict(report.draft or {})
        conflicts: dict[str, tuple[object, str | None]] = {}
        for name, mine in check.values.items():
            theirs, before = current.get(name), command.shown.get(name)
            if report.version != command.version and theirs != before and mine != theirs and mine != before:
                conflicts[name] = (theirs, report.updated_by)
            elif mine != before or report.version == command.version:
                draft[name] = mine
        # This step's typed text replaces what it had; an emptied required
        # field keeps its last good value, as it always has.
        typed = {name: t for name, t in report.typed.items() if name not in names}
        typed.update(typed_now(command.entered, check.errors))
        draft.pop(TYPED, None)
        if typed:
            draft[TYPED] = typed
        saved = await uow.needs_reports.save_draft(report, draft, actor.aad_object_id, now)
        if saved is not None:
            await uow.commit()
            break
        await uow.rollback()
    else:
        raise Refused("needs_busy")

    # Back never blocks on what is still missing; a conflict always stays.
    if conflicts or (check.errors and command.forward):
        return StepOutcome(saved, command.step, check.errors, conflicts, command.entered)
    step = command.step + 1 if command.forward else max(1, command.step - 1)
    return StepOutcome(saved, step)


def refuse_forged(names, entered: dict, errors: dict[str, Invalid], code: str = "needs_forged") -> None:
    """Teams sends every input as text, within its maxLength, and only
    choices the card offered; anything else was not typed by a person."""
    for name in names:
        error = errors.get(name)
        if (name in entered and not isinstance(entered[name], str)) or (error and error.code in FORGED):
            raise Refused(code, field=name)


def still_wrong(report: NeedsReport) -> list[str]:
    """The fields that stand between the draft and Send: required ones not
    filled in, and those holding typed text that failed its check."""
    return list(dict.fromkeys([*missing_fields(report.working_values), *report.typed]))


def typed_now(entered: dict, errors: dict[str, Invalid]) -> dict[str, dict]:
    """What was typed into the fields that failed their check, as a draft
    keeps it (an emptied field is not typed text)."""
    return {
        name: {"text": entered[name], "code": error.code, "params": error.params}
        for name, error in errors.items()
        if str(entered.get(name) or "").strip()
    }


def typed_errors(report: Drafted) -> dict[str, tuple[str, Invalid]]:
    """What was typed into the draft and failed its check: field -> (text, error)."""
    return {name: (t["text"], Invalid(t["code"], **t["params"])) for name, t in report.typed.items()}


# --- sending ------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    report: NeedsReport
    first_time: bool  # False for an edit of a sent report
    already: bool = False  # a second click on Send


async def submit(uow, actor: Actor, report_id: int, version: int, now: datetime) -> Sent:
    """Send the draft. Teams repeats clicks, so a Send whose report was
    sent since its card was made answers with the same receipt."""
    for _ in range(_RETRIES):
        report = await _editable(uow, actor, report_id, now)
        if report.version != version:
            if report.draft is None and report.status is not Status.DRAFT:
                return Sent(report, first_time=False, already=True)
            raise Refused("needs_changed_meanwhile")
        values = report.working_values
        if missing := still_wrong(report):
            raise Refused("needs_incomplete", count=len(missing))
        first_time = report.status is Status.DRAFT
        number = await uow.needs_reports.next_number(report.forum_id, report.year) if first_time else report.number
        status = Status.SUBMITTED if first_time else report.status
        sent = await uow.needs_reports.send(report, values, number, status, actor.aad_object_id, now)
        if sent is not None:
            await uow.commit()
            return Sent(sent, first_time)
        await uow.rollback()
    raise Refused("needs_busy")


async def cancel_draft(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    report = await _editable(uow, actor, report_id, now)
    await uow.needs_reports.discard_draft(report)
    await uow.commit()
    return report


async def withdraw(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    report = await _editable(uow, actor, report_id, now)
    if report.status not in OPEN_FOR_CHANGE:
        raise Refused("needs_closed", status=report.status.value)
    changed = await uow.needs_reports.set_status(report, Status.WITHDRAWN, actor.aad_object_id, now)
    if changed is None:  # another press changed its status first
        raise Refused("needs_status_changed_meanwhile")
    await _record_status(uow, actor, report, changed, now)
    await uow.commit()
    return changed


# --- the Statsforvalter's decisions ------------------------------------


async def decide(
    uow, actor: Actor, report_id: int, to: Status, now: datetime, granted_amount: int | None = None
) -> NeedsReport:
    if not access.may_decide(actor):
        raise Refused("statsforvalter_only")
    report = await uow.needs_reports.get(actor.forum.id, report_id)
    if report is None:
        raise Refused("needs_unknown_report")
    if to not in DECISIONS.get(report.status, ()):
        raise Refused("needs_bad_status_change", status=report.status.value, to=to.value)
    if to is Status.GRANTED and granted_amount is None:
        raise Refused("needs_granted_amount_required")
    changed = await uow.needs_reports.set_status(report, to, actor.aad_object_id, now, granted_amount)
    if changed is None:  # another press changed its status first
        raise Refused("needs_status_changed_meanwhile")
    await _record_status(uow, actor, report, changed, now)
    await uow.commit()
    return changed


async def _record_status(uow, actor: Actor, before: NeedsReport, after: NeedsReport, now: datetime) -> None:
    await audit.record(
        uow,
        before.forum_id,
        actor.aad_object_id,
        Action.REPORT_STATUS,
        before.reference,
        now,
        **{"from": before.status.value, "to": after.status.value, "granted_amount": after.granted_amount},
    )


@dataclass(frozen=True)
class NotYetSent:
    """An organisation the forum still waits for (a year's needs report, or
    a report back on a grant): the Entra ids of its representatives and
    deputies, and the roster ids of those the roster knows only by e-mail
    (no message reaches them yet)."""

    name: str
    contact_ids: tuple[str, ...]
    only_email: tuple[int, ...] = ()


async def organisations_without_reports(uow, forum_id: str, year: int) -> list[NotYetSent]:
    forum = await uow.forums.get(forum_id)
    roster = await uow.roster.roster(forum)
    submitting = [o for o in roster.organisations if o.submits_needs]
    reports = await uow.needs_reports.of_organisations(forum_id, [o.id for o in submitting])
    sent = {r.organisation_id for r in reports if r.year == year and r.status not in (Status.DRAFT, Status.WITHDRAWN)}

    return [not_yet_sent(o) for o in submitting if o.id not in sent]


def not_yet_sent(organisation: Organisation) -> NotYetSent:
    people = organisation.people
    return NotYetSent(
        organisation.name,
        tuple(p.aad_object_id for p in people if p.aad_object_id),
        tuple(p.id for p in people if not p.aad_object_id),
    )

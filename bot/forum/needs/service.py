"""What members and the Statsforvalter do with needs reports.

Every function takes the unit of work, the acting person and what they
asked for, checks that they may, and returns the outcome; refusals are
raised as ``Refused`` with the message to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.forum.needs.competence_areas import MANDATE_2023, CompetenceArea, from_names
from bot.forum.needs.form import (
    EDUCATIONS,
    LAST_STEP,
    TARGET_GROUPS,
    Invalid,
    check_step,
    missing_fields,
)
from bot.forum.needs.report import DECISIONS, OPEN_FOR_CHANGE, NeedsReport, Status
from bot.forum.roster import Actor, Organisation, Refused, Roster
from bot.forum.wheel.service import needs_deadline

SUMMARY_STEP = LAST_STEP + 1
_RETRIES = 3


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
    if actor.is_statsforvalter:
        return [o for o in roster.organisations if o.submits_needs]
    return [
        o for o in roster.organisations
        if o.submits_needs and actor.organisation and o.id == actor.organisation.id
    ]


async def competence_areas(uow, forum_id: str, year: int) -> tuple[CompetenceArea, ...]:
    return await uow.needs_reports.competence_areas(forum_id, year) or MANDATE_2023


async def seed_competence_areas(uow, forum_id: str, years: dict[int, tuple[str, ...]], now: datetime) -> None:
    """The lists in the forum file, for years that have none yet: once the
    Statsforvalter has set a year's list in Teams, that list stands."""
    for year, names in years.items():
        if await uow.needs_reports.competence_areas(forum_id, year) is None:
            areas = from_names(list(names), MANDATE_2023)
            await uow.needs_reports.set_competence_areas(forum_id, year, areas, None, now)


async def set_competence_areas(uow, actor: Actor, year: int, names: list[str], now: datetime) -> tuple[CompetenceArea, ...]:
    if not actor.is_statsforvalter:
        raise Refused("statsforvalter_only")
    if not 2000 <= year <= 2100:
        raise Refused("areas_bad_year")
    current = await competence_areas(uow, actor.forum.id, year)
    try:
        areas = from_names(names, current)
    except ValueError as error:
        raise Refused(str(error)) from None
    dropped = {a.code for a in current} - {a.code for a in areas}
    in_use = dropped & await uow.needs_reports.codes_in_use(actor.forum.id, year)
    if in_use:
        raise Refused("areas_in_use", names=", ".join(a.name for a in current if a.code in in_use))
    await uow.needs_reports.set_competence_areas(actor.forum.id, year, areas, actor.aad_object_id, now)
    await uow.commit()
    return areas


async def _editable(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    report = await uow.needs_reports.get(actor.forum.id, report_id) if actor.forum else None
    if report is None:
        raise Refused("needs_unknown_report")
    if not (actor.is_statsforvalter or (actor.holds_seat and actor.organisation.id == report.organisation_id)):
        raise Refused("needs_not_yours")
    if report.status is Status.WITHDRAWN:
        raise Refused("needs_closed", status=report.status.value)
    if actor.is_statsforvalter:
        return report
    if report.status is not Status.DRAFT and report.status not in OPEN_FOR_CHANGE:
        raise Refused("needs_closed", status=report.status.value)
    deadline = await deadline_of(uow, actor, report.year)
    if deadline is not None and now > deadline and not report.reopened:
        raise Refused("needs_deadline_passed", deadline=_local(deadline, actor.forum.timezone))
    return report


async def deadline_of(uow, actor: Actor, year: int) -> datetime | None:
    """The year's needs-report deadline from the annual wheel, if it has one."""
    return await needs_deadline(uow, actor.forum.id, actor.forum.timezone, year)


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


async def reopen(uow, actor: Actor, report_id: int, now: datetime) -> NeedsReport:
    """After the deadline, let the organisation change a report again
    (until it is sent anew)."""
    if not actor.is_statsforvalter:
        raise Refused("statsforvalter_only")
    report = await _editable(uow, actor, report_id, now)
    reopened = await uow.needs_reports.reopen(report, actor.aad_object_id, now)
    if reopened is None:
        raise Refused("needs_changed_meanwhile")
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
    typed is lost; move on only when all of it is right (going back is
    always allowed).

    Representative and deputy may work on the same draft. A field changed
    by both since the card was made is not overwritten silently: the other
    person's value stays saved, and this person sees it beside their own,
    which a second save then deliberately puts in place."""
    if not 1 <= command.step <= LAST_STEP:
        raise Refused("bad_card_data")
    for _ in range(_RETRIES):
        report = await _editable(uow, actor, command.report_id, now)
        check = check_step(command.step, command.entered, await options(uow, actor, report))
        current = report.working_values
        draft = dict(report.draft or {})
        conflicts: dict[str, tuple[object, str | None]] = {}
        for name, mine in check.values.items():
            theirs, before = current.get(name), command.shown.get(name)
            if report.version != command.version and theirs != before and mine != theirs and mine != before:
                conflicts[name] = (theirs, report.updated_by)
            elif mine != before or report.version == command.version:
                draft[name] = mine
        saved = await uow.needs_reports.save_draft(report, draft, actor.aad_object_id, now)
        if saved is not None:
            await uow.commit()
            break
        await uow.session.rollback()
    else:
        raise Refused("needs_busy")

    # Back never blocks on what is still missing; a conflict always stays.
    if conflicts or (check.errors and command.forward):
        return StepOutcome(saved, command.step, check.errors, conflicts, command.entered)
    step = command.step + 1 if command.forward else max(1, command.step - 1)
    return StepOutcome(saved, step)


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
        if missing := missing_fields(values):
            raise Refused("needs_incomplete", count=len(missing))
        first_time = report.status is Status.DRAFT
        number = await uow.needs_reports.next_number(report.forum_id, report.year) if first_time else report.number
        status = Status.SUBMITTED if first_time else report.status
        try:
            sent = await uow.needs_reports.send(report, values, number, status, actor.aad_object_id, now)
            if sent is not None:
                await uow.commit()
                return Sent(sent, first_time)
        except IntegrityError:
            pass  # another report took the number at the same moment
        await uow.session.rollback()
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
    await uow.commit()
    return changed


# --- the Statsforvalter's decisions ------------------------------------


async def decide(
    uow, actor: Actor, report_id: int, to: Status, now: datetime, granted_amount: int | None = None
) -> NeedsReport:
    if not actor.is_statsforvalter:
        raise Refused("statsforvalter_only")
    report = await uow.needs_reports.get(actor.forum.id, report_id)
    if report is None:
        raise Refused("needs_unknown_report")
    if to not in DECISIONS.get(report.status, ()):
        raise Refused("needs_bad_status_change", status=report.status.value, to=to.value)
    if to is Status.GRANTED and granted_amount is None:
        raise Refused("needs_granted_amount_required")
    changed = await uow.needs_reports.set_status(report, to, actor.aad_object_id, now, granted_amount)
    await uow.commit()
    return changed



@dataclass(frozen=True)
class NotYetSent:
    """A submitting organisation with no sent report for a year, and the
    Entra ids of its representatives and deputies."""

    name: str
    contact_ids: tuple[str, ...]


async def organisations_without_reports(uow, forum_id: str, year: int) -> list[NotYetSent]:
    forum = await uow.forums.get(forum_id)
    roster = await uow.roster.roster(forum)
    submitting = [o for o in roster.organisations if o.submits_needs]
    reports = await uow.needs_reports.of_organisations(forum_id, [o.id for o in submitting])
    sent = {r.organisation_id for r in reports if r.year == year and r.status not in (Status.DRAFT, Status.WITHDRAWN)}
    return [
        NotYetSent(
            o.name,
            tuple(
                p.aad_object_id
                for seat in o.seats
                for p in (seat.representative, seat.deputy)
                if p is not None and p.aad_object_id
            ),
        )
        for o in submitting
        if o.id not in sent
    ]

"""The overview of a year's needs reports: how many, how much applied for
and how much granted, per competence area and per organisation; who has
not sent anything yet; the same figures for the years before; the
allocation round of each year (frame, granted, reported back); and the
year's sent reports themselves, without their contact person.

Only sent reports count: from submitted to reported. Drafts and withdrawn
reports do not. A report may fall within several competence areas and is
then counted in each of them, so the areas add up to more than the total."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.forum.needs.report import Status
from bot.forum.needs.service import competence_areas
from bot.forum.roster import Forum, Organisation

SENT: tuple[Status, ...] = (
    Status.SUBMITTED,
    Status.PRIORITISED,
    Status.NOT_PRIORITISED,
    Status.GRANTED,
    Status.REPORTED,
)
MAX_YEARS_BACK = 10


@dataclass(frozen=True)
class Figures:
    count: int = 0
    applied: int = 0  # NOK
    granted: int = 0  # NOK

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.count + other.count, self.applied + other.applied, self.granted + other.granted)


NOTHING = Figures()


@dataclass(frozen=True)
class AreaFigures:
    code: str
    name: str
    figures: Figures  # the year's
    earlier: tuple[Figures, ...] = ()  # one per Overview.earlier_years, in that order
    # False for a code the year's list does not have: an earlier year's
    # area, or the list was changed after reports were sent. Its name is
    # then the newest the earlier years' lists give, or else the code.
    listed: bool = True


@dataclass(frozen=True)
class OrganisationFigures:
    id: str
    name: str
    figures: Figures  # the year's
    earlier: tuple[Figures, ...]  # one per Overview.earlier_years, in that order


@dataclass(frozen=True)
class ReportLine:
    """A sent report as the list shows it to everyone in the forum: what
    it asks for, not who to contact about it."""

    reference: str
    organisation: str
    title: str
    areas: tuple[str, ...]  # codes, as chosen
    applied: int | None  # NOK
    own_contribution: int | None  # NOK
    granted: int | None  # NOK
    status: Status


@dataclass(frozen=True)
class RoundFigures:
    """A year's allocation round: the frame of its budget, what was granted,
    and how much of that has been reported back on."""

    year: int
    frame: int | None  # NOK; None: no budget set
    granted: int  # NOK
    grants: int  # reports granted money
    reported: int  # of them, reported back on
    used: int  # NOK, as reported back
    unused: int  # NOK, as reported back

    @property
    def anything(self) -> bool:
        return self.frame is not None or self.grants > 0


@dataclass(frozen=True)
class Overview:
    forum: Forum
    year: int
    total: Figures
    areas: tuple[AreaFigures, ...]
    organisations: tuple[OrganisationFigures, ...]
    # Organisations that report needs and have sent nothing for the year.
    missing: tuple[Organisation, ...]
    # The years before, newest first; only years with sent reports.
    earlier_years: tuple[int, ...]
    earlier_totals: tuple[Figures, ...]
    # Reports counted in more than one competence area.
    in_several_areas: int
    # The year's sent reports, by reference.
    reports: tuple[ReportLine, ...] = ()
    # The year's round and the earlier years', in the order of the years.
    rounds: tuple[RoundFigures, ...] = ()


async def overview(uow, forum: Forum, year: int, years_back: int = 3, sent: list | None = None) -> Overview:
    """The overview of ``year`` beside up to ``years_back`` years before it.
    ``sent``: the year's sent reports with their organisation's names, when
    the caller has read them already.

    The organisations listed are the roster's organisations that report
    needs, in roster order, and any other organisation with sent reports
    in the years shown (one that left the roster keeps its name)."""
    years_back = max(0, min(years_back, MAX_YEARS_BACK))
    if sent is None:
        sent = await uow.needs_reports.with_organisation_names(forum.id, year, SENT)
    earlier = [year - n for n in range(1, years_back + 1)]
    rows = await uow.needs_reports.figures_by_organisation(forum.id, [year, *earlier], SENT)
    roster = await uow.roster.roster(forum)

    by_year_org: dict[tuple[int, str], Figures] = {}
    names: dict[str, str] = {}
    for y, organisation_id, name, count, applied, granted in rows:
        by_year_org[(y, organisation_id)] = Figures(count, applied, granted)
        names[organisation_id] = name
    earlier_years = tuple(y for y in earlier if any(key[0] == y for key in by_year_org))
    area_rows = await uow.needs_reports.area_lines(forum.id, [year, *earlier_years], SENT)

    order = [o.id for o in roster.organisations if o.submits_needs or o.id in names]
    on_roster = {o.id: o for o in roster.organisations}
    order += sorted((i for i in names if i not in order), key=lambda i: names[i].lower())
    organisations = tuple(
        OrganisationFigures(
            organisation_id,
            on_roster[organisation_id].name if organisation_id in on_roster else names[organisation_id],
            by_year_org.get((year, organisation_id), NOTHING),
            tuple(by_year_org.get((y, organisation_id), NOTHING) for y in earlier_years),
        )
        for organisation_id in order
    )

    def total_of(y: int) -> Figures:
        return sum((f for (fy, _), f in by_year_org.items() if fy == y), NOTHING)

    years = (year, *earlier_years)
    reporting = await uow.grant_reports.figures(forum.id, years)
    rounds = []
    for y in years:
        budget = await uow.budgets.get(forum.id, y)
        grants, reported, used, unused = reporting.get(y, (0, 0, 0, 0))
        frame = budget.frame if budget and budget.is_set else None
        rounds.append(RoundFigures(y, frame, total_of(y).granted, grants, reported, used, unused))

    return Overview(
        forum=forum,
        year=year,
        total=total_of(year),
        areas=await _areas(uow, forum, year, earlier_years, area_rows),
        organisations=organisations,
        missing=tuple(o for o in roster.organisations if o.submits_needs and (year, o.id) not in by_year_org),
        earlier_years=earlier_years,
        earlier_totals=tuple(total_of(y) for y in earlier_years),
        in_several_areas=sum(1 for y, codes, _, _ in area_rows if y == year and len(set(codes)) > 1),
        reports=_report_lines(sent),
        rounds=tuple(rounds),
    )


def _report_lines(sent) -> tuple[ReportLine, ...]:
    return tuple(
        ReportLine(
            reference=report.reference or "",
            organisation=name,
            title=str(report.fields.get("title") or ""),
            areas=tuple(dict.fromkeys(report.fields.get("competence_areas") or ())),
            applied=report.amount("amount_applied"),
            own_contribution=report.amount("own_contribution"),
            granted=report.granted_amount,
            status=report.status,
        )
        for report, name in sent
    )


async def _areas(uow, forum: Forum, year: int, earlier_years: tuple[int, ...], area_rows) -> tuple[AreaFigures, ...]:
    """The year's list of areas, then any other area with sent reports in
    the years shown, by code; each with its figures for every year."""
    sums: dict[tuple[int, str], Figures] = defaultdict(Figures)
    for y, codes, applied, granted in area_rows:
        for code in dict.fromkeys(codes):  # each area once per report
            sums[(y, code)] += Figures(1, applied or 0, granted or 0)

    listed = await competence_areas(uow, forum.id, year)
    known = {a.code for a in listed}
    others = sorted({code for _, code in sums} - known)
    names: dict[str, str] = {}
    for y in earlier_years:  # newest first: the newest name wins
        if any(code not in names for code in others):
            for area in await competence_areas(uow, forum.id, y):
                names.setdefault(area.code, area.name)

    def figures(code: str, name: str, is_listed: bool) -> AreaFigures:
        earlier = tuple(sums.get((y, code), NOTHING) for y in earlier_years)
        return AreaFigures(code, name, sums.get((year, code), NOTHING), earlier, is_listed)

    return (
        *(figures(a.code, a.name, True) for a in listed),
        *(figures(code, names.get(code, code), False) for code in others),
    )

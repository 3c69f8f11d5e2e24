"""Needs reports in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.needs.competence_areas import CompetenceArea
from bot.forum.needs.report import NeedsReport, Status
from storage.models import (
    CompetenceAreaListRow,
    NeedsReportNumberRow,
    NeedsReportRevisionRow,
    NeedsReportRow,
    NeedsReportStatusRow,
    OrganisationRow,
)

# A report joined to the organisation it is for.
_OF_ITS_ORGANISATION = and_(
    OrganisationRow.forum_id == NeedsReportRow.forum_id,
    OrganisationRow.id == NeedsReportRow.organisation_id,
)


def _report(row: NeedsReportRow) -> NeedsReport:
    return NeedsReport(
        id=row.id,
        forum_id=row.forum_id,
        organisation_id=row.organisation_id,
        year=row.year,
        status=Status(row.status),
        fields=dict(row.fields or {}),
        draft=dict(row.draft) if row.draft is not None else None,
        version=row.version,
        number=row.number,
        granted_amount=row.granted_amount,
        created_by=row.created_by,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        reopened=row.reopened,
    )


class NeedsReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, forum_id: str, organisation_id: str, year: int, by: str, at: datetime) -> NeedsReport:
        row = NeedsReportRow(
            forum_id=forum_id,
            organisation_id=organisation_id,
            year=year,
            status=Status.DRAFT.value,
            fields={},
            draft={"organisation_id": organisation_id},
            version=1,
            title="",
            competence_areas=[],
            created_by=by,
            created_at=at,
            updated_by=by,
            updated_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return _report(row)

    async def get(self, forum_id: str, report_id: int) -> NeedsReport | None:
        row = await self.session.scalar(
            select(NeedsReportRow)
            .where(NeedsReportRow.id == report_id, NeedsReportRow.forum_id == forum_id)
            .execution_options(populate_existing=True)
        )
        return _report(row) if row else None

    async def of_organisations(self, forum_id: str, organisation_ids: list[str]) -> list[NeedsReport]:
        rows = await self.session.scalars(
            select(NeedsReportRow)
            .where(
                NeedsReportRow.forum_id == forum_id,
                NeedsReportRow.organisation_id.in_(organisation_ids),
            )
            .order_by(NeedsReportRow.year.desc(), NeedsReportRow.id.desc())
        )
        return [_report(r) for r in rows]

    async def _change(self, report: NeedsReport, **values) -> NeedsReport | None:
        """Write ``values`` only if nobody changed the report since
        ``report.version`` was read: one atomic compare-and-set, so that two
        clicks or two people never both win, on SQLite and PostgreSQL alike."""
        result = await self.session.execute(
            update(NeedsReportRow)
            .where(NeedsReportRow.id == report.id, NeedsReportRow.version == report.version)
            .values(version=NeedsReportRow.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        return await self.get(report.forum_id, report.id)

    async def reopen(self, report: NeedsReport, by: str, at: datetime) -> NeedsReport | None:
        return await self._change(report, reopened=True, updated_by=by, updated_at=at)

    async def save_draft(self, report: NeedsReport, draft: dict, by: str, at: datetime) -> NeedsReport | None:
        """Store work in progress; None when someone saved in between."""
        values = {"draft": draft, "updated_by": by, "updated_at": at}
        if report.status is Status.DRAFT and "organisation_id" in draft:
            values["organisation_id"] = draft["organisation_id"]
        return await self._change(report, **values)

    async def next_number(self, forum_id: str, year: int) -> int:
        """The year's next reference number, held by this transaction until
        it ends: one that rolls back gives its number back."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = insert(NeedsReportNumberRow).values(forum_id=forum_id, year=year, last=1)
        return await self.session.scalar(
            statement.on_conflict_do_update(
                index_elements=[NeedsReportNumberRow.forum_id, NeedsReportNumberRow.year],
                set_={"last": NeedsReportNumberRow.last + 1},
            ).returning(NeedsReportNumberRow.last)
        )

    async def send(
        self, report: NeedsReport, fields: dict, number: int, status: Status, by: str, at: datetime
    ) -> NeedsReport | None:
        """Make the draft the sent values and keep them as a revision; None
        when someone changed the report in between (a second click), or when
        another report took the number at the same moment: then the
        transaction must be rolled back before it goes on."""
        try:
            return await self._send(report, fields, number, status, by, at)
        except IntegrityError:
            return None

    async def _send(
        self, report: NeedsReport, fields: dict, number: int, status: Status, by: str, at: datetime
    ) -> NeedsReport | None:
        sent = await self._change(
            report,
            fields=fields,
            draft=None,
            number=number,
            status=status.value,
            title=fields.get("title", ""),
            competence_areas=list(fields.get("competence_areas", [])),
            amount_applied=fields.get("amount_applied"),
            updated_by=by,
            updated_at=at,
            submitted_at=report.submitted_at or at,
            reopened=False,
        )
        if sent is not None:
            revision = await self.session.scalar(
                select(func.count()).where(NeedsReportRevisionRow.report_id == report.id)
            )
            self.session.add(
                NeedsReportRevisionRow(report_id=report.id, revision=revision + 1, fields=fields, by=by, at=at)
            )
            await self.session.flush()
        return sent

    async def set_status(
        self, report: NeedsReport, status: Status, by: str, at: datetime, granted_amount: int | None = None
    ) -> NeedsReport | None:
        """Move the report on from the status it had when read, and log it;
        None when someone changed it in between (a second click, or a
        withdrawal and a decision at once), and then nothing is logged."""
        values = {"status": status.value, "updated_by": by, "updated_at": at}
        if granted_amount is not None:
            values["granted_amount"] = granted_amount
        changed = await self._change(report, **values)
        if changed is not None:
            self.session.add(
                NeedsReportStatusRow(
                    report_id=report.id,
                    from_status=report.status.value,
                    to_status=status.value,
                    granted_amount=granted_amount,
                    by=by,
                    at=at,
                )
            )
            await self.session.flush()
        return changed

    async def discard_draft(self, report: NeedsReport) -> None:
        row = await self.session.get(NeedsReportRow, report.id)
        if row.status == Status.DRAFT.value:
            await self.session.delete(row)
        else:
            row.draft, row.version = None, row.version + 1
        await self.session.flush()

    async def revisions(self, report_id: int) -> list[tuple[int, str | None, datetime]]:
        rows = await self.session.execute(
            select(NeedsReportRevisionRow.revision, NeedsReportRevisionRow.by, NeedsReportRevisionRow.at)
            .where(NeedsReportRevisionRow.report_id == report_id)
            .order_by(NeedsReportRevisionRow.revision)
        )
        return [tuple(r) for r in rows]

    async def status_changes(self, report_id: int) -> list[NeedsReportStatusRow]:
        return list(
            await self.session.scalars(
                select(NeedsReportStatusRow)
                .where(NeedsReportStatusRow.report_id == report_id)
                .order_by(NeedsReportStatusRow.id)
            )
        )

    # competence areas per year

    async def competence_areas(self, forum_id: str, year: int) -> tuple[CompetenceArea, ...] | None:
        row = await self.session.get(CompetenceAreaListRow, (forum_id, year))
        return tuple(CompetenceArea(a["code"], a["name"]) for a in row.areas) if row else None

    async def competence_areas_set_in_teams(self, forum_id: str, year: int) -> bool:
        """Whether someone set the year's list in Teams (the roster file's lists have no setter)."""
        row = await self.session.get(CompetenceAreaListRow, (forum_id, year))
        return row is not None and row.set_by is not None

    async def set_competence_areas(
        self, forum_id: str, year: int, areas: tuple[CompetenceArea, ...], by: str, at: datetime
    ) -> None:
        row = await self.session.get(CompetenceAreaListRow, (forum_id, year))
        listed = [{"code": a.code, "name": a.name} for a in areas]
        if row is None:
            self.session.add(CompetenceAreaListRow(forum_id=forum_id, year=year, areas=listed, set_by=by, set_at=at))
        else:
            row.areas, row.set_by, row.set_at = listed, by, at
        await self.session.flush()

    # the overview and the export: figures and rows of sent reports

    async def figures_by_organisation(
        self, forum_id: str, years: list[int], statuses: tuple[Status, ...]
    ) -> list[tuple[int, str, str, int, int, int]]:
        """(year, organisation id, organisation name, count, applied, granted)
        for the reports in ``statuses``, one row per year and organisation,
        summed in the database. Organisations no longer on the roster keep
        their name here."""
        applied = func.coalesce(func.sum(NeedsReportRow.amount_applied), 0)
        granted = func.coalesce(func.sum(NeedsReportRow.granted_amount), 0)
        rows = await self.session.execute(
            select(
                NeedsReportRow.year,
                NeedsReportRow.organisation_id,
                OrganisationRow.name,
                func.count(),
                applied,
                granted,
            )
            .join(OrganisationRow, _OF_ITS_ORGANISATION)
            .where(
                NeedsReportRow.forum_id == forum_id,
                NeedsReportRow.year.in_(years),
                NeedsReportRow.status.in_([s.value for s in statuses]),
            )
            .group_by(NeedsReportRow.year, NeedsReportRow.organisation_id, OrganisationRow.name)
        )
        # PostgreSQL sums BIGINT as NUMERIC: back to int.
        return [(y, o, name, int(n), int(a), int(g)) for y, o, name, n, a, g in rows]

    async def area_lines(
        self, forum_id: str, years: list[int], statuses: tuple[Status, ...]
    ) -> list[tuple[int, list[str], int | None, int | None]]:
        """(year, competence area codes, applied, granted) of each report in
        ``statuses``: the areas are a JSON list, summed by the caller."""
        rows = await self.session.execute(
            select(
                NeedsReportRow.year,
                NeedsReportRow.competence_areas,
                NeedsReportRow.amount_applied,
                NeedsReportRow.granted_amount,
            ).where(
                NeedsReportRow.forum_id == forum_id,
                NeedsReportRow.year.in_(years),
                NeedsReportRow.status.in_([s.value for s in statuses]),
            )
        )
        return [(year, list(areas or []), applied, granted) for year, areas, applied, granted in rows]

    async def with_organisation_names(
        self, forum_id: str, year: int, statuses: tuple[Status, ...]
    ) -> list[tuple[NeedsReport, str]]:
        """The year's reports in ``statuses`` with their organisation's name,
        by number; without the draft, which nobody else should see."""
        rows = await self.session.execute(
            select(
                NeedsReportRow.id,
                NeedsReportRow.organisation_id,
                NeedsReportRow.number,
                NeedsReportRow.status,
                NeedsReportRow.fields,
                NeedsReportRow.version,
                NeedsReportRow.granted_amount,
                NeedsReportRow.updated_at,
                NeedsReportRow.submitted_at,
                OrganisationRow.name,
            )
            .join(OrganisationRow, _OF_ITS_ORGANISATION)
            .where(
                NeedsReportRow.forum_id == forum_id,
                NeedsReportRow.year == year,
                NeedsReportRow.status.in_([s.value for s in statuses]),
            )
            .order_by(NeedsReportRow.number, NeedsReportRow.id)
        )
        return [
            (
                NeedsReport(
                    id=r.id,
                    forum_id=forum_id,
                    organisation_id=r.organisation_id,
                    year=year,
                    status=Status(r.status),
                    fields=dict(r.fields or {}),
                    draft=None,
                    version=r.version,
                    number=r.number,
                    granted_amount=r.granted_amount,
                    updated_at=r.updated_at,
                    submitted_at=r.submitted_at,
                ),
                r.name,
            )
            for r in rows
        ]

    async def granted(
        self, forum_id: str, organisation_id: str | None = None, year: int | None = None
    ) -> list[tuple[NeedsReport, str]]:
        """Reports granted money (reported back on or not) with their
        organisation's name, newest year first, then by number."""
        query = (
            select(NeedsReportRow, OrganisationRow.name)
            .join(OrganisationRow, _OF_ITS_ORGANISATION)
            .where(
                NeedsReportRow.forum_id == forum_id,
                NeedsReportRow.status.in_([Status.GRANTED.value, Status.REPORTED.value]),
                NeedsReportRow.granted_amount > 0,
            )
            .order_by(NeedsReportRow.year.desc(), NeedsReportRow.number, NeedsReportRow.id)
        )
        if organisation_id is not None:
            query = query.where(NeedsReportRow.organisation_id == organisation_id)
        if year is not None:
            query = query.where(NeedsReportRow.year == year)
        return [(_report(row), name) for row, name in await self.session.execute(query)]

    async def codes_in_use(self, forum_id: str, year: int) -> set[str]:
        """Competence areas that any report of the year, sent or draft, has chosen."""
        rows = await self.session.execute(
            select(NeedsReportRow.competence_areas, NeedsReportRow.draft).where(
                NeedsReportRow.forum_id == forum_id, NeedsReportRow.year == year
            )
        )
        used: set[str] = set()
        for sent, draft in rows:
            used.update(sent or [])
            used.update((draft or {}).get("competence_areas") or [])
        return used

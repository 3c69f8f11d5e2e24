"""Reports back on granted needs reports, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.allocation.reporting import GrantReport
from bot.forum.needs.report import NeedsReport, Status
from storage.models import GrantReportRow as Row
from storage.models import NeedsReportRow


def _grant_report(row: Row) -> GrantReport:
    return GrantReport(
        row.report_id,
        dict(row.fields or {}),
        dict(row.draft) if row.draft is not None else None,
        row.version,
        row.updated_by,
        row.updated_at,
        row.sent_by,
        row.sent_at,
    )


class GrantReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, report_id: int) -> GrantReport | None:
        row = await self.session.scalar(
            select(Row).where(Row.report_id == report_id).execution_options(populate_existing=True)
        )
        return _grant_report(row) if row else None

    async def of_reports(self, report_ids: list[int]) -> dict[int, GrantReport]:
        rows = await self.session.scalars(select(Row).where(Row.report_id.in_(report_ids)))
        return {row.report_id: _grant_report(row) for row in rows}

    async def figures(self, forum_id: str, years: tuple[int, ...]) -> dict[int, tuple[int, int, int, int]]:
        """Per year: reports granted money, how many of them are reported
        back on, and the money used and unused their reports give."""
        report = NeedsReportRow
        reported = report.status == Status.REPORTED.value
        rows = await self.session.execute(
            select(
                report.year,
                func.count(report.id),
                func.count(case((reported, 1))),
                func.coalesce(func.sum(case((reported, Row.money_used))), 0),
                func.coalesce(func.sum(case((reported, Row.unused))), 0),
            )
            .outerjoin(Row, Row.report_id == report.id)
            .where(
                report.forum_id == forum_id,
                report.year.in_(years),
                report.granted_amount > 0,
                report.status.in_([Status.GRANTED.value, Status.REPORTED.value]),
            )
            .group_by(report.year)
        )
        return {year: (grants, done, int(used), int(unused)) for year, grants, done, used, unused in rows}

    async def save_draft(
        self, report: NeedsReport, version: int, draft: dict, by: str, at: datetime
    ) -> GrantReport | None:
        """Store work in progress; None when someone saved since ``version``."""
        return await self._write(report, version, by, at, draft=draft)

    async def send(self, report: NeedsReport, version: int, fields: dict, by: str, at: datetime) -> GrantReport | None:
        """Make ``fields`` the sent values; None when someone saved since ``version``."""
        return await self._write(
            report,
            version,
            by,
            at,
            fields=fields,
            draft=None,
            money_used=fields["money_used"],
            unused=fields["unused"],
            sent_by=by,
            sent_at=at,
        )

    async def _write(self, report: NeedsReport, version: int, by: str, at: datetime, **values) -> GrantReport | None:
        """One atomic compare-and-set on the version (0: not stored yet, and
        the insert that loses a race to another adds nothing)."""
        values |= {"updated_by": by, "updated_at": at}
        if version == 0:
            insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
            result = await self.session.execute(
                insert(Row)
                .values(
                    report_id=report.id,
                    forum_id=report.forum_id,
                    version=1,
                    created_by=by,
                    created_at=at,
                    **{"fields": {}, **values},
                )
                .on_conflict_do_nothing()
            )
        else:
            result = await self.session.execute(
                update(Row)
                .where(Row.report_id == report.id, Row.version == version)
                .values(version=Row.version + 1, **values)
                .execution_options(synchronize_session=False)
            )
        return await self.get(report.id) if result.rowcount == 1 else None

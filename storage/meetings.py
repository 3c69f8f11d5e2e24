"""Meetings, their messages and each seat's answer in SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.meetings.attendance import Answer, Attends
from bot.forum.meetings.minutes import AttendanceLine, DecisionLine, Minutes
from bot.forum.meetings.notice import Meeting, MeetingDelivery, MeetingMessage, Paper, Purpose
from bot.forum.roster import Role
from storage import outbox
from storage.models import MeetingAnswerRow, MeetingMinutesRow, MeetingRow
from storage.models import MeetingDeliveryRow as Row


def _meeting(row: MeetingRow) -> Meeting:
    return Meeting(
        row.id,
        row.forum_id,
        row.event_id,
        row.title,
        row.starts_at,
        row.place,
        row.link,
        tuple(row.agenda),
        tuple(Paper(p["title"], p["url"]) for p in row.papers),
        row.noticed_by,
        row.noticed_at,
    )


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self):
        return pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert

    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self.session.get(MeetingRow, meeting_id)
        return _meeting(row) if row else None

    async def of_forum(self, forum_id: str) -> list[Meeting]:
        """Newest first."""
        rows = await self.session.scalars(
            select(MeetingRow).where(MeetingRow.forum_id == forum_id).order_by(MeetingRow.starts_at.desc())
        )
        return [_meeting(r) for r in rows]

    async def add(self, meeting: Meeting, deliveries: list[MeetingDelivery]) -> Meeting | None:
        """None, and nothing stored, when the event has its notice already."""
        meeting_id = await self.session.scalar(
            self._insert()(MeetingRow)
            .values(
                forum_id=meeting.forum_id,
                event_id=meeting.event_id,
                title=meeting.title,
                starts_at=meeting.starts_at,
                place=meeting.place,
                link=meeting.link,
                agenda=list(meeting.agenda),
                papers=[{"title": p.title, "url": p.url} for p in meeting.papers],
                noticed_by=meeting.noticed_by,
                noticed_at=meeting.noticed_at,
            )
            .on_conflict_do_nothing()
            .returning(MeetingRow.id)
        )
        if meeting_id is None:
            return None
        await self.session.execute(
            self._insert()(Row)
            .values([self._values(meeting_id, d, meeting.noticed_at) for d in deliveries])
            .on_conflict_do_nothing()
        )
        return replace(meeting, id=meeting_id)

    @staticmethod
    def _values(meeting_id: int, d: MeetingDelivery, at: datetime) -> dict:
        return {
            "meeting_id": meeting_id,
            "purpose": d.purpose,
            "seat_id": d.seat_id,
            "target": d.target,
            "due_at": d.due_at,
            "status": d.status,
            "attempts": 0,
            "detail": d.detail,
            "finished_at": None if d.status == "planned" else at,
        }

    async def plan(self, meeting_id: int, delivery: MeetingDelivery, at: datetime) -> bool:
        """One more message; False when it was planned before (never twice)."""
        result = await self.session.execute(
            self._insert()(Row).values(self._values(meeting_id, delivery, at)).on_conflict_do_nothing()
        )
        return result.rowcount == 1

    async def deliveries(self, meeting_id: int) -> list[MeetingDelivery]:
        rows = await self.session.scalars(select(Row).where(Row.meeting_id == meeting_id).order_by(Row.id))
        return [
            MeetingDelivery(r.id, r.purpose, r.seat_id, r.target, r.due_at, r.status, r.attempts, r.detail)
            for r in rows
        ]

    async def answer(self, meeting_id: int, answer: Answer) -> None:
        values = {
            "meeting_id": meeting_id,
            "seat_id": answer.seat_id,
            "role": answer.role.value,
            "coming": answer.coming,
            "answered_by": answer.answered_by,
            "answered_at": answer.answered_at,
        }
        insert = self._insert()(MeetingAnswerRow).values(**values)
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["meeting_id", "seat_id", "role"],
                set_={"coming": answer.coming, "answered_by": answer.answered_by, "answered_at": answer.answered_at},
            )
        )

    async def skip_reminder(self, meeting_id: int, seat_id: int, at: datetime) -> None:
        """The seat has answered: its reminder, not sent yet, is not needed."""
        await self.session.execute(
            update(Row)
            .where(
                Row.meeting_id == meeting_id,
                Row.seat_id == seat_id,
                Row.purpose == Purpose.REMINDER,
                Row.status == "planned",
            )
            .values(status="skipped", detail="the seat has answered", finished_at=at)
        )

    async def answers(self, meeting_id: int, seat_id: int | None = None) -> list[Answer]:
        """The meeting's answers; only that seat's, given one."""
        condition = MeetingAnswerRow.meeting_id == meeting_id
        if seat_id is not None:
            condition &= MeetingAnswerRow.seat_id == seat_id
        rows = await self.session.scalars(select(MeetingAnswerRow).where(condition))
        return [Answer(r.seat_id, Role(r.role), r.coming, r.answered_by, r.answered_at) for r in rows]

    async def minutes(self, meeting_id: int) -> Minutes | None:
        row = await self.session.get(MeetingMinutesRow, meeting_id)
        if row is None:
            return None
        attendance = (
            None
            if row.attendance is None
            else tuple(
                AttendanceLine(a["organisation"], a["seat"], Attends(a["attends"]), a["name"]) for a in row.attendance
            )
        )
        decisions = (
            None
            if row.decisions is None
            else tuple(
                DecisionLine(
                    d["question"], tuple(d["outcome"]), datetime.fromisoformat(d["at"]), d.get("allocation_year")
                )
                for d in row.decisions
            )
        )
        return Minutes(
            row.meeting_id,
            row.text,
            row.version,
            attendance,
            decisions,
            row.saved_by,
            row.saved_at,
            row.approved_by,
            row.approved_at,
        )

    async def put_minutes(self, minutes: Minutes, expected_version: int) -> bool:
        """Write the minutes over ``expected_version`` (0: none yet); False,
        and nothing written, when another save came first."""
        values = {
            "text": minutes.text,
            "version": minutes.version,
            "saved_by": minutes.saved_by,
            "saved_at": minutes.saved_at,
            "approved_by": minutes.approved_by,
            "approved_at": minutes.approved_at,
            "attendance": None
            if minutes.attendance is None
            else [
                {"organisation": a.organisation, "seat": a.seat, "attends": a.attends.value, "name": a.name}
                for a in minutes.attendance
            ],
            "decisions": None
            if minutes.decisions is None
            else [
                {
                    "question": d.question,
                    "outcome": list(d.outcome),
                    "at": d.at.isoformat(),
                    "allocation_year": d.allocation_year,
                }
                for d in minutes.decisions
            ],
        }
        if expected_version == 0:
            result = await self.session.execute(
                self._insert()(MeetingMinutesRow)
                .values(meeting_id=minutes.meeting_id, **values)
                .on_conflict_do_nothing()
            )
        else:
            result = await self.session.execute(
                update(MeetingMinutesRow)
                .where(
                    MeetingMinutesRow.meeting_id == minutes.meeting_id,
                    MeetingMinutesRow.version == expected_version,
                    MeetingMinutesRow.approved_at.is_(None),
                )
                .values(**values)
            )
        return result.rowcount == 1

    async def claim(self, claimant: str, now: datetime, limit: int) -> list[MeetingMessage]:
        """The messages due; a reminder only while the meeting is still to
        come (an answer skips its seat's reminder: ``skip_reminder``)."""
        to_come = exists().where(MeetingRow.id == Row.meeting_id, MeetingRow.starts_at > now)
        claimed = await outbox.claim(
            self.session,
            Row,
            claimant,
            now,
            limit,
            where=(Row.due_at <= now, or_(Row.purpose != Purpose.REMINDER, to_come)),
            returning=(Row.meeting_id, Row.purpose, Row.seat_id, Row.target),
        )
        return [MeetingMessage(c.id, c.meeting_id, c.purpose, c.seat_id, c.target) for c in sorted(claimed)]

    async def mark(
        self,
        row_id: int,
        status: str,
        at: datetime,
        attempts: int = 0,
        detail: str | None = None,
        claimant: str | None = None,
    ) -> bool:
        return await outbox.mark(self.session, Row, row_id, status, at, attempts, detail, claimant)

    async def plan_again(self, meeting_id: int) -> int:
        return await outbox.plan_again(self.session, Row, Row.meeting_id == meeting_id, Row.purpose != Purpose.REMINDER)

    async def recover(self, older_than: datetime) -> tuple[int, int]:
        return await outbox.recover(self.session, Row, older_than)

    async def release(self, claimant: str) -> tuple[int, int]:
        return await outbox.release(self.session, Row, claimant)

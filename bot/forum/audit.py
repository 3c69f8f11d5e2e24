"""The audit log: every administrative action, who took it, on what, and
when. Services record an entry in the unit of work of the action itself,
so an action that is rolled back leaves no entry, and one that is
committed always has one.

An entry names people by Entra object id (shown by name from the roster)
and never holds what a person typed into a report: the subject says which
report, event or vote it was, the detail what changed in figures and
codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Action(StrEnum):
    ROSTER_SYNCED = "roster.synced"
    ROSTER_SEAT_SET = "roster.seat_set"
    ORGANISATION_ADDED = "roster.organisation_added"
    ORGANISATION_RETIRED = "roster.organisation_retired"
    CHANNEL_BOUND = "forum.channel_bound"
    CALENDAR_RENEWED = "forum.calendar_renewed"
    AREAS_SET = "areas.set"
    BUDGET_SET = "budget.set"
    ALLOCATION_SAVED = "allocation.saved"
    ALLOCATION_POSTED = "allocation.posted"
    ALLOCATION_DECIDED = "allocation.decided"
    AWARD_LETTERS_SENT = "allocation.letters_sent"
    AWARD_LETTERS_RESENT = "allocation.letters_resent"
    ANNOUNCED = "forum.announced"
    ANNOUNCEMENT_RESENT = "forum.announcement_resent"
    MEETING_NOTICED = "meeting.noticed"
    MEETING_ANSWERED = "meeting.answered"
    MEETING_RESENT = "meeting.notice_resent"
    MINUTES_APPROVED = "meeting.minutes_approved"
    WHEEL_ADDED = "wheel.added"
    WHEEL_CHANGED = "wheel.changed"
    WHEEL_DELETED = "wheel.deleted"
    WHEEL_COPIED = "wheel.copied"
    REPORT_STATUS = "needs.status"
    REPORT_REOPENED = "needs.reopened"
    GRANT_REPORTED = "needs.reported_back"
    VOTE_OPENED = "vote.opened"
    VOTE_CLOSED = "vote.closed"
    VOTE_DECIDED = "vote.decided"
    EXPORTED = "export.downloaded"
    PERSONAL_DATA_EXPORTED = "privacy.exported"
    PERSON_ERASED = "privacy.erased"
    RETENTION_PURGED = "privacy.retention"


@dataclass(frozen=True)
class AuditEntry:
    forum_id: str
    at: datetime
    actor: str | None  # Entra object id; None: the bot itself (the roster file, the clock)
    action: Action
    subject: str
    detail: dict = field(default_factory=dict)
    id: int | None = None


async def record(
    uow, forum_id: str, actor: str | None, action: Action, subject: object, now: datetime, **detail: object
) -> None:
    await uow.audit.add(AuditEntry(forum_id, now, actor, action, str(subject)[:300], detail))

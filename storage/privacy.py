"""What is stored about a person, in SQL: finding it, and erasing it.

People are named in three ways in the database: by their roster row
(name, e-mail, Entra object id), by their Entra object id in the columns
that say who did something (``created_by``, ``cast_by``, …), and by name
and e-mail as a needs report's contact person. These queries cover all
three within one forum; the rows that are not a forum's, the 1:1 chat and
the language the person chose, go only when no forum knows the person any
more. A person in several forums has also the forum they chose for that chat,
which names one forum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.needs.report import TYPED
from storage.models import (
    AllocationProposalRow,
    AnnouncementDeliveryRow,
    AnnouncementRow,
    AuditEntryRow,
    AwardLetterDeliveryRow,
    AwardLetterRow,
    BallotCastRow,
    BallotRow,
    BudgetRow,
    CompetenceAreaListRow,
    ForumChoiceRow,
    ForumRow,
    GrantReportRow,
    LanguageChoiceRow,
    MeetingAnswerRow,
    MeetingDeliveryRow,
    MeetingMinutesRow,
    MeetingRow,
    NeedsReportRevisionRow,
    NeedsReportRow,
    NeedsReportStatusRow,
    OrganisationRow,
    PersonalConversationRow,
    PersonRow,
    ReminderRow,
    RosterChangeRow,
    SeatRow,
    VoteRow,
    WheelEventRow,
)

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
PERSON_TARGET = "person:"  # a reminder to one person's 1:1 chat (bot.forum.wheel.events.PERSON)


@dataclass(frozen=True)
class StoredPerson:
    """A roster row, with what it knows of the person, left or not."""

    id: int
    forum_id: str
    name: str
    email: str
    role: str
    organisation: str | None
    seat_number: int | None
    active: bool
    aad_object_ids: tuple[str, ...]  # the current one and the one they had when they left
    erased_at: datetime | None


def is_contact(fields: dict | None, person: StoredPerson) -> bool:
    """Whether a report's values name this person as its contact."""
    if not fields:
        return False
    email = str(fields.get("contact_email") or "").strip().lower()
    name = str(fields.get("contact_name") or "").strip().casefold()
    return (email and email == person.email) or (name and name == person.name.casefold())


def without_contact(fields: dict | None) -> dict | None:
    """The values without the contact person, also what was typed into a
    draft's contact fields and failed its check."""
    if fields is None:
        return None
    kept = {k: v for k, v in fields.items() if k not in CONTACT_FIELDS}
    if isinstance(kept.get(TYPED), dict):
        kept[TYPED] = {k: v for k, v in kept[TYPED].items() if k not in CONTACT_FIELDS}
    return kept


def _rows(result) -> list[dict]:
    return [dict(r._mapping) for r in result]


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def people(self, forum_id: str) -> list[StoredPerson]:
        rows = await self.session.execute(
            select(PersonRow, OrganisationRow.name, SeatRow.number)
            .outerjoin(SeatRow, SeatRow.id == PersonRow.seat_id)
            .outerjoin(
                OrganisationRow,
                (OrganisationRow.forum_id == SeatRow.forum_id) & (OrganisationRow.id == SeatRow.organisation_id),
            )
            .where(PersonRow.forum_id == forum_id)
            .order_by(PersonRow.id)
        )
        return [
            StoredPerson(
                p.id,
                p.forum_id,
                p.name,
                p.email,
                p.role,
                organisation,
                number,
                p.active,
                tuple(dict.fromkeys(i for i in (p.aad_object_id, p.former_aad_object_id) if i)),
                p.erased_at,
            )
            for p, organisation, number in rows
        ]

    # --- finding ----------------------------------------------------------

    async def gather(self, person: StoredPerson) -> dict[str, list[dict]]:
        """Every stored row that names the person, by section."""
        forum_id, ids = person.forum_id, list(person.aad_object_ids)
        found: dict[str, list[dict]] = {}
        found["chats"] = _rows(
            await self.session.execute(
                select(
                    PersonalConversationRow.aad_object_id,
                    PersonalConversationRow.user_id,
                    PersonalConversationRow.updated_at,
                ).where(PersonalConversationRow.aad_object_id.in_(ids))
            )
        )
        found["roster_changes"] = [
            {"place": c.place, "set": c.set_by in ids, "placed": _names(c, ids), "set_at": c.set_at}
            for c in await self._roster_changes(forum_id)
            if c.set_by in ids or _names(c, ids)
        ]
        found["forum_choice"] = _rows(
            await self.session.execute(
                select(ForumChoiceRow.aad_object_id, ForumChoiceRow.chosen_at).where(
                    ForumChoiceRow.forum_id == forum_id, ForumChoiceRow.aad_object_id.in_(ids)
                )
            )
        )
        found["language"] = _rows(
            await self.session.execute(
                select(LanguageChoiceRow.language, LanguageChoiceRow.chosen_at).where(
                    LanguageChoiceRow.aad_object_id.in_(ids)
                )
            )
        )
        reports = (
            (
                await self.session.execute(
                    select(NeedsReportRow).where(NeedsReportRow.forum_id == forum_id).order_by(NeedsReportRow.id)
                )
            )
            .scalars()
            .all()
        )
        found["needs_reports"] = [
            {
                "id": r.id,
                "year": r.year,
                "number": r.number,
                "organisation": r.organisation_id,
                "status": r.status,
                "title": r.title,
                "created_by": r.created_by,
                "created_at": r.created_at,
                "updated_by": r.updated_by,
                "updated_at": r.updated_at,
                "contact": {k: r.fields.get(k) for k in CONTACT_FIELDS} if is_contact(r.fields, person) else None,
                "draft_contact": {k: (r.draft or {}).get(k) for k in CONTACT_FIELDS}
                if is_contact(r.draft, person)
                else None,
            }
            for r in reports
            if r.created_by in ids or r.updated_by in ids or is_contact(r.fields, person) or is_contact(r.draft, person)
        ]
        in_forum = select(NeedsReportRow.id).where(NeedsReportRow.forum_id == forum_id)
        revisions = await self.session.execute(
            select(NeedsReportRevisionRow)
            .where(NeedsReportRevisionRow.report_id.in_(in_forum))
            .order_by(NeedsReportRevisionRow.id)
        )
        found["report_revisions"] = [
            {
                "report_id": v.report_id,
                "revision": v.revision,
                "by": v.by,
                "at": v.at,
                "contact": {k: v.fields.get(k) for k in CONTACT_FIELDS} if is_contact(v.fields, person) else None,
            }
            for v in revisions.scalars()
            if v.by in ids or is_contact(v.fields, person)
        ]
        found["report_status_changes"] = _rows(
            await self.session.execute(
                select(
                    NeedsReportStatusRow.report_id,
                    NeedsReportStatusRow.from_status,
                    NeedsReportStatusRow.to_status,
                    NeedsReportStatusRow.granted_amount,
                    NeedsReportStatusRow.at,
                )
                .where(NeedsReportStatusRow.report_id.in_(in_forum), NeedsReportStatusRow.by.in_(ids))
                .order_by(NeedsReportStatusRow.id)
            )
        )
        votes = select(VoteRow.id).where(VoteRow.forum_id == forum_id)
        found["ballots"] = _rows(
            await self.session.execute(
                select(
                    VoteRow.id.label("vote_id"),
                    VoteRow.question,
                    BallotCastRow.seat_id,
                    BallotCastRow.choices,
                    BallotCastRow.points,
                    BallotCastRow.cast_at,
                )
                .join(VoteRow, VoteRow.id == BallotCastRow.vote_id)
                .where(BallotCastRow.vote_id.in_(votes), BallotCastRow.cast_by.in_(ids))
                .order_by(BallotCastRow.id)
            )
        )
        found["votes"] = [
            {
                "vote_id": v.id,
                "question": v.question,
                "opened": v.created_by in ids,
                "closed": v.closed_by in ids,
                "decided": v.decided_by in ids,
                "reason": v.reason if v.decided_by in ids else None,
                "created_at": v.created_at,
            }
            for v in (
                await self.session.execute(
                    select(VoteRow)
                    .where(
                        VoteRow.forum_id == forum_id,
                        or_(VoteRow.created_by.in_(ids), VoteRow.closed_by.in_(ids), VoteRow.decided_by.in_(ids)),
                    )
                    .order_by(VoteRow.id)
                )
            ).scalars()
        ]
        found["wheel_events"] = _rows(
            await self.session.execute(
                select(WheelEventRow.id, WheelEventRow.title, WheelEventRow.starts_at, WheelEventRow.updated_at)
                .where(WheelEventRow.forum_id == forum_id, WheelEventRow.updated_by.in_(ids))
                .order_by(WheelEventRow.id)
            )
        )
        found["competence_areas"] = _rows(
            await self.session.execute(
                select(CompetenceAreaListRow.year, CompetenceAreaListRow.set_at).where(
                    CompetenceAreaListRow.forum_id == forum_id, CompetenceAreaListRow.set_by.in_(ids)
                )
            )
        )
        found["budgets"] = _rows(
            await self.session.execute(
                select(BudgetRow.year, BudgetRow.updated_at).where(
                    BudgetRow.forum_id == forum_id, BudgetRow.updated_by.in_(ids)
                )
            )
        )
        found["allocation_proposals"] = _rows(
            await self.session.execute(
                select(
                    AllocationProposalRow.year, AllocationProposalRow.updated_at, AllocationProposalRow.posted_at
                ).where(
                    AllocationProposalRow.forum_id == forum_id,
                    or_(AllocationProposalRow.updated_by.in_(ids), AllocationProposalRow.posted_by.in_(ids)),
                )
            )
        )
        found["award_letters"] = _rows(
            await self.session.execute(
                select(AwardLetterRow.year, AwardLetterRow.sent_at).where(
                    AwardLetterRow.forum_id == forum_id, AwardLetterRow.sent_by.in_(ids)
                )
            )
        )
        found["grant_reports"] = [
            {
                "report_id": g.report_id,
                "created": g.created_by in ids,
                "updated": g.updated_by in ids,
                "sent": g.sent_by in ids,
                "updated_at": g.updated_at,
                "sent_at": g.sent_at,
            }
            for g in (
                await self.session.execute(
                    select(GrantReportRow)
                    .where(
                        GrantReportRow.forum_id == forum_id,
                        or_(
                            GrantReportRow.created_by.in_(ids),
                            GrantReportRow.updated_by.in_(ids),
                            GrantReportRow.sent_by.in_(ids),
                        ),
                    )
                    .order_by(GrantReportRow.report_id)
                )
            ).scalars()
        ]
        found["award_letters_received"] = _rows(
            await self.session.execute(
                select(
                    AwardLetterDeliveryRow.year, AwardLetterDeliveryRow.status, AwardLetterDeliveryRow.finished_at
                ).where(
                    AwardLetterDeliveryRow.forum_id == forum_id, AwardLetterDeliveryRow.target.in_(_targets(person))
                )
            )
        )
        found["announcements"] = _rows(
            await self.session.execute(
                select(AnnouncementRow.title, AnnouncementRow.sent_at)
                .where(AnnouncementRow.forum_id == forum_id, AnnouncementRow.sent_by.in_(ids))
                .order_by(AnnouncementRow.id)
            )
        )
        found["announcements_received"] = _rows(
            await self.session.execute(
                select(AnnouncementRow.title, AnnouncementDeliveryRow.status, AnnouncementDeliveryRow.finished_at)
                .join(AnnouncementRow, AnnouncementRow.id == AnnouncementDeliveryRow.announcement_id)
                .where(AnnouncementRow.forum_id == forum_id, AnnouncementDeliveryRow.target.in_(_targets(person)))
                .order_by(AnnouncementDeliveryRow.id)
            )
        )
        found["meetings_noticed"] = _rows(
            await self.session.execute(
                select(MeetingRow.title, MeetingRow.starts_at, MeetingRow.noticed_at)
                .where(MeetingRow.forum_id == forum_id, MeetingRow.noticed_by.in_(ids))
                .order_by(MeetingRow.id)
            )
        )
        found["minutes_written"] = _rows(
            await self.session.execute(
                select(MeetingRow.title, MeetingMinutesRow.saved_at, MeetingMinutesRow.approved_at)
                .join(MeetingRow, MeetingRow.id == MeetingMinutesRow.meeting_id)
                .where(
                    MeetingRow.forum_id == forum_id,
                    or_(MeetingMinutesRow.saved_by.in_(ids), MeetingMinutesRow.approved_by.in_(ids)),
                )
                .order_by(MeetingRow.id)
            )
        )
        found["meeting_answers"] = _rows(
            await self.session.execute(
                select(
                    MeetingRow.title,
                    MeetingRow.starts_at,
                    MeetingAnswerRow.role,
                    MeetingAnswerRow.coming,
                    MeetingAnswerRow.answered_at,
                )
                .join(MeetingRow, MeetingRow.id == MeetingAnswerRow.meeting_id)
                .where(MeetingRow.forum_id == forum_id, MeetingAnswerRow.answered_by.in_(ids))
                .order_by(MeetingRow.id)
            )
        )
        found["meeting_messages_received"] = _rows(
            await self.session.execute(
                select(
                    MeetingRow.title,
                    MeetingDeliveryRow.purpose,
                    MeetingDeliveryRow.status,
                    MeetingDeliveryRow.finished_at,
                )
                .join(MeetingRow, MeetingRow.id == MeetingDeliveryRow.meeting_id)
                .where(MeetingRow.forum_id == forum_id, MeetingDeliveryRow.target.in_(_targets(person)))
                .order_by(MeetingDeliveryRow.id)
            )
        )
        found["channel_setup"] = _rows(
            await self.session.execute(
                select(ForumRow.team_id, ForumRow.channel_id, ForumRow.bound_at).where(
                    ForumRow.id == forum_id, ForumRow.bound_by.in_(ids)
                )
            )
        )
        found["reminders"] = _rows(
            await self.session.execute(
                select(WheelEventRow.title, ReminderRow.due_at, ReminderRow.status, ReminderRow.finished_at)
                .join(WheelEventRow, WheelEventRow.id == ReminderRow.event_id)
                .where(
                    WheelEventRow.forum_id == forum_id,
                    ReminderRow.target.in_(_targets(person)),
                )
                .order_by(ReminderRow.due_at)
            )
        )
        found["audit_log"] = _rows(
            await self.session.execute(
                select(AuditEntryRow.at, AuditEntryRow.action, AuditEntryRow.subject, AuditEntryRow.detail)
                .where(AuditEntryRow.forum_id == forum_id, AuditEntryRow.actor.in_(ids))
                .order_by(AuditEntryRow.id)
            )
        )
        return found

    # --- erasing ----------------------------------------------------------

    async def erase(self, person: StoredPerson, marker: str, now: datetime) -> dict[str, int]:
        """Put ``marker`` where the person was named, and drop what is only
        about them (reminders to them, their 1:1 chat and language choice, a report's contact
        fields naming them). Returns how many rows each kind touched."""
        forum_id, ids = person.forum_id, list(person.aad_object_ids)
        counts: dict[str, int] = {}
        reports = select(NeedsReportRow.id).where(NeedsReportRow.forum_id == forum_id)
        votes = select(VoteRow.id).where(VoteRow.forum_id == forum_id)
        meetings = select(MeetingRow.id).where(MeetingRow.forum_id == forum_id)
        for name, table, column, scope in (
            ("report_created_by", NeedsReportRow, NeedsReportRow.created_by, NeedsReportRow.forum_id == forum_id),
            ("report_updated_by", NeedsReportRow, NeedsReportRow.updated_by, NeedsReportRow.forum_id == forum_id),
            (
                "report_revisions",
                NeedsReportRevisionRow,
                NeedsReportRevisionRow.by,
                NeedsReportRevisionRow.report_id.in_(reports),
            ),
            (
                "report_status_changes",
                NeedsReportStatusRow,
                NeedsReportStatusRow.by,
                NeedsReportStatusRow.report_id.in_(reports),
            ),
            ("ballots", BallotRow, BallotRow.cast_by, BallotRow.vote_id.in_(votes)),
            ("ballot_log", BallotCastRow, BallotCastRow.cast_by, BallotCastRow.vote_id.in_(votes)),
            ("votes_opened", VoteRow, VoteRow.created_by, VoteRow.forum_id == forum_id),
            ("votes_closed", VoteRow, VoteRow.closed_by, VoteRow.forum_id == forum_id),
            ("votes_decided", VoteRow, VoteRow.decided_by, VoteRow.forum_id == forum_id),
            ("wheel_events", WheelEventRow, WheelEventRow.updated_by, WheelEventRow.forum_id == forum_id),
            (
                "competence_areas",
                CompetenceAreaListRow,
                CompetenceAreaListRow.set_by,
                CompetenceAreaListRow.forum_id == forum_id,
            ),
            ("budgets", BudgetRow, BudgetRow.updated_by, BudgetRow.forum_id == forum_id),
            (
                "allocation_saved_by",
                AllocationProposalRow,
                AllocationProposalRow.updated_by,
                AllocationProposalRow.forum_id == forum_id,
            ),
            (
                "allocation_posted_by",
                AllocationProposalRow,
                AllocationProposalRow.posted_by,
                AllocationProposalRow.forum_id == forum_id,
            ),
            ("award_letters_sent_by", AwardLetterRow, AwardLetterRow.sent_by, AwardLetterRow.forum_id == forum_id),
            *(
                (f"grant_reports_{column.key}", GrantReportRow, column, GrantReportRow.forum_id == forum_id)
                for column in (GrantReportRow.created_by, GrantReportRow.updated_by, GrantReportRow.sent_by)
            ),
            ("announcements_sent_by", AnnouncementRow, AnnouncementRow.sent_by, AnnouncementRow.forum_id == forum_id),
            ("meetings_noticed_by", MeetingRow, MeetingRow.noticed_by, MeetingRow.forum_id == forum_id),
            (
                "minutes_saved_by",
                MeetingMinutesRow,
                MeetingMinutesRow.saved_by,
                MeetingMinutesRow.meeting_id.in_(meetings),
            ),
            (
                "minutes_approved_by",
                MeetingMinutesRow,
                MeetingMinutesRow.approved_by,
                MeetingMinutesRow.meeting_id.in_(meetings),
            ),
            (
                "meeting_answers",
                MeetingAnswerRow,
                MeetingAnswerRow.answered_by,
                MeetingAnswerRow.meeting_id.in_(meetings),
            ),
            ("channel_setup", ForumRow, ForumRow.bound_by, ForumRow.id == forum_id),
            ("audit_log", AuditEntryRow, AuditEntryRow.actor, AuditEntryRow.forum_id == forum_id),
        ):
            if ids:
                result = await self.session.execute(
                    update(table).where(scope, column.in_(ids)).values({column.key: marker})
                )
                counts[name] = result.rowcount
        counts["report_contacts"] = await self._drop_contact(person)
        events = select(WheelEventRow.id).where(WheelEventRow.forum_id == forum_id)
        result = await self.session.execute(
            delete(ReminderRow).where(
                ReminderRow.event_id.in_(events),
                ReminderRow.target.in_(_targets(person)),
            )
        )
        counts["reminders"] = result.rowcount
        result = await self.session.execute(
            delete(AwardLetterDeliveryRow).where(
                AwardLetterDeliveryRow.forum_id == forum_id, AwardLetterDeliveryRow.target.in_(_targets(person))
            )
        )
        counts["award_letters_received"] = result.rowcount
        announcements = select(AnnouncementRow.id).where(AnnouncementRow.forum_id == forum_id)
        for name, table, scope in (
            (
                "announcements_received",
                AnnouncementDeliveryRow,
                AnnouncementDeliveryRow.announcement_id.in_(announcements),
            ),
            ("meeting_messages_received", MeetingDeliveryRow, MeetingDeliveryRow.meeting_id.in_(meetings)),
        ):
            result = await self.session.execute(delete(table).where(scope, table.target.in_(_targets(person))))
            counts[name] = result.rowcount
        still_known = select(PersonRow.aad_object_id).where(PersonRow.id != person.id, PersonRow.aad_object_id.in_(ids))
        result = await self.session.execute(
            delete(PersonalConversationRow).where(
                PersonalConversationRow.aad_object_id.in_(ids),
                PersonalConversationRow.aad_object_id.not_in(still_known),
            )
        )
        counts["chats"] = result.rowcount
        result = await self.session.execute(
            delete(LanguageChoiceRow).where(
                LanguageChoiceRow.aad_object_id.in_(ids), LanguageChoiceRow.aad_object_id.not_in(still_known)
            )
        )
        counts["language"] = result.rowcount
        result = await self.session.execute(
            delete(ForumChoiceRow).where(ForumChoiceRow.forum_id == forum_id, ForumChoiceRow.aad_object_id.in_(ids))
        )
        counts["forum_choices"] = result.rowcount
        # A place set in Teams for someone who has left is no one's any more.
        for change in await self._roster_changes(forum_id):
            if _names(change, ids):
                await self.session.delete(change)
            elif change.set_by in ids:
                change.set_by = marker
        await self.session.execute(
            update(PersonRow)
            .where(PersonRow.id == person.id)
            .values(
                name=marker, email=f"slettet-{person.id}", aad_object_id=None, former_aad_object_id=None, erased_at=now
            )
        )
        await self.session.execute(
            update(ForumRow).where(ForumRow.id == forum_id).values(roster_version=ForumRow.roster_version + 1)
        )
        return counts

    async def _roster_changes(self, forum_id: str) -> list[RosterChangeRow]:
        return list(await self.session.scalars(select(RosterChangeRow).where(RosterChangeRow.forum_id == forum_id)))

    async def _drop_contact(self, person: StoredPerson) -> int:
        touched = 0
        reports = (
            await self.session.execute(select(NeedsReportRow).where(NeedsReportRow.forum_id == person.forum_id))
        ).scalars()
        for report in reports:
            if is_contact(report.fields, person) or is_contact(report.draft, person):
                if is_contact(report.fields, person):
                    report.fields = without_contact(report.fields)
                if is_contact(report.draft, person):
                    report.draft = without_contact(report.draft)
                touched += 1
                for revision in (
                    await self.session.execute(
                        select(NeedsReportRevisionRow).where(NeedsReportRevisionRow.report_id == report.id)
                    )
                ).scalars():
                    if is_contact(revision.fields, person):
                        revision.fields = without_contact(revision.fields)
        await self.session.flush()
        return touched

    # --- keeping no longer than needed -----------------------------------

    async def purge_reports_before(self, year: int) -> dict[str, int]:
        """Drafts and contact fields of every forum's reports for years
        before ``year``; returns how many reports changed, by forum."""
        touched: dict[str, int] = {}
        reports = (await self.session.execute(select(NeedsReportRow).where(NeedsReportRow.year < year))).scalars()
        for report in reports:
            if report.draft is None and report.fields == without_contact(report.fields):
                continue
            report.fields, report.draft = without_contact(report.fields), None
            touched[report.forum_id] = touched.get(report.forum_id, 0) + 1
            for revision in (
                await self.session.execute(
                    select(NeedsReportRevisionRow).where(NeedsReportRevisionRow.report_id == report.id)
                )
            ).scalars():
                revision.fields = without_contact(revision.fields)
        await self.session.flush()
        return touched


def _names(change: RosterChangeRow, ids: list[str]) -> bool:
    """Whether a change made in Teams put the person on a seat."""
    return (change.value or {}).get("aad_object_id") in ids


def _targets(person: StoredPerson) -> list[str]:
    """Where a reminder or a letter to the person went."""
    return [f"{PERSON_TARGET}{i}" for i in person.aad_object_ids] + [f"roster:{person.id}"]

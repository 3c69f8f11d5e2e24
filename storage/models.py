"""SQLAlchemy table models. The forum's rules never see these: repositories
translate them into the plain objects of ``bot.forum``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Moments in UTC, aware on the way in and out. SQLite keeps no time
    zone, so without this it would hand back naive times that cannot be
    compared with aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    # Named constraints, so that later migrations can address them on
    # SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ForumRow(Base):
    __tablename__ = "forums"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(200))
    # Where proactive posts to the forum channel go (service URL, tenant, bot id).
    channel_reference: Mapped[dict | None] = mapped_column(JSON)
    bound_by: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Raised by every change of the forum's organisations, seats or people,
    # so that a process may keep the roster it read until the number moves.
    roster_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Part of the calendar feed's secret address: raised to make a new
    # address when the old one has gone to someone it should not.
    calendar_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrganisationRow(Base):
    __tablename__ = "organisations"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    submits_needs: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SeatRow(Base):
    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("forum_id", "organisation_id", "number"),
        ForeignKeyConstraint(
            ["forum_id", "organisation_id"],
            ["organisations.forum_id", "organisations.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PersonRow(Base):
    """A person's place in one forum: Statsforvalter, or representative or
    deputy on a seat. People leave the roster by being marked inactive, so
    that what they did stays attributable."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("forum_id", "email"),
        UniqueConstraint("forum_id", "aad_object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-case: e-mail matching is case-insensitive.
    email: Mapped[str] = mapped_column(String(320))
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Entra object id someone had when they left the roster (the live
    # one is freed for whoever holds it next): what they did is found by it
    # when they ask what is stored about them, and erased by it.
    former_aad_object_id: Mapped[str | None] = mapped_column(String(64))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntryRow(Base):
    """One administrative action: who did what to what, and when. Written
    in the same transaction as the action, so it is there exactly when the
    action is."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_forum_at", "forum_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str | None] = mapped_column(String(64))  # Entra object id; None: the bot itself
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSON)


class HandledActivityRow(Base):
    """An activity a replica has taken on, so that Teams delivering it again
    (to this replica or another) is not handled twice. Kept a day."""

    __tablename__ = "handled_activities"
    __table_args__ = (Index("ix_handled_activities_at", "at"),)

    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class PersonalConversationRow(Base):
    """The 1:1 chat the bot has with a person, for personal nudges later."""

    __tablename__ = "personal_conversations"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200))
    reference: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RosterChangeRow(Base):
    """A change the Statsforvalter made to the roster in Teams, by place:
    ``seat:<organisation>:<number>:<role>`` (who holds it) or
    ``organisation:<id>`` (added or retired). It stands over the roster
    file for that place at every start."""

    __tablename__ = "roster_changes"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    place: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ForumChoiceRow(Base):
    """The forum a person in several forums chose for their 1:1 chat with
    the bot. Only a hint: it counts while they are on that forum's roster."""

    __tablename__ = "forum_choices"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LanguageChoiceRow(Base):
    """The language a person chose with «språk»: it goes before their Teams
    locale in every reply, and is the language of what is sent to them alone.
    A person's, not a forum's, as their 1:1 chat is."""

    __tablename__ = "language_choices"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NeedsReportNumberRow(Base):
    """The last reference number given to a needs report of a forum and
    year: sends take the next one by one atomic increment, so that a whole
    forum sending at once never meets on the same number."""

    __tablename__ = "needs_report_numbers"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class NeedsReportRow(Base):
    __tablename__ = "needs_reports"
    __table_args__ = (
        UniqueConstraint("forum_id", "year", "number"),
        ForeignKeyConstraint(["forum_id", "organisation_id"], ["organisations.forum_id", "organisations.id"]),
        Index("ix_needs_reports_forum_year", "forum_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    fields: Mapped[dict] = mapped_column(JSON)
    draft: Mapped[dict | None] = mapped_column(JSON)
    # Bumped on every change; a card carries the version it was made from.
    version: Mapped[int] = mapped_column(Integer)
    # Copies of sent values that the overview sums and groups by.
    title: Mapped[str] = mapped_column(String(200), default="")
    competence_areas: Mapped[list] = mapped_column(JSON, default=list)
    amount_applied: Mapped[int | None] = mapped_column(BigInteger)
    granted_amount: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by the Statsforvalter: the organisation may change it after the deadline.
    reopened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NeedsReportRevisionRow(Base):
    """The sent values after each submission or edit: who, when, what."""

    __tablename__ = "needs_report_revisions"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("needs_reports.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON)
    by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class NeedsReportStatusRow(Base):
    """Every status change: who moved the report where, and when."""

    __tablename__ = "needs_report_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("needs_reports.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    granted_amount: Mapped[int | None] = mapped_column(BigInteger)
    by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CompetenceAreaListRow(Base):
    """A year's competence areas, set by the Statsforvalter."""

    __tablename__ = "competence_area_lists"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    areas: Mapped[list] = mapped_column(JSON)
    set_by: Mapped[str | None] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BudgetRow(Base):
    """A year's budget, set by the Statsforvalter from the allocation letter."""

    __tablename__ = "budgets"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    frame: Mapped[int] = mapped_column(BigInteger)
    # competence area code -> kroner set aside for it
    reserved: Mapped[dict] = mapped_column(JSON)
    # Bumped on every change; the form carries the version it was made from.
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AllocationProposalRow(Base):
    """A year's allocation proposal: the open reports in priority order
    with the amount proposed for each."""

    __tablename__ = "allocation_proposals"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    lines: Mapped[list] = mapped_column(JSON)  # [[report id, kroner proposed], ...] in priority order
    # Bumped on every change; the card carries the version it was made from.
    version: Mapped[int] = mapped_column(Integer)
    from_vote_id: Mapped[int | None] = mapped_column(Integer)  # the vote the order was last taken from
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_by: Mapped[str | None] = mapped_column(String(64))
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The table as decided: [{"report_id", "reference", "organisation", "title", "applied", "granted"}, ...]
    decided_lines: Mapped[list | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_vote_id: Mapped[int | None] = mapped_column(Integer)


class AwardLetterRow(Base):
    """The award letters of a year's decided allocation, as the
    Statsforvalter sent them: one per forum and year."""

    __tablename__ = "award_letters"

    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    conditions: Mapped[str] = mapped_column(Text)
    # The wheel's reporting deadline the letters name; the time is kept
    # too, as the letters said it, should the event later move or go.
    deadline_event_id: Mapped[int | None] = mapped_column(Integer)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AwardLetterDeliveryRow(Base):
    """One award letter to one person's 1:1 chat: it goes out once, the way
    a reminder does (storage.outbox)."""

    __tablename__ = "award_letter_deliveries"
    __table_args__ = (
        UniqueConstraint("forum_id", "year", "organisation_id", "target"),
        ForeignKeyConstraint(
            ["forum_id", "year"], ["award_letters.forum_id", "award_letters.year"], ondelete="CASCADE"
        ),
        Index("ix_award_letter_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[str] = mapped_column(String(64))
    # "person:<Entra object id>", or "roster:<people.id>" for someone the
    # roster knows only by e-mail (never sent: not reachable)
    target: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # as a reminder's
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class GrantReportRow(Base):
    """What an organisation reported back on a granted needs report: the
    values as last sent, and the draft of work in progress over them."""

    __tablename__ = "grant_reports"
    __table_args__ = (Index("ix_grant_reports_forum", "forum_id"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("needs_reports.id", ondelete="CASCADE"), primary_key=True)
    forum_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict] = mapped_column(JSON)
    draft: Mapped[dict | None] = mapped_column(JSON)
    # Bumped on every save; a card carries the version it was made from.
    version: Mapped[int] = mapped_column(Integer)
    # Copies of sent figures that the overview and the export sum.
    money_used: Mapped[int | None] = mapped_column(BigInteger)
    unused: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(64))  # the latest send
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AnnouncementRow(Base):
    """An announcement (kunngjøring) as the Statsforvalter sent it."""

    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("forum_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))  # the form's own: a repeated press is the same announcement
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(1000))
    to_people: Mapped[bool] = mapped_column(Boolean)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AnnouncementDeliveryRow(Base):
    """One announcement to the channel or one person's 1:1 chat, once (storage.outbox)."""

    __tablename__ = "announcement_deliveries"
    __table_args__ = (
        UniqueConstraint("announcement_id", "target"),
        Index("ix_announcement_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(100))  # "channel", "person:<Entra object id>", "roster:<people.id>"
    status: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeetingRow(Base):
    """A forum meeting of the wheel, from its notice (innkalling) on."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("forum_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    # The wheel's meeting; its title and time are kept as the notice said
    # them, should the event later move or go.
    event_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(1000))  # the Teams meeting, or ""
    agenda: Mapped[list] = mapped_column(JSON)  # ["item", ...]
    papers: Mapped[list] = mapped_column(JSON)  # [{"title", "url"}, ...]
    noticed_by: Mapped[str | None] = mapped_column(String(64))
    noticed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeetingAnswerRow(Base):
    """A representative's or deputy's answer to a meeting's notice: the
    latest one counts."""

    __tablename__ = "meeting_answers"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    seat_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)  # representative | deputy
    coming: Mapped[bool] = mapped_column(Boolean)
    answered_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeetingMinutesRow(Base):
    """A meeting's minutes (referat): the draft the Statsforvalter writes,
    and once approved, the attendance and decisions as they were then."""

    __tablename__ = "meeting_minutes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # Bumped on every save; a card carries the version it was made from.
    version: Mapped[int] = mapped_column(Integer)
    attendance: Mapped[list | None] = mapped_column(JSON)  # as approved: [{"organisation", "seat", "attends", "name"}]
    decisions: Mapped[list | None] = mapped_column(JSON)  # as approved: [{"question", "outcome", "at"}]
    saved_by: Mapped[str | None] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeetingDeliveryRow(Base):
    """One message about a meeting to one place, once (storage.outbox): the
    notice, a deputy's call to stand in, or the reminder to answer, which
    waits until ``due_at``."""

    __tablename__ = "meeting_deliveries"
    __table_args__ = (
        UniqueConstraint("meeting_id", "purpose", "target"),
        Index("ix_meeting_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # notice | deputy_call | reminder | minutes
    seat_id: Mapped[int | None] = mapped_column(Integer)  # None: the channel
    target: Mapped[str] = mapped_column(String(100))  # "channel", "person:<Entra object id>", "roster:<people.id>"
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AppSecretRow(Base):
    """A secret the bot made for itself (for example the key that signs
    download links), kept here so that every replica and restart shares it."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WheelEventRow(Base):
    __tablename__ = "wheel_events"
    __table_args__ = (Index("ix_wheel_events_forum_starts", "forum_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(String(2000), default="")
    offsets: Mapped[list] = mapped_column(JSON)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReminderRow(Base):
    """One reminder to one place: the forum channel, or one person's 1:1
    chat. The unique key is what makes a reminder go out at most once for
    the time the event has; when the event moves, the rows of its old time
    that went out stay as history and the new time gets rows of its own."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("event_id", "event_starts_at", "offset_minutes", "target"),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("wheel_events.id", ondelete="CASCADE"))
    # The event's start this reminder is for.
    event_starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    offset_minutes: Mapped[int] = mapped_column(Integer)
    # "channel", "person:<Entra object id>", or "roster:<people.id>" for
    # someone the roster knows only by e-mail (never sent: not reachable)
    target: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # planned → claimed → sending → sent | failed | not_reachable | uncertain
    # (sending → claimed again after Teams refused an attempt); or skipped / cancelled
    status: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VoteRow(Base):
    __tablename__ = "votes"
    __table_args__ = (Index("ix_votes_status_closes_at", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forum_id: Mapped[str] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list] = mapped_column(JSON)  # [{"id": 1, "label": "...", "report_id": null}, ...]
    kind: Mapped[str] = mapped_column(String(20), default="one", server_default="one")  # one | up_to | ranking | points
    max_choices: Mapped[int] = mapped_column(Integer)  # how many options a ballot may name
    points: Mapped[int | None] = mapped_column(Integer)  # points vote: the N points each seat spreads
    places: Mapped[int | None] = mapped_column(Integer)  # ranked and points votes: how many they prioritise
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    live: Mapped[bool] = mapped_column(Boolean)
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # open | awaiting_decision | decided
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Every ballot and every change of status takes this row first, so a
    # ballot and the close cannot pass each other (see VoteRepository).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    card_activity_id: Mapped[str | None] = mapped_column(String(200))  # the vote card in the channel
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))  # None: by the clock
    result: Mapped[dict | None] = mapped_column(JSON)  # the tally at the close
    escalation: Mapped[str | None] = mapped_column(String(20))  # tie | quorum
    chosen: Mapped[list | None] = mapped_column(JSON)  # option ids
    decided_by: Mapped[str | None] = mapped_column(String(64))  # None: the forum's ballots decided
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(2000))
    allocation_year: Mapped[int | None] = mapped_column(Integer)  # a vote on that year's allocation proposal


class BallotRow(Base):
    """A seat's current ballot: one per seat and vote, whoever of the
    representative and the deputy cast it last."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "seat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    choices: Mapped[list] = mapped_column(JSON)  # option ids, in the seat's order
    points: Mapped[list | None] = mapped_column(JSON)  # points vote: each choice's points
    cast_by: Mapped[str] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BallotCastRow(Base):
    """Every ballot as it was cast, replaced ones included: the decisions log."""

    __tablename__ = "ballot_casts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    choices: Mapped[list] = mapped_column(JSON)  # option ids, in the seat's order
    points: Mapped[list | None] = mapped_column(JSON)  # points vote: each choice's points
    cast_by: Mapped[str] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime)

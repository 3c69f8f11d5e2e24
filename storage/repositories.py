"""Repositories: the forum's questions and changes, in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forum.roster import Forum, Membership, Organisation, Person, Role, Roster, Seat
from storage.models import (
    ForumRow,
    HandledActivityRow,
    OrganisationRow,
    PersonalConversationRow,
    PersonRow,
    SeatRow,
)

# The statements every message runs are built once: building one and working
# out its cache key cost more CPU than running it on SQLite.
_PEOPLE = (
    select(ForumRow, PersonRow, OrganisationRow)
    .join(PersonRow, PersonRow.forum_id == ForumRow.id)
    .outerjoin(SeatRow, SeatRow.id == PersonRow.seat_id)
    .outerjoin(
        OrganisationRow,
        (OrganisationRow.forum_id == SeatRow.forum_id) & (OrganisationRow.id == SeatRow.organisation_id),
    )
    .where(PersonRow.active.is_(True))
    .order_by(ForumRow.id)
)
_PEOPLE_WITH_AAD = _PEOPLE.where(PersonRow.aad_object_id == bindparam("key"))
_PEOPLE_WITH_EMAIL = _PEOPLE.where(PersonRow.email == bindparam("key"))
_FORUM_OF_TEAM = select(ForumRow).where(ForumRow.team_id == bindparam("team"))
_PERSONAL_CHAT = select(PersonalConversationRow.user_id, PersonalConversationRow.reference).where(
    PersonalConversationRow.aad_object_id == bindparam("aad")
)
# Of the table, not the entity: the ORM would take the parameters as a bulk
# insert, which tells no row count.
_TAKE = {
    dialect: insert(HandledActivityRow.__table__)
    .values(conversation_id=bindparam("conversation"), activity_id=bindparam("activity"), at=bindparam("at"))
    .on_conflict_do_nothing()
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _forum(row: ForumRow) -> Forum:
    return Forum(row.id, row.name, row.timezone, row.team_id, row.channel_id)


def _person(row: PersonRow) -> Person:
    return Person(row.id, row.name, row.email, row.aad_object_id, Role(row.role), row.seat_id)


class ForumRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # The rows read, kept for the unit of work (by id, and by team, a
        # team without a forum too): the session's identity map holds them
        # only weakly, and a turn asks for its forum's row again (the
        # channel's service URL, the roster's version), which is then
        # answered without a query.
        self._read: dict[str, ForumRow] = {}
        self._of_team: dict[str, ForumRow | None] = {}

    async def get(self, forum_id: str) -> Forum | None:
        row = await self._row(forum_id)
        return _forum(row) if row else None

    async def _row(self, forum_id: str) -> ForumRow | None:
        row = await self.session.get(ForumRow, forum_id)
        if row is not None:
            self._read[forum_id] = row
        return row

    async def by_team(self, team_id: str) -> Forum | None:
        row = await self._row_of_team(team_id)
        return _forum(row) if row else None

    async def _row_of_team(self, team_id: str) -> ForumRow | None:
        if team_id not in self._of_team:
            self._of_team[team_id] = await self.session.scalar(_FORUM_OF_TEAM, {"team": team_id})
        return self._of_team[team_id]

    async def channel_reference(self, forum_id: str) -> dict | None:
        row = await self._row(forum_id)
        return row.channel_reference if row else None

    async def bind_channel(
        self, forum_id: str, team_id: str, channel_id: str, reference: dict, by: str, at: datetime
    ) -> None:
        self._of_team.clear()
        await self.session.execute(
            update(ForumRow)
            .where(ForumRow.id == forum_id)
            .values(
                team_id=team_id,
                channel_id=channel_id,
                channel_reference=reference,
                bound_by=by,
                bound_at=at,
            )
        )

    async def calendar_generation(self, forum_id: str) -> int | None:
        return await self.session.scalar(select(ForumRow.calendar_generation).where(ForumRow.id == forum_id))

    async def new_calendar_generation(self, forum_id: str) -> int:
        return await self.session.scalar(
            update(ForumRow)
            .where(ForumRow.id == forum_id)
            .values(calendar_generation=ForumRow.calendar_generation + 1)
            .returning(ForumRow.calendar_generation)
        )

    async def refresh_service_url(self, team_id: str, service_url: str) -> bool:
        """Teams may move a team to another service URL; keep the channel
        reference current, writing only when it really changed."""
        row = await self._row_of_team(team_id)
        if row and row.channel_reference and row.channel_reference.get("service_url") != service_url:
            row.channel_reference = {**row.channel_reference, "service_url": service_url}
            return True
        return False


class RosterCache:
    """The rosters this process has read, each with the forum's roster
    version at the time. A ballot needs the whole roster (every seat, on
    the card), and building it from some thousand rows cost more than the
    rest of the ballot together; one small query tells whether it is still
    current, here and after a change by another replica."""

    def __init__(self) -> None:
        self._rosters: dict[str, tuple[int, Roster]] = {}

    def get(self, forum: Forum, version: int) -> Roster | None:
        kept = self._rosters.get(forum.id)
        if kept is None or kept[0] != version:
            return None
        roster = kept[1]
        return roster if roster.forum == forum else replace(roster, forum=forum)

    def put(self, version: int, roster: Roster) -> None:
        self._rosters[roster.forum.id] = (version, roster)


class RosterRepository:
    def __init__(self, session: AsyncSession, cache: RosterCache | None = None) -> None:
        self.session = session
        self._cache = cache or RosterCache()

    async def people_with_aad(self, aad_object_id: str) -> list[Membership]:
        return await self._people(_PEOPLE_WITH_AAD, aad_object_id)

    async def people_with_email(self, email: str) -> list[Membership]:
        return await self._people(_PEOPLE_WITH_EMAIL, email.strip().lower())

    async def _people(self, statement, key: str) -> list[Membership]:
        # One query for person, forum and seat's organisation: it runs on
        # every message.
        rows = await self.session.execute(statement, {"key": key})
        return [
            Membership(_forum(f), _person(p), Organisation(o.id, o.name, o.kind, o.submits_needs) if o else None)
            for f, p, o in rows
        ]

    async def remember_aad_object_id(self, person_id: int, aad_object_id: str) -> None:
        await self.session.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(aad_object_id=aad_object_id)
        )
        await self.session.execute(
            update(ForumRow)
            .where(ForumRow.id == select(PersonRow.forum_id).where(PersonRow.id == person_id).scalar_subquery())
            .values(roster_version=ForumRow.roster_version + 1)
        )

    async def roster(self, forum: Forum) -> Roster:
        # The forum's row is most often already in the session, kept there by
        # the forums repository (the turn found its forum through it), and
        # then no query is needed.
        row = await self.session.get(ForumRow, forum.id)
        version = row.roster_version if row else 0
        roster = self._cache.get(forum, version)
        if roster is None:
            roster = await self._read_roster(forum)
            self._cache.put(version, roster)
        return roster

    async def _read_roster(self, forum: Forum) -> Roster:
        # Plain columns, not ORM objects: read on every ballot, and building
        # hundreds of tracked objects cost more than the queries.
        orgs = await self.session.execute(
            select(OrganisationRow.id, OrganisationRow.name, OrganisationRow.kind, OrganisationRow.submits_needs)
            .where(OrganisationRow.forum_id == forum.id, OrganisationRow.active.is_(True))
            .order_by(OrganisationRow.position)
        )
        seats = await self.session.execute(
            select(SeatRow.id, SeatRow.organisation_id, SeatRow.number)
            .where(SeatRow.forum_id == forum.id, SeatRow.active.is_(True))
            .order_by(SeatRow.number)
        )
        people = [
            _person(p)
            for p in await self.session.execute(
                select(
                    PersonRow.id,
                    PersonRow.name,
                    PersonRow.email,
                    PersonRow.aad_object_id,
                    PersonRow.role,
                    PersonRow.seat_id,
                )
                .where(PersonRow.forum_id == forum.id, PersonRow.active.is_(True))
                .order_by(PersonRow.id)
            )
        ]
        on_seat: dict[tuple[int, Role], Person] = {(p.seat_id, p.role): p for p in people if p.seat_id is not None}
        seats_of: dict[str, list[Seat]] = defaultdict(list)
        for s in seats:
            seats_of[s.organisation_id].append(
                Seat(
                    s.id,
                    s.organisation_id,
                    s.number,
                    on_seat.get((s.id, Role.REPRESENTATIVE)),
                    on_seat.get((s.id, Role.DEPUTY)),
                )
            )
        return Roster(
            forum=forum,
            statsforvalter=tuple(p for p in people if p.role is Role.STATSFORVALTER),
            organisations=tuple(
                Organisation(o.id, o.name, o.kind, o.submits_needs, tuple(seats_of[o.id])) for o in orgs
            ),
        )


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def personal(self, aad_object_id: str) -> dict | None:
        row = await self.session.get(PersonalConversationRow, aad_object_id)
        return row.reference if row else None

    async def teams_user(self, aad_object_id: str) -> tuple[str, dict] | None:
        """The person's Teams user id and what is known of their 1:1 chat
        (no conversation id when only the team's member list told us)."""
        row = await self.session.get(PersonalConversationRow, aad_object_id)
        return (row.user_id, row.reference) if row else None

    async def teams_users(self, aad_object_ids: list[str]) -> dict[str, str]:
        """The Teams user ids known for these people (Entra object id → id)."""
        if not aad_object_ids:
            return {}
        rows = await self.session.execute(
            select(PersonalConversationRow.aad_object_id, PersonalConversationRow.user_id).where(
                PersonalConversationRow.aad_object_id.in_(aad_object_ids)
            )
        )
        return {aad: user_id for aad, user_id in rows}

    async def teams_users_with_chats(self, aad_object_ids: Collection[str]) -> dict[str, tuple[str, dict]]:
        """teams_user for a whole batch of people in one statement; those
        Teams has not told the bot about are left out."""
        if not aad_object_ids:
            return {}
        rows = await self.session.execute(
            select(
                PersonalConversationRow.aad_object_id,
                PersonalConversationRow.user_id,
                PersonalConversationRow.reference,
            ).where(PersonalConversationRow.aad_object_id.in_(aad_object_ids))
        )
        return {aad: (user_id, reference) for aad, user_id, reference in rows}

    async def remember_member(self, aad_object_id: str, user_id: str, reference: dict, at: datetime) -> None:
        """A team member's Teams id, so the bot can open a 1:1 chat with
        them; a chat already known is kept."""
        if await self.session.get(PersonalConversationRow, aad_object_id) is None:
            await self._upsert(aad_object_id, user_id, reference, at, replace=False)

    async def remember_personal(self, aad_object_id: str, user_id: str, reference: dict, at: datetime) -> bool:
        """Store the 1:1 chat's reference; returns whether anything changed.
        Most messages change nothing, and skipping the write keeps SQLite's
        single writer free for work that matters."""
        known = (await self.session.execute(_PERSONAL_CHAT, {"aad": aad_object_id})).first()
        if known is not None and known.reference == reference and known.user_id == user_id:
            return False
        await self._upsert(aad_object_id, user_id, reference, at, replace=True)
        row = self.session.identity_map.get(self.session.identity_key(PersonalConversationRow, aad_object_id))
        if row is not None:
            self.session.expire(row)  # written by the statement, not through it
        return True

    async def _upsert(self, aad_object_id: str, user_id: str, reference: dict, at: datetime, replace: bool) -> None:
        """One statement, so that a person's first presses arriving together
        (each finding no row yet) do not fail on the primary key."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        values = {"user_id": user_id, "reference": reference, "updated_at": at}
        statement = insert(PersonalConversationRow).values(aad_object_id=aad_object_id, **values)
        key = [PersonalConversationRow.aad_object_id]
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=key, set_=values)
            if replace
            else statement.on_conflict_do_nothing(index_elements=key),
            execution_options={"synchronize_session": False},
        )


class ActivityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, conversation_id: str, activity_id: str, at: datetime) -> bool:
        """True for the first replica to take the activity on; one statement,
        so two replicas taking it at once cannot both succeed."""
        result = await self.session.execute(
            _TAKE[self.session.bind.dialect.name], {"conversation": conversation_id, "activity": activity_id, "at": at}
        )
        return result.rowcount == 1

    async def forget_before(self, at: datetime) -> None:
        await self.session.execute(delete(HandledActivityRow).where(HandledActivityRow.at < at))


class RosterSync:
    """Makes the stored roster match the forum configuration file.

    Rows are updated in place, never recreated, so seats and people keep the
    ids that ballots and reports point to; those no longer in the file are
    marked inactive. An Entra object id learned from Teams is kept when the
    file does not give one."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply(self, forum) -> dict[str, int]:
        """What changed: people who joined, left or changed place or name,
        and organisations that came or went."""
        row = await self.session.get(ForumRow, forum.id)
        if row is None:
            self.session.add(ForumRow(id=forum.id, name=forum.name, timezone=forum.timezone))
        else:
            row.name, row.timezone = forum.name, forum.timezone
            row.roster_version += 1
        await self.session.flush()

        active_before = set(
            await self.session.scalars(
                select(OrganisationRow.id).where(OrganisationRow.forum_id == forum.id, OrganisationRow.active.is_(True))
            )
        )
        seat_ids = await self._organisations_and_seats(forum)
        changes = {"joined": 0, "left": 0, "changed": 0}
        wanted: dict[str, tuple[object, Role, int | None]] = {}
        for person in forum.statsforvalter:
            wanted[person.email.lower()] = (person, Role.STATSFORVALTER, None)
        for org in forum.organisations:
            for number, seat in enumerate(org.seats, start=1):
                seat_id = seat_ids[(org.id, number)]
                # A place may be vacant: an organisation added in Teams starts so.
                if seat.representative is not None:
                    wanted[seat.representative.email.lower()] = (seat.representative, Role.REPRESENTATIVE, seat_id)
                if seat.deputy is not None:
                    wanted[seat.deputy.email.lower()] = (seat.deputy, Role.DEPUTY, seat_id)

        existing = {
            p.email: p for p in await self.session.scalars(select(PersonRow).where(PersonRow.forum_id == forum.id))
        }
        # Free the Entra ids first: a swap of two people's ids must not trip
        # the unique constraint half-way.
        for email, row in existing.items():
            if email not in wanted:
                changes["left"] += row.active
                if row.aad_object_id:
                    row.former_aad_object_id = row.aad_object_id
                row.active, row.aad_object_id = False, None
            elif (given := wanted[email][0].aad_object_id) and row.aad_object_id != given.lower():
                row.aad_object_id = None  # set again below, after all are freed
        await self.session.flush()
        for email, (person, role, seat_id) in wanted.items():
            row = existing.get(email)
            if row is None or not row.active:
                changes["joined"] += 1
            elif (row.name, row.role, row.seat_id) != (person.name, role.value, seat_id):
                changes["changed"] += 1
            if row is None:
                row = PersonRow(forum_id=forum.id, email=email)
                self.session.add(row)
            row.name, row.role, row.seat_id, row.active = person.name, role.value, seat_id, True
            if person.aad_object_id:
                row.aad_object_id = person.aad_object_id.lower()
        await self.session.flush()
        now_active = {o.id for o in forum.organisations}
        changes["organisations_added"] = len(now_active - active_before)
        changes["organisations_retired"] = len(active_before - now_active)
        return changes

    async def _organisations_and_seats(self, forum) -> dict[tuple[str, int], int]:
        orgs = {
            o.id: o
            for o in await self.session.scalars(select(OrganisationRow).where(OrganisationRow.forum_id == forum.id))
        }
        for o in orgs.values():
            o.active = False
        for position, org in enumerate(forum.organisations):
            row = orgs.get(org.id)
            if row is None:
                row = OrganisationRow(forum_id=forum.id, id=org.id)
                self.session.add(row)
            row.name, row.kind, row.submits_needs = org.name, org.kind, org.submits_needs
            row.position, row.active = position, True
        await self.session.flush()

        seats = {
            (s.organisation_id, s.number): s
            for s in await self.session.scalars(select(SeatRow).where(SeatRow.forum_id == forum.id))
        }
        for s in seats.values():
            s.active = False
        for org in forum.organisations:
            for number in range(1, len(org.seats) + 1):
                row = seats.get((org.id, number))
                if row is None:
                    row = SeatRow(forum_id=forum.id, organisation_id=org.id, number=number)
                    self.session.add(row)
                    seats[(org.id, number)] = row
                row.active = True
        await self.session.flush()
        return {key: row.id for key, row in seats.items()}

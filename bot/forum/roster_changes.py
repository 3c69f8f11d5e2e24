"""The Statsforvalter's changes to the roster from Teams: who holds a seat's
representative or deputy place, and organisations added or retired.

The roster file is read at every start. A place changed in Teams stands
over the file from then on, as the competence areas do: the file's person
for that seat place is left alone, an organisation retired in Teams stays
retired though the file lists it, and one added in Teams stays as Teams
made it (one seat, its people picked in Teams) whether the file lists it
or not. A person holds one place in a forum: one placed in Teams
leaves the place the file gives them. Every change is in the audit log.

People are picked in Teams by Entra object id. Their name and e-mail come
from Teams' member list where Teams tells them (otherwise the name is
typed, and the person is kept without an e-mail)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.roster import Actor, Forum, Refused, Roster

GUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KINDS = ("vo-nettverk", "fylkeskommune", "organisasjon", "uh")
ROLES = ("representative", "deputy")
MAX_NAME = 200
# Stands in for the e-mail of someone picked in Teams whose e-mail Teams
# did not tell: the roster keys people by e-mail, and this is no address.
NO_EMAIL = "entra:"


# --- a roster as the roster sync takes it (the file's shape) -----------------


@dataclass(frozen=True)
class PlanPerson:
    name: str
    email: str
    aad_object_id: str | None


@dataclass(frozen=True)
class PlanSeat:
    representative: PlanPerson | None
    deputy: PlanPerson | None


@dataclass(frozen=True)
class PlanOrganisation:
    id: str
    name: str
    kind: str
    submits_needs: bool
    seats: tuple[PlanSeat, ...]


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    timezone: str
    statsforvalter: tuple[PlanPerson, ...]
    organisations: tuple[PlanOrganisation, ...]


def _person(p) -> PlanPerson | None:
    return PlanPerson(p.name, p.email.lower(), p.aad_object_id) if p is not None else None


def _plan(forum, statsforvalter, organisations) -> Plan:
    return Plan(
        forum.id,
        forum.name,
        forum.timezone,
        tuple(_person(p) for p in statsforvalter),
        tuple(
            PlanOrganisation(
                o.id,
                o.name,
                o.kind,
                o.submits_needs,
                tuple(PlanSeat(_person(s.representative), _person(s.deputy)) for s in o.seats),
            )
            for o in organisations
        ),
    )


def plan_of_file(forum) -> Plan:
    """The forum as its roster file says (a bot.forum.config_file.ForumConfig)."""
    return _plan(forum, forum.statsforvalter, forum.organisations)


def plan_of_roster(roster: Roster) -> Plan:
    """The forum as it is stored now."""
    return _plan(roster.forum, roster.statsforvalter, roster.organisations)


def seat_place(organisation_id: str, number: int, role: str) -> str:
    return f"seat:{organisation_id}:{number}:{role}"


def organisation_place(organisation_id: str) -> str:
    return f"organisation:{organisation_id}"


def with_changes(plan: Plan, changes: dict[str, dict]) -> Plan:
    """``plan`` with the changes made in Teams over it (place → value)."""
    organisations = {o.id: o for o in plan.organisations}
    for place, value in changes.items():
        kind, _, organisation_id = place.partition(":")
        if kind != "organisation":
            continue
        if value.get("retired"):
            organisations.pop(organisation_id, None)
        else:  # as added in Teams, though the file lists it too
            organisations[organisation_id] = PlanOrganisation(
                organisation_id, value["name"], value["kind"], value["submits_needs"], (PlanSeat(None, None),)
            )
    placed: list[tuple[str, int, str]] = []
    for place, value in changes.items():
        if not place.startswith("seat:"):
            continue
        _, organisation_id, number, role = place.split(":")
        organisation = organisations.get(organisation_id)
        if organisation is None or not 1 <= int(number) <= len(organisation.seats):
            continue  # its organisation is gone, or has fewer seats now
        person = PlanPerson(value["name"], value["email"] or NO_EMAIL + value["aad_object_id"], value["aad_object_id"])
        seats = list(organisation.seats)
        seats[int(number) - 1] = replace(seats[int(number) - 1], **{role: person})
        organisations[organisation_id] = replace(organisation, seats=tuple(seats))
        placed.append((organisation_id, int(number), role))
    return replace(plan, organisations=_one_place_each(plan.statsforvalter, list(organisations.values()), placed))


def _one_place_each(statsforvalter, organisations: list[PlanOrganisation], placed) -> tuple[PlanOrganisation, ...]:
    """A person on two places keeps the first of: the Statsforvalter, a
    place set in Teams, a place from the file; the others fall vacant."""
    seen: set[str] = set()

    def take(person: PlanPerson | None) -> bool:
        if person is None:
            return False
        keys = {person.email, person.aad_object_id} - {None}
        if keys & seen:
            return False
        seen.update(keys)
        return True

    for person in statsforvalter:
        take(person)
    kept: set[tuple[str, int, str]] = set()
    by_id = {o.id: o for o in organisations}
    for organisation_id, number, role in placed:
        if take(getattr(by_id[organisation_id].seats[number - 1], role)):
            kept.add((organisation_id, number, role))
    result = []
    for organisation in organisations:
        seats = []
        for number, seat in enumerate(organisation.seats, start=1):
            holders = {}
            for role in ROLES:
                person = getattr(seat, role)
                holders[role] = person if (organisation.id, number, role) in kept or take(person) else None
            seats.append(PlanSeat(**holders))
        result.append(replace(organisation, seats=tuple(seats)))
    return tuple(result)


# --- the changes ----------------------------------------------------------------


@dataclass(frozen=True)
class SetSeatPerson:
    organisation_id: str
    number: int
    role: str
    aad_object_id: str  # from the people picker: checked here
    name: str  # from Teams' member list, or typed
    email: str | None  # from Teams' member list


@dataclass(frozen=True)
class AddOrganisation:
    id: str
    name: str
    kind: str
    submits_needs: bool


def _forum(actor: Actor) -> Forum:
    if actor.forum is None:
        raise Refused("not_in_roster")
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    return actor.forum


async def set_seat_person(uow, actor: Actor, change: SetSeatPerson, now: datetime) -> None:
    forum = _forum(actor)
    if change.role not in ROLES:
        raise Refused("bad_card_data")
    aad = change.aad_object_id.strip().lower()
    if not GUID.fullmatch(aad):
        raise Refused("roster_bad_person")
    roster = await uow.roster.roster(forum)
    organisation = next((o for o in roster.organisations if o.id == change.organisation_id), None)
    seat = next((s for s in organisation.seats if s.number == change.number), None) if organisation else None
    if seat is None:
        raise Refused("roster_no_seat")
    current = getattr(seat, change.role)
    if current is not None and current.aad_object_id == aad:
        raise Refused("roster_unchanged", name=current.name)
    if any(p.aad_object_id == aad for p in roster.statsforvalter):
        raise Refused("roster_is_statsforvalter")
    holding = next((o for o in roster.organisations for p in o.people if p.aad_object_id == aad), None)
    if holding is not None:
        raise Refused("roster_holds_a_seat", organisation=holding.name)
    name = " ".join(change.name.split())[:MAX_NAME]
    if not name:
        raise Refused("roster_name_needed")
    email = (change.email or "").strip().lower() or None
    place = seat_place(organisation.id, seat.number, change.role)
    value = {"aad_object_id": aad, "name": name, "email": email}
    await _change(
        uow,
        actor,
        roster,
        place,
        value,
        now,
        Action.ROSTER_SEAT_SET,
        place,
        before=current.aad_object_id if current else None,
        after=aad,
    )


async def retire_organisation(uow, actor: Actor, organisation_id: str, now: datetime) -> str:
    """Returns the retired organisation's name."""
    forum = _forum(actor)
    roster = await uow.roster.roster(forum)
    organisation = next((o for o in roster.organisations if o.id == organisation_id), None)
    if organisation is None:
        raise Refused("roster_no_organisation")
    # Who held its seats is void: back again, it starts with a vacant seat.
    await uow.roster_changes.forget_seats(forum.id, organisation.id)
    await _change(
        uow,
        actor,
        roster,
        organisation_place(organisation.id),
        {"retired": True},
        now,
        Action.ORGANISATION_RETIRED,
        organisation.id,
    )
    return organisation.name


async def add_organisation(uow, actor: Actor, change: AddOrganisation, now: datetime) -> None:
    """A new organisation (or a retired one back) with one seat, vacant
    until the Statsforvalter picks its representative and deputy."""
    forum = _forum(actor)
    name = " ".join(change.name.split())[:MAX_NAME]
    if not (SLUG.fullmatch(change.id) and len(change.id) <= 64):
        raise Refused("roster_bad_organisation_id")
    if not name or change.kind not in KINDS:
        raise Refused("bad_card_data")
    roster = await uow.roster.roster(forum)
    if any(o.id == change.id for o in roster.organisations):
        raise Refused("roster_organisation_exists", id=change.id)
    value = {"name": name, "kind": change.kind, "submits_needs": change.submits_needs}
    await _change(
        uow,
        actor,
        roster,
        organisation_place(change.id),
        value,
        now,
        Action.ORGANISATION_ADDED,
        change.id,
        kind=change.kind,
    )


async def _change(
    uow,
    actor: Actor,
    roster: Roster,
    place: str,
    value: dict,
    now: datetime,
    action: Action,
    subject: str,
    **detail: object,
) -> None:
    """Keep the change (it stands over the file at the next start), make
    the stored roster show it now, and log it, in one transaction."""
    forum = roster.forum
    await uow.roster_changes.put(forum.id, place, value, actor.aad_object_id, now)
    await uow.roster_sync.apply(with_changes(plan_of_roster(roster), {place: value}))
    await audit.record(uow, forum.id, actor.aad_object_id, action, subject, now, **detail)
    await uow.commit()

"""The forum's people and seats, as the forum's rules see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Role(StrEnum):
    STATSFORVALTER = "statsforvalter"
    REPRESENTATIVE = "representative"
    DEPUTY = "deputy"
    OBSERVER = "observer"


@dataclass(frozen=True)
class Forum:
    id: str
    name: str
    timezone: str
    team_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    aad_object_id: str | None
    role: Role
    seat_id: int | None = None


@dataclass(frozen=True)
class Seat:
    id: int
    organisation_id: str
    number: int
    representative: Person | None
    deputy: Person | None

    @property
    def people(self) -> tuple[Person, ...]:
        """The seat's representative and deputy, those there are."""
        return tuple(p for p in (self.representative, self.deputy) if p is not None)


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: str
    submits_needs: bool
    seats: tuple[Seat, ...] = ()

    @property
    def people(self) -> tuple[Person, ...]:
        """Each seat's representative and deputy, those there are, in seat order."""
        return tuple(p for seat in self.seats for p in seat.people)


@dataclass(frozen=True)
class Roster:
    forum: Forum
    statsforvalter: tuple[Person, ...]
    organisations: tuple[Organisation, ...]

    @property
    def seat_count(self) -> int:
        return sum(len(o.seats) for o in self.organisations)

    # A roster is read once per change and then shared by every press (see
    # storage.repositories.RosterCache), so what is derived from it is kept.

    def names(self) -> dict[str, str]:
        """Entra object id → name, for everyone in the roster. Shared: do not change it."""
        return self._names

    @cached_property
    def _names(self) -> dict[str, str]:
        people = [*self.statsforvalter, *(p for o in self.organisations for p in o.people)]
        return {p.aad_object_id: p.name for p in people if p.aad_object_id}

    @cached_property
    def voting_seats(self) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
        """Every seat in roster order: its id, the name it votes under (the
        organisation's, numbered when it has several seats) and the Entra
        object ids of the people who may cast its ballot."""
        seats = []
        for organisation in self.organisations:
            for seat in organisation.seats:
                name = organisation.name if len(organisation.seats) == 1 else f"{organisation.name} ({seat.number})"
                seats.append((seat.id, name, tuple(p.aad_object_id for p in seat.people if p.aad_object_id)))
        return tuple(seats)

    def seat(self, seat_id: int | None) -> tuple[Organisation, Seat] | None:
        """That seat with its organisation; None when it is not on the roster."""
        return self._seat_by_id.get(seat_id)

    @cached_property
    def _seat_by_id(self) -> dict[int, tuple[Organisation, Seat]]:
        return {s.id: (o, s) for o in self.organisations for s in o.seats}

    def voting_seat(self, seat_id: int | None) -> tuple[int, str, tuple[str, ...]] | None:
        """That seat as in ``voting_seats``; None when it is none of them."""
        return self._voting_seat_by_id.get(seat_id)

    @cached_property
    def _voting_seat_by_id(self) -> dict[int, tuple[int, str, tuple[str, ...]]]:
        return {seat[0]: seat for seat in self.voting_seats}


@dataclass(frozen=True)
class Membership:
    """A person's place in one forum, with the organisation of their seat."""

    forum: Forum
    person: Person | None  # None: an observer in a forum's own team
    organisation: Organisation | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting: a roster person in a forum, or an observer.

    Authorisation always goes through ``person`` (matched by Entra object
    id), never through the display name Teams sends along."""

    display_name: str
    aad_object_id: str | None
    forum: Forum | None = None
    person: Person | None = None
    organisation: Organisation | None = field(default=None, compare=False)

    @property
    def role(self) -> Role:
        return self.person.role if self.person else Role.OBSERVER

    @property
    def is_statsforvalter(self) -> bool:
        return self.role is Role.STATSFORVALTER

    @property
    def holds_seat(self) -> bool:
        return self.role in (Role.REPRESENTATIVE, Role.DEPUTY)


class Refused(Exception):
    """A request the forum's rules turn down. ``code`` names the message
    the user sees; ``params`` fill it in."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

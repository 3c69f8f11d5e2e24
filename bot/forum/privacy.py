"""A person's rights over what the forum stores about them (GDPR articles
15 and 17), within what the forum must keep as public records
(offentleglova, arkivlova).

The Statsforvalter, as the forum's secretariat, answers a request for
access with ``personvern``: a file of every row that names the person.
When someone who has left the roster asks to be forgotten,
``slett personopplysninger`` erases their name, e-mail, Entra object id,
1:1 chat, the forum they chose there, their language choice and reminders,
and their name as a report's contact person; what they did for their seat
(ballots, decisions, reports sent, wheel edits) stays with the seat, marked as done by an erased person.

``RETENTION_YEARS`` keeps the contact fields and drafts of needs reports
only so many years after the report's year; the reports themselves, and
their figures, stay."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.roster import Actor, Forum, Refused
from storage.privacy import StoredPerson

CONTENT_TYPE = "application/json"
ERASED = "slettet person"  # where an erased person was named, in the forum's records
MAX_QUERY = 320


def _statsforvalter(actor: Actor) -> Forum:
    if actor.forum is None:
        raise Refused("not_in_roster")
    if not access.may_handle_personal_data(actor):
        raise Refused("statsforvalter_only")
    return actor.forum


def matches(person: StoredPerson, query: str) -> bool:
    """By e-mail or Entra object id exactly, or by the start of a word of
    the name for every word of the query ("lise", "lise fikt")."""
    wanted = query.strip().casefold()
    if person.erased_at is not None:
        return False
    if wanted == person.email or wanted in person.aad_object_ids:
        return True
    name = person.name.casefold().split()
    return all(any(part.startswith(word) for part in name) for word in wanted.split())


async def find(uow, actor: Actor, query: str) -> list[StoredPerson]:
    """The forum's people, present and former, that the query names."""
    forum = _statsforvalter(actor)
    if not query.strip() or len(query) > MAX_QUERY:
        raise Refused("privacy_who")
    return [p for p in await uow.privacy.people(forum.id) if matches(p, query)]


async def one(uow, actor: Actor, query: str) -> StoredPerson:
    found = await find(uow, actor, query)
    if not found:
        raise Refused("privacy_nobody", query=query.strip())
    if len(found) > 1:
        raise Refused("privacy_several", people="; ".join(f"{p.name} <{p.email}>" for p in found))
    return found[0]


async def person(uow, actor: Actor, person_id: int) -> StoredPerson:
    """A roster row of the Statsforvalter's forum, by id (from card data)."""
    found = await _not_erased(uow, _statsforvalter(actor).id, person_id)
    if found is None:
        raise Refused("privacy_nobody", query=str(person_id))
    return found


async def _not_erased(uow, forum_id: str, person_id: int) -> StoredPerson | None:
    found = next((p for p in await uow.privacy.people(forum_id) if p.id == person_id), None)
    return found if found is not None and found.erased_at is None else None


# --- access (article 15) ----------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    forum: Forum
    person: StoredPerson
    found: dict[str, list[dict]]


async def gather(uow, forum: Forum, person_id: int) -> PersonalData | None:
    stored = await _not_erased(uow, forum.id, person_id)
    return PersonalData(forum, stored, await uow.privacy.gather(stored)) if stored else None


def document(data: PersonalData, made_at: datetime) -> bytes:
    p = data.person
    body = {
        "forum": {"id": data.forum.id, "name": data.forum.name},
        "made_at": made_at,
        "person": {
            "name": p.name,
            "email": p.email,
            "role": p.role,
            "organisation": p.organisation,
            "seat": p.seat_number,
            "on_the_roster": p.active,
            "entra_object_ids": list(p.aad_object_ids),
        },
        **data.found,
    }
    return json.dumps(body, ensure_ascii=False, indent=2, default=_plain).encode()


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def filename(person_id: int) -> str:
    return f"personopplysninger-{person_id}.json"


# --- erasure (article 17) ----------------------------------------------------


async def erase(uow, actor: Actor, person_id: int, now: datetime) -> dict[str, int]:
    """Only for someone who has left the roster: a person on it is still
    named in the roster file, and would be back at the next start."""
    forum = _statsforvalter(actor)
    stored = await person(uow, actor, person_id)
    if stored.active:
        raise Refused("privacy_still_on_roster", name=stored.name)
    counts = await uow.privacy.erase(stored, ERASED, now)
    await audit.record(uow, forum.id, actor.aad_object_id, Action.PERSON_ERASED, f"person {stored.id}", now, **counts)
    await uow.commit()
    return counts


# --- retention ----------------------------------------------------------------


class Retention:
    """A scheduler job: every so often, purge what ``RETENTION_YEARS`` no
    longer keeps. Years count by the report's year: with 5, the reports of
    2020 lose their contact fields and drafts on 1 January 2026."""

    batch = 1  # one purge a round is all there is

    def __init__(self, uow_factory, years: int, clock, every: timedelta = timedelta(hours=1)) -> None:
        self._uow = uow_factory
        self._years = years
        self._clock = clock
        self._every = every
        self._last: datetime | None = None

    async def run_once(self) -> int:
        now = self._clock()
        if self._last is not None and now - self._last < self._every:
            return 0
        self._last = now
        return await purge(self._uow, self._years, now)


async def purge(uow_factory, years: int, now: datetime) -> int:
    """Returns 0 however much it purged: the round's work is done."""
    before = now.year - years
    async with uow_factory() as uow:
        purged = await uow.privacy.purge_reports_before(before)
        for forum_id, count in purged.items():
            await audit.record(uow, forum_id, None, Action.RETENTION_PURGED, before - 1, now, reports=count)
        await uow.commit()
    return 0

"""Who is this? Matching a Teams user to the roster.

People are matched by Entra object id. Someone the roster knows only by
e-mail is matched by the e-mail Teams reports for them, once; from then on
their object id is remembered and the e-mail is no longer consulted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.forum.roster import Actor, Forum, Person

EmailLookup = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class Identified:
    actor: Actor
    # Every forum this person belongs to; setting up a team needs to know.
    memberships: tuple[tuple[Forum, Person], ...]


async def identify(
    uow,
    *,
    aad_object_id: str | None,
    display_name: str,
    team_id: str | None,
    email_lookup: EmailLookup,
) -> Identified:
    aad = aad_object_id.lower() if aad_object_id else None
    memberships = await uow.roster.people_with_aad(aad) if aad else []
    if not memberships and aad:
        email = await email_lookup()
        if email:
            memberships = [
                (forum, person)
                for forum, person in await uow.roster.people_with_email(email)
                if person.aad_object_id is None
            ]
            for _, person in memberships:
                await uow.roster.remember_aad_object_id(person.id, aad)
            if memberships:
                await uow.commit()

    team_forum = await uow.forums.by_team(team_id) if team_id else None
    if team_forum is not None:
        # In a forum's own team, only a membership of that forum counts.
        chosen = next(((f, p) for f, p in memberships if f.id == team_forum.id), (team_forum, None))
    elif memberships:
        chosen = memberships[0]
    else:
        chosen = (None, None)

    forum, person = chosen
    organisation = await uow.roster.organisation_of(person) if person else None
    actor = Actor(display_name, aad, forum, person, organisation)
    return Identified(actor, tuple(memberships))

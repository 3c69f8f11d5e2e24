"""Who is this? Matching a Teams user to the roster.

People are matched by Entra object id. Someone the roster knows only by
e-mail is matched by the e-mail Teams reports for them, once; from then on
their object id is remembered and the e-mail is no longer consulted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.forum.roster import Actor, Membership

EmailLookup = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class Identified:
    actor: Actor
    # Every forum this person belongs to; setting up a team needs to know.
    memberships: tuple[Membership, ...]


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
            memberships = [m for m in await uow.roster.people_with_email(email) if m.person.aad_object_id is None]
            for m in memberships:
                await uow.roster.remember_aad_object_id(m.person.id, aad)
            if memberships:
                await uow.commit()

    team_forum = await uow.forums.by_team(team_id) if team_id else None
    if team_forum is not None:
        # In a forum's own team, only a membership of that forum counts.
        chosen = next((m for m in memberships if m.forum.id == team_forum.id), Membership(team_forum, None))
    else:
        chosen = memberships[0] if memberships else None

    if chosen is None:
        return Identified(Actor(display_name, aad), ())
    actor = Actor(display_name, aad, chosen.forum, chosen.person, chosen.organisation)
    return Identified(actor, tuple(memberships))

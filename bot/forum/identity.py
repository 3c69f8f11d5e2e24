"""Who is this? Matching a Teams user to the roster.

People are matched by Entra object id. Someone the roster knows only by
e-mail is matched by the e-mail Teams reports for them, once; from then on
their object id is remembered and the e-mail is no longer consulted.

In a forum's own team the team decides the forum. In a personal chat, a
person on several forums' rosters acts in the forum they chose there
(`bytt forum`); the choice is checked against the roster on every turn,
and until there is a valid one they act in none and are asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.forum.roster import Actor, Membership, Refused

EmailLookup = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class Identified:
    actor: Actor
    # Every forum this person belongs to; setting up a team needs to know.
    memberships: tuple[Membership, ...]
    # In a personal chat with places in several forums: the forum is theirs to choose.
    chooses_forum: bool = False

    @property
    def must_choose(self) -> bool:
        """Asked which forum: several to choose from, none (still) chosen."""
        return self.chooses_forum and self.actor.forum is None


def acting_in(display_name: str, aad: str | None, membership: Membership) -> Actor:
    return Actor(display_name, aad, membership.forum, membership.person, membership.organisation)


async def identify(
    uow,
    *,
    aad_object_id: str | None,
    display_name: str,
    team_id: str | None,
    email_lookup: EmailLookup,
    personal_chat: bool = False,
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
    chooses = personal_chat and len(memberships) > 1
    if team_forum is not None:
        # In a forum's own team, only a membership of that forum counts.
        chosen = next((m for m in memberships if m.forum.id == team_forum.id), Membership(team_forum, None))
    elif chooses:
        remembered = await uow.forum_choices.get(aad)
        chosen = next((m for m in memberships if m.forum.id == remembered), None)
    else:
        chosen = memberships[0] if memberships else None

    actor = acting_in(display_name, aad, chosen) if chosen else Actor(display_name, aad)
    return Identified(actor, tuple(memberships), chooses)


async def choose_forum(uow, who: Identified, forum_id: str, now: datetime) -> Identified:
    """Remember the forum a person in several forums acts in in their
    personal chat. The forum id comes from a card: only one of their own
    forums is taken."""
    if not who.chooses_forum:
        raise Refused("forum_choice_not_here")
    membership = next((m for m in who.memberships if m.forum.id == forum_id), None)
    if membership is None:
        raise Refused("forum_not_yours")
    await uow.forum_choices.choose(who.actor.aad_object_id, forum_id, now)
    await uow.commit()
    return replace(who, actor=acting_in(who.actor.display_name, who.actor.aad_object_id, membership))

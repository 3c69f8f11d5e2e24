"""Binding a forum to its Teams team and channel (`oppsett`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.forum import audit
from bot.forum.audit import Action
from bot.forum.identity import Identified
from bot.forum.roster import Forum, Refused, Role
from bot.forum.roster_changes import plan_of_file, with_changes


@dataclass(frozen=True)
class BindChannel:
    team_id: str | None
    channel_id: str | None
    # How the bot reaches the channel later, without being spoken to.
    reference: dict
    forum_id: str | None = None  # given when the Statsforvalter serves several forums


async def sync_roster(uow, forum, now: datetime) -> dict[str, int]:
    """Make the stored roster what the roster file says, with the changes
    made in Teams over it, and log what that changed (a start with an
    unchanged file changes nothing)."""
    plan = with_changes(plan_of_file(forum), await uow.roster_changes.of_forum(forum.id))
    changes = await uow.roster_sync.apply(plan)
    if any(changes.values()):
        await audit.record(uow, forum.id, None, Action.ROSTER_SYNCED, forum.id, now, **changes)
    return changes


async def bind_forum_channel(uow, who: Identified, command: BindChannel, now: datetime) -> Forum:
    if not command.team_id or not command.channel_id:
        raise Refused("setup_needs_channel")
    forums = [m.forum for m in who.memberships if m.person.role is Role.STATSFORVALTER]
    if not forums:
        raise Refused("statsforvalter_only")
    if command.forum_id:
        forums = [f for f in forums if f.id == command.forum_id]
        if not forums:
            raise Refused("setup_unknown_forum", forum_id=command.forum_id)
    bound_here = await uow.forums.by_team(command.team_id)
    if bound_here is not None:
        if bound_here.id not in {f.id for f in forums}:
            raise Refused("team_bound_elsewhere", forum=bound_here.name)
        forums = [bound_here]
    if len(forums) > 1:
        raise Refused("setup_choose_forum", choices=", ".join(f.id for f in forums))

    forum = forums[0]
    await uow.forums.bind_channel(
        forum.id,
        command.team_id,
        command.channel_id,
        command.reference,
        by=who.actor.aad_object_id,
        at=now,
    )
    await audit.record(
        uow, forum.id, who.actor.aad_object_id, Action.CHANNEL_BOUND, command.channel_id, now, team=command.team_id
    )
    await uow.commit()
    return await uow.forums.get(forum.id)

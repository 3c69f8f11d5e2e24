"""Announcements (kunngjøringer): news the Statsforvalter, as the forum's
secretariat, passes on (from Udir, HK-dir, or its own). One goes to the
forum channel and, if asked, to the 1:1 chat of every representative and
deputy, each delivery once and kept for the report, the way an award
letter's is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.links import https_link
from bot.forum.post import planned_for
from bot.forum.roster import Actor, Refused, Roster
from bot.forum.wheel.events import CHANNEL

MAX_TITLE = 200
MAX_TEXT = 4000
RECENT = 5  # announcements listed under the form
# The card's own key, made when the form was shown: Teams may deliver a
# press twice, and a second press is the same announcement, not a new one.
KEY = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Announce:
    key: str
    title: str
    text: str
    link: str = ""
    to_people: bool = False


@dataclass(frozen=True)
class Announcement:
    id: int
    forum_id: str
    title: str
    text: str
    link: str
    to_people: bool
    sent_by: str | None
    sent_at: datetime


@dataclass(frozen=True)
class AnnouncementDelivery:
    id: int
    target: str  # "channel", "person:<Entra object id>" or "roster:<people.id>"
    status: str = "planned"  # as a reminder's (storage.outbox)
    attempts: int = 0
    detail: str | None = None


@dataclass(frozen=True)
class AnnouncementToSend:
    """A planned delivery, as the post claims it."""

    id: int
    announcement_id: int
    target: str


def recipients(roster: Roster) -> list[AnnouncementDelivery]:
    """The channel, and every representative and deputy of the roster."""
    people = [p for o in roster.organisations for s in o.seats for p in (s.representative, s.deputy) if p]
    return [AnnouncementDelivery(0, CHANNEL)] + [AnnouncementDelivery(0, *planned_for(p)) for p in people]


def checked(command: Announce) -> Announce:
    """The announcement as it will go, or refused with the first thing wrong."""
    if not KEY.fullmatch(command.key):
        raise Refused("bad_card_data")
    title, body = command.title.strip(), command.text.strip()
    if not title:
        raise Refused("announcement_no_title")
    if len(title) > MAX_TITLE:
        raise Refused("announcement_title_too_long", limit=MAX_TITLE)
    if not body:
        raise Refused("announcement_no_text")
    if len(body) > MAX_TEXT:
        raise Refused("announcement_text_too_long", limit=MAX_TEXT)
    return Announce(command.key, title, body, https_link(command.link), command.to_people)


async def announce(uow, actor: Actor, command: Announce, now: datetime) -> tuple[Announcement, bool]:
    """Store the announcement and plan its deliveries; the post sends them.
    Returns it and whether it is new: a press Teams repeated, or a second
    press of the same card, gives the one already stored and plans nothing."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    forum = actor.forum
    command = checked(command)
    earlier = await uow.announcements.by_key(forum.id, command.key)
    if earlier:
        return earlier, False
    deliveries = recipients(await uow.roster.roster(forum))
    if not command.to_people:
        deliveries = deliveries[:1]
    stored = await uow.announcements.add(forum.id, command, actor.aad_object_id, now, deliveries)
    if stored is None:  # the same press, at the same time, on another replica
        return await uow.announcements.by_key(forum.id, command.key), False
    await audit.record(
        uow,
        forum.id,
        actor.aad_object_id,
        Action.ANNOUNCED,
        stored.id,
        now,
        title=stored.title,
        people=len(deliveries) - 1,
    )
    await uow.commit()
    return stored, True


async def send_again(uow, actor: Actor, announcement_id: int, now: datetime) -> int:
    """Send once more what failed or reached nobody in a person's chat."""
    announcement = await shown(uow, actor, announcement_id)
    count = await uow.announcements.plan_again(announcement.id)
    if count:
        await audit.record(
            uow,
            announcement.forum_id,
            actor.aad_object_id,
            Action.ANNOUNCEMENT_RESENT,
            announcement.id,
            now,
            people=count,
        )
    await uow.commit()
    return count


async def shown(uow, actor: Actor, announcement_id: int) -> Announcement:
    """One of the forum's announcements, for its delivery report."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    announcement = await uow.announcements.get(announcement_id)
    if announcement is None or announcement.forum_id != actor.forum.id:
        raise Refused("announcement_not_found")
    return announcement

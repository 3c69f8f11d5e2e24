"""`kunngjøring`: the Statsforvalter's form for an announcement, its
delivery report, and the card the forum gets. The rules are in
bot.forum.announcements; the sending in its post."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from pydantic import ConfigDict, Field

from bot.delivery.deliverer import Deliverer
from bot.forum import access
from bot.forum import announcements as service
from bot.forum.announcements import MAX_TEXT, MAX_TITLE, RECENT, Announce, Announcement, AnnouncementToSend
from bot.forum.links import MAX_LINK
from bot.forum.post import may_go_again, target
from bot.forum.roster import Refused, Roster
from bot.forum.wheel.events import CHANNEL
from bot.forum.wheel.scheduler import Claim, Delivery
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.fanout import Fanout
from bot.handlers.turn import Turn
from bot.i18n import NB
from bot.views.messages import announcement_card
from bot.views.needs import when
from bot.views.wheel import delivered
from cards import render
from cards.markdown import escape_markdown as md

# The forum gets it in the forum's language, as the award letters; a person
# in their own, where they chose one («språk»).
ANNOUNCEMENT_LANG = NB


class SendRequest(CardData):
    model_config = ConfigDict(strict=True)  # every value is the card's text; anything else is forged

    key: str = Field(pattern=r"^[0-9a-f]{32}$")
    # Twice the rules' limits: what is longer than that was not typed into
    # the card's inputs, which stop at the limit.
    title: str = Field(default="", max_length=MAX_TITLE * 2)
    text: str = Field(default="", max_length=MAX_TEXT * 2)
    link: str = Field(default="", max_length=MAX_LINK * 2)
    to_people: str = Field(default="false", pattern="^(true|false)$")


class AnnouncementRef(CardData):
    model_config = ConfigDict(strict=True)
    id: int = Field(ge=1, le=2**31 - 1)


# Refusals that bring the form back with what was typed, rather than a message.
_SHOWN_ON_THE_FORM = (
    "announcement_no_title",
    "announcement_title_too_long",
    "announcement_no_text",
    "announcement_text_too_long",
    "bad_link",
)


async def show_form(turn: Turn) -> None:
    await turn.reply(await _form(turn))


async def press_send(turn: Turn, data: dict) -> dict:
    request = card_data(SendRequest, data)
    command = Announce(request.key, request.title, request.text, request.link, request.to_people == "true")
    try:
        announcement, new = await service.announce(turn.uow, turn.actor, command, turn.clock())
    except Refused as refused:
        if refused.code not in _SHOWN_ON_THE_FORM:
            raise
        return await _form(turn, typed=command, problem=turn.t(refused.code, **refused.params))
    if new:
        turn.afterwards.start(turn.posts.announcements.run_all(), "an announcement")
    return await _report(turn, announcement, note=turn.t("announcement_sending") if new else "")


async def press_report(turn: Turn, data: dict) -> dict:
    announcement = await service.shown(turn.uow, turn.actor, card_data(AnnouncementRef, data).id)
    return await _report(turn, announcement)


async def press_send_again(turn: Turn, data: dict) -> dict:
    count = await service.send_again(turn.uow, turn.actor, card_data(AnnouncementRef, data).id, turn.clock())
    if count:
        turn.afterwards.start(turn.posts.announcements.run_all(), "an announcement sent again")
    announcement = await service.shown(turn.uow, turn.actor, card_data(AnnouncementRef, data).id)
    return await _report(
        turn,
        announcement,
        note=turn.t("announcement_sending_again", count=count)
        if count
        else turn.t("announcement_nothing_to_send_again"),
    )


ANNOUNCEMENT_VERBS = {
    "announcement.send": press_send,
    "announcement.report": press_report,
    "announcement.resend": press_send_again,
}


# --- the Statsforvalter's cards ----------------------------------------------------


async def _form(turn: Turn, typed: Announce | None = None, problem: str = "") -> dict:
    forum = turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    t = turn.t
    recent = await turn.uow.announcements.recent(forum.id, RECENT)
    return render(
        "announcement_form",
        {
            "title": t("announcement_form_title"),
            "intro": t("announcement_form_intro"),
            "problem": problem,
            "key": typed.key if typed else uuid.uuid4().hex,
            "title_label": t("announcement_title_label"),
            "title_value": typed.title if typed else "",
            "max_title": MAX_TITLE,
            "text_label": t("announcement_text_label"),
            "text_value": typed.text if typed else "",
            "max_text": MAX_TEXT,
            "link_label": t("announcement_link_label"),
            "link_value": typed.link if typed else "",
            "max_link": MAX_LINK,
            "recipients_label": t("announcement_recipients"),
            "to_people_label": t("announcement_to_people"),
            "to_people": "true" if typed and typed.to_people else "false",
            "send": t("announcement_send"),
            "recent_title": t("announcement_recent") if recent else "",
            "recent": [
                {
                    "heading": md(a.title),
                    "line": t("announcement_recent_line", when=when(a.sent_at, forum.timezone), sent=sent, all=count),
                    "button": t("announcement_report_button"),
                    "id": a.id,
                }
                for a, sent, count in recent
            ],
        },
    )


async def _report(turn: Turn, announcement: Announcement, note: str = "") -> dict:
    forum = turn.forum()
    t, lang = turn.t, turn.lang
    deliveries = await turn.uow.announcements.deliveries(announcement.id)
    roster = await turn.uow.roster.roster(forum)
    channel = next((d for d in deliveries if d.target == CHANNEL), None)
    personal = [d for d in deliveries if d.target != CHANNEL]
    facts = [
        (t("announcement_sent_at"), when(announcement.sent_at, forum.timezone)),
        (t("announcement_channel"), delivered(lang, channel.status, channel.attempts) if channel else "–"),
    ]
    if announcement.to_people:
        facts.append(
            (
                t("announcement_people"),
                t("announcement_people_count", sent=sum(d.status == "sent" for d in personal), all=len(personal)),
            )
        )
    actions = [{"title": t("announcement_refresh"), "verb": "announcement.report", "data": {"id": announcement.id}}]
    if any(may_go_again(d) for d in personal):
        actions.append(
            {"title": t("announcement_send_again"), "verb": "announcement.resend", "data": {"id": announcement.id}}
        )
    return render(
        "report",
        {
            "title": t("announcement_report_title", title=md(announcement.title)),
            "note": note,
            "facts": [{"title": a, "value": b} for a, b in facts],
            "groups": _people(turn, roster, personal),
            "actions": actions,
        },
    )


def _people(turn: Turn, roster: Roster, personal) -> list[dict]:
    """Per organisation, each person's delivery."""
    status = {d.target: d for d in personal}
    groups = []
    for organisation in roster.organisations:
        rows = [
            {"title": md(p.name), "value": delivered(turn.lang, status[target(p)].status, status[target(p)].attempts)}
            for seat in organisation.seats
            for p in seat.people
            if target(p) in status
        ]
        if rows:
            groups.append({"heading": md(organisation.name), "rows": rows})
    return groups


class AnnouncementNotifier:
    """Sends each announcement to the channel or a person's chat."""

    def __init__(self, deliverer: Deliverer, uow_factory, clock: Callable[[], datetime]) -> None:
        self._deliverer = deliverer
        self._uow = uow_factory
        self._clock = clock

    async def prepare(self, items: list[AnnouncementToSend]):
        async with self._uow() as uow:
            stored = {i: await uow.announcements.get(i) for i in {item.announcement_id for item in items}}
            fanout = await Fanout.read(
                uow,
                self._deliverer,
                self._uow,
                self._clock,
                {a.forum_id for a in stored.values() if a},
                [item.target for item in items],
            )
        cards: dict[tuple[int, str], dict] = {}  # the same card for everyone who reads the same language

        async def send(item: AnnouncementToSend, claim: Claim) -> Delivery:
            announcement = stored[item.announcement_id]
            key = (announcement.id, fanout.language(item.target, ANNOUNCEMENT_LANG))
            if key not in cards:
                cards[key] = announcement_card(fanout.forums[announcement.forum_id], announcement, key[1])
            return await fanout.send(announcement.forum_id, item.target, cards[key], claim)

        return send

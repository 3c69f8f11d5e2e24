"""`tildelingsbrev [år]`: the Statsforvalter's card for the year's award
letters (the form before they go, the delivery report after), and the
letter each representative and deputy gets in their 1:1 chat. The rules
are in bot.forum.allocation.award; the sending in its letter post."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ConfigDict, Field

from bot.delivery.deliverer import Deliverer
from bot.forum import access
from bot.forum.allocation import award
from bot.forum.allocation.award import MAX_CONDITIONS, LetterToSend, SendLetters
from bot.forum.needs.service import forum_year
from bot.forum.post import may_go_again, target
from bot.forum.roster import Forum, Refused, Roster
from bot.forum.wheel.scheduler import Claim, Delivery
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.fanout import Fanout
from bot.handlers.turn import Turn
from bot.i18n import NB
from bot.views.messages import letter_card
from bot.views.moments import long_moment
from bot.views.needs import nok, when
from bot.views.wheel import delivered
from cards import render
from cards.markdown import escape_markdown as md

# A letter goes out in the language its reader chose («språk»), else in the
# forum's: a person's own Teams language is not known when they are not
# talking to the bot.
LETTER_LANG = NB


class YearRequest(CardData):
    model_config = ConfigDict(strict=True)  # the card sends a number; text is forged card data

    year: int = Field(ge=2000, le=2100)


# Refusals that bring the form back with what was typed, rather than a message.
_SHOWN_ON_THE_CARD = ("award_conditions_too_long", "award_no_deadline", "award_not_decided")


async def show_letters(turn: Turn) -> None:
    forum = turn.forum()
    year = turn.year_asked(forum_year(turn.actor, turn.clock()), "award_bad_year")
    await turn.reply(await _card(turn, forum, year))


async def press_send(turn: Turn, data: dict) -> dict:
    forum = turn.forum()
    request = card_data(YearRequest, data)
    conditions, deadline = data.get("conditions") or "", data.get("deadline") or ""
    if not isinstance(conditions, str) or not isinstance(deadline, str):
        raise Refused("bad_card_data")
    typed = {"conditions": conditions[: MAX_CONDITIONS * 2], "deadline": deadline[:20]}
    deadline_id = int(deadline) if deadline.isascii() and deadline.isdigit() and len(deadline) < 10 else 0
    try:
        await award.send(turn.uow, turn.actor, SendLetters(request.year, conditions, deadline_id), turn.clock())
    except Refused as refused:
        if refused.code not in _SHOWN_ON_THE_CARD:
            raise
        return await _card(turn, forum, request.year, typed=typed, problems=[turn.t(refused.code, **refused.params)])
    turn.afterwards.start(turn.posts.letters.run_all(), "the award letters")
    return await _card(turn, forum, request.year, note=turn.t("award_sending"))


async def press_report(turn: Turn, data: dict) -> dict:
    return await _card(turn, turn.forum(), card_data(YearRequest, data).year)


async def press_send_again(turn: Turn, data: dict) -> dict:
    year = card_data(YearRequest, data).year
    count = await award.send_again(turn.uow, turn.actor, year, turn.clock())
    if count:
        turn.afterwards.start(turn.posts.letters.run_all(), "the award letters sent again")
    return await _card(
        turn,
        turn.forum(),
        year,
        note=turn.t("award_sending_again", count=count) if count else turn.t("award_nothing_to_send_again"),
    )


AWARD_VERBS = {"award.send": press_send, "award.report": press_report, "award.resend": press_send_again}


# --- the Statsforvalter's card ---------------------------------------------------


async def _card(
    turn: Turn, forum: Forum, year: int, *, note: str = "", typed: dict | None = None, problems: list[str] | None = None
) -> dict:
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")
    t, lang = turn.t, turn.lang
    grants = await award.grants(turn.uow, forum, year)
    letter = await turn.uow.award_letters.get(forum.id, year)
    roster = await turn.uow.roster.roster(forum)
    facts = [
        (t("award_organisations"), str(len(grants))),
        (t("award_granted"), nok(lang, sum(g.granted for g in grants))),
    ]
    data = {
        "title": t("award_title", year=year),
        "note": note,
        "problems_title": t("award_problems"),
        "problems": list(problems or []),
        "form": [],
        "organisations": [],
        "actions": [],
    }
    if letter:
        deliveries = await turn.uow.award_letters.deliveries(forum.id, year)
        who = roster.names().get(letter.sent_by or "")
        at = when(letter.sent_at, forum.timezone)
        data["note"] = note or (t("award_sent_by", when=at, who=md(who)) if who else t("award_sent_at", when=at))
        sent = sum(d.status == "sent" for d in deliveries)
        facts += [
            (t("award_deadline"), long_moment(letter.deadline_at, forum.timezone, lang)),
            (t("award_delivered"), t("award_delivered_count", sent=sent, all=len(deliveries))),
        ]
        data["organisations"] = _report(turn, grants, deliveries, roster)
        data["actions"] = [
            {"title": t("award_refresh"), "verb": "award.report", "data": {"year": year}, "style": "default"}
        ]
        if any(may_go_again(d) for d in deliveries):
            data["actions"].append(
                {"title": t("award_send_again"), "verb": "award.resend", "data": {"year": year}, "style": "default"}
            )
    elif not grants:
        data["note"] = note or t("award_not_decided", year=year)
    else:
        deadlines = await award.reporting_deadlines(turn.uow, forum, turn.clock())
        people = [p for g in grants for o in roster.organisations if o.id == g.organisation_id for p in o.people]
        facts.append(
            (
                t("award_recipients"),
                t("award_recipients_count", count=len(people), unreachable=sum(not p.aad_object_id for p in people)),
            )
        )
        if not deadlines:
            data["problems"].append(t("award_no_deadline"))
        else:
            proposed = award.proposed_deadline(deadlines, year, forum.timezone)
            typed = typed or {}
            data["form"] = [
                {
                    "deadline_label": t("award_deadline_label"),
                    "deadline": typed.get("deadline") or str(proposed.id),
                    "deadlines": [
                        {
                            "title": f"{md(d.title)} – {long_moment(d.starts_at, forum.timezone, lang)}",
                            "value": str(d.id),
                        }
                        for d in deadlines
                    ],
                    "conditions_label": t("award_conditions_label", limit=MAX_CONDITIONS),
                    "conditions": typed.get("conditions", ""),
                    "max_conditions": MAX_CONDITIONS,
                }
            ]
            data["actions"] = [
                {"title": t("award_send", year=year), "verb": "award.send", "data": {"year": year}, "style": "positive"}
            ]
    data["facts"] = [{"title": title, "value": value} for title, value in facts]
    return render("award_letters", data)


def _report(turn: Turn, grants, deliveries, roster: Roster) -> list[dict]:
    """Per organisation, each person's letter and how it went."""
    people = {target(p): p for organisation in roster.organisations for p in organisation.people}
    by_organisation: dict[str, list] = {}
    for delivery in deliveries:
        by_organisation.setdefault(delivery.organisation_id, []).append(delivery)
    shown = []
    for grant in grants:
        rows = []
        for delivery in by_organisation.get(grant.organisation_id, []):
            person = people.get(delivery.target)
            name = md(person.name) if person else turn.t("award_left_roster")
            rows.append({"title": name, "value": delivered(turn.lang, delivery.status, delivery.attempts)})
        shown.append(
            {
                "heading": f"{md(grant.organisation)} – {nok(turn.lang, grant.granted)}",
                "people": rows or [{"title": turn.t("award_nobody"), "value": ""}],
            }
        )
    return shown


class LetterNotifier:
    """Sends each award letter through the Deliverer, as a reminder's nudge."""

    def __init__(self, deliverer: Deliverer, uow_factory, clock: Callable[[], datetime]) -> None:
        self._deliverer = deliverer
        self._uow = uow_factory
        self._clock = clock

    async def prepare(self, letters: list[LetterToSend]):
        """Read what the batch needs once (a letter is the same card for
        everyone of an organisation who reads the same language), then let
        the connection go."""
        years = {(letter.forum_id, letter.year) for letter in letters}
        async with self._uow() as uow:
            fanout = await Fanout.read(
                uow,
                self._deliverer,
                self._uow,
                self._clock,
                {forum_id for forum_id, _ in years},
                [letter.target for letter in letters],
            )
            stored = {key: await uow.award_letters.get(*key) for key in years}
            grants = {
                key: {g.organisation_id: g for g in await award.grants(uow, fanout.forums[key[0]], key[1])}
                for key in years
            }
        cards: dict[tuple[str, int, str, str], dict] = {}

        async def send(letter: LetterToSend, claim: Claim) -> Delivery:
            key = (letter.forum_id, letter.year)
            grant = grants[key].get(letter.organisation_id)
            if grant is None:
                return Delivery("failed", 0, "the organisation's reports are no longer in the allocation")
            lang = fanout.language(letter.target, LETTER_LANG)
            card_key = (*key, letter.organisation_id, lang)
            if card_key not in cards:
                cards[card_key] = letter_card(fanout.forums[letter.forum_id], stored[key], grant, lang)
            return await fanout.send(letter.forum_id, letter.target, cards[card_key], claim)

        return send

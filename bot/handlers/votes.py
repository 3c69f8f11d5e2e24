"""Priority votes in Teams: the commands `ny avstemning`, `avstemninger`
and `vedtak`, and the buttons of their cards, one function each. The rules
are in bot.forum.votes; the cards in bot.views.votes.

Card data is written by the client: every button names a vote by id, and
the service checks that it is this forum's and what the presser may do."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from bot.forum import access
from bot.forum.allocation.decision import decided_allocations
from bot.forum.roster import Refused
from bot.forum.votes import service
from bot.forum.votes.vote import Vote, VoteStatus
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views.common import notice
from bot.views.votes import FORM_INPUTS, LOG_LIMIT, MARK_INPUT, Viewer, VoteViews
from bot.web.downloads import DECISIONS
from cards.markdown import escape_markdown as md


class _Data(CardData):
    # strict: a vote id sent as "1" or true is forged card data, not vote 1
    model_config = ConfigDict(strict=True)


class VoteRef(_Data):
    vote: int = Field(ge=1, le=2**31 - 1)


class ExportRequest(_Data):
    year: int = Field(ge=2000, le=2100)


def _vote_id(data: dict) -> int:
    return card_data(VoteRef, data, "vote_unknown").vote


def _marks(data: dict) -> dict[object, object]:
    """A ranked or points ballot's inputs, by option id; a name that is no
    option id stays as sent, for the service to refuse."""
    marks: dict[object, object] = {}
    for name, value in data.items():
        if isinstance(name, str) and name.startswith(MARK_INPUT):
            option = name.removeprefix(MARK_INPUT)
            marks[int(option) if option.isascii() and option.isdigit() and len(option) < 10 else option] = value
    return marks


def _views(turn: Turn) -> VoteViews:
    return VoteViews(turn.lang, turn.forum(), turn.clock())


def _year(turn: Turn, moment: datetime) -> int:
    return moment.astimezone(ZoneInfo(turn.forum().timezone)).year


async def _personal_card(turn: Turn, vote: Vote | int) -> dict:
    """The vote card as the one who pressed should see it (``vote``: as
    read for the press, or its id)."""
    forum = turn.forum()
    actor = turn.actor
    roster = await turn.uow.roster.roster(forum)
    viewer = Viewer(
        actor.aad_object_id,
        actor.person.seat_id if access.may_cast_ballot(actor) else None,
        access.may_decide(actor),
    )
    vote = vote if isinstance(vote, Vote) else await service.vote_of(turn.uow, forum, vote)
    state = await service.standing(turn.uow, vote, roster, viewer.seat_id, VoteViews.shows_count(vote, viewer))
    incoming = turn.incoming.from_property
    return _views(turn).card(state, viewer, [incoming.id] if incoming and incoming.id else [], roster.names())


# --- opening --------------------------------------------------------------------


async def start_new_vote(turn: Turn) -> None:
    forum = service.statsforvalter_forum(turn.actor)
    year = _year(turn, turn.clock())
    reports = await service.votable_reports(turn.uow, forum, year)
    views = _views(turn)
    await turn.reply(views.form(views.proposed_close(), reports, year))


async def press_open(turn: Turn, data: dict) -> dict:
    forum = service.statsforvalter_forum(turn.actor)
    now = turn.clock()
    year = _year(turn, now)
    reports = await service.votable_reports(turn.uow, forum, year)
    # The inputs arrive merged into the action's data.
    entered = {name: data[name] for name in FORM_INPUTS if name in data}
    check = service.check_new_vote(entered, forum.timezone, now, reports)
    views = _views(turn)
    if check.errors:
        # Everything typed comes back, so nothing entered is lost.
        shown = {name: value for name, value in entered.items() if isinstance(value, str)}
        return views.form(shown, reports, year, check.errors)
    vote = await service.open_vote(turn.uow, turn.actor, check, now)
    posted = await turn.vote_cards.post(forum, vote.id)
    key = "vote_opened" if posted else "vote_opened_no_channel"
    return notice(
        turn.t("vote_opened_title"),
        turn.t(key, question=md(vote.question), when=views.when(vote.closes_at)),
        "good" if posted else "warning",
    )


async def press_cancel(turn: Turn, data: dict) -> dict:
    return notice(turn.t("vote_form_title"), turn.t("vote_cancelled"))


# --- voting ---------------------------------------------------------------------


async def press_cast(turn: Turn, data: dict) -> dict:
    vote_id = _vote_id(data)
    cast = await service.cast_ballot(turn.uow, turn.actor, vote_id, data.get("choices"), turn.clock(), _marks(data))
    turn.vote_cards.changed(turn.forum(), vote_id)
    return await _personal_card(turn, cast.vote)


async def press_refresh(turn: Turn, data: dict) -> dict:
    return await _personal_card(turn, _vote_id(data))


# --- closing and deciding ---------------------------------------------------------


async def press_close(turn: Turn, data: dict) -> dict:
    forum = service.statsforvalter_forum(turn.actor)
    state = await service.vote_state(turn.uow, forum, _vote_id(data))
    if state.vote.status is not VoteStatus.OPEN:
        raise Refused("vote_already_closed")
    return _views(turn).close_confirm(state)


async def press_close_confirmed(turn: Turn, data: dict) -> dict:
    vote = await service.close_now(turn.uow, turn.actor, _vote_id(data), turn.clock())
    turn.afterwards.start(turn.vote_cards.closed(turn.forum(), vote), "a vote's result")
    return await _personal_card(turn, vote.id)


async def press_decide(turn: Turn, data: dict) -> dict:
    vote = await service.decide(
        turn.uow, turn.actor, _vote_id(data), data.get("choices"), data.get("reason"), turn.clock()
    )
    turn.afterwards.start(turn.vote_cards.decided(turn.forum(), vote), "a vote's decision")
    return await _personal_card(turn, vote.id)


# --- lists ------------------------------------------------------------------------


async def _states(turn: Turn, roster, votes) -> list[service.VoteState]:
    return [await service.vote_state(turn.uow, roster.forum, v.id, roster) for v in votes]


async def list_votes(turn: Turn) -> None:
    votes = await service.votes_of(turn.uow, turn.actor)
    now = turn.clock()
    shown = [
        v for v in votes if v.status is not VoteStatus.DECIDED or (v.decided_at and (now - v.decided_at).days < 90)
    ]
    roster = await turn.uow.roster.roster(turn.forum())
    states = await _states(turn, roster, shown[:LOG_LIMIT])
    await turn.reply(_views(turn).votes_list(states, access.may_decide(turn.actor)))


async def show_log(turn: Turn) -> None:
    closed = [v for v in await service.votes_of(turn.uow, turn.actor) if v.status is not VoteStatus.OPEN]
    roster = await turn.uow.roster.roster(turn.forum())
    years = sorted({_year(turn, v.created_at) for v in closed}, reverse=True)
    shown = closed[:LOG_LIMIT]
    card = _views(turn).log(
        await _states(turn, roster, shown),
        roster.names(),
        years if access.may_export(turn.actor) else [],
        max(0, len(closed) - LOG_LIMIT),
        await decided_allocations(turn.uow, turn.forum().id, shown),
    )
    await turn.reply(card)


async def press_export(turn: Turn, data: dict) -> str:
    forum = turn.forum()
    if not access.may_export(turn.actor):
        raise Refused("vote_no_seat")
    year = card_data(ExportRequest, data).year
    return turn.t(
        "log_export_ready",
        year=year,
        link=turn.downloads.link(forum.id, year, DECISIONS, turn.actor.aad_object_id or ""),
    )


VOTE_VERBS = {
    "vote.open": press_open,
    "vote.cancel": press_cancel,
    "vote.cast": press_cast,
    "vote.refresh": press_refresh,
    "vote.close": press_close,
    "vote.close.confirmed": press_close_confirmed,
    "vote.decide": press_decide,
    "log.export": press_export,
}

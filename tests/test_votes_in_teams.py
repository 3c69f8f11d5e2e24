"""A priority vote as the forum lives it in Teams: the Statsforvalter opens
it with the form, seats vote with the card's buttons, the card in the
channel follows, and the close hands a tie to the Statsforvalter.

Everything goes through the bot's real /api/messages with Teams-shaped
activities; what the bot sends is read off the local connector. The bot's
own clock is the real one, so a vote closes some days from now; the
scheduler's rounds (closing, reminders) run here with the test's clock."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.app import UOW, VOTE_CARDS
from bot.config import Settings
from bot.delivery.deliverer import Deliverer
from bot.edge import sdk
from bot.forum.needs.report import Status as ReportStatus
from bot.forum.votes.keeper import VoteKeeper
from bot.forum.votes.vote import Option, VoteStatus
from bot.handlers.vote_cards import VoteCards
from bot.i18n import text
from storage.models import BallotCastRow, BallotRow
from tests import teams
from tests.card_reading import actions, buttons, elements, input_named, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, press, send_new_report, settle
from tests.vote_helpers import OTHER_FORUM

OSLO = ZoneInfo("Europe/Oslo")
FORUM_ID = "oslo-viken"
QUESTION = "Hvilket tiltak skal prioriteres først?"
LESEKURS, DIGITAL, NORSK = "1", "2", "3"


# --- the forum's people, and what the bot has stored ------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seat_holders(forum) -> list[teams.User]:
    """The representative of every seat, in the roster's order: twelve,
    EVU region ØST having two."""
    return [forum.person(seat.representative) for o in forum.config.organisations for seat in o.seats]


async def set_up_channel(forum) -> None:
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    forum.connector.received.clear()
    forum.seen = 0


def form(question=QUESTION, options="Lesekurs\nDigital kompetanse\nNorsk på arbeidsplassen", **more):
    closes = datetime.now(OSLO) + timedelta(days=3)
    return {
        "question": question,
        "options": options,
        "mode": "one",
        "close_date": closes.date().isoformat(),
        "close_time": "12:00",
        "live": "true",
        **more,
    }


async def open_vote(forum, **fields) -> int:
    body, _ = await forum.press(forum.statsforvalter, "vote.open", form(**fields))
    assert "er lagt ut" in texts(body["value"]), body
    async with forum.app[UOW]() as uow:
        (vote, *_) = await uow.votes.of_forum(FORUM_ID)
    return vote.id


async def stored_votes(forum, forum_id: str = FORUM_ID) -> list:
    async with forum.app[UOW]() as uow:
        return await uow.votes.of_forum(forum_id)


async def stored(forum, vote_id: int, forum_id: str = FORUM_ID):
    async with forum.app[UOW]() as uow:
        return await uow.votes.get(forum_id, vote_id)


async def ballots(forum, vote_id: int) -> list[tuple[list[int], str]]:
    """Each seat's ballot as stored: (choices, who cast it)."""
    async with forum.app[UOW]() as uow:
        return sorted((list(b.choices), b.cast_by) for b in await uow.votes.ballots(vote_id))


async def all_ballots(forum) -> int:
    """Ballots stored and ballots ever cast (the log), together."""
    async with forum.app[UOW]() as uow:
        current = await uow.session.scalar(select(func.count()).select_from(BallotRow))
        history = await uow.session.scalar(select(func.count()).select_from(BallotCastRow))
        return current + history


async def cast(forum, user, vote_id: int, choices: str, **where) -> dict:
    body, _ = await forum.press(user, "vote.cast", {"vote": vote_id, "choices": choices}, **where)
    return body


def channel(forum, method: str | None = None) -> list:
    return [r for r in forum.connector.sent_to(teams.CHANNEL) if method is None or r.method == method]


def personal(forum, user) -> list[dict]:
    return [c for r in forum.connector.sent_to(teams.personal_conversation(user)) for c in r.cards]


def keeper(forum, clock: Clock) -> VoteKeeper:
    """The scheduler's vote rounds, with the test's clock and its own deliverer."""
    cards = VoteCards(forum.app[UOW], Deliverer(sdk.load(Settings()).connector), clock, pause=0)
    return VoteKeeper(forum.app[UOW], cards.closed, cards.remind, clock)


def nb(key: str, **params) -> str:
    return text("nb", key, **params)


# --- opening ----------------------------------------------------------------------------


async def test_only_the_statsforvalter_gets_the_new_vote_form(forum):
    ada = forum.representative("ostfold-vo")
    card = only_card(await forum.say(ada, "ny avstemning"))
    assert "Det gikk ikke" in texts(card)
    assert "Bare Statsforvalteren kan gjøre dette. Ingenting er endret." in texts(card)

    # The form's button pressed by someone else (an old card, a forged press).
    body, _ = await forum.press(ada, "vote.open", form())
    assert message_of(body) == nb("vote_statsforvalter_only")
    assert await stored_votes(forum) == []

    card = only_card(await forum.say(forum.statsforvalter, "ny avstemning"))
    assert "Ny avstemning" in texts(card)
    assert "Tider er i Europe/Oslo" in texts(card)
    shown = inputs(card)
    a_week = (datetime.now(OSLO) + timedelta(days=7)).date().isoformat()
    assert (shown["close_date"], shown["close_time"]) == (a_week, "12:00")
    assert (shown["mode"], shown["live"]) == ("one", "false")
    assert buttons(card) == ["Legg ut avstemningen", "Avbryt"]

    body = await press(forum, forum.statsforvalter, card, "Avbryt")
    assert "Ingen avstemning ble lagt ut." in texts(card_of(body))
    assert await stored_votes(forum) == []


async def test_a_form_with_errors_comes_back_with_everything_typed_and_what_is_wrong(forum):
    await set_up_channel(forum)
    yesterday = (datetime.now(OSLO) - timedelta(days=1)).date().isoformat()
    typed = form(
        question="Hva skal vi satse på?",
        options="Bare ett alternativ",
        close_date=yesterday,
        close_time="09:30",
        live="true",
        quorum="150",
    )
    body, _ = await forum.press(forum.statsforvalter, "vote.open", typed)
    card = card_of(body)

    assert inputs(card) == {
        "question": "Hva skal vi satse på?",
        "options": "Bare ett alternativ",
        "mode": "one",
        "up_to": "",
        "places": "",
        "close_date": yesterday,
        "close_time": "09:30",
        "live": "true",
        "quorum": "150",
    }
    shown = texts(card)
    assert "Rett opp dette, så legger jeg ut avstemningen:" in shown
    assert "Alternativer, ett per linje: gi minst to alternativer" in shown
    assert "Stenger klokken: må være minst fem minutter fram i tid" in shown
    assert "må være mellom 1 og 100" in shown
    assert await stored_votes(forum) == []
    assert channel(forum) == []

    # Corrected on the same card, the vote is posted.
    body = await press(forum, forum.statsforvalter, card, "Legg ut avstemningen", form(quorum=""))
    assert "er lagt ut i forumets kanal" in texts(card_of(body))
    (vote,) = await stored_votes(forum)
    assert [o.label for o in vote.options] == ["Lesekurs", "Digital kompetanse", "Norsk på arbeidsplassen"]


async def test_the_years_submitted_needs_reports_are_offered_as_options(forum):
    await set_up_channel(forum)
    ada = forum.representative("ostfold-vo")
    await send_new_report(forum, ada)
    forum.connector.received.clear()  # the report's own notice in the channel
    forum.seen = 0
    async with forum.app[UOW]() as uow:
        year = datetime.now(OSLO).year
        ((report, _),) = await uow.needs_reports.with_organisation_names(FORUM_ID, year, (ReportStatus.SUBMITTED,))

    card = only_card(await forum.say(forum.statsforvalter, "ny avstemning"))
    offered = input_named(card, "reports")
    assert offered["isMultiSelect"] is True
    (choice,) = offered["choices"]
    assert choice["value"] == str(report.id)
    assert choice["title"].startswith(report.reference)
    assert "Østfold VO-nettverk: Vurdering for læring i modulstrukturert opplæring" in choice["title"]

    # One typed option and the report: a vote of two.
    typed = {**form(options="Lesekurs"), "reports": str(report.id)}
    body = await press(forum, forum.statsforvalter, card, "Legg ut avstemningen", typed)
    assert "er lagt ut i forumets kanal" in texts(card_of(body))
    (vote,) = await stored_votes(forum)
    assert [(o.label, o.report_id) for o in vote.options] == [("Lesekurs", None), (choice["title"], report.id)]
    (posted,) = channel(forum, "send")
    assert choice["title"] in texts(posted.cards[0])

    # A report id that is not among the year's submitted ones is not taken.
    body, _ = await forum.press(forum.statsforvalter, "vote.open", {**form(options="Lesekurs"), "reports": "99999"})
    assert "har et valg som ikke står på listen" in texts(card_of(body))
    assert len(await stored_votes(forum)) == 1


async def test_a_vote_of_up_to_n_has_a_multi_select_and_a_vote_button(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum, mode="up_to", up_to="2")
    (posted,) = channel(forum, "send")
    shared = posted.cards[0]
    assert "Inntil 2 valg per sete" in texts(shared)
    choices = input_named(shared, "choices")
    assert choices["isMultiSelect"] is True
    assert [c["title"] for c in choices["choices"]] == ["Lesekurs", "Digital kompetanse", "Norsk på arbeidsplassen"]
    assert actions(shared)["Stem"] == ("vote.cast", {"vote": vote})
    assert "Lesekurs" not in actions(shared)  # no button per option

    ada = forum.representative("ostfold-vo")
    body = await press(forum, ada, shared, "Stem", {"choices": f"{LESEKURS},{NORSK}"})
    assert "Du stemte «Lesekurs», «Norsk på arbeidsplassen» for Østfold VO-nettverk." in texts(card_of(body))
    # Her own view shows what she chose, ready to change.
    assert input_named(card_of(body), "choices")["value"] == "1,3"

    body = await cast(forum, ada, vote, "1,2,3")
    assert message_of(body) == "Velg høyst 2 alternativer. Ingenting er registrert."
    assert await ballots(forum, vote) == [([1, 3], ada.aad_object_id)]


async def test_without_a_forum_channel_the_vote_is_saved_and_the_answer_says_so(forum):
    body, _ = await forum.press(forum.statsforvalter, "vote.open", form())
    notice = texts(card_of(body))
    assert f"«{QUESTION}» er lagret, men forumets kanal er ikke satt opp" in notice, notice
    (vote,) = await stored_votes(forum)
    assert vote.status is VoteStatus.OPEN and vote.card_activity_id is None
    assert forum.connector.received == []

    # It can be found and voted in all the same.
    listed = texts(only_card(await forum.say(forum.representative("follo"), "avstemninger")))
    assert QUESTION in listed and "0 av 12 har stemt" in listed
    body = await cast(forum, forum.representative("follo"), vote.id, DIGITAL)
    assert "Du stemte «Digital kompetanse» for Nettverket for Follo-regionen" in texts(card_of(body))


# --- voting -----------------------------------------------------------------------------


async def test_a_seat_votes_with_a_button_and_sees_its_ballot(forum):
    forum.app[VOTE_CARDS].pause = 0
    await set_up_channel(forum)
    vote = await open_vote(forum)
    (posted,) = forum.connector.sent_to(teams.CHANNEL)
    shared = posted.cards[0]
    assert "0 av 12 seter har stemt" in texts(shared)
    body, _ = await forum.press(forum.representative("ostfold-vo"), "vote.cast", {"vote": vote, "choices": "2"})
    mine = texts(body["value"])
    assert "Du stemte «Digital kompetanse» for Østfold VO-nettverk" in mine, mine
    await forum.settle()
    (update,) = [r for r in forum.connector.received if r.method == "update"]
    async with forum.app[UOW]() as uow:
        stored = (await uow.votes.get("oslo-viken", vote)).card_activity_id
    assert update.reply_to == stored and "1 av 12 seter har stemt" in texts(update.cards[0])


async def test_representative_and_deputy_share_one_ballot_and_the_later_one_counts(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")

    body = await cast(forum, lise, vote, LESEKURS)
    assert "Du stemte «Lesekurs» for Østfold VO-nettverk." in texts(card_of(body))
    body = await cast(forum, arne, vote, DIGITAL)
    mine = texts(card_of(body))
    assert "Du stemte «Digital kompetanse» for Østfold VO-nettverk." in mine
    assert "Du kan endre stemmen til avstemningen stenger." in mine
    assert "1 av 12 seter har stemt" in mine

    assert await ballots(forum, vote) == [([2], arne.aad_object_id)]
    # The representative refreshes her card: the deputy's ballot, by name.
    body, _ = await forum.press(lise, "vote.refresh", {"vote": vote})
    seen = texts(card_of(body))
    assert "Arne Oppdiktetsen stemte «Digital kompetanse» for Østfold VO-nettverk (" in seen, seen
    assert "Du stemte" not in seen


async def test_people_without_a_seat_cannot_vote_and_nothing_is_recorded(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    for somebody in (forum.statsforvalter, teams.stranger()):
        body = await cast(forum, somebody, vote, LESEKURS)
        assert message_of(body) == (
            "Bare representanten eller varaen for et sete kan stemme. Ingenting er registrert."
        ), somebody
    # A stranger cannot read the vote either.
    body, _ = await forum.press(teams.stranger(), "vote.refresh", {"vote": vote})
    assert message_of(body) == nb("not_in_roster")
    assert await all_ballots(forum) == 0


async def test_a_double_click_on_the_channel_card_counts_once(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    marte = forum.representative("follo")
    first, second = await asyncio.gather(
        cast(forum, marte, vote, DIGITAL, kind="channel"), cast(forum, marte, vote, DIGITAL, kind="channel")
    )
    for body in (first, second):
        assert "Du stemte «Digital kompetanse» for Nettverket for Follo-regionen" in texts(card_of(body))
    assert await ballots(forum, vote) == [([2], marte.aad_object_id)]
    body, _ = await forum.press(forum.statsforvalter, "vote.refresh", {"vote": vote})
    shown = texts(card_of(body))
    assert "1 av 12 seter har stemt" in shown and "1 stemme" in shown


async def test_impatient_clicks_as_the_first_words_in_personal_chat_answer_every_press(forum):
    """The presses arrive before the bot has stored the person's 1:1 chat:
    each turn tries to store it (storage/repositories.py remember_personal
    reads, then inserts), and the slower ones must not fail on the first's row."""
    await set_up_channel(forum)
    vote = await open_vote(forum)
    marte = forum.representative("follo")  # not in the team's member list, never wrote to the bot
    presses = await asyncio.gather(*(cast(forum, marte, vote, DIGITAL) for _ in range(5)))
    for body in presses:
        assert body["value"] != nb("error"), "a press answered 'noe gikk galt': the 1:1 chat was stored twice at once"
        assert "Du stemte «Digital kompetanse» for Nettverket for Follo-regionen" in texts(card_of(body))
    assert await ballots(forum, vote) == [([2], marte.aad_object_id)]


async def test_english_teams_gets_the_vote_in_english(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    hanne = forum.representative("viken-vest")

    body = await cast(forum, hanne, vote, DIGITAL, locale="en-US")
    mine = card_of(body)
    assert 'You voted "Digital kompetanse" for Viken Vest (Buskerud, samt Asker og Bærum).' in texts(mine)
    assert "1 of 12 seats have voted" in texts(mine)
    assert "Refresh" in buttons(mine)
    body = await cast(forum, hanne, vote, "9", locale="en-US")
    assert message_of(body) == "The ballot names an option that is not in the vote. Nothing was recorded."
    body = await cast(forum, teams.stranger(), vote, DIGITAL, locale="en-US")
    assert message_of(body) == "Only the representative or the deputy of a seat can vote. Nothing was recorded."

    listed = texts(only_card(await forum.say(hanne, "votes", locale="en-US")))
    assert "Votes in Samarbeidsforum" in listed and "open, closes" in listed and "1 of 12 have voted" in listed
    card = only_card(await forum.say(forum.statsforvalter, "new vote", locale="en-GB"))
    assert "Post the vote" in buttons(card) and "Times are in Europe/Oslo" in texts(card)


async def test_hidden_results_are_not_on_the_shared_card_until_the_close(forum):
    forum.app[VOTE_CARDS].pause = 0
    await set_up_channel(forum)
    vote = await open_vote(forum, live="false")
    for org, choice in (("ostfold-vo", DIGITAL), ("follo", DIGITAL), ("akershus-fk", LESEKURS)):
        body = await cast(forum, forum.representative(org), vote, choice)
        assert "stemmer" not in texts(card_of(body)) and "1 stemme" not in texts(card_of(body))
    await forum.settle()

    (posted,) = channel(forum, "send")
    *_, last = channel(forum, "update")
    for card in (posted.cards[0], last.cards[0]):
        shown = texts(card)
        assert "resultatet vises når avstemningen er avsluttet" in shown
        assert "Foreløpig resultat" not in shown and "stemme" not in shown, shown
    assert "3 av 12 seter har stemt" in texts(last.cards[0])

    sf = forum.statsforvalter
    await forum.press(sf, "vote.close.confirmed", {"vote": vote})
    await settle(forum)
    *_, final = channel(forum, "update")
    shown = texts(final.cards[0])
    assert "Resultat" in shown and "2 stemmer" in shown and "1 stemme" in shown, shown
    assert "Forumet valgte: «Digital kompetanse»" in shown


# --- the shared card in the channel -----------------------------------------------------


async def test_a_burst_of_ballots_updates_the_shared_card_a_few_times_not_once_each(forum):
    forum.app[VOTE_CARDS].pause = 0.2
    await set_up_channel(forum)
    vote = await open_vote(forum)
    (posted,) = channel(forum, "send")
    voters = seat_holders(forum)[:10]

    answers = await asyncio.gather(*(cast(forum, user, vote, DIGITAL) for user in voters))
    assert all("Du stemte «Digital kompetanse»" in texts(card_of(a)) for a in answers)
    await forum.settle()

    updates = channel(forum, "update")
    assert 1 <= len(updates) < 10, len(updates)
    assert "10 av 12 seter har stemt" in texts(updates[-1].cards[0])
    stored_id = (await stored(forum, vote)).card_activity_id
    assert stored_id and all(u.reply_to == stored_id for u in updates)
    assert channel(forum, "send") == [posted]  # updated in place, never posted again
    assert len(await ballots(forum, vote)) == 10


async def test_the_shared_card_refreshes_for_the_voters_the_bot_knows(forum):
    forum.app[VOTE_CARDS].pause = 0
    sf = forum.statsforvalter  # a member of the team: the setup learns her Teams id
    await set_up_channel(forum)
    lise = forum.representative("ostfold-vo")
    await forum.say(lise, "hjelp")  # has talked to the bot
    forum.deputy("ostfold-vo")  # has not

    vote = await open_vote(forum)
    (posted,) = channel(forum, "send")
    refresh = posted.cards[0]["refresh"]
    assert refresh["action"]["verb"] == "vote.refresh" and refresh["action"]["data"] == {"vote": vote}
    assert sorted(refresh["userIds"]) == sorted([sf.id, lise.id])

    kjetil = forum.deputy("follo")  # votes from his 1:1 chat: now the bot knows him
    await cast(forum, kjetil, vote, NORSK)
    await forum.settle()
    (update,) = channel(forum, "update")
    assert sorted(update.cards[0]["refresh"]["userIds"]) == sorted([sf.id, lise.id, kjetil.id])


# --- forged and wrong presses -------------------------------------------------------------


FORGED = [
    pytest.param(lambda v: {"vote": 999_999, "choices": "1"}, "vote_unknown", {}, id="unknown-vote"),
    pytest.param(lambda v: {"vote": str(v), "choices": "1"}, "vote_unknown", {}, id="vote-id-as-text"),
    # (The vote is the first in a fresh database: id 1, which `true` would pass for.)
    pytest.param(lambda v: {"vote": True, "choices": "1"}, "vote_unknown", {}, id="vote-id-as-true"),
    pytest.param(lambda v: {"vote": "abc", "choices": "1"}, "vote_unknown", {}, id="vote-id-not-a-number"),
    pytest.param(lambda v: {"vote": -v, "choices": "1"}, "vote_unknown", {}, id="negative-vote-id"),
    pytest.param(lambda v: {"vote": 2**40, "choices": "1"}, "vote_unknown", {}, id="huge-vote-id"),
    pytest.param(lambda v: {"choices": "1"}, "vote_unknown", {}, id="no-vote-id"),
    pytest.param(lambda v: {"vote": v, "choices": "7"}, "vote_bad_choice", {}, id="option-not-in-the-vote"),
    pytest.param(lambda v: {"vote": v, "choices": "1 OR 1=1"}, "vote_bad_choice", {}, id="option-as-words"),
    pytest.param(lambda v: {"vote": v, "choices": {"id": 1}}, "vote_bad_choice", {}, id="option-as-object"),
    pytest.param(lambda v: {"vote": v, "choices": "1,2"}, "vote_too_many", {"limit": 1}, id="too-many-choices"),
    pytest.param(lambda v: {"vote": v, "choices": [1, 2, 3]}, "vote_too_many", {"limit": 1}, id="too-many-as-list"),
    pytest.param(lambda v: {"vote": v, "choices": ""}, "vote_no_choice", {}, id="no-choice"),
]


@pytest.mark.parametrize(("forge", "code", "params"), FORGED)
async def test_a_forged_ballot_is_refused_logged_and_not_recorded(forum, caplog, forge, code, params):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    caplog.set_level(logging.WARNING, logger="bot.handlers.bot")
    caplog.clear()

    data = forge(vote)
    body, _ = await forum.press(forum.representative("ostfold-vo"), "vote.cast", data)
    assert body["type"] == "application/vnd.microsoft.activity.message", (
        f"the forged card data {data!r} was taken as a ballot for vote {vote} instead of being refused "
        f"({code}); got: {texts(body['value'])[:200]!r}"
    )
    assert body["value"] == nb(code, **params)
    assert await all_ballots(forum) == 0, "a refused ballot must leave nothing behind"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"refused card action 'vote.cast' ({code})" in w for w in warnings), warnings
    if data.get("choices"):  # the keys are logged, never what was sent
        assert all(repr(data["choices"]) not in w for w in warnings), warnings


async def test_another_forums_vote_cannot_be_touched_from_this_forum(forum, caplog):
    await set_up_channel(forum)
    async with forum.app[UOW]() as uow:
        await uow.roster_sync.apply(OTHER_FORUM)
        theirs = await uow.votes.add(
            "vest",
            {
                "question": "Vestens spørsmål",
                "options": [Option(1, "A"), Option(2, "B")],
                "max_choices": 1,
                "closes_at": datetime.now(UTC) + timedelta(days=2),
                "live": True,
                "quorum_percent": None,
            },
            None,
            datetime.now(UTC),
        )
        await uow.commit()
    caplog.set_level(logging.WARNING, logger="bot.handlers.bot")

    ref = {"vote": theirs.id}
    body = await cast(forum, forum.representative("ostfold-vo"), theirs.id, "1")
    assert message_of(body) == nb("vote_unknown")
    sf = forum.statsforvalter
    for verb, data in (
        ("vote.refresh", ref),
        ("vote.close", ref),
        ("vote.close.confirmed", ref),
        ("vote.decide", {**ref, "choices": "1", "reason": "Fordi."}),
    ):
        body, _ = await forum.press(sf, verb, data)
        assert message_of(body) == nb("vote_unknown"), verb
    assert await all_ballots(forum) == 0
    still = await stored(forum, theirs.id, "vest")
    assert still.status is VoteStatus.OPEN and still.closed_at is None
    assert sum("(vote_unknown)" in r.getMessage() for r in caplog.records) == 5
    assert channel(forum) == []


# --- closing ------------------------------------------------------------------------------


async def test_the_scheduler_closes_the_vote_at_its_time_and_the_channel_gets_the_result(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    for org, choice in (("ostfold-vo", DIGITAL), ("follo", DIGITAL), ("akershus-fk", LESEKURS)):
        await cast(forum, forum.representative(org), vote, choice)
    await forum.settle()
    forum.connector.received.clear()
    closes_at = (await stored(forum, vote)).closes_at

    clock = Clock(datetime.now(UTC))
    rounds = keeper(forum, clock)
    assert await rounds.run_once() == 0  # not yet
    clock.now = closes_at
    assert await rounds.run_once() == 1
    assert await rounds.run_once() == 0  # closed once

    (notice,) = channel(forum, "send")
    shown = texts(notice.cards[0])
    assert f"Avstemningen «{QUESTION}» er avsluttet" in shown
    assert "Forumet valgte «Digital kompetanse». 3 av 12 seter stemte." in shown
    (update,) = channel(forum, "update")
    final = update.cards[0]
    assert update.reply_to == (await stored(forum, vote)).card_activity_id
    assert "Forumet valgte: «Digital kompetanse»" in texts(final) and "Resultat" in texts(final)
    assert "Avstemning – avsluttet" in texts(final)
    assert [b for b in buttons(final) if b in ("Lesekurs", "Digital kompetanse", "Norsk på arbeidsplassen")] == []

    closed = await stored(forum, vote)
    assert closed.status is VoteStatus.DECIDED and closed.chosen == (2,) and closed.closed_by is None

    body = await cast(forum, forum.representative("follo"), vote, LESEKURS)
    assert message_of(body) == (
        "Avstemningen er avgjort og kan ikke endres. Skal resultatet endres, trengs en ny avstemning."
    )
    assert len(await ballots(forum, vote)) == 3


async def test_closing_by_hand_needs_confirmation_and_only_the_statsforvalter_can(forum):
    forum.app[VOTE_CARDS].pause = 0
    await set_up_channel(forum)
    vote = await open_vote(forum)
    lise, sf = forum.representative("ostfold-vo"), forum.statsforvalter
    body = await cast(forum, lise, vote, LESEKURS)
    assert "Avslutt nå" not in buttons(card_of(body))

    for verb in ("vote.close", "vote.close.confirmed"):
        body, _ = await forum.press(lise, verb, {"vote": vote})
        assert message_of(body) == "Bare Statsforvalteren kan gjøre dette. Ingenting er endret."
    assert (await stored(forum, vote)).status is VoteStatus.OPEN
    # An open vote is the seats' to decide.
    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": DIGITAL, "reason": "Tidlig ute."})
    assert message_of(body) == "Avstemningen venter ikke på en avgjørelse."
    assert (await stored(forum, vote)).status is VoteStatus.OPEN

    body, _ = await forum.press(sf, "vote.refresh", {"vote": vote})
    confirm = card_of(await press(forum, sf, card_of(body), "Avslutt nå"))
    assert f"Avslutte «{QUESTION}» nå? 1 av 12 seter har stemt. Etterpå kan ingen stemme." in texts(confirm)
    assert (await stored(forum, vote)).status is VoteStatus.OPEN  # asking is not closing

    kept = card_of(await press(forum, sf, confirm, "Nei, la den stå åpen"))
    assert "Avslutt nå" in buttons(kept)
    assert (await stored(forum, vote)).status is VoteStatus.OPEN

    done = card_of(await press(forum, sf, confirm, "Ja, avslutt"))
    await settle(forum)
    assert "Forumet valgte: «Lesekurs»" in texts(done)
    closed = await stored(forum, vote)
    assert closed.status is VoteStatus.DECIDED and closed.closed_by == sf.aad_object_id
    assert "Forumet valgte «Lesekurs». 1 av 12 seter stemte." in texts(channel(forum, "send")[-1].cards[0])

    body = await press(forum, sf, confirm, "Ja, avslutt")
    assert message_of(body) == "Avstemningen er allerede avsluttet."
    body, _ = await forum.press(sf, "vote.close", {"vote": vote})
    assert message_of(body) == "Avstemningen er allerede avsluttet."


# --- a tie, or no quorum: the Statsforvalter decides --------------------------------------


async def test_a_tie_goes_to_the_statsforvalter_who_decides_with_a_reason(forum):
    forum.app[VOTE_CARDS].pause = 0
    await set_up_channel(forum)
    vote = await open_vote(forum)
    await forum.press(forum.representative("ostfold-vo"), "vote.cast", {"vote": vote, "choices": "1"})
    await forum.press(forum.representative("follo"), "vote.cast", {"vote": vote, "choices": "2"})
    sf = forum.statsforvalter
    body, _ = await forum.press(sf, "vote.close", {"vote": vote})
    assert "Avslutte" in texts(body["value"])
    body, _ = await forum.press(sf, "vote.close.confirmed", {"vote": vote})
    card = texts(body["value"])
    assert "Uavgjort" in card and "Din avgjørelse" in card, card
    await settle(forum)
    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": ""})
    assert body["value"] == "Skriv en begrunnelse for avgjørelsen. Ingenting er endret.", body
    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": "Størst behov i Follo."})
    card = texts(body["value"])
    assert "Statsforvalteren avgjorde: «Digital kompetanse»" in card, card
    body, _ = await forum.press(forum.representative("ostfold-vo"), "vote.cast", {"vote": vote, "choices": "1"})
    assert "ny avstemning" in body["value"], body
    await settle(forum)

    log = texts(only_card(await forum.say(sf, "vedtak")))
    assert "Uavgjort. Avgjort av Stine Eksempeldatter" in log and "Begrunnelse: Størst behov i Follo." in log
    listed = texts(only_card(await forum.say(sf, "avstemninger")))
    assert "avgjort" in listed and "«Digital kompetanse»" in listed


async def test_at_a_tie_the_statsforvalter_decides_in_personal_chat_and_the_forum_is_told(forum):
    sf = forum.statsforvalter
    forum.connector.installed.add(sf.id)  # the app is in her Teams; the setup learns her id
    await set_up_channel(forum)
    vote = await open_vote(forum)
    lise = forum.representative("ostfold-vo")
    await cast(forum, lise, vote, LESEKURS)
    await cast(forum, forum.representative("follo"), vote, DIGITAL)
    await forum.settle()
    forum.connector.received.clear()

    closes_at = (await stored(forum, vote)).closes_at
    await keeper(forum, Clock(closes_at + timedelta(minutes=1))).run_once()

    (notice,) = channel(forum, "send")
    assert f"Avstemningen «{QUESTION}» er avsluttet" in texts(notice.cards[0])
    assert ("Likt antall stemmer mellom «Lesekurs», «Digital kompetanse». Statsforvalteren avgjør.") in texts(
        notice.cards[0]
    )
    (update,) = channel(forum, "update")
    assert "Uavgjort – Statsforvalteren avgjør" in texts(update.cards[0])

    (form_card,) = personal(forum, sf)
    assert "Din avgjørelse" in texts(form_card)
    tied = input_named(form_card, "choices")
    assert [c["title"] for c in tied["choices"]] == ["Lesekurs", "Digital kompetanse"]  # not the one with none
    assert input_named(form_card, "reason")["isRequired"] is True
    assert actions(form_card)["Avgjør"] == ("vote.decide", {"vote": vote})

    # Nobody else decides, and a decision needs a reason and one of the tied.
    body, _ = await forum.press(lise, "vote.decide", {"vote": vote, "choices": LESEKURS, "reason": "Mitt nett."})
    assert message_of(body) == "Bare Statsforvalteren kan gjøre dette. Ingenting er endret."
    body = await press(forum, sf, form_card, "Avgjør", {"choices": DIGITAL, "reason": "   "})
    assert message_of(body) == "Skriv en begrunnelse for avgjørelsen. Ingenting er endret."
    body = await press(forum, sf, form_card, "Avgjør", {"choices": NORSK, "reason": "Norsk er viktigst."})
    assert message_of(body) == nb("vote_bad_choice")
    body = await press(forum, sf, form_card, "Avgjør", {"choices": "1,2", "reason": "Begge."})
    assert message_of(body) == nb("vote_too_many", limit=1)
    waiting = await stored(forum, vote)
    assert waiting.status is VoteStatus.AWAITING_DECISION and waiting.chosen == () and waiting.decided_by is None
    assert channel(forum, "send") == [notice]

    body = await press(forum, sf, form_card, "Avgjør", {"choices": DIGITAL, "reason": "Størst behov i Follo."})
    await settle(forum)
    decided_card = texts(card_of(body))
    assert "Statsforvalteren avgjorde: «Digital kompetanse»" in decided_card
    assert "Avgjort av Stine Eksempeldatter" in decided_card and "Begrunnelse: Størst behov i Follo." in decided_card

    *_, shared = channel(forum, "update")
    assert shared.reply_to == waiting.card_activity_id
    assert "Statsforvalteren avgjorde: «Digital kompetanse»" in texts(shared.cards[0])
    *_, told = channel(forum, "send")
    assert f"Statsforvalteren avgjorde «{QUESTION}»: «Digital kompetanse». Begrunnelse: Størst behov i Follo." in texts(
        told.cards[0]
    )
    decided = await stored(forum, vote)
    assert decided.status is VoteStatus.DECIDED and decided.chosen == (2,) and decided.decided_by == sf.aad_object_id

    # Decided is final: a new vote is the way to change it.
    final = "Avstemningen er avgjort og kan ikke endres. Skal resultatet endres, trengs en ny avstemning."
    assert message_of(await cast(forum, lise, vote, LESEKURS)) == final
    assert (
        message_of(await press(forum, sf, form_card, "Avgjør", {"choices": LESEKURS, "reason": "Ombestemt."})) == final
    )
    assert (await stored(forum, vote)).chosen == (2,)


async def test_a_ballot_while_the_statsforvalter_decides_is_refused(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    await cast(forum, forum.representative("ostfold-vo"), vote, LESEKURS)
    await cast(forum, forum.representative("follo"), vote, DIGITAL)
    await forum.press(forum.statsforvalter, "vote.close.confirmed", {"vote": vote})
    await settle(forum)
    assert (await stored(forum, vote)).status is VoteStatus.AWAITING_DECISION

    body = await cast(forum, forum.representative("akershus-fk"), vote, DIGITAL)
    assert message_of(body) == "Avstemningen er avsluttet. Stemmen er ikke registrert."
    assert len(await ballots(forum, vote)) == 2


async def test_a_missed_quorum_goes_to_the_statsforvalter_who_may_pick_any_option(forum):
    sf = forum.statsforvalter
    forum.connector.installed.add(sf.id)
    await set_up_channel(forum)
    vote = await open_vote(forum, quorum="50")
    await cast(forum, forum.representative("ostfold-vo"), vote, LESEKURS)
    await cast(forum, forum.representative("follo"), vote, LESEKURS)
    await forum.settle()
    forum.connector.received.clear()

    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()

    (notice,) = channel(forum, "send")
    assert "Bare 2 av 12 seter stemte; 50 % måtte stemme. Statsforvalteren avgjør." in texts(notice.cards[0])
    waiting = await stored(forum, vote)
    assert waiting.status is VoteStatus.AWAITING_DECISION and waiting.escalation.value == "quorum"

    (form_card,) = personal(forum, sf)
    offered = [c["title"] for c in input_named(form_card, "choices")["choices"]]
    assert offered == ["Lesekurs", "Digital kompetanse", "Norsk på arbeidsplassen"]
    body = await press(
        forum, sf, form_card, "Avgjør", {"choices": NORSK, "reason": "For få stemte; arbeidslivet trenger norsk."}
    )
    await settle(forum)
    assert "Statsforvalteren avgjorde: «Norsk på arbeidsplassen»" in texts(card_of(body))
    *_, shared = channel(forum, "update")
    assert "Statsforvalteren avgjorde: «Norsk på arbeidsplassen»" in texts(shared.cards[0])


async def test_a_vote_nobody_voted_in_goes_to_the_statsforvalter(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    forum.connector.received.clear()
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    (notice,) = channel(forum, "send")
    assert "Ingen seter stemte. Statsforvalteren avgjør." in texts(notice.cards[0])
    assert (await stored(forum, vote)).status is VoteStatus.AWAITING_DECISION
    body, _ = await forum.press(
        forum.statsforvalter,
        "vote.decide",
        {"vote": vote, "choices": LESEKURS, "reason": "Ingen stemte; vi følger planen."},
    )
    assert "Statsforvalteren avgjorde: «Lesekurs»" in texts(card_of(body))


# --- reminders ----------------------------------------------------------------------------


async def test_seats_that_have_not_voted_are_reminded_once_in_personal_chat(forum):
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    marte, kjetil = forum.representative("follo"), forum.deputy("follo")
    camilla = forum.representative("akershus-fk")
    for user in (lise, arne, marte, kjetil):
        forum.connector.installed.add(user.id)  # Camilla has removed the app
    await set_up_channel(forum)  # the bot learns the team members' ids here
    vote = await open_vote(forum)
    await cast(forum, lise, vote, DIGITAL)
    await forum.settle()
    forum.connector.received.clear()
    remind_at = (await stored(forum, vote)).remind_at

    clock = Clock(remind_at - timedelta(minutes=1))
    rounds = keeper(forum, clock)
    await rounds.run_once()
    assert forum.connector.received == []  # not yet
    clock.now = remind_at + timedelta(minutes=1)
    await rounds.run_once()

    assert personal(forum, lise) == [] and personal(forum, arne) == []  # their seat has voted
    assert personal(forum, camilla) == []  # not reachable
    assert channel(forum) == []
    for user in (marte, kjetil):
        (card,) = personal(forum, user)
        shown = texts(card)
        assert QUESTION in shown and "Nettverket for Follo-regionen har ikke stemt ennå." in shown, shown
        assert [c["title"] for c in input_named(card, "choices")["choices"]] == [
            "Lesekurs",
            "Digital kompetanse",
            "Norsk på arbeidsplassen",
        ]
        assert actions(card)["Stem"] == ("vote.cast", {"vote": vote})
    reached = {r.conversation_id for r in forum.connector.received}
    assert reached == {teams.personal_conversation(marte), teams.personal_conversation(kjetil)}

    sent = len(forum.connector.received)
    await rounds.run_once()
    assert len(forum.connector.received) == sent  # once

    # The reminder's buttons vote right there.
    (card,) = personal(forum, kjetil)
    body = await press(forum, kjetil, card, "Stem", {"choices": NORSK})
    assert "Du stemte «Norsk på arbeidsplassen» for Nettverket for Follo-regionen" in texts(card_of(body))
    assert len(await ballots(forum, vote)) == 2


async def test_a_reminder_says_it_is_a_reminder(forum):
    """The reminder in 1:1 is the vote card as the seat sees it; the texts
    written for it (bot/texts/votes.py vote_reminder_heading and
    vote_reminder_text) should tell the reader why it came."""
    marte = forum.representative("follo")
    forum.connector.installed.add(marte.id)
    await set_up_channel(forum)
    vote = await open_vote(forum)
    remind_at = (await stored(forum, vote)).remind_at
    await keeper(forum, Clock(remind_at)).run_once()
    (card,) = personal(forum, marte)
    shown = texts(card)
    assert "Påminnelse: Nettverket for Follo-regionen har ikke stemt" in shown, (
        "the 1:1 reminder does not say it is a reminder (vote_reminder_heading is never used): " + shown
    )
    assert "Stem på kortet i forumets kanal, eller her:" in shown


# --- the lists: `avstemninger`, `vedtak`, and the help card ---------------------------------


async def test_the_votes_list_shows_open_and_closed_votes(forum):
    await set_up_channel(forum)
    done = await open_vote(forum, question="Hva prioriterer vi i vår?")
    await cast(forum, forum.representative("follo"), done, NORSK)
    await forum.press(forum.statsforvalter, "vote.close.confirmed", {"vote": done})
    await settle(forum)
    running = await open_vote(forum, question="Hva prioriterer vi i høst?")

    card = only_card(await forum.say(forum.representative("ostfold-vo"), "avstemninger"))
    shown = texts(card)
    assert shown.index("Åpne") < shown.index("Hva prioriterer vi i høst?") < shown.index("Avsluttet")
    assert shown.index("Avsluttet") < shown.index("Hva prioriterer vi i vår?")
    assert "0 av 12 har stemt" in shown and ": «Norsk på arbeidsplassen»" in shown
    shows = [e for e in elements(card) if e.get("title") == "Vis"]
    assert [s["data"] for s in shows] == [{"vote": running}, {"vote": done}]
    assert "Ny avstemning" not in buttons(card)  # for the Statsforvalter only

    sf_card = only_card(await forum.say(forum.statsforvalter, "avstemninger"))
    assert actions(sf_card)["Ny avstemning"] == ("command", {"command": "ny avstemning"})

    log = texts(only_card(await forum.say(forum.statsforvalter, "vedtak")))
    assert "Hva prioriterer vi i vår?" in log
    assert "Hva prioriterer vi i høst?" not in log  # open votes are not in the log

    # Someone outside the roster sees neither.
    for command in ("avstemninger", "vedtak"):
        card = only_card(await forum.say(teams.stranger(), command))
        assert "Du står ikke i medlemslisten" in texts(card), command


async def test_the_decisions_log_shows_each_seats_ballot_who_cast_it_and_the_reason(forum):
    await set_up_channel(forum)
    vote = await open_vote(forum)
    await cast(forum, forum.representative("ostfold-vo"), vote, LESEKURS)
    await cast(forum, forum.deputy("ostfold-vo"), vote, DIGITAL)  # replaces the representative's
    await cast(forum, forum.representative("follo"), vote, LESEKURS)
    sf = forum.statsforvalter
    await forum.press(sf, "vote.close.confirmed", {"vote": vote})
    await forum.press(sf, "vote.decide", {"vote": vote, "choices": LESEKURS, "reason": "Lesing er grunnlaget."})
    await settle(forum)

    log = texts(only_card(await forum.say(forum.representative("viken-vest"), "vedtak")))
    assert "Vedtaksprotokoll for Samarbeidsforum" in log and QUESTION in log
    assert "Østfold VO-nettverk: «Digital kompetanse» – Arne Oppdiktetsen, " in log
    assert "Nettverket for Follo-regionen: «Lesekurs» – Marte Eksempelstad, " in log
    assert "Lise Fiktivsen" not in log  # her ballot was replaced
    assert "Viken Vest (Buskerud, samt Asker og Bærum): stemte ikke" in log
    assert "EVU region ØST (2): stemte ikke" in log
    assert "Uavgjort. Avgjort av Stine Eksempeldatter" in log and "Begrunnelse: Lesing er grunnlaget." in log
    assert f"Last ned {datetime.now(OSLO).year} (.xlsx)" in log


async def test_the_help_card_offers_the_vote_commands_by_role(forum):
    offered = buttons(only_card(await forum.say(forum.statsforvalter, "hjelp")))
    assert {"Ny avstemning", "Avstemninger", "Vedtak"} <= set(offered)
    offered = buttons(only_card(await forum.say(forum.representative("follo"), "hjelp")))
    assert {"Avstemninger", "Vedtak"} <= set(offered) and "Ny avstemning" not in offered
    offered = buttons(only_card(await forum.say(teams.stranger(), "hjelp")))
    assert not {"Ny avstemning", "Avstemninger", "Vedtak"} & set(offered)

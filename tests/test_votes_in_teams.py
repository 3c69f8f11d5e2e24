"""A priority vote as the forum lives it in Teams: the Statsforvalter opens
it with the form, seats vote with the card's buttons, the card in the
channel follows, and the close hands a tie to the Statsforvalter."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import UOW, VOTE_CARDS
from tests import teams
from tests.card_reading import texts

OSLO = ZoneInfo("Europe/Oslo")


async def set_up_channel(forum) -> None:
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    forum.connector.received.clear()
    forum.seen = 0


def form(question="Hvilket tiltak skal prioriteres først?", options="Lesekurs\nDigital kompetanse\nNorsk på arbeidsplassen", **more):
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
        (vote, *_) = await uow.votes.of_forum("oslo-viken")
    return vote.id


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
    await forum.app[VOTE_CARDS].settle()
    (update,) = [r for r in forum.connector.received if r.method == "update"]
    async with forum.app[UOW]() as uow:
        stored = (await uow.votes.get("oslo-viken", vote)).card_activity_id
    assert update.reply_to == stored and "1 av 12 seter har stemt" in texts(update.cards[0])


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
    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": ""})
    assert body["value"] == "Skriv en begrunnelse for avgjørelsen. Ingenting er endret.", body
    body, _ = await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": "Størst behov i Follo."})
    card = texts(body["value"])
    assert "Statsforvalteren avgjorde: «Digital kompetanse»" in card, card
    body, _ = await forum.press(forum.representative("ostfold-vo"), "vote.cast", {"vote": vote, "choices": "1"})
    assert "ny avstemning" in body["value"], body
    await forum.app[VOTE_CARDS].settle()
    for r in forum.connector.received:
        print(r.method, r.conversation_id, texts(r.cards[0])[:300] if r.cards else r.activity.get("text"))
    replies = await forum.say(sf, "vedtak")
    print(texts(replies[0].cards[0]))
    replies = await forum.say(sf, "avstemninger")
    print(texts(replies[0].cards[0]))
    replies = await forum.say(sf, "ny avstemning")
    print(texts(replies[0].cards[0]))

"""Award letters (`tildelingsbrev [år]`): once the forum has carried the
allocation, the Statsforvalter sends every organisation in it a letter, to
the 1:1 chat of each of its representatives and deputies, with what each
report was granted, the reporting deadline from the wheel and the
conditions; the card then shows how each letter went.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import UOW
from bot.config import Settings
from bot.delivery.deliverer import Deliverer
from bot.edge import sdk
from bot.forum.allocation.award import MAX_CONDITIONS, proposed_deadline
from bot.forum.post import Post
from bot.forum.wheel.events import EventKind, WheelEvent
from bot.handlers.award_letters import LetterNotifier
from storage.models import AuditEntryRow, AwardLetterDeliveryRow
from tests import teams
from tests.card_reading import buttons, facts, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, settle
from tests.test_allocation import YEAR, put_forward
from tests.test_overview import kr
from tests.test_votes_in_teams import Clock, keeper, nb, stored

DEADLINE = datetime(2031, 12, 15, 11, 0, tzinfo=UTC)  # 12:00 in Oslo


async def reporting_deadline(forum) -> int:
    """The wheel's only reporting deadline still to come (the example
    wheel's, which moves with the calendar, is taken out)."""
    async with forum.app[UOW]() as uow:
        for event in await uow.wheel.of_kind_in_year(
            "oslo-viken", EventKind.REPORTING_DEADLINE, datetime(2000, 1, 1, tzinfo=UTC), DEADLINE + timedelta(days=1)
        ):
            await uow.wheel.remove(event)
        values = {
            "kind": "frist_rapportering",
            "starts_at": DEADLINE,
            "title": "Frist for rapportering",
            "place": "",
            "text": "",
            "offsets": [1440],
        }
        event = await uow.wheel.add("oslo-viken", values, None, datetime.now(UTC))
        await uow.commit()
    return event.id


async def decided(forum) -> int:
    """The proposal carried by the forum: Østfold granted 250 000 of 300 000,
    Follo not prioritised, Akershus its 50 000. Returns the deadline's id."""
    _, vote = await put_forward(forum, {"BM-2025-001": "250000", "BM-2025-002": "0"})
    for organisation in ("ostfold-vo", "follo", "akershus-fk"):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": vote, "choices": "1"})
    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    await settle(forum)
    forget_sent(forum)
    return await reporting_deadline(forum)


def forget_sent(forum) -> None:
    forum.connector.received.clear()
    forum.seen = 0


def send_data(card: dict, **typed: str) -> dict:
    (send,) = [a for a in card["actions"] if a["verb"] == "award.send"]
    return {**send["data"], **inputs(card), **typed}


async def deliveries(forum) -> dict[str, str]:
    async with forum.app[UOW]() as uow:
        return {d.target: d.status for d in await uow.award_letters.deliveries("oslo-viken", YEAR)}


async def test_each_representative_and_deputy_gets_the_letter_of_their_organisation_once(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    cecilie = forum.representative("follo")
    for person in (ada, bo, cecilie):
        await forum.say(person, "hjelp")  # they have a 1:1 chat with the bot
    deadline = await decided(forum)
    sf = forum.statsforvalter

    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    assert facts(card)["Organisasjoner"] == "3" and facts(card)["Tildelt"] == f"{kr(300_000)} kr"
    assert inputs(card) == {"deadline": str(deadline), "conditions": ""}
    conditions = "Midlene brukes innen utgangen av 2026. *Ubrukte* midler meldes tilbake."
    body, _ = await forum.press(sf, "award.send", send_data(card, conditions=conditions))
    assert "Tildelingsbrevene sendes nå" in texts(card_of(body))
    await forum.settle()

    (letter,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(ada))]
    seen = texts(letter)
    assert "Tildelingsbrev 2025" in seen and "Dette er vedtaket for Østfold VO-nettverk." in seen
    assert f"BM-2025-001 Vurdering i moduler\nSøkt {kr(300_000)} kr · tildelt {kr(250_000)} kr" in seen, seen
    assert "BM-2025-002" not in seen  # Follo's
    assert "mandag 15. desember 2031 kl. 12:00" in seen
    assert (
        "Midlene brukes innen utgangen av 2026. \\*Ubrukte\\* midler meldes tilbake." in seen
    )  # as typed, not formatted
    assert [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(bo))] == [letter]
    (follo,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(cecilie))]
    assert f"BM-2025-002 Ledere i utvikling\nSøkt {kr(200_000)} kr · ikke prioritert" in texts(follo)
    assert forum.connector.sent_to(teams.CHANNEL) == []  # letters are 1:1

    statuses = await deliveries(forum)
    assert statuses[f"person:{ada.aad_object_id}"] == statuses[f"person:{bo.aad_object_id}"] == "sent"

    forum.new_replies()
    report = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    assert "Sendt " in texts(report) and " av Stine Eksempeldatter." in texts(report)
    assert facts(report)["Kommet fram"] == "4 av 6"
    assert (
        f"Østfold VO-nettverk – {kr(250_000)} kr\n{ada.name}\nsendt · 1 forsøk\n{bo.name}\nsendt · 1 forsøk"
        in texts(report)
    )
    assert (
        f"Nettverket for Follo-regionen – 0 kr\n{cecilie.name}\nsendt · 1 forsøk\nKjetil Prøvelien\nikke nåbar"
        in texts(report)
    )
    assert inputs(report) == {}
    assert buttons(report) == ["Oppdater", "Send på nytt til dem som ikke fikk det"]  # Kjetil, once reachable

    # A second press, from a card shown before they went, sends nothing.
    forget_sent(forum)
    body, _ = await forum.press(sf, "award.send", send_data(card))
    assert "Tildelingsbrevene for 2025 er allerede sendt." in str(body), body
    await forum.settle()
    assert forum.connector.received == []
    async with forum.app[UOW]() as uow:
        actions = list(await uow.session.scalars(select(AuditEntryRow.action)))
    assert actions.count("allocation.letters_sent") == 1


async def test_before_the_decision_no_letter_can_go(forum):
    await put_forward(forum, {"BM-2025-001": "250000"})
    await reporting_deadline(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    assert "Tildelingen for 2025 er ikke vedtatt ennå." in texts(card) and buttons(card) == []
    body, _ = await forum.press(sf, "award.send", {"year": YEAR, "conditions": "", "deadline": "1"})
    assert "Tildelingen for 2025 er ikke vedtatt ennå." in texts(card_of(body))
    async with forum.app[UOW]() as uow:
        assert await uow.award_letters.get("oslo-viken", YEAR) is None


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"conditions": "x" * (MAX_CONDITIONS + 1)}, f"Vilkårene kan være høyst {MAX_CONDITIONS} tegn."),
        ({"deadline": "999999"}, "Årshjulet har ingen kommende frist for rapportering."),
        ({"deadline": "frist"}, "Årshjulet har ingen kommende frist for rapportering."),
    ],
)
async def test_wrong_conditions_or_deadline_send_nothing_and_keep_what_was_typed(forum, typed, problem):
    await decided(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    data = send_data(card, **{"conditions": "Vilkår som skal stå.", **typed})
    forget_sent(forum)
    body, _ = await forum.press(sf, "award.send", data)
    back = card_of(body)
    assert problem in texts(back), texts(back)
    assert inputs(back)["conditions"] == data["conditions"]
    await forum.settle()
    assert await deliveries(forum) == {} and forum.connector.received == []


async def test_without_a_reporting_deadline_in_the_wheel_the_card_says_to_add_one(forum):
    await decided(forum)
    async with forum.app[UOW]() as uow:
        for event in await uow.wheel.of_kind_in_year(
            "oslo-viken", EventKind.REPORTING_DEADLINE, datetime(2000, 1, 1, tzinfo=UTC), DEADLINE + timedelta(days=1)
        ):
            await uow.wheel.remove(event)
        await uow.commit()
    card = only_card(await forum.say(forum.statsforvalter, f"tildelingsbrev {YEAR}"))
    assert "Legg den inn med «årshjul» først" in texts(card) and buttons(card) == []


@pytest.mark.parametrize(
    "data", [{"year": "2025"}, {"year": 1999}, {}, {"year": YEAR, "conditions": 5}, {"year": YEAR, "deadline": ["1"]}]
)
async def test_forged_card_data_sends_nothing(forum, data):
    await decided(forum)
    body, _ = await forum.press(forum.statsforvalter, "award.send", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)
    assert await deliveries(forum) == {}


async def test_only_the_statsforvalter_sends_award_letters(forum):
    deadline = await decided(forum)
    ada = forum.representative("ostfold-vo")
    (reply,) = await forum.say(ada, f"tildelingsbrev {YEAR}")
    assert "Bare Statsforvalteren kan gjøre dette." in str(reply.activity)
    body, _ = await forum.press(ada, "award.send", {"year": YEAR, "conditions": "", "deadline": str(deadline)})
    assert "Bare Statsforvalteren kan gjøre dette." in str(body)
    assert await deliveries(forum) == {}


async def test_a_letter_the_bot_stopped_in_the_middle_of_is_not_sent_twice(forum):
    """A replica stopped while it sent the letters: the one it had only
    claimed goes out on the next round; the one Teams had not answered
    may have arrived, and is marked uncertain instead of sent again."""
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for person in (ada, bo):
        await forum.say(person, "hjelp")
    await decided(forum)
    sf = forum.statsforvalter
    await forum.press(sf, "award.send", send_data(only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))))
    await forum.settle()
    post = forum.app[UOW]
    async with post() as uow:
        rows = {r.target: r for r in await uow.session.scalars(select(AwardLetterDeliveryRow))}
        for target, status in ((f"person:{ada.aad_object_id}", "sending"), (f"person:{bo.aad_object_id}", "claimed")):
            rows[target].status, rows[target].claimed_by = status, "letters-gone"
            rows[target].claimed_at = datetime.now(UTC) - timedelta(hours=1)
        await uow.commit()
    forget_sent(forum)

    clock = Clock(datetime.now(UTC))
    notifier = LetterNotifier(Deliverer(sdk.load(Settings()).connector), post, clock)
    await Post("award letters", lambda uow: uow.award_letters, post, notifier, clock).run_all()

    statuses = await deliveries(forum)
    assert statuses[f"person:{ada.aad_object_id}"] == "uncertain"
    assert statuses[f"person:{bo.aad_object_id}"] == "sent"
    assert [r.conversation_id for r in forum.connector.received] == [teams.personal_conversation(bo)]


def test_a_years_grants_report_by_the_next_years_deadline_else_the_soonest():
    def deadline(id: int, day: str) -> WheelEvent:
        return WheelEvent(id, "f", EventKind.REPORTING_DEADLINE, datetime.fromisoformat(day), "Frist", "", "", ())

    soon, next_year, later = (
        deadline(1, "2025-12-15T11:00+00:00"),
        deadline(2, "2026-12-15T11:00+00:00"),
        deadline(3, "2027-12-15T11:00+00:00"),
    )
    assert proposed_deadline([soon, next_year, later], 2025, "Europe/Oslo") is next_year
    assert proposed_deadline([soon, later], 2025, "Europe/Oslo") is soon
    assert proposed_deadline([], 2025, "Europe/Oslo") is None


async def test_a_letter_that_reached_nobody_goes_again_once_they_can_be_reached_and_a_sent_one_never(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await forum.say(ada, "hjelp")  # Ada has a 1:1 chat with the bot; Bo has not yet
    await decided(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    await forum.press(sf, "award.send", send_data(card))
    await forum.settle()
    assert (await deliveries(forum))[f"person:{bo.aad_object_id}"] == "not_reachable"
    forum.new_replies()
    report = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    assert buttons(report) == ["Oppdater", "Send på nytt til dem som ikke fikk det"]

    await forum.say(bo, "hjelp")  # now the bot knows Bo's chat
    forget_sent(forum)
    body, _ = await forum.press(sf, "award.resend", {"year": YEAR})
    assert "tildelingsbrev sendes på nytt nå" in texts(card_of(body))
    await forum.settle()
    (letter,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(bo))]
    assert "Tildelingsbrev 2025" in texts(letter)
    assert forum.connector.sent_to(teams.personal_conversation(ada)) == []  # sent once, never again
    assert (await deliveries(forum))[f"person:{bo.aad_object_id}"] == "sent"
    async with forum.app[UOW]() as uow:
        actions = list(await uow.session.scalars(select(AuditEntryRow.action)))
    assert actions.count("allocation.letters_resent") == 1

    body, _ = await forum.press(forum.representative("follo"), "award.resend", {"year": YEAR})
    assert message_of(body) == nb("statsforvalter_only")

"""Forum meetings: the Statsforvalter calls the forum to a meeting of the
wheel (`innkalling`) with an agenda proposed from the open work; every
seat's representative answers *Kommer* or *Forfall*; *Forfall* calls the
deputy to stand in; seats that have not answered are reminded two days
before; the Statsforvalter sees per seat who comes.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import UOW
from bot.config import Settings
from bot.delivery.deliverer import Deliverer
from bot.edge import sdk
from bot.forum.post import Post
from bot.handlers.meetings import MeetingNotifier
from storage.models import AuditEntryRow, MeetingDeliveryRow, MeetingRow
from tests import teams
from tests.card_reading import actions, elements, facts, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of
from tests.test_announcements import set_up_channel
from tests.test_award_letters import forget_sent
from tests.test_reminders import channel_posts
from tests.test_votes_in_teams import Clock, nb

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
PAPERS = "Budsjett 2027 | https://example.org/budsjett.pdf\nhttps://example.org/referat-host.pdf"


async def spring_meeting(forum, starts_at: datetime = SOON) -> int:
    async with forum.app[UOW]() as uow:
        values = {
            "kind": "vaarmote",
            "starts_at": starts_at,
            "title": "Vårmøte i samarbeidsforumet",
            "place": "Statsforvalterens hus",
            "text": "",
            "offsets": [],
        }
        event = await uow.wheel.add("oslo-viken", values, None, datetime.now(UTC))
        await uow.commit()
    return event.id


async def compose(forum, event: int) -> dict:
    sf = forum.statsforvalter
    listing = only_card(await forum.say(sf, "innkalling"))
    assert "Vårmøte i samarbeidsforumet" in texts(listing) and "ikke innkalt" in texts(listing)
    verb, data = actions(listing)["Skriv innkalling"]
    assert (verb, data) == ("meeting.compose", {"event": event})
    body, _ = await forum.press(sf, verb, data)
    return card_of(body)


def send_data(card: dict, **typed: str) -> dict:
    verb, data = actions(card)["Send innkallingen"]
    assert verb == "meeting.send"
    return {**data, **inputs(card), **typed}


async def notice_sent(forum, **typed: str) -> tuple[dict, int]:
    """The notice sent; returns the Statsforvalter's attendance card and the meeting's id."""
    form = await compose(forum, await spring_meeting(forum))
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "meeting.send", send_data(form, papers=PAPERS, **typed))
    await forum.settle()
    async with forum.app[UOW]() as uow:
        meeting = await uow.session.scalar(select(MeetingRow.id))
    return card_of(body), meeting


def personal_cards(forum, user) -> list[dict]:
    return [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(user))]


async def attendance(forum, meeting: int) -> dict:
    body, _ = await forum.press(forum.statsforvalter, "meeting.attendance", {"meeting": meeting})
    return card_of(body)


async def test_the_notice_goes_to_the_channel_and_every_seats_representative_with_a_proposed_agenda(forum):
    await set_up_channel(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for person in (lise, arne):
        await forum.say(person, "hjelp")
    form = await compose(forum, await spring_meeting(forum))
    agenda = inputs(form)["agenda"].splitlines()
    assert agenda[0] == "Godkjenning av innkalling og saksliste" and agenda[-1] == "Eventuelt"
    assert inputs(form)["place"] == "Statsforvalterens hus"  # the wheel's place, to change

    forget_sent(forum)
    typed = {
        "agenda": "Godkjenning av innkalling og saksliste\nBudsjett 2027\nEventuelt",
        "link": "https://teams.microsoft.com/l/meetup-join/abc",
    }
    body, _ = await forum.press(forum.statsforvalter, "meeting.send", send_data(form, papers=PAPERS, **typed))
    assert "Innkallingen sendes nå" in texts(card_of(body))
    await forum.settle()

    (posted,) = channel_posts(forum)
    seen = texts(posted)
    assert "1. Godkjenning av innkalling og saksliste\n2. Budsjett 2027\n3. Eventuelt" in seen
    assert "Statsforvalterens hus" in seen
    links = {e["title"]: e["url"] for e in elements(posted) if e.get("type") == "Action.OpenUrl"}
    assert links == {
        "Budsjett 2027": "https://example.org/budsjett.pdf",
        "https://example.org/referat-host.pdf": "https://example.org/referat-host.pdf",
        "Bli med i Teams-møtet": typed["link"],
    }
    (to_lise,) = personal_cards(forum, lise)
    assert "Du er kalt inn som representant for Østfold VO-nettverk (sete 1)." in texts(to_lise)
    assert set(actions(to_lise)) == {"Kommer", "Forfall"}
    assert personal_cards(forum, arne) == []  # the deputy is called only on forfall

    forum.new_replies()
    listing = only_card(await forum.say(forum.statsforvalter, "innkalling"))
    assert "innkalt" in texts(listing) and "Oppmøte" in actions(listing)
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(AuditEntryRow.action))).count("meeting.noticed") == 1
    # A second press of the same form calls nobody twice.
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "meeting.send", send_data(form))
    assert "Det er allerede kalt inn til dette møtet." in texts(card_of(body))
    await forum.settle()
    assert forum.connector.received == []


async def test_forfall_calls_the_deputy_once_and_the_statsforvalter_sees_who_comes(forum):
    await set_up_channel(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    hanne = forum.representative("viken-vest")
    for person in (lise, arne, hanne):
        await forum.say(person, "hjelp")
    _, meeting = await notice_sent(forum)

    body, _ = await forum.press(hanne, "meeting.answer", {"meeting": meeting, "coming": True})
    assert "Takk! Du er ført opp som «kommer»." in texts(card_of(body))
    forget_sent(forum)
    body, _ = await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": False})
    assert f"Du er ført opp med forfall. Varaen din, {arne.name}, er kalt inn." in texts(card_of(body))
    await forum.settle()
    (call,) = personal_cards(forum, arne)
    assert f"{lise.name} har meldt forfall. Du er kalt inn som vara for Østfold VO-nettverk (sete 1)" in texts(call)

    report = await attendance(forum, meeting)
    assert f"Sete 1\nforfall · vara {arne.name} er kalt inn (sendt · 1 forsøk)" in texts(report)
    assert f"Sete 1\n{hanne.name} kommer" in texts(report)
    coming = facts(report)["Kommer"]

    await forum.press(arne, "meeting.answer", {"meeting": meeting, "coming": True})
    report = await attendance(forum, meeting)
    assert f"Sete 1\nvara {arne.name} kommer" in texts(report)
    assert int(facts(report)["Kommer"]) == int(coming) + 1

    # Forfall pressed again calls nobody twice.
    forget_sent(forum)
    body, _ = await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": False})
    assert "er kalt inn" not in texts(card_of(body))
    await forum.settle()
    assert personal_cards(forum, arne) == []


async def test_seats_that_have_not_answered_are_reminded_two_days_before_once(forum):
    await set_up_channel(forum)
    lise, hanne = forum.representative("ostfold-vo"), forum.representative("viken-vest")
    for person in (lise, hanne):
        await forum.say(person, "hjelp")
    _, meeting = await notice_sent(forum)
    await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": True})
    forget_sent(forum)

    uow = forum.app[UOW]
    clock = Clock(SOON - timedelta(days=3))
    post = Post(
        "meeting messages",
        lambda u: u.meetings,
        uow,
        MeetingNotifier(Deliverer(sdk.load(Settings()).connector), uow, clock),
        clock,
    )
    await post.run_all()
    assert forum.connector.received == []  # not yet
    clock.now = SOON - timedelta(days=2) + timedelta(minutes=1)
    await post.run_all()
    await post.run_all()
    (reminder,) = personal_cards(forum, hanne)
    assert "Påminnelse: du har ikke svart på innkallingen ennå." in texts(reminder)
    assert personal_cards(forum, lise) == []  # she answered
    async with forum.app[UOW]() as uow:
        reminders = {d.target: d.status for d in await uow.meetings.deliveries(meeting) if d.purpose == "reminder"}
    assert reminders[f"person:{lise.aad_object_id}"] == "skipped"
    assert reminders[f"person:{hanne.aad_object_id}"] == "sent"


async def test_once_the_meeting_has_begun_the_answer_stands(forum):
    await set_up_channel(forum)
    lise = forum.representative("ostfold-vo")
    _, meeting = await notice_sent(forum)
    async with forum.app[UOW]() as uow:
        await uow.session.execute(update(MeetingRow).values(starts_at=datetime.now(UTC) - timedelta(minutes=5)))
        await uow.commit()
    body, _ = await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": False})
    assert message_of(body) == nb("meeting_begun")


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"papers": "Budsjett | http://example.org/b.pdf"}, "Saksdokument på linje 1 har ikke en https-lenke."),
        ({"agenda": "\n \n"}, "Sakslisten må ha minst én sak."),
        ({"agenda": "\n".join(f"Sak {n}" for n in range(21))}, "Sakslisten kan ha høyst 20 saker."),
        ({"place": "", "link": ""}, "Skriv et sted eller en lenke til Teams-møtet."),
        ({"link": "teams.microsoft.com/l/meetup-join/abc"}, "Lenken må være en vanlig https-adresse"),
    ],
)
async def test_a_wrong_notice_sends_nothing_and_keeps_what_was_typed(forum, typed, problem):
    await set_up_channel(forum)
    form = await compose(forum, await spring_meeting(forum))
    data = send_data(form, **typed)
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "meeting.send", data)
    back = card_of(body)
    assert problem in texts(back), texts(back)
    assert inputs(back) == {k: data[k] for k in ("place", "link", "agenda", "papers")}
    await forum.settle()
    assert forum.connector.received == []
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(MeetingDeliveryRow.id))) == []


@pytest.mark.parametrize("data", [{}, {"event": "1"}, {"event": 1, "agenda": ["x"]}, {"event": 1, "place": 5}])
async def test_forged_notice_data_sends_nothing(forum, data):
    body, _ = await forum.press(forum.statsforvalter, "meeting.send", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)


@pytest.mark.parametrize("data", [{"meeting": 1, "coming": "ja"}, {"meeting": "1", "coming": True}, {"coming": False}])
async def test_forged_answers_change_nothing(forum, data):
    body, _ = await forum.press(forum.representative("ostfold-vo"), "meeting.answer", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)


async def test_only_seats_answer_and_only_the_statsforvalter_calls_the_meeting(forum):
    await set_up_channel(forum)
    lise = forum.representative("ostfold-vo")
    (reply,) = await forum.say(lise, "innkalling")
    assert nb("statsforvalter_only") in str(reply.activity)
    event = await spring_meeting(forum)
    body, _ = await forum.press(lise, "meeting.compose", {"event": event})
    assert message_of(body) == nb("statsforvalter_only")
    body, _ = await forum.press(lise, "meeting.send", {"event": event, "place": "x", "agenda": "Sak"})
    assert message_of(body) == nb("statsforvalter_only")

    _, meeting = await notice_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, "meeting.answer", {"meeting": meeting, "coming": True})
    assert message_of(body) == nb("meeting_seats_only")
    body, _ = await forum.press(lise, "meeting.attendance", {"meeting": meeting})
    assert message_of(body) == nb("statsforvalter_only")
    body, _ = await forum.press(lise, "meeting.answer", {"meeting": meeting + 99, "coming": True})
    assert message_of(body) == nb("meeting_not_found")


async def test_answers_and_notices_are_in_the_privacy_export_and_erasure_unnames_the_answer(forum):
    await set_up_channel(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for person in (lise, arne):
        await forum.say(person, "hjelp")
    _, meeting = await notice_sent(forum)
    await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": False})
    await forum.settle()
    async with forum.app[UOW]() as uow:
        (person,) = [p for p in await uow.privacy.people("oslo-viken") if lise.aad_object_id in p.aad_object_ids]
        found = await uow.privacy.gather(person)
        assert [(a["role"], a["coming"]) for a in found["meeting_answers"]] == [("representative", False)]
        assert [m["purpose"] for m in found["meeting_messages_received"]] == ["notice", "reminder"]
        counts = await uow.privacy.erase(person, "slettet person", datetime.now(UTC))
        await uow.commit()
    assert counts["meeting_answers"] == 1 and counts["meeting_messages_received"] == 2
    report = await attendance(forum, meeting)
    assert f"forfall · vara {arne.name} er kalt inn" in texts(report)  # the seat's answer stands
    async with forum.app[UOW]() as uow:
        (sf,) = [
            p for p in await uow.privacy.people("oslo-viken") if forum.statsforvalter.aad_object_id in p.aad_object_ids
        ]
        assert [m["title"] for m in (await uow.privacy.gather(sf))["meetings_noticed"]] == [
            "Vårmøte i samarbeidsforumet"
        ]


async def test_a_notice_that_reached_nobody_goes_again_once_they_can_be_reached_and_a_sent_one_never(forum):
    await set_up_channel(forum)
    lise, hanne = forum.representative("ostfold-vo"), forum.representative("viken-vest")
    await forum.say(lise, "hjelp")  # Lise has a chat with the bot; Hanne not yet
    report, meeting = await notice_sent(forum)
    report = await attendance(forum, meeting)
    assert f"{hanne.name} har ikke svart (ikke nåbar)" in texts(report)
    assert "Send på nytt til dem som ikke fikk den" in actions(report)

    await forum.say(hanne, "hjelp")
    forget_sent(forum)
    body, _ = await forum.press(forum.statsforvalter, *actions(report)["Send på nytt til dem som ikke fikk den"])
    assert "sendes på nytt" in texts(card_of(body))
    await forum.settle()
    (notice,) = personal_cards(forum, hanne)
    assert "Du er kalt inn som representant for Viken Vest" in texts(notice)
    assert personal_cards(forum, lise) == [] and channel_posts(forum) == []  # sent once, never again
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(AuditEntryRow.action))).count("meeting.notice_resent") == 1
    body, _ = await forum.press(lise, "meeting.resend", {"meeting": meeting})
    assert message_of(body) == nb("statsforvalter_only")

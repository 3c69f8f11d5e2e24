"""The minutes of a meeting (`referat`) and the year's meetings (`møter`):
after the meeting the Statsforvalter drafts the minutes with the attendance
and the decisions taken since the notice, approves them, and they are posted
in the channel and kept; the meetings download as Excel and the minutes as
Word.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import UOW
from bot.forum.meetings.minutes import MAX_MINUTES
from storage.models import AuditEntryRow, MeetingMinutesRow, MeetingRow
from tests.card_reading import actions, buttons, facts, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of
from tests.test_allocation import YEAR
from tests.test_announcements import set_up_channel
from tests.test_award_letters import decided, forget_sent
from tests.test_decisions_export import download, table
from tests.test_meetings import notice_sent
from tests.test_reminders import channel_posts
from tests.test_votes_in_teams import nb


async def held(forum) -> int:
    """A meeting called, answered, with the allocation decided since the
    notice, and now begun. Returns its id."""
    await set_up_channel(forum)
    lise, arne, hanne = (
        forum.representative("ostfold-vo"),
        forum.deputy("ostfold-vo"),
        forum.representative("viken-vest"),
    )
    for person in (lise, arne, hanne):
        await forum.say(person, "hjelp")
    _, meeting = await notice_sent(forum, agenda="Godkjenning av innkalling og saksliste\nTildeling\nEventuelt")
    await forum.press(lise, "meeting.answer", {"meeting": meeting, "coming": False})
    await forum.press(arne, "meeting.answer", {"meeting": meeting, "coming": True})
    await forum.press(hanne, "meeting.answer", {"meeting": meeting, "coming": True})
    await forum.settle()
    await decided(forum)
    async with forum.app[UOW]() as uow:
        await uow.session.execute(update(MeetingRow).values(starts_at=datetime.now(UTC) - timedelta(hours=1)))
        await uow.commit()
    forget_sent(forum)
    return meeting


async def draft(forum) -> dict:
    return only_card(await forum.say(forum.statsforvalter, "referat"))


def save_data(card: dict, title: str, **typed: str) -> tuple[str, dict]:
    verb, data = actions(card)[title]
    return verb, {**data, **inputs(card), **typed}


async def test_the_minutes_are_drafted_with_attendance_and_decisions_approved_posted_and_kept(forum):
    meeting = await held(forum)
    arne, hanne = forum.deputy("ostfold-vo"), forum.representative("viken-vest")
    card = await draft(forum)
    seen = texts(card)
    assert "Referat: Vårmøte i samarbeidsforumet" in seen
    assert facts(card)["Østfold VO-nettverk, sete 1"] == f"{arne.name} (vara)"
    assert facts(card)["Viken Vest (Buskerud, samt Asker og Bærum), sete 1"] == hanne.name
    assert "ikke meldt" in facts(card).values()
    assert f"Tildelingen for {YEAR} vedtatt" in seen and "BM-2025-001" in seen, seen
    assert inputs(card)["text"] == "1. Godkjenning av innkalling og saksliste\n\n2. Tildeling\n\n3. Eventuelt"

    verb, data = save_data(card, "Lagre utkast", text="1. Godkjent.\n\n2. Tildelingen ble vedtatt.")
    body, _ = await forum.press(forum.statsforvalter, verb, data)
    saved = card_of(body)
    assert "Utkastet er lagret" in texts(saved)
    assert inputs(saved)["text"] == "1. Godkjent.\n\n2. Tildelingen ble vedtatt."

    # A second card made from the first version writes nothing, and keeps its text.
    body, _ = await forum.press(forum.statsforvalter, verb, {**data, "text": "Annen tekst"})
    assert "Noen andre lagret referatet samtidig" in texts(card_of(body))
    assert inputs(card_of(body))["text"] == "Annen tekst"

    listing = only_card(await forum.say(forum.representative("ostfold-vo"), "møter"))
    assert "referat under arbeid" in texts(listing)
    assert "Referat" not in buttons(listing)  # a draft is the Statsforvalter's

    verb, data = save_data(saved, "Godkjenn og legg ut")
    body, _ = await forum.press(forum.statsforvalter, verb, data)
    assert "Referatet er godkjent og legges ut i forumets kanal." in texts(card_of(body))
    await forum.settle()
    (posted,) = channel_posts(forum)
    assert "Referat: Vårmøte i samarbeidsforumet" in texts(posted) and "2\\. Tildelingen ble vedtatt." in texts(
        posted
    )  # as typed, not a list
    assert "Godkjent av Statsforvalteren" in texts(posted) and inputs(posted) == {}

    forum.new_replies()
    listing = only_card(await forum.say(forum.representative("follo"), "møter"))
    assert "2 av " in texts(listing) and "referat godkjent" in texts(listing), texts(listing)
    body, _ = await forum.press(forum.representative("follo"), *actions(listing)["Referat"])
    assert texts(card_of(body)) == texts(posted)

    # Approved minutes stand: no more changes, and attendance no longer moves.
    body, _ = await forum.press(forum.statsforvalter, "minutes.save", {"meeting": meeting, "version": 2, "text": "x"})
    assert message_of(body) == nb("minutes_approved")
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(AuditEntryRow.action))).count("meeting.minutes_approved") == 1
    assert "Referatet er allerede godkjent." in texts(
        card_of((await forum.press(forum.statsforvalter, "minutes.open", {"meeting": meeting}))[0])
    )


async def test_the_years_meetings_download_as_excel_and_the_minutes_as_word(forum):
    meeting = await held(forum)
    card = await draft(forum)
    verb, data = save_data(card, "Godkjenn og legg ut", text="1. Godkjent.\n\n2. Tildelingen ble vedtatt.")
    await forum.press(forum.statsforvalter, verb, data)
    await forum.settle()
    forum.new_replies()
    year = datetime.now(UTC).year
    listing = only_card(await forum.say(forum.representative("ostfold-vo"), "møter"))

    body, _ = await forum.press(forum.representative("ostfold-vo"), *actions(listing)["Last ned (.xlsx)"])
    (link,) = re.findall(r"\((http[^)]+)\)", message_of(body))
    status, headers, content = await download(forum, link)
    assert status == 200 and headers["Content-Disposition"] == f'attachment; filename="moter-{year}.xlsx"'
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Møter", "Oppmøte"]
    (row,) = table(book, "Møter")
    assert row["Møte"] == "Vårmøte i samarbeidsforumet" and row["Referat"].startswith("1. Godkjent.")
    assert row["Til stede"] == 2 and row["Ikke meldt"] >= 1
    seats = {(r["Organisasjon"], r["Sete"]): r["Til stede"] for r in table(book, "Oppmøte")}
    assert seats[("Østfold VO-nettverk", 1)] == f"{forum.deputy('ostfold-vo').name} (vara)"

    body, _ = await forum.press(forum.representative("ostfold-vo"), *actions(listing)["Referatene (.docx)"])
    (link,) = re.findall(r"\((http[^)]+)\)", message_of(body))
    status, headers, content = await download(forum, link)
    assert status == 200 and headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    paragraphs = [p.text for p in Document(io.BytesIO(content)).paragraphs]
    assert "Referat: Vårmøte i samarbeidsforumet" in paragraphs and "2. Tildelingen ble vedtatt." in paragraphs
    assert f"Østfold VO-nettverk, sete 1: {forum.deputy('ostfold-vo').name} (vara)" in paragraphs
    assert meeting == 1


async def test_minutes_wait_for_the_meeting_and_are_the_statsforvalters_to_write(forum):
    await set_up_channel(forum)
    _, meeting = await notice_sent(forum)
    forget_sent(forum)
    card = only_card(await forum.say(forum.statsforvalter, "referat"))
    assert "Ingen møter som er holdt, venter på referat." in texts(card)
    body, _ = await forum.press(forum.statsforvalter, "minutes.open", {"meeting": meeting})
    assert message_of(body) == nb("minutes_before_meeting")

    lise = forum.representative("ostfold-vo")
    (reply,) = await forum.say(lise, "referat")
    assert nb("statsforvalter_only") in str(reply.activity)
    for verb in ("minutes.open", "minutes.save", "minutes.approve"):
        body, _ = await forum.press(lise, verb, {"meeting": meeting, "version": 0, "text": "x"})
        assert message_of(body) == nb("statsforvalter_only")
    body, _ = await forum.press(lise, "minutes.show", {"meeting": meeting})
    assert message_of(body) == nb("minutes_not_approved")


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"text": "x" * (MAX_MINUTES + 1)}, f"Referatet kan ha høyst {MAX_MINUTES} tegn."),
        ({"text": "  "}, "Et referat som skal godkjennes, må ha tekst."),
    ],
)
async def test_wrong_minutes_are_not_approved_and_the_text_is_kept(forum, typed, problem):
    await held(forum)
    verb, data = save_data(await draft(forum), "Godkjenn og legg ut", **typed)
    body, _ = await forum.press(forum.statsforvalter, verb, data)
    assert problem in texts(card_of(body))
    assert inputs(card_of(body))["text"] == typed["text"]
    async with forum.app[UOW]() as uow:
        assert list(await uow.session.scalars(select(MeetingMinutesRow.meeting_id))) == []


@pytest.mark.parametrize(
    "data",
    [
        {"meeting": "1", "version": 0},
        {"meeting": 1, "version": -1},
        {"meeting": 1, "version": 0, "text": ["x"]},
        {"meeting": 1, "version": 0, "text": "x" * (MAX_MINUTES * 2 + 1)},
    ],
)
async def test_forged_minutes_data_changes_nothing(forum, data):
    body, _ = await forum.press(forum.statsforvalter, "minutes.save", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)


@pytest.mark.parametrize("data", [{"year": "2026", "format": "xlsx"}, {"year": 2026, "format": "pdf"}, {"year": 2026}])
async def test_forged_export_data_makes_no_link(forum, data):
    body, _ = await forum.press(forum.statsforvalter, "meetings.export", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)


async def test_who_wrote_and_approved_the_minutes_is_in_their_privacy_export(forum):
    await held(forum)
    verb, data = save_data(await draft(forum), "Godkjenn og legg ut", text="Godkjent.")
    await forum.press(forum.statsforvalter, verb, data)
    async with forum.app[UOW]() as uow:
        (sf,) = [
            p for p in await uow.privacy.people("oslo-viken") if forum.statsforvalter.aad_object_id in p.aad_object_ids
        ]
        assert [m["title"] for m in (await uow.privacy.gather(sf))["minutes_written"]] == [
            "Vårmøte i samarbeidsforumet"
        ]

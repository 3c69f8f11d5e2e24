"""Reporting back (`rapportering`): the representative and deputy of an
organisation granted money report on each granted measure, what was done,
whom it reached, the university or college's part, the money used and
unused, and what came of it; they save drafts, send, and change it until
the deadline the award letters named. The reporting deadline's reminder
names the organisations still owing a report and nudges their seats.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import UOW
from bot.forum.allocation.budget import Budget
from bot.forum.needs.export import SUMMARY_SHEET
from bot.forum.needs.report import Status
from bot.forum.needs.round_sheets import ALLOCATION_SHEET, REPORTING_SHEET
from bot.forum.privacy import ERASED
from bot.forum.wheel.events import EventKind
from bot.views.common import card_size
from storage.models import AuditEntryRow, AwardLetterRow, GrantReportRow
from tests import teams
from tests.card_reading import actions, buttons, elements, facts, input_named, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, press
from tests.test_allocation import TEAMS_CARD_LIMIT, YEAR
from tests.test_award_letters import DEADLINE, decided, forget_sent, send_data
from tests.test_overview import download, kr, seed
from tests.test_reminders import Clock, channel_posts, scheduler
from tests.test_votes_in_teams import nb, set_up_channel

GOOD = {
    "done": "Fire samlinger om vurdering i moduler, med oppgaver mellom samlingene.",
    "participants": "42",
    "partner_part": "OsloMet planla og ledet samlingene.",
    "money_used": "240 000",
    "unused": "10000",
    "experience": "Lærerne bruker modulvurdering i alle klasser nå.",
}


NOT_YOURS = nb("grant_not_yours")


async def letters_sent(forum) -> None:
    """The 2025 allocation decided and its award letters sent, naming the
    reporting deadline of 15 December 2031."""
    await decided(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    await forum.press(sf, "award.send", send_data(card))
    await forum.settle()
    forget_sent(forum)


async def open_form(forum, user, reference: str) -> dict:
    """From `rapportering`, the button of the grant with this reference."""
    wanted = await report_id(forum, reference)
    listing = only_card(await forum.say(user, "rapportering"))
    (data,) = [
        e["data"] for e in elements(listing) if e.get("verb") == "grant.open" and e["data"]["report_id"] == wanted
    ]
    return card_of((await forum.press(user, "grant.open", data))[0])


async def report_id(forum, reference: str) -> int:
    async with forum.app[UOW]() as uow:
        reports = await uow.needs_reports.with_organisation_names("oslo-viken", YEAR, tuple(Status))
    return next(r.id for r, _ in reports if r.reference == reference)


async def stored(forum, reference: str):
    async with forum.app[UOW]() as uow:
        return await uow.grant_reports.get(await report_id(forum, reference))


async def status(forum, reference: str) -> Status:
    async with forum.app[UOW]() as uow:
        return (await uow.needs_reports.get("oslo-viken", await report_id(forum, reference))).status


async def test_a_representative_drafts_and_sends_the_report_and_the_grant_is_reported(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")

    listing = only_card(await forum.say(ada, "rapportering"))
    assert (
        f"BM-2025-001 Vurdering i moduler (Østfold VO-nettverk)\nTildelt {kr(250_000)} kr · ikke påbegynt · frist 15.12.2031 12:00"
        in texts(listing)
    )
    assert "BM-2025-003" not in texts(listing)  # Akershus's
    assert buttons(listing) == ["Rapporter"]

    form = await open_form(forum, ada, "BM-2025-001")
    assert inputs(form) == dict.fromkeys(GOOD, "")
    assert facts(form)["Tildelt"] == f"{kr(250_000)} kr"
    assert facts(form)["Frist"] == "mandag 15. desember 2031 kl. 12:00"

    # Half of it today, as a draft.
    half = {"done": GOOD["done"], "participants": "42"}
    form = card_of(await press(forum, ada, form, "Lagre utkast", half))
    assert "Utkastet er lagret" in texts(form) and "må fylles ut" not in texts(form)
    assert inputs(form) == {**dict.fromkeys(GOOD, ""), **half}
    assert await status(forum, "BM-2025-001") is Status.GRANTED

    # The rest tomorrow: the draft is there when the form opens again.
    form = await open_form(forum, ada, "BM-2025-001")
    assert inputs(form) == {**dict.fromkeys(GOOD, ""), **half}
    receipt = card_of(await press(forum, ada, form, "Send rapporten", GOOD))
    seen = texts(receipt)
    assert "Takk! Rapporten på BM-2025-001 er sendt, og tiltaket står nå som rapportert." in seen
    assert f"Brukt av tildelingen (kr)\n{kr(240_000)} kr" in seen and f"Ubrukt beløp (kr)\n{kr(10_000)} kr" in seen
    assert "Universitetets eller høgskolens del i tiltaket\nOsloMet planla og ledet samlingene." in seen
    assert inputs(receipt) == {}
    assert buttons(receipt) == ["Endre rapporten", "Alle tildelinger"]
    assert await status(forum, "BM-2025-001") is Status.REPORTED
    sent = await stored(forum, "BM-2025-001")
    assert sent.fields["money_used"] == 240_000 and sent.fields["participants"] == 42 and sent.draft is None

    # Teams repeats a press: the same receipt, nothing sent twice.
    again = card_of(await press(forum, ada, form, "Send rapporten", GOOD))
    assert "Rapporten var allerede sendt." in texts(again)
    async with forum.app[UOW]() as uow:
        audit = list(
            await uow.session.execute(
                select(AuditEntryRow.subject, AuditEntryRow.detail).where(AuditEntryRow.action == "needs.reported_back")
            )
        )
    assert [(subject, detail["first_time"]) for subject, detail in audit] == [("BM-2025-001", True)]

    listing = only_card(await forum.say(ada, "rapportering"))
    assert "sendt " in texts(listing) and buttons(listing) == ["Se rapporten"]


async def test_the_deputy_changes_the_sent_report_until_the_deadline(forum):
    await letters_sent(forum)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    await press(forum, ada, form, "Send rapporten", GOOD)

    view = await open_form(forum, bo, "BM-2025-001")
    assert inputs(view) == {}  # what was sent, to read
    form = card_of(await press(forum, bo, view, "Endre rapporten"))
    assert inputs(form)["money_used"] == "240000"
    changed = card_of(await press(forum, bo, form, "Send endringene", {"participants": "45"}))
    assert "Endringene i rapporten på BM-2025-001 er sendt." in texts(changed)
    assert (await stored(forum, "BM-2025-001")).fields["participants"] == 45
    assert await status(forum, "BM-2025-001") is Status.REPORTED

    # After the deadline the organisation can no longer change it; what
    # was typed stays on the card, and nothing is saved.
    async with forum.app[UOW]() as uow:
        await uow.session.execute(update(AwardLetterRow).values(deadline_at=datetime.now(UTC) - timedelta(days=1)))
        await uow.commit()
    late = card_of(await press(forum, bo, form, "Send endringene", {"participants": "50"}))
    assert "Fristen for rapportering gikk ut" in texts(late)
    assert inputs(late)["participants"] == "50" and "Send endringene" not in buttons(late)
    assert (await stored(forum, "BM-2025-001")).fields["participants"] == 45
    view = await open_form(forum, bo, "BM-2025-001")
    assert buttons(view) == ["Alle tildelinger"]

    # The Statsforvalter still may (a correction sent by e-mail, say).
    sf = forum.statsforvalter
    form = card_of(await press(forum, sf, await open_form(forum, sf, "BM-2025-001"), "Endre rapporten"))
    card_of(await press(forum, sf, form, "Send endringene", {"participants": "50"}))
    assert (await stored(forum, "BM-2025-001")).fields["participants"] == 50


async def test_wrong_values_are_kept_as_typed_with_what_is_wrong_and_nothing_is_sent(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    wrong = {**GOOD, "participants": "mange", "unused": "5000"}

    back = card_of(await press(forum, ada, form, "Send rapporten", wrong))
    seen = texts(back)
    assert "Rapporten er lagret som utkast, men ikke sendt: 2 felt mangler eller er feil." in seen
    assert "må være et helt tall" in seen
    assert f"brukt og ubrukt beløp må til sammen bli det tildelte beløpet, {kr(250_000)} kr" in seen
    assert inputs(back) == {**wrong, "money_used": "240000"}  # as read
    assert await status(forum, "BM-2025-001") is Status.GRANTED
    assert (await stored(forum, "BM-2025-001")).fields == {}

    # Opened again later: the text typed and what is wrong with it are still there.
    again = await open_form(forum, ada, "BM-2025-001")
    assert inputs(again)["participants"] == "mange" and inputs(again)["unused"] == "5000"
    assert "må være et helt tall" in texts(again)

    fixed = card_of(await press(forum, ada, again, "Send rapporten", {"participants": "42", "unused": "10000"}))
    assert "Takk!" in texts(fixed)


async def test_an_empty_field_stands_between_the_draft_and_send(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    back = card_of(await press(forum, ada, form, "Send rapporten", {**GOOD, "experience": "  "}))
    assert "1 felt mangler eller er feil" in texts(back) and "Erfaringer og effekt: må fylles ut" in texts(back)
    assert await status(forum, "BM-2025-001") is Status.GRANTED


@pytest.mark.parametrize(
    "forged",
    [{"participants": 42}, {"done": "x" * 4001}, {"money_used": ["1"]}],
    ids=["a number, not text", "longer than the input takes", "a list"],
)
async def test_forged_card_data_is_refused_and_nothing_is_saved(forum, forged):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    body = await press(forum, ada, form, "Lagre utkast", {**GOOD, **forged})
    assert "Kortet sendte en ugyldig verdi for «" in message_of(body) and "Ingenting er lagret." in message_of(body)
    assert await stored(forum, "BM-2025-001") is None


async def test_two_saving_at_once_neither_overwrites_the_other_unseen(forum):
    await letters_sent(forum)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    adas = await open_form(forum, ada, "BM-2025-001")
    bos = await open_form(forum, bo, "BM-2025-001")
    await press(forum, ada, adas, "Lagre utkast", {"done": "Adas tekst"})

    back = card_of(await press(forum, bo, bos, "Lagre utkast", {"done": "Bos tekst"}))
    assert "Noen andre lagret rapporten mens du skrev" in texts(back)
    assert inputs(back)["done"] == "Bos tekst"
    assert (await stored(forum, "BM-2025-001")).draft["done"] == "Adas tekst"

    card_of(await press(forum, bo, back, "Lagre utkast"))  # a second press puts it in place
    assert (await stored(forum, "BM-2025-001")).draft["done"] == "Bos tekst"


async def test_only_the_organisations_seats_and_the_statsforvalter_report_on_a_grant(forum):
    await letters_sent(forum)
    ostfold = await report_id(forum, "BM-2025-001")
    for outsider in (forum.representative("akershus-fk"), forum.representative("follo")):
        for verb, data in (("grant.open", {}), ("grant.save", GOOD), ("grant.send", GOOD)):
            body, _ = await forum.press(outsider, verb, {"report_id": ostfold, "version": 0, **data})
            assert message_of(body) == NOT_YOURS
    assert await stored(forum, "BM-2025-001") is None
    # A report not granted has nothing to report on.
    body, _ = await forum.press(
        forum.representative("follo"), "grant.open", {"report_id": await report_id(forum, "BM-2025-002")}
    )
    assert message_of(body).startswith("Fant ikke et tildelt tiltak")

    sf_list = only_card(await forum.say(forum.statsforvalter, "rapportering"))
    assert "BM-2025-001" in texts(sf_list) and "BM-2025-003" in texts(sf_list) and "BM-2025-005" in texts(sf_list)
    assert "BM-2025-002" not in texts(sf_list)  # not prioritised


async def test_a_seat_of_an_organisation_that_sends_no_needs_reports_is_neither_offered_nor_let_into_reporting(forum):
    """No needs reports, no grants: the help card leaves `rapportering` out,
    and the list's page button refuses as the command does."""
    await letters_sent(forum)
    teacher = forum.representative("utdanningsforbundet")
    assert "Rapportering" not in buttons(only_card(await forum.say(teacher, "hjelp")))
    body, _ = await forum.press(teacher, "grant.list", {"page": 1})
    assert message_of(body) == nb("grant_no_organisation")
    body, _ = await forum.press(forum.representative("ostfold-vo"), "grant.list", {"page": 1})
    assert "BM-2025-001" in texts(card_of(body))  # as a seat of an organisation that reports gets its list


async def test_the_award_letter_has_a_button_to_report_back_where_money_was_granted(forum):
    ada, cecilie = forum.representative("ostfold-vo"), forum.representative("follo")
    for person in (ada, cecilie):
        await forum.say(person, "hjelp")
    await decided(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    await forum.press(sf, "award.send", send_data(card))
    await forum.settle()
    (letter,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(ada))]
    assert actions(letter)["Rapporter"] == ("command", {"command": "rapportering"})
    (follo,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(cecilie))]
    assert buttons(follo) == []  # nothing granted, nothing to report on

    forget_sent(forum)
    body, replies = await forum.press(ada, "command", {"command": "rapportering"})
    assert "BM-2025-001" in texts(only_card(replies))


async def test_the_reporting_deadline_names_who_owes_a_report_and_nudges_their_seats(forum):
    await set_up_channel(forum)
    ada, akershus = forum.representative("ostfold-vo"), forum.representative("akershus-fk")
    for person in (ada, akershus):
        await forum.say(person, "hjelp")
    await letters_sent(forum)
    form = await open_form(forum, ada, "BM-2025-001")
    await press(forum, ada, form, "Send rapporten", GOOD)
    forget_sent(forum)
    async with forum.app[UOW]() as uow:
        (event,) = await uow.wheel.of_kind_in_year(
            "oslo-viken", EventKind.REPORTING_DEADLINE, datetime(2031, 1, 1, tzinfo=UTC), DEADLINE + timedelta(days=1)
        )
        await uow.wheel.plan(event, "Europe/Oslo", DEADLINE - timedelta(days=30))
        await uow.commit()

    await scheduler(forum, Clock(DEADLINE - timedelta(days=1))).run_once()

    (post,) = channel_posts(forum)
    seen = texts(post)
    assert "Ikke rapportert ennå:" in seen
    assert "Akershus fylkeskommune" in seen and "Buskerud fylkeskommune" in seen
    assert "Østfold VO-nettverk" not in seen  # reported
    assert "Nettverket for Follo-regionen" not in seen  # nothing granted
    (nudge,) = forum.connector.sent_to(teams.personal_conversation(akershus))
    assert "Organisasjonen din har ikke rapportert på alle tildelingene sine ennå." in texts(nudge.cards[0])
    assert actions(nudge.cards[0])["Rapporter"] == ("command", {"command": "rapportering"})
    assert forum.connector.sent_to(teams.personal_conversation(ada)) == []


async def test_a_reporting_deadline_no_award_letter_named_counts_nobody(forum):
    await set_up_channel(forum)
    async with forum.app[UOW]() as uow:
        values = {
            "kind": "frist_rapportering",
            "starts_at": DEADLINE,
            "title": "Frist for rapportering",
            "place": "",
            "text": "",
            "offsets": [1440],
        }
        event = await uow.wheel.add("oslo-viken", values, None, DEADLINE - timedelta(days=30))
        await uow.wheel.plan(event, "Europe/Oslo", DEADLINE - timedelta(days=30))
        await uow.commit()
    await scheduler(forum, Clock(DEADLINE - timedelta(days=1))).run_once()
    (post,) = channel_posts(forum)
    assert "rapportert" not in texts(post).lower()
    assert [r for r in forum.connector.received if r.conversation_id != teams.CHANNEL] == []


async def test_english_teams_gets_the_form_in_english(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    listing = only_card(await forum.send(teams.message(ada, "report back", forum.service_url, locale="en-US")))
    assert "Reporting back on granted funds" in texts(listing) and buttons(listing) == ["Report back"]


async def test_a_report_back_is_in_its_authors_privacy_export_and_erasure_unnames_them(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    await press(forum, ada, form, "Send rapporten", GOOD)
    async with forum.app[UOW]() as uow:
        (person,) = [p for p in await uow.privacy.people("oslo-viken") if ada.aad_object_id in p.aad_object_ids]
        found = await uow.privacy.gather(person)
        assert [(g["report_id"], g["created"], g["sent"]) for g in found["grant_reports"]] == [
            (await report_id(forum, "BM-2025-001"), True, True)
        ]
        counts = await uow.privacy.erase(person, ERASED, datetime.now(UTC))
        await uow.commit()
    assert counts["grant_reports_sent_by"] == 1
    async with forum.app[UOW]() as uow:
        row = await uow.session.get(GrantReportRow, await report_id(forum, "BM-2025-001"))
        assert (row.created_by, row.updated_by, row.sent_by) == (ERASED, ERASED, ERASED)
        assert row.fields["participants"] == 42  # what the organisation reported stays


async def test_the_overview_shows_frame_granted_and_reported_per_year_and_the_export_has_the_rounds_sheets(forum):
    await seed(forum, "follo", YEAR - 1, "Lesekurs", ["ledere"], 90_000, Status.REPORTED, granted=80_000)
    await set_budget_of(forum, YEAR - 1, 100_000)
    await letters_sent(forum)  # 2025: a frame of 600 000; 250 000 + 50 000 decided, 10 000 granted before
    ada = forum.representative("ostfold-vo")
    await press(forum, ada, await open_form(forum, ada, "BM-2025-001"), "Send rapporten", GOOD)

    card = only_card(await forum.say(ada, f"oversikt {YEAR}"))
    (rounds,) = [e for e in elements(card) if e.get("type") == "ColumnSet" and "Tildelingsrunden" in texts(e)]
    assert texts(rounds).replace("\xa0", " ").split("\n") == [
        "Tildelingsrunden",
        "Ramme",
        "Tildelt",
        "Rapportert",
        "Brukt (rapportert)",
        "Ubrukt (rapportert)",
        "2025",
        "600 000 kr",
        "310 000 kr",
        "1 av 3",
        "240 000 kr",
        "10 000 kr",
        "2024",
        "100 000 kr",
        "80 000 kr",
        "1 av 1",
        "0 kr",
        "0 kr",
    ]

    body, _ = await forum.press(ada, "overview.export", {"year": YEAR, "page": 1})
    url = next(e["url"] for e in elements(card_of(body)) if e.get("type") == "Action.OpenUrl")
    status, _, content = await download(forum, url)
    assert status == 200
    book = load_workbook(io.BytesIO(content))
    allocation = [list(r) for r in book[ALLOCATION_SHEET].iter_rows(values_only=True)]
    assert allocation[0] == [
        "Prioritet",
        "Referanse",
        "Organisasjon",
        "Tittel på tiltaket",
        "Søkt beløp (NOK)",
        "Tildelt (NOK)",
        "Sum så langt (NOK)",
    ]
    assert [r[1] for r in allocation[1:]] == ["BM-2025-001", "BM-2025-002", "BM-2025-003"]
    assert allocation[1][5:] == [250_000, 250_000] and allocation[3][5:] == [50_000, 250_000 + 50_000]
    reporting = [list(r) for r in book[REPORTING_SHEET].iter_rows(values_only=True)]
    by_reference = {r[0]: dict(zip(reporting[0], r)) for r in reporting[1:]}
    assert set(by_reference) == {"BM-2025-001", "BM-2025-003", "BM-2025-005"}
    ostfold = by_reference["BM-2025-001"]
    assert ostfold["Rapport"] == "sendt" and ostfold["Brukt av tildelingen (kr)"] == 240_000
    assert ostfold["Antall deltakere nådd"] == 42 and ostfold["Hva ble gjennomført"] == GOOD["done"]
    assert by_reference["BM-2025-003"]["Rapport"] == "ikke påbegynt"
    summary = {r[0]: r[1:] for r in book[SUMMARY_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert list(summary["Tildelingsrunden"][:2]) == ["2025", "2024"]
    assert list(summary["Rapporterte tiltak"][:2]) == [1, 1] and list(summary["Tildelte tiltak"][:2]) == [3, 1]


async def set_budget_of(forum, year: int, frame: int) -> None:
    async with forum.app[UOW]() as uow:
        assert await uow.budgets.put(
            Budget("oslo-viken", year, frame, {}, 1, None, datetime(year, 1, 10, tzinfo=UTC)), 0
        )
        await uow.commit()


async def test_a_form_with_every_answer_at_its_limit_stays_under_teams_card_limit(forum):
    await letters_sent(forum)
    ada = forum.representative("ostfold-vo")
    form = await open_form(forum, ada, "BM-2025-001")
    longest = {name: "æ" * input_named(form, name)["maxLength"] for name in ("done", "partner_part", "experience")}
    back = card_of(await press(forum, ada, form, "Lagre utkast", {**GOOD, **longest}))
    assert inputs(back)["done"] == longest["done"]
    assert card_size(back) < TEAMS_CARD_LIMIT, card_size(back)

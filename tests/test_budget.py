"""The year's budget as the forum meets it in Teams: the Statsforvalter sets
the frame from the allocation letter and what is set aside per competence
area; every seat sees frame, applied, granted and remaining; wrong amounts
come back on the form with everything typed, and nothing is saved."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import UOW
from storage.models import AuditEntryRow, BudgetRow, NeedsReportRow
from tests.card_reading import actions, input_named, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, press, send_new_report

YEAR = datetime.now(UTC).year  # the forum's year, as `budsjett` without a year shows
FRAME = "budget_frame"
MODULES = "reserve_modulstruktur"
ASSESSMENT = "reserve_vurdering-for-laering"


async def budget_form(forum, user, year: int | None = None) -> dict:
    replies = await forum.say(user, f"budsjett {year}" if year else "budsjett")
    return only_card(replies)


async def saved(forum) -> list[BudgetRow]:
    async with forum.app[UOW]() as uow:
        rows = list(await uow.session.scalars(select(BudgetRow)))
        uow.session.expunge_all()
        return rows


async def test_the_statsforvalter_sets_the_frame_and_every_seat_sees_it(forum):
    stine, ada = forum.statsforvalter, forum.representative("ostfold-vo")
    card = await budget_form(forum, stine)
    assert f"Budsjett for {YEAR}" in texts(card)
    assert f"Statsforvalteren har ikke satt rammen for {YEAR} ennå." in texts(card)

    card = card_of(
        await press(
            forum,
            stine,
            card,
            f"Lagre budsjettet for {YEAR}",
            {FRAME: "1 200 000", MODULES: "300000", ASSESSMENT: ""},
        )
    )
    assert f"Budsjettet for {YEAR} er lagret." in texts(card)
    assert "1\u00a0200\u00a0000 kr" in texts(card) and "300\u00a0000 kr" in texts(card)
    (row,) = await saved(forum)
    assert (row.year, row.frame, row.reserved, row.version, row.updated_by) == (
        YEAR,
        1_200_000,
        {"modulstruktur": 300_000},
        1,
        stine.aad_object_id,
    )

    # A report applied for, then granted: the seat's card shows it.
    await send_new_report(forum, ada)
    async with forum.app[UOW]() as uow:
        report_id = await uow.session.scalar(select(NeedsReportRow.id))
    for status, typed in (("prioritert", {}), ("tildelt", {"granted_amount": "400 000"})):
        await forum.press(stine, "needs.decide", {"report_id": report_id, "status": status, **typed})

    seen = await budget_form(forum, ada)
    shown = texts(seen)
    assert "Ramme" in shown and "1\u00a0200\u00a0000 kr" in shown
    assert "Søkt" in shown and "450\u00a0000 kr" in shown
    assert "Tildelt" in shown and "400\u00a0000 kr" in shown
    assert "Gjenstår" in shown and "800\u00a0000 kr" in shown
    assert "Fullføringsreformen: modulstrukturert opplæring" in shown
    assert f"av {stine.name}" in shown
    assert not actions(seen)  # a seat reads; only the Statsforvalter sets
    assert inputs(seen) == {}

    async with forum.app[UOW]() as uow:
        entries = await uow.session.execute(
            select(AuditEntryRow.actor, AuditEntryRow.subject, AuditEntryRow.detail).where(
                AuditEntryRow.action == "budget.set"
            )
        )
    assert [tuple(e) for e in entries] == [
        (stine.aad_object_id, str(YEAR), {"frame": 1_200_000, "reserved": {"modulstruktur": 300_000}}),
    ]


async def test_wrong_amounts_come_back_with_everything_typed_and_nothing_is_saved(forum):
    stine = forum.statsforvalter
    card = await budget_form(forum, stine)
    typed = {FRAME: "1,2 mill", MODULES: "-5", ASSESSMENT: "250 000"}
    card = card_of(await press(forum, stine, card, f"Lagre budsjettet for {YEAR}", typed))

    assert "Budsjettet er ikke lagret" in texts(card)
    assert "Ramme fra tildelingsbrevet (kr): må være et helt tall" in texts(card)
    for name, value in typed.items():
        assert input_named(card, name)["value"] == value
    assert await saved(forum) == []

    # Set aside more than the frame: refused, the typed values kept.
    typed = {FRAME: "500000", MODULES: "300000", ASSESSMENT: "250000"}
    card = card_of(await press(forum, stine, card, f"Lagre budsjettet for {YEAR}", typed))
    assert "Det som er satt av (550\u00a0000 kr), er mer enn rammen (500\u00a0000 kr)." in texts(card)
    assert input_named(card, ASSESSMENT)["value"] == "250000"
    assert await saved(forum) == []


async def test_two_saves_from_the_same_form_keep_the_first_and_tell_the_second(forum):
    stine = forum.statsforvalter
    first = second = await budget_form(forum, stine)
    await press(forum, stine, first, f"Lagre budsjettet for {YEAR}", {FRAME: "1000000"})
    card = card_of(await press(forum, stine, second, f"Lagre budsjettet for {YEAR}", {FRAME: "2000000"}))

    assert "Noen lagret budsjettet samtidig" in texts(card)
    assert input_named(card, FRAME)["value"] == "2000000"  # what was typed, to save again
    assert "1\u00a0000\u00a0000 kr" in texts(card)  # what stands
    (row,) = await saved(forum)
    assert (row.frame, row.version) == (1_000_000, 1)

    # Saved again from the card that came back, it applies.
    card = card_of(await press(forum, stine, card, f"Lagre budsjettet for {YEAR}", {FRAME: "2000000"}))
    assert f"Budsjettet for {YEAR} er lagret." in texts(card)
    (row,) = await saved(forum)
    assert (row.frame, row.version) == (2_000_000, 2)


async def test_a_seat_cannot_set_the_budget_with_a_forged_press(forum):
    ada = forum.representative("ostfold-vo")
    body, _ = await forum.press(ada, "budget.save", {"year": YEAR, "version": 0, FRAME: "9000000"})
    assert "Bare Statsforvalteren" in message_of(body)
    for data in ({"year": "neste", "version": 0}, {"year": YEAR, "version": -1}, {"year": 1850, "version": 0}):
        body, _ = await forum.press(forum.statsforvalter, "budget.save", {**data, FRAME: "1"})
        assert "Kortet sendte data" in message_of(body), data
    assert await saved(forum) == []


async def test_another_year_is_asked_for_by_number(forum):
    card = await budget_form(forum, forum.statsforvalter, YEAR + 1)
    assert f"Budsjett for {YEAR + 1}" in texts(card)
    replies = await forum.say(forum.statsforvalter, "budsjett i fjor")
    assert "Skriv et årstall mellom 2000 og 2100" in texts(only_card(replies))
    replies = await forum.say(forum.statsforvalter, "budget", locale="en-US")
    assert f"Budget for {YEAR}" in texts(only_card(replies))

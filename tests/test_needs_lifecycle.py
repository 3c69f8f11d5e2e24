"""After sending: two people on one draft, the organisation's list, edits
with history, withdrawal, the Statsforvalter's decisions, and two of
these pressed at the same moment."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import UOW
from storage.models import NeedsReportRevisionRow, NeedsReportRow, NeedsReportStatusRow
from tests.card_reading import actions, inputs, only_card, texts
from tests.needs_helpers import STEP_1, begin, card_of, message_of, press, send_new_report

CHANGED_MEANWHILE = "Noen endret statusen på behovsmeldingen samtidig. Åpne den igjen for å se hvordan den står nå."


async def stored(forum, model, **where):
    async with forum.app[UOW]() as uow:
        query = select(model).filter_by(**where).order_by(model.id)
        rows = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


# --- representative and deputy on the same draft ---------------------------


async def test_representative_and_deputy_changing_different_fields_keep_both(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    card = await begin(forum, ada)
    card = card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))
    back = card_of(await press(forum, ada, card, "Tilbake"))  # step 1 again, as saved

    # Both have step 1 open; Bo changes the title, Ada the target group.
    bo_card = card_of(await press(forum, bo, (await forum.say(bo, "behovsmelding"))[0].cards[0], "Fortsett"))
    card_of(await press(forum, bo, bo_card, "Lagre og gå videre", {"title": "Bos tittel"}))
    after = card_of(await press(forum, ada, back, "Lagre og gå videre", {"target_groups": "ledere"}))

    assert "Steg 2 av 4" in texts(after)  # no conflict: different fields
    (row,) = await stored(forum, NeedsReportRow)
    assert row.draft["title"] == "Bos tittel"
    assert row.draft["target_groups"] == ["ledere"]


async def test_the_same_field_changed_by_both_is_never_overwritten_silently(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    card = await begin(forum, ada)
    card = card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))
    ada_card = card_of(await press(forum, ada, card, "Tilbake"))
    bo_card = card_of(await press(forum, bo, ada_card, "Lagre og gå videre", {"title": "Bos tittel"}))
    assert "Steg 2 av 4" in texts(bo_card)

    # Ada saves her own title over a card made before Bo's save.
    conflict = card_of(await press(forum, ada, ada_card, "Lagre og gå videre", {"title": "Adas tittel"}))
    assert "Steg 1 av 4" in texts(conflict)
    assert "Bo" in texts(conflict) and "endret «Tittel på tiltaket»" in texts(conflict)
    assert "Lagret nå: «Bos tittel»" in texts(conflict)
    assert inputs(conflict)["title"] == "Adas tittel"  # her value is still in the field
    (row,) = await stored(forum, NeedsReportRow)
    assert row.draft["title"] == "Bos tittel"

    # Saving again is a deliberate choice: now her title wins.
    settled = card_of(await press(forum, ada, conflict, "Lagre og gå videre"))
    assert "Steg 2 av 4" in texts(settled)
    (row,) = await stored(forum, NeedsReportRow)
    assert row.draft["title"] == "Adas tittel"


# --- the organisation's list, edits and withdrawal --------------------------


async def test_my_reports_lists_the_organisations_reports_for_representative_and_deputy(forum):
    await send_new_report(forum, forum.representative("ostfold-vo"))
    await send_new_report(forum, forum.representative("follo"))
    listing = only_card(await forum.say(forum.deputy("ostfold-vo"), "mine behovsmeldinger"))
    assert "Behovsmeldinger fra Østfold VO-nettverk" in texts(listing)
    assert "BM-" in texts(listing) and "innsendt" in texts(listing)
    assert "Nettverket for Follo-regionen" not in texts(listing)
    assert {"Vis", "Endre", "Trekk", "Ny behovsmelding"} <= set(actions(listing))


async def test_an_edit_makes_a_new_revision_with_who_and_when(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await send_new_report(forum, ada)
    listing = only_card(await forum.say(bo, "mine behovsmeldinger"))
    form = card_of(await press(forum, bo, listing, "Endre"))
    assert "Endre BM-" in texts(form)
    for _ in range(3):
        form = card_of(
            await press(
                forum, bo, form, "Lagre og gå videre", {"participants": "95"} if "participants" in inputs(form) else {}
            )
        )
    receipt = card_of(await press(forum, bo, form, "Send endringene"))
    assert "Endringene er sendt" in texts(receipt)

    (row,) = await stored(forum, NeedsReportRow)
    assert (row.number, row.status, row.fields["participants"], row.draft) == (1, "innsendt", 95, None)
    revisions = await stored(forum, NeedsReportRevisionRow, report_id=row.id)
    assert [(r.revision, r.by) for r in revisions] == [(1, ada.aad_object_id), (2, bo.aad_object_id)]
    assert revisions[0].fields["participants"] == 80

    view = card_of(await press(forum, ada, only_card(await forum.say(ada, "mine behovsmeldinger")), "Vis"))
    assert f"Versjon 2: sendt av {bo.name}" in texts(view)
    assert f"Versjon 1: sendt av {ada.name}" in texts(view)


async def test_withdrawing_asks_first_and_is_logged(forum):
    ada = forum.representative("ostfold-vo")
    await send_new_report(forum, ada)
    listing = only_card(await forum.say(ada, "mine behovsmeldinger"))
    question = card_of(await press(forum, ada, listing, "Trekk"))
    assert "Vil du trekke BM-" in texts(question)
    done = card_of(await press(forum, ada, question, "Ja, trekk den"))
    assert "er trukket" in texts(done)
    (row,) = await stored(forum, NeedsReportRow)
    assert row.status == "trukket"
    (change,) = await stored(forum, NeedsReportStatusRow, report_id=row.id)
    assert (change.from_status, change.to_status, change.by) == ("innsendt", "trukket", ada.aad_object_id)
    # Withdrawn is final for the organisation.
    body, _ = await forum.press(ada, "needs.edit", {"report_id": row.id})
    assert "kan ikke endres nå" in message_of(body)


# --- the Statsforvalter's decisions -----------------------------------------


async def test_the_statsforvalter_moves_a_report_to_granted_and_reported(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    await send_new_report(forum, ada)
    (row,) = await stored(forum, NeedsReportRow)
    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])
    assert set(actions(view)) >= {"Sett til «prioritert»", "Sett til «ikke prioritert»"}

    view = card_of(await press(forum, stine, view, "Sett til «prioritert»"))
    assert "er satt til «prioritert»" in texts(view)
    refused = await press(forum, stine, view, "Sett til «tildelt»", {"granted_amount": ""})
    assert "Skriv inn tildelt beløp" in message_of(refused)
    view = card_of(await press(forum, stine, view, "Sett til «tildelt»", {"granted_amount": "400 000"}))
    assert "tildelt" in texts(view) and "400\u00a0000 kr" in texts(view)
    view = card_of(await press(forum, stine, view, "Sett til «rapportert»"))

    (row,) = await stored(forum, NeedsReportRow)
    assert (row.status, row.granted_amount) == ("rapportert", 400_000)
    changes = await stored(forum, NeedsReportStatusRow, report_id=row.id)
    assert [(c.to_status, c.by) for c in changes] == [
        ("prioritert", stine.aad_object_id),
        ("tildelt", stine.aad_object_id),
        ("rapportert", stine.aad_object_id),
    ]
    assert "tildelt" in texts(view) and stine.name in texts(view)


async def test_a_prioritised_report_changes_by_decisions_only_for_the_statsforvalter_too(forum):
    """Her card offers no edit or withdrawal once she has decided on it, and
    a press of either made anyway is refused, as it is for the seats."""
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    await send_new_report(forum, ada)
    (row,) = await stored(forum, NeedsReportRow)
    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])
    assert {"Endre", "Trekk"} <= set(actions(view))  # sent, not yet decided on
    view = card_of(await press(forum, stine, view, "Sett til «prioritert»"))
    assert "Endre" not in actions(view) and "Trekk" not in actions(view)
    for verb in ("needs.edit", "needs.withdraw"):
        body, _ = await forum.press(stine, verb, {"report_id": row.id})
        assert "er prioritert og kan ikke endres nå" in message_of(body)
    (row,) = await stored(forum, NeedsReportRow)
    assert row.status == "prioritert"


async def test_only_the_statsforvalter_decides_and_only_along_the_rules(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    await send_new_report(forum, ada)
    (row,) = await stored(forum, NeedsReportRow)
    view = card_of((await forum.press(ada, "needs.view", {"report_id": row.id}))[0])
    assert not any(title.startswith("Sett til") for title in actions(view))

    body, _ = await forum.press(ada, "needs.decide", {"report_id": row.id, "status": "prioritert"})
    assert "Bare Statsforvalteren" in message_of(body)
    body, _ = await forum.press(stine, "needs.decide", {"report_id": row.id, "status": "rapportert"})
    assert "kan ikke settes til «rapportert»" in message_of(body)
    body, _ = await forum.press(stine, "needs.decide", {"report_id": row.id, "status": "slettet"})
    assert "Kortet sendte data" in message_of(body)
    (row,) = await stored(forum, NeedsReportRow)
    assert row.status == "innsendt"
    assert await stored(forum, NeedsReportStatusRow) == []


# --- the needs-report deadline from the annual wheel ------------------------


async def deadline_passed_yesterday(forum) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    async with forum.app[UOW]() as uow:
        values = {
            "kind": "frist_behovsmeldinger",
            "starts_at": now - timedelta(days=1),
            "title": "Frist",
            "place": "",
            "text": "",
            "offsets": [1440],
        }
        await uow.wheel.add("oslo-viken", values, None, now)
        await uow.commit()


async def test_after_the_deadline_only_the_statsforvalter_can_reopen_a_report(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    await send_new_report(forum, ada)
    (row,) = await stored(forum, NeedsReportRow)
    await deadline_passed_yesterday(forum)

    listing = only_card(await forum.say(ada, "mine behovsmeldinger"))
    assert "Endre" not in actions(listing) and "Trekk" not in actions(listing)
    for verb in ("needs.edit", "needs.withdraw"):
        body, _ = await forum.press(ada, verb, {"report_id": row.id})
        assert "Fristen for behovsmeldinger gikk ut" in message_of(body)

    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])
    view = card_of(await press(forum, stine, view, "Åpne for endringer"))
    assert "er åpnet for endringer" in texts(view)

    form = card_of((await forum.press(ada, "needs.edit", {"report_id": row.id}))[0])
    for _ in range(3):
        form = card_of(await press(forum, ada, form, "Lagre og gå videre"))
    card_of(await press(forum, ada, form, "Send endringene"))
    body, _ = await forum.press(ada, "needs.edit", {"report_id": row.id})
    assert "Fristen for behovsmeldinger gikk ut" in message_of(body)  # closed again once sent


# --- two presses at the same moment -----------------------------------------


async def test_the_same_decision_pressed_twice_at_once_is_made_and_logged_once(forum):
    stine = forum.statsforvalter
    await send_new_report(forum, forum.representative("ostfold-vo"))
    (row,) = await stored(forum, NeedsReportRow)
    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])

    first, second = await asyncio.gather(
        press(forum, stine, view, "Sett til «prioritert»"), press(forum, stine, view, "Sett til «prioritert»")
    )

    (row,) = await stored(forum, NeedsReportRow)
    assert row.status == "prioritert"
    changes = await stored(forum, NeedsReportStatusRow, report_id=row.id)
    assert [(c.from_status, c.to_status) for c in changes] == [("innsendt", "prioritert")]
    made, refused = (first, second) if first["type"].endswith("card.adaptive") else (second, first)
    assert "er satt til «prioritert»" in texts(card_of(made))
    # Told it changed meanwhile, or, if it came second, that it is prioritised already.
    assert message_of(refused) in (
        CHANGED_MEANWHILE,
        "En behovsmelding som er «prioritert», kan ikke settes til «prioritert».",
    )


async def test_a_withdrawal_and_a_decision_at_once_leave_one_of_them_standing(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    await send_new_report(forum, ada)
    (row,) = await stored(forum, NeedsReportRow)
    question = card_of(await press(forum, ada, only_card(await forum.say(ada, "mine behovsmeldinger")), "Trekk"))
    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])

    withdrawal, decision = await asyncio.gather(
        press(forum, ada, question, "Ja, trekk den"), press(forum, stine, view, "Sett til «prioritert»")
    )

    (row,) = await stored(forum, NeedsReportRow)
    (change,) = await stored(forum, NeedsReportStatusRow, report_id=row.id)
    assert (change.from_status, change.to_status) == ("innsendt", row.status)
    if row.status == "trukket":
        assert "er trukket" in texts(card_of(withdrawal))
        assert message_of(decision) in (
            CHANGED_MEANWHILE,
            "En behovsmelding som er «trukket», kan ikke settes til «prioritert».",
        )
    else:
        assert row.status == "prioritert"
        assert "er satt til «prioritert»" in texts(card_of(decision))
        assert message_of(withdrawal) in (CHANGED_MEANWHILE, "Behovsmeldingen er prioritert og kan ikke endres nå.")

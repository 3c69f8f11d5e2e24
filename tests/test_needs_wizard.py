"""A representative reports a need: the guided form, its checks, drafts,
and the receipt."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from bot.app import UOW
from storage.models import NeedsReportRow
from tests import teams
from tests.card_reading import actions, input_named, inputs, only_card, texts
from tests.needs_helpers import (
    STEP_1,
    STEP_2,
    STEP_3,
    begin,
    card_of,
    fill_in,
    message_of,
    press,
    send_new_report,
    settle,
)

YEAR = datetime.now().year


async def stored_reports(forum) -> list[NeedsReportRow]:
    async with forum.app[UOW]() as uow:
        rows = list(await uow.session.scalars(select(NeedsReportRow).order_by(NeedsReportRow.id)))
        uow.session.expunge_all()
        return rows


async def test_the_form_starts_with_the_representatives_own_organisation(forum):
    card = await begin(forum, forum.representative("ostfold-vo"))
    assert "Steg 1 av 4: Tiltaket" in texts(card)
    assert inputs(card)["organisation_id"] == "ostfold-vo"
    assert [c["value"] for c in input_named(card, "organisation_id")["choices"]] == ["ostfold-vo"]


async def test_a_full_submission_gives_a_receipt_and_tells_the_channel(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    forum.new_replies()
    ada = forum.representative("ostfold-vo")

    summary = await fill_in(forum, ada)
    assert "Steg 4 av 4: Oppsummering" in texts(summary)
    assert "450\u00a0000 kr" in texts(summary)
    assert "10.01.2027" in texts(summary)

    receipt = card_of(await press(forum, ada, summary, "Send behovsmeldingen"))
    assert "Behovsmeldingen er sendt" in texts(receipt)
    assert f"Referanse: BM-{YEAR}-001" in texts(receipt)

    # The notice goes after the answer: Teams waits only seconds for that.
    await settle(forum)
    (notice,) = forum.connector.sent_to(teams.CHANNEL)
    assert f"Ny behovsmelding: BM-{YEAR}-001" in texts(notice.cards[0])
    assert "Østfold VO-nettverk" in texts(notice.cards[0])

    (row,) = await stored_reports(forum)
    assert (row.status, row.number, row.amount_applied, row.draft) == ("innsendt", 1, 450_000, None)
    assert row.fields["competence_areas"] == ["modulstruktur", "vurdering-for-laering"]
    assert row.fields["anchored"] is True


async def test_a_double_click_on_send_makes_one_report(forum):
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    forum.new_replies()
    ada = forum.representative("ostfold-vo")
    summary = await fill_in(forum, ada)

    first, second = await asyncio.gather(
        press(forum, ada, summary, "Send behovsmeldingen"), press(forum, ada, summary, "Send behovsmeldingen")
    )
    for body in (first, second):
        assert f"Referanse: BM-{YEAR}-001" in texts(card_of(body))
    assert len(await stored_reports(forum)) == 1
    await settle(forum)
    assert len(forum.connector.sent_to(teams.CHANNEL)) == 1


async def test_reports_are_numbered_in_order(forum):
    await send_new_report(forum, forum.representative("ostfold-vo"))
    receipt = await send_new_report(forum, forum.representative("follo"))
    assert f"BM-{YEAR}-002" in texts(receipt)


async def test_wrong_values_keep_the_step_with_each_error_named_and_nothing_lost(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    card = card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))
    card = card_of(
        await press(
            forum,
            ada,
            card,
            "Lagre og gå videre",
            {"local_need": "x", "mapping": "y", "anchored": "false", "anchoring": "z", "partner": "UiO"},
        )
    )
    wrong = {
        **STEP_3,
        "participants": "0",
        "amount_applied": "-5",
        "own_contribution": "mye",
        "period_start": "2027-06-01",
        "period_end": "2027-01-01",
        "contact_email": "ada(at)example",
    }
    card = card_of(await press(forum, ada, card, "Lagre og gå videre", wrong))
    shown = texts(card)
    assert "Steg 3 av 4" in shown
    assert "Antall deltakere: må være mellom 1 og 10000" in shown
    assert "Søkt beløp (NOK): må være et helt tall" in shown
    assert "Egenandel (NOK): må være et helt tall" in shown
    assert "Planlagt slutt: kan ikke være før startdatoen" in shown
    assert "Kontaktpersonens e-post: må være en e-postadresse" in shown
    # What was typed is still in the fields...
    assert inputs(card)["participants"] == "0" and inputs(card)["own_contribution"] == "mye"
    # ...and what was right is saved in the draft.
    (row,) = await stored_reports(forum)
    assert row.draft["municipalities"] == STEP_3["municipalities"]
    assert "participants" not in row.draft and row.status == "utkast"


async def at_step_3(forum, user) -> dict:
    card = await begin(forum, user)
    for values in (STEP_1, STEP_2):
        card = card_of(await press(forum, user, card, "Lagre og gå videre", values))
    return card


async def test_a_wrong_value_left_with_back_is_kept_and_shown_again_with_its_error(forum):
    ada = forum.representative("ostfold-vo")
    card = await at_step_3(forum, ada)
    back = card_of(await press(forum, ada, card, "Tilbake", {**STEP_3, "participants": "åtti"}))
    assert "Steg 2 av 4" in texts(back)

    again = card_of(await press(forum, ada, back, "Lagre og gå videre"))
    assert "Steg 3 av 4" in texts(again)
    assert inputs(again)["participants"] == "åtti"
    assert "Antall deltakere: må være et helt tall" in texts(again)
    assert inputs(again)["municipalities"] == STEP_3["municipalities"]

    # Still there when the draft is taken up again from a new card...
    drafts = only_card(await forum.say(ada, "behovsmelding"))
    resumed = card_of(await press(forum, ada, drafts, "Fortsett"))
    for _ in range(2):
        resumed = card_of(await press(forum, ada, resumed, "Lagre og gå videre"))
    assert inputs(resumed)["participants"] == "åtti"
    assert "Antall deltakere: må være et helt tall" in texts(resumed)

    # ...and it stands between the draft and Send until it is put right.
    (row,) = await stored_reports(forum)
    summary = card_of((await forum.press(ada, "needs.goto", {"report_id": row.id, "step": 4}))[0])
    assert "Dette mangler før du kan sende: Antall deltakere" in texts(summary)
    assert "åtti (må være et helt tall)" in texts(summary)
    body, _ = await forum.press(ada, "needs.submit", {"report_id": row.id, "version": row.version})
    assert "1 felt mangler" in message_of(body)

    fixed = card_of(await press(forum, ada, resumed, "Lagre og gå videre", {"participants": "80"}))
    assert "Steg 4 av 4" in texts(fixed) and "Dette mangler" not in texts(fixed)
    receipt = card_of(await press(forum, ada, fixed, "Send behovsmeldingen"))
    assert f"Referanse: BM-{YEAR}-001" in texts(receipt)
    (row,) = await stored_reports(forum)
    assert row.fields["participants"] == 80 and "typed" not in row.fields


async def test_forged_and_oversized_values_are_refused_and_save_nothing(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    (before,) = await stored_reports(forum)
    cases = {
        "organisation_id": ("follo", "Organisasjon"),
        "competence_areas": ("modulstruktur,hacking", "Kompetanseområder"),
        "title": ("x" * 201, "Tittel på tiltaket"),  # the input's maxLength is 200
        "education": ("x" * 10_001, "Opplæringen det gjelder"),
        "target_groups": (["laerere"], "Målgruppe"),
    }
    for name, (value, label) in cases.items():
        # Everything else in the submission is right, and is not saved either.
        body = await press(forum, ada, card, "Lagre og gå videre", {**STEP_1, name: value})
        assert message_of(body) == (
            f"Kortet sendte en verdi i «{label}» som skjemaet ikke kan gi. Ingenting er lagret. "
            "Skriv «behovsmelding» for å åpne skjemaet på nytt."
        ), name
    (after,) = await stored_reports(forum)
    assert (after.organisation_id, after.draft, after.version) == ("ostfold-vo", before.draft, before.version)

    # Going back saves nothing of a forged step either.
    step_2 = card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))
    (before,) = await stored_reports(forum)
    for forged in ({"anchored": "kanskje"}, {"partner": 80}, {"mapping": "x" * 2001}):
        body = await press(forum, ada, step_2, "Tilbake", {**STEP_2, **forged})
        assert "Ingenting er lagret" in message_of(body), forged
    (after,) = await stored_reports(forum)
    assert (after.draft, after.version) == (before.draft, before.version)


async def test_forged_envelopes_are_refused(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    verb, data = actions(card)["Lagre og gå videre"]
    for forged in ({**data, "step": 9}, {**data, "report_id": "x"}, {**data, "report_id": 999999}, {"step": 1}):
        body, _ = await forum.press(ada, verb, forged)
        assert any(m in message_of(body) for m in ("Kortet sendte data", "finner jeg ikke")), forged


async def test_another_organisation_cannot_touch_the_report(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    verb, data = actions(card)["Lagre og gå videre"]
    body, _ = await forum.press(forum.representative("follo"), verb, {**data, **STEP_1})
    assert "hører til en annen organisasjon" in message_of(body)
    (row,) = await stored_reports(forum)
    assert "title" not in row.draft


async def test_the_draft_is_resumed_from_where_it_was_left(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))

    drafts = only_card(await forum.say(ada, "behovsmelding"))
    assert "Du har påbegynte behovsmeldinger" in texts(drafts)
    resumed = card_of(await press(forum, ada, drafts, "Fortsett"))
    assert inputs(resumed)["title"] == STEP_1["title"]
    assert inputs(resumed)["education"] == STEP_1["education"]


async def test_cancelling_asks_first_then_discards_the_draft(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    question = card_of(await press(forum, ada, card, "Avbryt"))
    assert "Vil du forkaste utkastet?" in texts(question)
    back = card_of(await press(forum, ada, question, "Nei, fortsett"))
    assert "Steg 1 av 4" in texts(back)
    assert len(await stored_reports(forum)) == 1
    question = card_of(await press(forum, ada, back, "Avbryt"))
    assert "Utkastet er forkastet" in texts(card_of(await press(forum, ada, question, "Ja, forkast")))
    assert await stored_reports(forum) == []


async def test_an_observer_is_told_who_can_report(forum):
    card = only_card(await forum.say(teams.stranger(), "behovsmelding"))
    assert "Du står ikke i medlemslisten" in texts(card)
    card = only_card(await forum.say(forum.representative("utdanningsforbundet"), "behovsmelding"))
    assert "Du har ikke sete for en organisasjon som sender behovsmeldinger" in texts(card)


async def test_the_statsforvalter_may_report_on_an_organisations_behalf(forum):
    card = await begin(forum, forum.statsforvalter)
    offered = [c["value"] for c in input_named(card, "organisation_id")["choices"]]
    assert "akershus-fk" in offered and "follo" in offered
    assert "utdanningsforbundet" not in offered and "evu-ost" not in offered
    card = card_of(
        await press(forum, forum.statsforvalter, card, "Lagre og gå videre", {**STEP_1, "organisation_id": "follo"})
    )
    (row,) = await stored_reports(forum)
    assert row.organisation_id == "follo"


async def test_the_summary_will_not_send_an_incomplete_report(forum):
    ada = forum.representative("ostfold-vo")
    card = await begin(forum, ada)
    card_of(await press(forum, ada, card, "Lagre og gå videre", STEP_1))
    (row,) = await stored_reports(forum)
    body, _ = await forum.press(ada, "needs.submit", {"report_id": row.id, "version": row.version})
    assert "felt mangler" in message_of(body)
    assert (await stored_reports(forum))[0].status == "utkast"

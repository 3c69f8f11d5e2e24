"""Numbers in a needs report: participants, amounts and the granted amount
are written with the digits 0-9 and stay within their limits; anything
else names the field and keeps nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import UOW
from storage.models import NeedsReportRow, NeedsReportStatusRow
from tests.card_reading import inputs, texts
from tests.needs_helpers import STEP_1, STEP_2, STEP_3, begin, card_of, message_of, press, send_new_report

HUGE = "9" * 5000  # Python's int() refuses more than 4,300 digits
ARABIC_INDIC_30 = "\u0663\u0660"  # "٣٠": thirty, in the digits of Arabic script


async def stored_report(forum) -> NeedsReportRow:
    async with forum.app[UOW]() as uow:
        (row,) = await uow.session.scalars(select(NeedsReportRow))
        uow.session.expunge_all()
        return row


async def at_step_3(forum, user) -> dict:
    card = await begin(forum, user)
    for values in (STEP_1, STEP_2):
        card = card_of(await press(forum, user, card, "Lagre og gå videre", values))
    return card


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("participants", HUGE, "Antall deltakere: må være mellom 1 og 10000"),
        ("participants", ARABIC_INDIC_30, "Antall deltakere: må være et helt tall"),
        ("amount_applied", HUGE, "Søkt beløp (NOK): må være mellom 0 og 100000000"),
        ("own_contribution", "\uff15\uff10\uff10\uff10\uff10", "Egenandel (NOK): må være et helt tall"),  # "５００００"
    ],
    ids=["5000-digits", "arabic-indic", "huge-amount", "fullwidth-amount"],
)
async def test_a_number_that_is_not_one_keeps_the_step_and_names_the_field(forum, name, typed, message):
    ada = forum.representative("ostfold-vo")
    card = await at_step_3(forum, ada)

    answer = card_of(await press(forum, ada, card, "Lagre og gå videre", {**STEP_3, name: typed}))

    assert "Steg 3 av 4" in texts(answer)
    assert message in texts(answer)
    assert inputs(answer)[name] == typed  # what was typed is still in the field
    row = await stored_report(forum)
    assert row.draft.get(name) is None  # no number saved for it
    assert row.draft["municipalities"] == STEP_3["municipalities"]  # the rest of the step is saved


@pytest.mark.parametrize("typed", [HUGE, ARABIC_INDIC_30 + "0000"], ids=["5000-digits", "arabic-indic"])
async def test_a_granted_amount_that_is_not_a_number_is_refused_and_changes_nothing(forum, typed):
    stine = forum.statsforvalter
    await send_new_report(forum, forum.representative("ostfold-vo"))
    row = await stored_report(forum)
    view = card_of((await forum.press(stine, "needs.view", {"report_id": row.id}))[0])
    view = card_of(await press(forum, stine, view, "Sett til «prioritert»"))

    refused = await press(forum, stine, view, "Sett til «tildelt»", {"granted_amount": typed})

    assert message_of(refused) == "Skriv inn tildelt beløp i hele kroner."
    row = await stored_report(forum)
    assert (row.status, row.granted_amount) == ("prioritert", None)
    async with forum.app[UOW]() as uow:
        logged = list(await uow.session.scalars(select(NeedsReportStatusRow.to_status)))
    assert logged == ["prioritert"]

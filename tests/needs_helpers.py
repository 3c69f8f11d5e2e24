"""Filling in needs-report cards as a person in Teams would."""

from __future__ import annotations

from tests.card_reading import actions, inputs, only_card

STEP_1 = {
    "title": "Vurdering for læring i modulstrukturert opplæring",
    "education": "norskopplaering,videregaende",
    "competence_areas": "modulstruktur,vurdering-for-laering",
    "target_groups": "laerere,ledere",
}
STEP_2 = {
    "local_need": "Lærerne ber om felles praksis for vurdering i moduler.",
    "mapping": "Spørreundersøkelse blant 120 lærere i nettverket, høsten 2026.",
    "anchored": "true",
    "anchoring": "Drøftet med tillitsvalgte i Utdanningsforbundet og i ledermøtet.",
    "partner": "Høgskolen i Østfold",
    "lecturers": "",
}
STEP_3 = {
    "municipalities": "Fredrikstad, Sarpsborg, Halden",
    "participants": "80",
    "period_start": "2027-01-10",
    "period_end": "2027-06-20",
    "amount_applied": "450 000",
    "own_contribution": "50000",
    "contact_name": "Ada Fiktiv",
    "contact_email": "ada@example.org",
    "contact_phone": "",
}


def card_of(body: dict) -> dict:
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
    return body["value"]


def message_of(body: dict) -> str:
    assert body["type"] == "application/vnd.microsoft.activity.message", body
    return body["value"]


async def press(forum, user, card: dict, title: str, typed: dict | None = None, **where) -> dict:
    """Press a button; Teams sends the card's inputs (as shown, with what
    was typed over them) merged into the button's data."""
    verb, data = actions(card)[title]
    return (await forum.press(user, verb, {**data, **inputs(card), **(typed or {})}, **where))[0]


async def begin(forum, user) -> dict:
    return only_card(await forum.say(user, "behovsmelding"))


async def fill_in(forum, user, card: dict | None = None) -> dict:
    """From the first step to the summary, with good values throughout."""
    card = card or await begin(forum, user)
    for values in (STEP_1, STEP_2, STEP_3):
        card = card_of(await press(forum, user, card, "Lagre og gå videre", values))
    return card


async def send_new_report(forum, user) -> dict:
    summary = await fill_in(forum, user)
    receipt = card_of(await press(forum, user, summary, "Send behovsmeldingen"))
    await settle(forum)
    return receipt


async def settle(forum) -> None:
    """Wait for what the bot sends after it has answered a press (a report's
    notice in the channel, a vote card's update, a close's and a decision's
    notices), and take it out of the replies the next message gets."""
    await forum.settle()
    forum.new_replies()

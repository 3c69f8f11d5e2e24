"""Bokmål, nynorsk and English: the Teams locale picks the language, and
anyone may choose their own with «språk», which then goes for every reply,
every card they press, and what is sent to them alone (a reminder's nudge,
an award letter, a meeting notice). The channel stays in the forum's bokmål.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import UOW
from storage.models import LanguageChoiceRow
from tests import teams
from tests.card_reading import only_card, texts
from tests.needs_helpers import message_of
from tests.test_allocation import YEAR
from tests.test_award_letters import decided, send_data
from tests.test_meetings import notice_sent, personal_cards
from tests.test_reminders import DAY, START, Clock, add_event, channel_posts, scheduler, set_up_channel


async def choices(forum) -> dict[str, str]:
    async with forum.app[UOW]() as uow:
        return {r.aad_object_id: r.language for r in await uow.session.scalars(select(LanguageChoiceRow))}


async def test_the_teams_locale_gives_bokmål_nynorsk_or_english(forum):
    ada = forum.representative("ostfold-vo")
    assert "Vis hva jeg kan gjøre" in texts(only_card(await forum.say(ada, "hjelp")))
    assert "Vis kva eg kan gjere" in texts(only_card(await forum.say(ada, "hjelp", locale="nn-NO")))
    assert "Show what I can do" in texts(only_card(await forum.say(ada, "help", locale="en-US")))


async def test_a_member_chooses_nynorsk_and_gets_it_in_every_reply_whatever_teams_says(forum):
    ada = forum.representative("ostfold-vo")
    now = texts(only_card(await forum.say(ada, "språk")))
    assert "Jeg svarer deg på bokmål, etter språket i Teams." in now and "«språk nynorsk»" in now

    confirmed = texts(only_card(await forum.say(ada, "språk nynorsk")))
    assert "Frå no av svarar eg deg på nynorsk." in confirmed
    assert await choices(forum) == {ada.aad_object_id: "nn"}

    # Teams still says bokmål: the choice goes first, in typed commands and pressed buttons.
    help_card = texts(only_card(await forum.say(ada, "hjelp", locale="nb-NO")))
    assert "Vis kva eg kan gjere" in help_card and "Språk" in help_card
    assert "Eg svarar deg på nynorsk, som du har valt." in texts(only_card(await forum.say(ada, "sprak")))
    body, _ = await forum.press(ada, "no.such.verb", {})
    assert message_of(body) == "Denne knappen kjenner eg ikkje. Ingenting er endra."

    # Someone else keeps their own Teams language.
    bo = forum.deputy("ostfold-vo")
    assert "Vis hva jeg kan gjøre" in texts(only_card(await forum.say(bo, "hjelp")))

    assert "From now on I answer you in English." in texts(only_card(await forum.say(ada, "språk english")))
    assert "Show what I can do" in texts(only_card(await forum.say(ada, "hjelp")))
    back = texts(only_card(await forum.say(ada, "language teams", locale="nn-NO")))
    assert "Frå no av følgjer eg språket i Teams: eg svarar deg på nynorsk." in back
    assert await choices(forum) == {}
    assert "Vis hva jeg kan gjøre" in texts(only_card(await forum.say(ada, "hjelp")))


async def test_an_unknown_language_is_refused_and_changes_nothing(forum):
    ada = forum.representative("ostfold-vo")
    await forum.say(ada, "språk bokmål")
    refused = texts(only_card(await forum.say(ada, "språk svensk")))
    assert "Det språket kjenner jeg ikke." in refused
    assert await choices(forum) == {ada.aad_object_id: "nb"}


async def test_an_observer_outside_the_roster_may_choose_too(forum):
    guest = teams.User("Gjest Gjestesen", "00000000-0000-4000-8000-00000000abcd", "gjest@example.org")
    assert "Frå no av svarar eg deg på nynorsk." in texts(only_card(await forum.say(guest, "språk nn")))
    assert "observatør (ikkje i medlemslista)" in texts(only_card(await forum.say(guest, "hjelp")))


async def test_a_nudge_goes_in_the_language_its_reader_chose_and_the_channel_stays_in_bokmål(forum):
    await set_up_channel(forum)
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await forum.say(ada, "språk nynorsk")
    await forum.say(bo, "hjelp", locale="en-US")  # a chat, and English Teams: but no choice of his own
    forum.connector.received.clear()
    await add_event(forum, "frist_behovsmeldinger", START, [7 * 1440], "Frist for behovsmeldinger")

    await scheduler(forum, Clock(START - 7 * DAY)).run_once()

    (post,) = channel_posts(forum)
    assert "Påminnelse fra årshjulet · om 7 dager" in texts(post) and "Ikke sendt inn ennå:" in texts(post)
    (nudge,) = forum.connector.sent_to(teams.personal_conversation(ada))
    seen = texts(nudge.cards[0])
    assert "Påminning til deg · om 7 dagar" in seen, seen
    assert "Organisasjonen din har ikkje sendt inn behovsmelding for 2031 enno." in seen
    assert "måndag 5. mai 2031 kl. 12:00" in seen
    (bos,) = forum.connector.sent_to(teams.personal_conversation(bo))
    assert "Organisasjonen din har ikke sendt inn behovsmelding for 2031 ennå." in texts(bos.cards[0])


async def test_an_award_letter_goes_in_the_language_its_reader_chose(forum):
    ada, bo = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    await forum.say(ada, "språk english")
    await forum.say(bo, "hjelp")
    await decided(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildelingsbrev {YEAR}"))
    await forum.press(sf, "award.send", send_data(card))
    await forum.settle()

    (english,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(ada))]
    assert "Award letter 2025" in texts(english) and "This is the decision for Østfold VO-nettverk." in texts(english)
    assert "Monday 15 December 2031 at 12:00" in texts(english)
    assert "Applied for NOK 300,000 · granted NOK 250,000" in texts(english), texts(english)
    (bokmål,) = [r.cards[0] for r in forum.connector.sent_to(teams.personal_conversation(bo))]
    assert "Tildelingsbrev 2025" in texts(bokmål) and "mandag 15. desember 2031 kl. 12:00" in texts(bokmål)


async def test_a_meeting_notice_goes_in_the_language_its_reader_chose(forum):
    await set_up_channel(forum)
    lise, follo = forum.representative("ostfold-vo"), forum.representative("follo")
    await forum.say(lise, "språk nynorsk")
    await forum.say(follo, "hjelp")
    await notice_sent(forum)

    (to_lise,) = personal_cards(forum, lise)
    assert "Du er kalla inn som representant for Østfold VO-nettverk (sete 1)." in texts(to_lise), texts(to_lise)
    (to_follo,) = personal_cards(forum, follo)
    assert "Du er kalt inn som representant for Nettverket for Follo-regionen (sete 1)." in texts(to_follo)
    (posted,) = channel_posts(forum)
    assert "Innkalling · " in texts(posted)

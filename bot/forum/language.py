"""A person's own language. Everyone may choose bokmål, nynorsk or English
for what the bot says to them (språklova: a state body answers in both
written forms of Norwegian); without a choice, their Teams locale decides."""

from __future__ import annotations

from datetime import datetime

from bot.forum.roster import Actor, Refused
from bot.i18n import EN, NB, NN

FOLLOW_TEAMS = "teams"  # forget the choice: the Teams locale decides again

# What may follow «språk», in any of the three languages.
WORDS = {
    "bokmål": NB,
    "bokmal": NB,
    "nb": NB,
    "norsk": NB,
    "nynorsk": NN,
    "nn": NN,
    "english": EN,
    "engelsk": EN,
    "en": EN,
    "teams": FOLLOW_TEAMS,
    "auto": FOLLOW_TEAMS,
}


async def choose_language(uow, actor: Actor, word: str, now: datetime) -> str:
    """Keep the person's choice (by their Entra object id, whatever forum
    they are in) and return it: a language, or ``FOLLOW_TEAMS``."""
    choice = WORDS.get(word.strip().casefold())
    if choice is None:
        raise Refused("language_unknown")
    if not actor.aad_object_id:
        raise Refused("language_no_id")
    await uow.languages.choose(actor.aad_object_id, None if choice == FOLLOW_TEAMS else choice, now)
    await uow.commit()
    return choice

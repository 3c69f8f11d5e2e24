"""What the bot says, in Norwegian bokmål first and English for users whose
Teams runs in English. The texts live in ``bot.texts``, one module per part
of the bot."""

from __future__ import annotations

from bot.texts import (
    allocation, award, core, decisions, forum_choice, meetings, needs, overview, privacy, reminders, reporting, roster,
    votes, wheel,
)

NB, EN = "nb", "en"

TEXTS: dict[str, dict[str, str]] = {NB: {}, EN: {}}
for _module in (
    core, decisions, needs, overview, privacy, reminders, votes, wheel, allocation, award, reporting, meetings,
    forum_choice, roster,
):
    TEXTS[NB].update(_module.NB)
    TEXTS[EN].update(_module.EN)


def language_of(locale: str | None) -> str:
    return EN if locale and locale.lower().startswith("en") else NB


def text(lang: str, key: str, **params: object) -> str:
    template = TEXTS[lang].get(key) or TEXTS[NB][key]
    return template.format(bot=TEXTS[lang]["bot_name"], **params)

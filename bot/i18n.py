"""What the bot says, in Norwegian bokmål first, in nynorsk for users whose
Teams runs in nynorsk, and in English for users whose Teams runs in English;
anyone may choose their own with «språk». The texts live in ``bot.texts``,
one module per part of the bot."""

from __future__ import annotations

from bot.texts import (
    allocation,
    award,
    core,
    decisions,
    forum_choice,
    meetings,
    needs,
    overview,
    privacy,
    reminders,
    reporting,
    roster,
    votes,
    wheel,
)

NB, NN, EN = "nb", "nn", "en"
LANGUAGES = (NB, NN, EN)
# What Babel formats dates and numbers by, for each language.
LOCALES = {NB: "nb_NO", NN: "nn_NO", EN: "en_GB"}

TEXTS: dict[str, dict[str, str]] = {NB: {}, NN: {}, EN: {}}
for _module in (
    core,
    decisions,
    needs,
    overview,
    privacy,
    reminders,
    votes,
    wheel,
    allocation,
    award,
    reporting,
    meetings,
    forum_choice,
    roster,
):
    TEXTS[NB].update(_module.NB)
    TEXTS[NN].update(_module.NN)
    TEXTS[EN].update(_module.EN)


def language_of(locale: str | None) -> str:
    """The language of a Teams locale: nynorsk for ``nn-NO`` (and the older
    ``no-NN``), English for ``en-*``, bokmål for everything else."""
    tag = (locale or "").lower().replace("_", "-")
    if tag.startswith("nn") or tag in ("no-nn", "nb-nn"):
        return NN
    if tag.startswith("en"):
        return EN
    return NB


def text(lang: str, key: str, **params: object) -> str:
    template = TEXTS[lang].get(key) or TEXTS[NB][key]
    return template.format(bot=TEXTS[lang]["bot_name"], **params)

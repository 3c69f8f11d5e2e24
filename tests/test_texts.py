"""Every text the bot says exists in each of its languages, with the same
blanks to fill in: a key missing in nynorsk or English would show bokmål to
its reader, and a blank missing in one language would drop a figure."""

from __future__ import annotations

from string import Formatter

import pytest

from bot.i18n import EN, NB, NN, TEXTS, language_of


def blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", [NN, EN])
def test_every_text_is_in_every_language(lang):
    assert sorted(set(TEXTS[NB]) ^ set(TEXTS[lang])) == []


@pytest.mark.parametrize("lang", [NN, EN])
def test_each_text_has_the_same_blanks_in_every_language(lang):
    assert blanks("Tildelt {amount} · {when}") == {"amount", "when"}
    different = [key for key in TEXTS[NB] if blanks(TEXTS[NB][key]) != blanks(TEXTS[lang].get(key, ""))]
    assert different == []


def test_nynorsk_is_not_bokmål_copied():
    """A nynorsk text that is the bokmål one word for word is allowed only
    where the two languages agree; so a module copied and left untranslated
    shows up as many identical texts."""
    same = [key for key in TEXTS[NB] if TEXTS[NN][key] == TEXTS[NB][key] and " " in TEXTS[NB][key]]
    assert len(same) < len(TEXTS[NB]) // 4, same


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("nb-NO", NB), ("nn-NO", NN), ("no-NN", NN), ("en-US", EN), ("en-GB", EN), ("de-DE", NB), (None, NB), ("", NB)],
)
def test_the_teams_locale_gives_the_language(locale, lang):
    assert language_of(locale) == lang

"""Every text the bot says exists in each of its languages, with the same
blanks to fill in: a key missing in English would show Norwegian to an
English reader, and a blank missing in one language would drop a figure."""

from __future__ import annotations

from string import Formatter

from bot.i18n import EN, NB, TEXTS


def blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_every_text_is_in_both_languages():
    assert sorted(set(TEXTS[NB]) ^ set(TEXTS[EN])) == []


def test_each_text_has_the_same_blanks_in_both_languages():
    assert blanks("Tildelt {amount} · {when}") == {"amount", "when"}
    different = [key for key in TEXTS[NB] if blanks(TEXTS[NB][key]) != blanks(TEXTS[EN].get(key, ""))]
    assert different == []

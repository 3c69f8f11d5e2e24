"""Every card fixture rendered in bokmål, nynorsk and English: each text of
the bot's in the fixture (bokmål, or English in the ``*.en`` fixtures) is put
into the other languages, blanks and all, and the card must still expand,
be valid Adaptive Card 1.5, follow the design rules and keep under Teams'
size limit. Nynorsk and English are longer than bokmål in places; a card at
its limit in bokmål must not pass it in another language."""

from __future__ import annotations

import re
from functools import lru_cache
from string import Formatter

import pytest

import cards
from bot.i18n import LANGUAGES, TEXTS
from tests.adaptive_support import MAX_CARD_BYTES, card_size, design_problems, leftover_expressions, schema_errors

# What a card does rather than says: kept as it is.
NOT_TEXT = {"verb", "command", "typed", "style", "data", "id", "url"}
FIXTURES = [(name, variant) for name in cards.template_names() for variant in cards.fixtures(name)]


@lru_cache(maxsize=1)
def _templates() -> tuple[dict[str, str], list[tuple[str, re.Pattern, list[str]]]]:
    """Every language's texts as (plain text → key) and (pattern with a
    group per blank, key, blank names), the longer first."""
    plain: dict[str, str] = {}
    patterns = []
    for lang in LANGUAGES:
        for key, template in TEXTS[lang].items():
            parts = list(Formatter().parse(template))
            names = [name for _, name, _, _ in parts if name]
            if not names:
                plain.setdefault(template, key)
                continue
            if not any(literal.strip() for literal, _, _, _ in parts):
                continue  # nothing but blanks («{bot}»): it would match anything
            regex = "".join(re.escape(literal) + (f"(?P<{name}>.+?)" if name else "") for literal, name, _, _ in parts)
            try:
                patterns.append((key, re.compile(f"^{regex}$", re.DOTALL), names))
            except re.error:  # a blank used twice: such a text is never matched
                continue
    patterns.sort(key=lambda p: -len(p[1].pattern))
    return plain, patterns


def translate(value: str, lang: str) -> tuple[str, bool]:
    """``value`` in ``lang`` when it is one of the bot's texts filled in."""
    plain, patterns = _templates()
    if value in plain:
        return TEXTS[lang][plain[value]], True
    for key, pattern, names in patterns:
        found = pattern.match(value)
        if found:
            filled = {name: translate(found.group(name), lang)[0] for name in names}
            filled["bot"] = TEXTS[lang]["bot_name"]
            return TEXTS[lang][key].format(**filled), True
    return value, False


def in_language(data, lang: str, counted: list[int]):
    if isinstance(data, dict):
        return {k: v if k in NOT_TEXT else in_language(v, lang, counted) for k, v in data.items()}
    if isinstance(data, list):
        return [in_language(v, lang, counted) for v in data]
    if isinstance(data, str):
        out, known = translate(data, lang)
        counted[0] += known
        return out
    return data


def test_a_filled_in_text_is_put_into_another_language():
    assert translate("Tildelt 250 000 kr", "nn") == ("Tildelt 250 000 kr", True)
    assert translate("Ingen avstemninger ennå.", "nn") == ("Ingen avrøystingar enno.", True)
    assert translate("Side 2 av 5", "en") == ("Page 2 of 5", True)
    assert translate("Lise Fiktivsen", "en") == ("Lise Fiktivsen", False)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "variant"), FIXTURES, ids=[f"{n}.{v}" if v else n for n, v in FIXTURES])
def test_every_card_fixture_renders_in_every_language(name, variant, lang):
    counted = [0]
    data = in_language(cards.fixtures(name)[variant], lang, counted)
    assert counted[0] > 0, "no text of the bot's found in the fixture: is it still written from bot/texts?"
    card = cards.render(name, data)
    problems = schema_errors(card) + design_problems(card) + leftover_expressions(card)
    assert not problems, "\n".join(problems)
    assert card_size(card) < MAX_CARD_BYTES

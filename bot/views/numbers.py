"""Numbers as people read them: whole kroner grouped in thousands the way
the reader's language writes them (Babel's CLDR data: a no-break space in
bokmål and nynorsk, a comma in English)."""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.i18n import LOCALES


def whole(lang: str, value: int) -> str:
    return format_decimal(value, locale=LOCALES[lang])

"""Escaping user text for Adaptive Card TextBlocks (and FactSet values) in Teams.

TextBlock text is Markdown, and before Markdown the renderers replace
``{{DATE(...)}}``/``{{TIME(...)}}``.  User text must therefore be escaped so that a
name like ``*Kari*``, a line starting with ``1.`` or a pasted ``[x](https://...)``
shows exactly as typed.  CommonMark (markdown-it in the JavaScript renderer, and the
Teams clients for ``\\*``) shows a backslash followed by ASCII punctuation as that
punctuation alone, so the reader sees the original characters.

Only characters that can start Markdown are escaped, because a renderer that ignores
an escape would show the backslash; a plain sentence comes back unchanged.  Use this
only for Markdown fields: Input values, placeholders, titles of actions and RichText
TextRuns are plain text and would show the backslashes.
"""

from __future__ import annotations

import re

__all__ = ["escape_markdown"]

# Inline markup anywhere: emphasis, strikethrough, code, links and their brackets,
# and tables.
_ALWAYS = re.compile(r"[*_~`\[\]|]")
# A backslash only matters before punctuation or at a line end (hard line break).
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)", re.MULTILINE)
# '<' opens autolinks and HTML only before a letter, '/', '!' or '?'.
_ANGLE = re.compile(r"<(?=[A-Za-z/!?])")
# An entity such as &amp; or &#42; would be decoded.
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)")
# '{{' starts the DATE()/TIME() functions, which run before Markdown.
_DOUBLE_BRACE = re.compile(r"(?<=\{)\{")
# Block markup at the start of a line, only where CommonMark would see it: headings
# and bullets need a space (or the line end) after them, '>' always quotes, and a
# line of only '-' or '=' underlines the line above as a heading.
_LINE_START = re.compile(r"^([ \t]*)(#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|>|[-=](?=[-= \t]*$))", re.MULTILINE)
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])(?=[ \t]|$)", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Return ``text`` escaped so that a Teams TextBlock shows it literally."""
    text = _BACKSLASH.sub(r"\\\\", text)
    text = _ALWAYS.sub(lambda m: "\\" + m.group(0), text)
    text = _ANGLE.sub(r"\\<", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _DOUBLE_BRACE.sub(r"\\{", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)

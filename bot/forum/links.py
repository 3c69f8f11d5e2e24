"""Links the Statsforvalter writes into what the forum is sent (an
announcement's link, a meeting's Teams link and papers). A card shows a
link as a button that opens it, so only a plain https address is taken:
no other scheme, no spaces, no login inside it."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.forum.roster import Refused

MAX_LINK = 1000  # characters: a Teams meeting link is some 300


def https_link(typed: str) -> str:
    """The link, trimmed; "" for none; refused with ``bad_link`` otherwise."""
    link = typed.strip()
    if not link:
        return ""
    try:
        parts = urlsplit(link)
    except ValueError:
        raise Refused("bad_link") from None
    if (
        len(link) > MAX_LINK
        or parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username
        or parts.password
        or any(c.isspace() or ord(c) < 32 for c in link)
    ):
        raise Refused("bad_link")
    return link

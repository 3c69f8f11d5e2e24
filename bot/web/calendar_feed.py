"""`GET /calendar/{forum}/{token}.ics`: the annual wheel for calendar
subscriptions. The token is an HMAC of the forum's id and the forum's
calendar generation with a key only the bot knows, so the address is the
secret: it does not expire (a calendar subscription must keep working),
and whoever has it sees the wheel's dates, places and texts, nothing else.
The Statsforvalter's `kalender ny lenke` raises the generation: the old
address stops working at once, on every replica."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.forum.wheel.calendar import feed
from bot.forum.wheel.events import EventKind
from bot.i18n import NB, text

SECRET_NAME = "calendar-feed-key"


class CalendarFeed:
    def __init__(self, secret: str, base_url: str, uow_factory: Callable) -> None:
        self._key = secret.encode()
        self.base_url = base_url.rstrip("/")
        self._uow = uow_factory

    def token(self, forum_id: str, generation: int) -> str:
        # Generation 0 signs what addresses signed before there were
        # generations, so that those kept working.
        message = f"calendar:{forum_id}" + (f":{generation}" if generation else "")
        digest = hmac.new(self._key, message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")

    def link(self, forum_id: str, generation: int) -> str:
        return f"{self.base_url}/calendar/{forum_id}/{self.token(forum_id, generation)}.ics"

    async def handle(self, request: web.Request) -> web.Response:
        forum_id = request.match_info["forum"]
        token = request.match_info["token"]
        now = datetime.now(UTC)
        async with self._uow() as uow:
            generation = await uow.forums.calendar_generation(forum_id)
            if generation is None or not hmac.compare_digest(token.encode(), self.token(forum_id, generation).encode()):
                return web.Response(status=404, text="Not found / Finnes ikke")
            forum = await uow.forums.get(forum_id)
            events = await uow.wheel.between(forum.id, now - timedelta(days=366), now + timedelta(days=2 * 366))
        names = {kind: text(NB, f"event_kind_{kind.value}") for kind in EventKind}
        return web.Response(
            body=feed(forum.name, forum.timezone, events, names, now),
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=900", "Content-Disposition": 'inline; filename="arshjul.ics"'},
        )


async def make_calendar_feed(base_url: str, uow_factory: Callable) -> CalendarFeed:
    async with uow_factory() as uow:
        secret = await uow.secrets.get_or_create(SECRET_NAME, datetime.now(UTC))
    return CalendarFeed(secret, base_url, uow_factory)

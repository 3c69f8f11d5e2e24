"""Files to download from the bot's own web server, behind signed links.

A link carries what to make (forum, kind, and the year, or for a
person's data the person) and when it was made,
signed with a key only the bot knows; it works for 15 minutes. A link
that was changed is refused with 403, an old one with 410. The file is
made when the link is opened, so it shows the figures of that moment.

The key is ``EXPORT_SIGNING_KEY`` if set, else one the bot made once and
keeps in the database, so that every replica and every restart accepts
the links of the others."""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.forum import audit, audit_export, privacy
from bot.forum.audit import Action
from bot.forum.meetings import export as meetings_export
from bot.forum.needs import export as needs_export
from bot.forum.spreadsheet import CONTENT_TYPE as XLSX
from bot.forum.votes import export as decisions_export
from bot.i18n import LANGUAGES, text

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True)
class FileKind:
    gather: Callable  # (uow, forum, key) -> what the file shows, read in one unit of work
    render: Callable  # (gathered, made_at) -> the file's bytes
    filename: Callable  # (key) -> str
    content_type: str = XLSX
    by_year: bool = True  # the key is a year; else the roster id of a person


NEEDS = "needs"  # a year's needs reports as .xlsx
DECISIONS = "decisions"  # a year's priority votes, the decisions log, as .xlsx
AUDIT = "audit"  # a year's audit log as .xlsx
PERSONAL = "personal"  # everything stored about one person, as JSON
MEETINGS = "meetings"  # a year's meetings, attendance and minutes as .xlsx
MINUTES = "minutes"  # a year's approved minutes as .docx
EXPORTS = {
    NEEDS: FileKind(needs_export.gather, needs_export.workbook, needs_export.filename),
    DECISIONS: FileKind(decisions_export.gather, decisions_export.workbook, decisions_export.filename),
    AUDIT: FileKind(audit_export.gather, audit_export.workbook, audit_export.filename),
    MEETINGS: FileKind(meetings_export.gather, meetings_export.workbook, meetings_export.filename),
    MINUTES: FileKind(
        meetings_export.gather, meetings_export.document, meetings_export.minutes_filename, meetings_export.DOCX
    ),
    PERSONAL: FileKind(privacy.gather, privacy.document, privacy.filename, privacy.CONTENT_TYPE, by_year=False),
}
KINDS = tuple(EXPORTS)
SECRET_NAME = "export-signing-key"
_SALT = "samarbeidsforum-bot/exports"
_MAX_TOKEN = 400  # ours are about 100 characters
MIN_YEAR, MAX_YEAR = 2000, 2100


class _ClockedSigner(TimestampSigner):
    """The timestamp signer, with the clock handed in (tests turn it)."""

    def __init__(self, *args, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class Tampered(Exception):
    pass


class Expired(Exception):
    pass


class Downloads:
    """Makes the signed links and serves ``GET /exports/{token}``."""

    def __init__(
        self,
        secret: str,
        base_url: str,
        uow_factory: Callable | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._uow = uow_factory
        self._clock = clock
        self._serializer = URLSafeTimedSerializer(
            secret,
            salt=_SALT,
            signer=_ClockedSigner,
            signer_kwargs={"clock": clock, "digest_method": hashlib.sha256},
        )

    # links -----------------------------------------------------------------

    def token(self, forum_id: str, key: int, kind: str, asked_by: str = "") -> str:
        return self._serializer.dumps([forum_id, key, kind, asked_by])

    def link(self, forum_id: str, key: int, kind: str = NEEDS, asked_by: str = "") -> str:
        """``key``: the year, or for a person's data their roster id.
        ``asked_by``: the Entra object id of whom the link is made for,
        named in the log and the audit log when the link is used (a link
        can be passed on)."""
        return f"{self.base_url}/exports/{self.token(forum_id, key, kind, asked_by)}"

    def expires_at(self) -> datetime:
        """When a link made now stops working."""
        return datetime.fromtimestamp(int(self._clock()) + MAX_AGE_SECONDS, UTC)

    def read(self, token: str) -> tuple[str, int, str, str]:
        """(forum id, key, kind, asked by) of a link made here less than 15 minutes ago."""
        if len(token) > _MAX_TOKEN:
            raise Tampered
        try:
            payload = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except SignatureExpired:
            raise Expired from None
        except BadData:
            raise Tampered from None
        match payload:
            case [str(forum_id), int(key), str(kind), str(asked_by)] if kind in KINDS and _a_key(kind, key):
                return forum_id, key, kind, asked_by
        raise Tampered  # signed by us but not a payload we make: a changed key or code

    # serving ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            forum_id, key, kind, asked_by = self.read(request.match_info["token"])
        except Expired:
            return _page(410, "download_expired")
        except Tampered:
            log.warning("refused a download link that is not ours (from %s)", request.remote)
            return _page(403, "download_tampered")

        export = EXPORTS[kind]
        made_at = datetime.fromtimestamp(self._clock(), UTC)
        async with self._uow() as uow:
            forum = await uow.forums.get(forum_id)
            gathered = await export.gather(uow, forum, key) if forum is not None else None
            if gathered is None:
                return _page(404, "download_gone")
            action = Action.EXPORTED if export.by_year else Action.PERSONAL_DATA_EXPORTED
            await audit.record(uow, forum_id, asked_by or None, action, f"{kind} {key}", made_at)
            await uow.commit()
        body = await asyncio.to_thread(export.render, gathered, made_at)
        log.info(
            "download of %s %s for forum %s (%d bytes), by a link made for %s",
            kind,
            key,
            forum_id,
            len(body),
            asked_by or "(nobody named)",
        )
        return web.Response(
            body=body,
            content_type=export.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename(key)}"',
                **_PRIVATE,
            },
        )


def _a_key(kind: str, key: int) -> bool:
    return MIN_YEAR <= key <= MAX_YEAR if EXPORTS[kind].by_year else 1 <= key < 2**31


_PRIVATE = {
    # Personal data: no caches, no referrer leaking the link onwards.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _page(status: int, key: str) -> web.Response:
    """A short page in bokmål, nynorsk and English: a browser opened the link."""
    titles = " / ".join(dict.fromkeys(html.escape(text(lang, f"{key}_title")) for lang in LANGUAGES))
    sections = "".join(
        f'<h1 lang="{lang}">{html.escape(text(lang, f"{key}_title"))}</h1>\n'
        f'<p lang="{lang}">{html.escape(text(lang, key))}</p>\n'
        for lang in LANGUAGES
    )
    body = (
        '<!doctype html>\n<html lang="nb">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{titles}</title></head>\n<body>\n{sections}</body>\n</html>\n"
    )
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        charset="utf-8",
        headers={**_PRIVATE, "Content-Security-Policy": "default-src 'none'"},
    )


DOWNLOADS = web.AppKey("downloads", Downloads)


async def make_downloads(secret: str, base_url: str, uow_factory: Callable) -> Downloads:
    """With ``secret`` (the operator's key) or else the one kept in the database."""
    if not secret:
        async with uow_factory() as uow:
            secret = await uow.secrets.get_or_create(SECRET_NAME, datetime.now(UTC))
    elif len(secret) < 32:
        log.warning("EXPORT_SIGNING_KEY is short (%d characters): use at least 32 random ones", len(secret))
    return Downloads(secret, base_url, uow_factory)

"""`GET /healthz` (the process and its database answer) and `GET /readyz`
(and it should be sent work: the database is at the newest migration and
the process is not stopping). A load balancer routes by the second; a
supervisor restarts by the first."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import current_revision, head_revision

log = logging.getLogger(__name__)


class Health:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._head = head_revision()
        self.stopping = False  # set when the process has been told to stop

    async def live(self, _: web.Request) -> web.Response:
        if not await self._database_answers():
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})

    async def ready(self, _: web.Request) -> web.Response:
        if not await self._database_answers():
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        try:
            revision = await current_revision(self._engine)
        except Exception as error:
            log.warning("readiness: cannot read the migration revision: %s", error)
            revision = None
        body = {"database": "ok", "migrations": "head" if revision == self._head else "behind"}
        if revision != self._head:
            return web.json_response(
                {"status": "unavailable", **body, "revision": revision, "head": self._head}, status=503
            )
        if self.stopping:
            return web.json_response({"status": "stopping", **body}, status=503)
        return web.json_response({"status": "ok", **body})

    async def _database_answers(self) -> bool:
        try:
            async with self._engine.connect() as connection:
                await connection.execute(sql("SELECT 1"))
        except Exception as error:
            log.warning("health check: database does not answer: %s", error)
            return False
        return True

"""A local Bot Connector: receives what the bot sends, as Teams would.

It speaks the subset of the Bot Connector REST API the bot uses, keeps
everything it received, and answers member look-ups from a directory the
test fills in."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    method: str
    conversation_id: str
    activity: dict
    reply_to: str | None = None

    @property
    def cards(self) -> list[dict]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class LocalConnector:
    # Teams user id ("29:…") -> member record as Teams' roster API returns it
    members: dict[str, dict] = field(default_factory=dict)
    # Teams user ids ("29:…") that have the app installed: the bot may open
    # a 1:1 chat with them.
    installed: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Condition | None = None

    def app(self) -> web.Application:
        app = web.Application()
        # Teams gives regional service URLs (…/amer/, …/emea/); serve both forms.
        for prefix in ("", "/{region}"):
            app.router.add_post(prefix + "/v3/conversations/{cid}/activities", self._send)
            app.router.add_post(prefix + "/v3/conversations/{cid}/activities/{aid}", self._send)
            app.router.add_put(prefix + "/v3/conversations/{cid}/activities/{aid}", self._update)
            app.router.add_get(prefix + "/v3/conversations/{cid}/members/{uid}", self._member)
            app.router.add_get(prefix + "/v3/conversations/{cid}/members", self._members)
            app.router.add_get(prefix + "/v3/conversations/{cid}/pagedmembers", self._paged_members)
            app.router.add_post(prefix + "/v3/conversations", self._create)
        return app

    async def start(self) -> None:
        self._arrived = asyncio.Condition()
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _record(self, item: Received) -> None:
        self.received.append(item)
        async with self._arrived:
            self._arrived.notify_all()

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        await self._record(Received("send", request.match_info["cid"], activity, request.match_info.get("aid")))
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    async def _update(self, request: web.Request) -> web.Response:
        activity = await request.json()
        await self._record(Received("update", request.match_info["cid"], activity, request.match_info["aid"]))
        return web.json_response({"id": request.match_info["aid"]})

    async def _member(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        # Teams takes a member's Entra object id for their id too.
        member = self.members.get(uid) or next((m for m in self.members.values() if m.get("aadObjectId") == uid), None)
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        (member,) = body.get("members") or [{}]
        if member.get("id") not in self.installed:
            return web.json_response({"error": {"code": "Forbidden", "message": "app not installed"}}, status=403)
        return web.json_response({"id": f"a:personal-{member['id'][3:]}"}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        # The old, unpaged call names the Entra object id "objectId" (as
        # Teams' REST reference and the Agents Playground give it).
        return web.json_response(
            [
                {("objectId" if k == "aadObjectId" else k): v for k, v in member.items()}
                for member in self.members.values()
            ]
        )

    async def _paged_members(self, request: web.Request) -> web.Response:
        size = int(request.query.get("pageSize") or 200)
        start = int(request.query.get("continuationToken") or 0)
        everyone = self.team_members(request.match_info["cid"])
        page = everyone[start : start + size]
        more = start + size < len(everyone)
        return web.json_response({"members": page, "continuationToken": str(start + size) if more else None})

    def team_members(self, team_id: str) -> list[dict]:
        """Who the team's paged member list names: everyone in the directory."""
        return list(self.members.values())

    def sent_to(self, conversation_id: str) -> list[Received]:
        return [r for r in self.received if r.conversation_id == conversation_id]

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.received) >= count), timeout)
        return self.received

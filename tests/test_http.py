"""The web edge: health, bad requests, authentication."""

from __future__ import annotations

import os
import uuid

import aiohttp
from sqlalchemy import text as sql

from bot.app import EDGE, HEALTH, UOW, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from storage.migrate import head_revision
from tests import teams
from tests.conftest import admin_sql, postgres_database_url, serve


async def test_the_bot_answers_on_the_edge_bot_sdk_names(forum):
    """CI runs the suite once per edge; this says which one a run was on."""
    assert forum.app[EDGE].name == (os.environ.get("BOT_SDK") or "agents")
    replies = await forum.say(forum.statsforvalter, "hjelp")
    assert len(replies) == 1 and replies[0].method == "send" and replies[0].cards


async def test_health_reports_the_database(forum):
    async with forum.http.get(f"{forum.bot_url}healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}


async def test_ready_when_the_database_is_at_the_newest_migration(forum):
    async with forum.http.get(f"{forum.bot_url}readyz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok", "migrations": "head"}

    # A replica of an older release migrated back, or one of a newer release ahead:
    # this code must not be sent work.
    async with forum.app[UOW]() as uow:
        await uow.session.execute(sql("UPDATE alembic_version SET version_num = '0007'"))
        await uow.commit()
    async with forum.http.get(f"{forum.bot_url}readyz") as response:
        body = await response.json()
        assert response.status == 503 and body["migrations"] == "behind" and body["revision"] == "0007", body
    async with forum.http.get(f"{forum.bot_url}healthz") as response:
        assert response.status == 200  # alive all the same: restarting it would not help

    forum.app[HEALTH].stopping = True
    async with forum.app[UOW]() as uow:
        await uow.session.execute(sql(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
        await uow.commit()
    async with forum.http.get(f"{forum.bot_url}readyz") as response:
        assert response.status == 503 and (await response.json())["status"] == "stopping"


async def test_health_says_when_the_database_is_gone(postgres_template):
    name = f"sfb_gone_{uuid.uuid4().hex[:8]}"
    await admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    settings = Settings(database_url=postgres_database_url(name), forum_config=EXAMPLE_FORUM_CONFIG)
    runner, url = await serve(await create_app(settings))
    try:
        await admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        for path in ("healthz", "readyz"):
            async with aiohttp.ClientSession() as http, http.get(f"{url}{path}") as response:
                assert response.status == 503
                assert await response.json() == {"status": "unavailable", "database": "down"}
    finally:
        await runner.cleanup()
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_bad_requests_get_4xx_not_500(forum):
    cases = [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b'{"type": 5}', "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b'{"type": "message"}', "application/x-www-form-urlencoded", 415),
        (b'{"type": "message", "from": "nobody", "conversation": 7}', "application/json", 400),
        (b'{"type": "message", "id": ' + b"9" * 5000 + b"}", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ]
    for data, content_type, expected in cases:
        status, _ = await forum.post_raw(data, content_type)
        assert status == expected, (data, content_type, status)
    assert forum.new_replies() == []


async def test_a_request_without_content_type_is_refused(forum):
    async with forum.http.post(f"{forum.bot_url}api/messages", data=b"{}", skip_auto_headers=["Content-Type"]) as r:
        assert r.status == 415


async def test_with_an_app_id_a_request_without_a_valid_token_gets_401(tmp_path, connector):
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}",
        forum_config=EXAMPLE_FORUM_CONFIG,
        app_id="9c2b6f5e-1d3a-4b8c-9e7f-0a1b2c3d4e5f",
        app_password="not-a-real-secret",
        app_tenant_id=teams.TENANT,
    )
    runner, url = await serve(await create_app(settings))
    user = teams.stranger()
    try:
        async with aiohttp.ClientSession() as http:
            activity = teams.message(user, "hjelp", connector.url)
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
                async with http.post(f"{url}api/messages", json=activity, headers=headers) as response:
                    assert response.status == 401, (headers, response.status)
    finally:
        await runner.cleanup()
    assert connector.received == []


def test_the_retry_policy_speed_up_keeps_msrests_retry_codes():
    from msrest.universal_http.requests import ClientRetryPolicy

    import bot.edge.botbuilder_sdk  # noqa: F401  (applies the change)

    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    policy = ClientRetryPolicy()
    retried = set(policy.policy.status_forcelist)
    assert retried == {408, *range(500, 999)} - {501, 505}

"""A deployment serves its own tenants only.

A token from the Bot Framework is valid for every tenant that installed the
app, so the signature alone lets another tenant in. Here the tokens are
real: signed with an RSA key of the test's own, whose public half is served
from a local OpenID metadata and JWKS endpoint, and checked by botbuilder's
own validation (issuer, audience, expiry, signature, the key's endorsement
of the channel, the service URL claim)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from bot.app import UOW, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from bot.forum.config_file import load_forum_config
from storage.models import NeedsReportRow, PersonalConversationRow
from tests import teams
from tests.conftest import serve

APP_ID = "9c2b6f5e-1d3a-4b8c-9e7f-0a1b2c3d4e5f"
ISSUER = "https://api.botframework.test"
KEY_ID = "test-key-1"
OTHER_TENANT = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293"


class SigningKeys:
    """An OpenID provider on loopback: /openid names /keys, which publishes
    the public half of a key endorsed for Teams. botbuilder reads them with
    a blocking HTTP client, so they are served from their own thread."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        keys = {"keys": [{**public, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/openid":
                    body = {
                        "issuer": ISSUER,
                        "jwks_uri": f"{owner.url}/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path == "/keys":
                    body = keys
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, service_url: str, audience: str = APP_ID) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": audience, "nbf": now - 10, "exp": now + 600, "serviceurl": service_url}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": KEY_ID})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def keys():
    provider = SigningKeys()
    yield provider
    provider.close()


@pytest.fixture
async def signed_bot(database_url, connector, keys):
    """The bot with an app id, trusting the local key, serving teams.TENANT only."""
    settings = Settings(
        database_url=database_url,
        scheduler_interval_seconds=0,
        app_id=APP_ID,
        app_password="not-a-real-secret",
        app_tenant_id=teams.TENANT,
        openid_metadata_url=f"{keys.url}/openid",
        token_issuer=ISSUER,
    )
    forums = [f.model_copy(update={"wheel": ()}) for f in load_forum_config(EXAMPLE_FORUM_CONFIG)]
    app = await create_app(settings, forums)
    runner, url = await serve(app)
    yield app, url, forums[0]
    await runner.cleanup()


def in_tenant(activity: dict, tenant: str) -> dict:
    activity["conversation"]["tenantId"] = tenant
    activity["channelData"]["tenant"] = {"id": tenant}
    return activity


async def post(url: str, activity: dict, token: str | None) -> tuple[int, dict | str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}api/messages", json=activity, headers=headers) as response:
            body = await response.text()
            return response.status, (json.loads(body) if body and response.content_type == "application/json" else body)


async def stored(app) -> tuple[int, int]:
    """1:1 chats remembered, and needs reports begun."""
    async with app[UOW]() as uow:
        chats = await uow.session.scalar(select(func.count()).select_from(PersonalConversationRow))
        reports = await uow.session.scalar(select(func.count()).select_from(NeedsReportRow))
        return chats, reports


async def test_a_signed_press_from_the_served_tenant_is_answered(signed_bot, connector, keys):
    app, url, forum = signed_bot
    lise = forum.organisations[2].seats[0].representative
    user = teams.User(lise.name, lise.aad_object_id, lise.email)
    press = teams.execute(user, "needs.new", {}, connector.url)

    status, body = await post(url, press, keys.token(connector.url))

    assert status == 200, body
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body  # the needs form
    assert await stored(app) == (1, 1)


async def test_a_validly_signed_press_from_another_tenant_gets_no_answer_and_nothing_is_stored(
    signed_bot, connector, keys, caplog
):
    app, url, forum = signed_bot
    lise = forum.organisations[2].seats[0].representative
    user = teams.User(lise.name, lise.aad_object_id, lise.email)
    foreign = [
        in_tenant(teams.execute(user, "needs.new", {}, connector.url), OTHER_TENANT),
        in_tenant(teams.message(user, "hjelp", connector.url), OTHER_TENANT),
        in_tenant(teams.installed(user, connector.url, kind="channel"), OTHER_TENANT),
    ]
    no_tenant = teams.message(user, "hjelp", connector.url)
    del no_tenant["conversation"]["tenantId"], no_tenant["channelData"]["tenant"]

    for activity in (*foreign, no_tenant):
        caplog.clear()
        status, _ = await post(url, activity, keys.token(connector.url))
        assert status == 403
        refusals = [r for r in caplog.records if "ALLOWED_TENANT_IDS" in r.getMessage()]
        assert len(refusals) == 1, [r.getMessage() for r in caplog.records]

    assert connector.received == []
    assert await stored(app) == (0, 0)


async def test_a_token_that_is_not_the_bots_is_refused_before_the_tenant_is_read(signed_bot, connector, keys):
    app, url, forum = signed_bot
    user = teams.stranger()
    press = teams.execute(user, "needs.new", {}, connector.url)
    for token in (
        keys.token(connector.url, audience=str(uuid.uuid4())),  # for another bot
        keys.token("https://elsewhere.example.org/"),  # for another service URL
        None,
    ):
        status, _ = await post(url, press, token)
        assert status == 401
    assert await stored(app) == (0, 0)


def test_allowed_tenants_default_to_the_apps_own_and_can_be_listed():
    own = Settings.from_env(
        {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x", "MICROSOFT_APP_TENANT_ID": teams.TENANT.upper()}
    )
    assert own.served_tenants == {teams.TENANT}
    listed = Settings.from_env(
        {
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": "x",
            "MICROSOFT_APP_TENANT_ID": teams.TENANT,
            "ALLOWED_TENANT_IDS": f" {OTHER_TENANT.upper()} , {teams.TENANT}",
        }
    )
    assert listed.served_tenants == {teams.TENANT, OTHER_TENANT}
    assert Settings.from_env({}).served_tenants == frozenset()

"""The forum under test: the real web application on a loopback port, a
local connector for its replies, and a fresh database of each kind.

Every test that takes `forum` runs twice: on SQLite and on PostgreSQL.
Without a PostgreSQL server the PostgreSQL half is skipped and the summary
says so; under CI (CI=true, see tests/ci.py) a missing server fails the run instead."""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.app import AFTERWARDS, REPLIES, VOTE_CARDS, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from bot.forum.config_file import load_forum_config
from storage.database import create_engine
from storage.migrate import upgrade
from tests import teams
from tests.ci import in_ci
from tests.connector import LocalConnector, Received

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

_postgres_state: dict[str, object] = {"ran": 0, "skipped": None}


# --- databases -----------------------------------------------------------


async def admin_sql(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def postgres_database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template():
    """A migrated database that each test copies: cheaper than migrating
    a new database every time. (Administration runs in its own short event
    loop, outside the tests' loop.)"""
    name = f"sfb_template_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server, no rights: the half cannot run
        reason = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is not reachable: {error}"
        if in_ci():
            pytest.fail(f"CI needs the PostgreSQL half of the suite: {reason}")
        _postgres_state["skipped"] = reason
        pytest.skip(reason)

    async def migrate() -> None:
        engine = create_engine(postgres_database_url(name))
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield name
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"sfb_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    _postgres_state["ran"] += 1
    yield postgres_database_url(name)
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database no migration has touched yet: where an older release's
    schema is built."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_template")  # skipped, or failed under CI, without a server
    name = f"sfb_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    _postgres_state["ran"] += 1
    yield postgres_database_url(name)
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def another_database(tmp_path):
    """``await another_database(url)``: a new, empty database of the same
    kind as ``url`` (dropped after the test), such as the one a backup is
    restored into."""
    made: list[str] = []

    async def make(like: str) -> str:
        if make_url(like).get_backend_name() == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'another-{uuid.uuid4().hex[:8]}.db'}"
        name = f"sfb_another_{uuid.uuid4().hex[:12]}"
        await admin_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return postgres_database_url(name)

    yield make
    for name in made:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pytest_terminal_summary(terminalreporter):
    skipped = _postgres_state["skipped"]
    if skipped:
        terminalreporter.write_line(f"PostgreSQL half: SKIPPED ({skipped})", yellow=True, bold=True)
    elif _postgres_state["ran"]:
        terminalreporter.write_line(f"PostgreSQL half: ran {_postgres_state['ran']} tests on PostgreSQL", green=True)


# --- the forum under test -----------------------------------------------


@dataclass
class Forum:
    """The bot as Teams sees it: post activities, read what came back."""

    bot_url: str
    connector: LocalConnector
    http: aiohttp.ClientSession
    app: web.Application
    config: object
    config_path: object = None
    seen: int = field(default=0)

    @property
    def service_url(self) -> str:
        return self.connector.url

    # people of the example roster
    def person(self, config_person) -> teams.User:
        user = teams.User(config_person.name, config_person.aad_object_id, config_person.email)
        self.connector.members[user.id] = user.member_record()
        return user

    @property
    def statsforvalter(self) -> teams.User:
        return self.person(self.config.statsforvalter[0])

    def representative(self, organisation_id: str, seat: int = 0) -> teams.User:
        return self.person(self._organisation(organisation_id).seats[seat].representative)

    def deputy(self, organisation_id: str, seat: int = 0) -> teams.User:
        return self.person(self._organisation(organisation_id).seats[seat].deputy)

    def _organisation(self, organisation_id: str):
        return next(o for o in self.config.organisations if o.id == organisation_id)

    # talking to the bot
    async def post(self, activity: dict, **kwargs) -> aiohttp.ClientResponse:
        async with self.http.post(f"{self.bot_url}api/messages", json=activity, **kwargs) as response:
            await response.read()
            return response

    async def post_raw(self, data: bytes, content_type: str) -> tuple[int, str]:
        async with self.http.post(
            f"{self.bot_url}api/messages", data=data, headers={"Content-Type": content_type}
        ) as response:
            return response.status, await response.text()

    async def send(self, activity: dict) -> list[Received]:
        """Post an activity and return what the bot sent in answer."""
        async with self.http.post(f"{self.bot_url}api/messages", json=activity) as response:
            assert response.status in (200, 201), await response.text()
        await self.app[REPLIES].settle()  # replies go after the answer to Teams' request
        return self.new_replies()

    async def say(self, user: teams.User, text: str, **where) -> list[Received]:
        return await self.send(teams.message(user, text, self.service_url, **where))

    async def press(self, user: teams.User, verb: str, data: dict, **where) -> tuple[dict, list[Received]]:
        """Press an Action.Execute button: the invoke response and replies."""
        activity = teams.execute(user, verb, data, self.service_url, **where)
        async with self.http.post(f"{self.bot_url}api/messages", json=activity) as response:
            assert response.status == 200, await response.text()
            body = await response.json()
        await self.app[REPLIES].settle()
        return body, self.new_replies()

    async def settle(self) -> None:
        """Wait for what the bot sends after answering (news, card updates)."""
        await self.app[REPLIES].settle()
        await self.app[AFTERWARDS].settle()
        await self.app[VOTE_CARDS].settle()

    def new_replies(self) -> list[Received]:
        replies = self.connector.received[self.seen :]
        self.seen = len(self.connector.received)
        return replies


@pytest.fixture
async def connector(request):
    """The local Bot Connector; a test module may name another class in
    ``CONNECTOR`` (e.g. tests.limited_connector.LimitedConnector)."""
    local = getattr(request.module, "CONNECTOR", LocalConnector)()
    await local.start()
    yield local
    await local.stop()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/"


@pytest.fixture
def forum_config():
    """The roster file the forum starts with; a test module may override it."""
    return EXAMPLE_FORUM_CONFIG


@asynccontextmanager
async def running_forum(database_url: str, connector: LocalConnector, forum_config=EXAMPLE_FORUM_CONFIG):
    """The bot started on ``database_url``, as an operator starts it (it
    migrates the database and syncs the roster file), and served."""
    # The reminder loop stays off: tests drive the scheduler with their own
    # clock. The example wheel is left out: its dates are this year's, and
    # what is allowed depends on whether its deadline has passed today.
    settings = Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0)
    forums = [f.model_copy(update={"wheel": ()}) for f in load_forum_config(forum_config)]
    app = await create_app(settings, forums)
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as http:
            # A bot started beside another on the same connector reads only its own replies.
            yield Forum(url, connector, http, app, forums[0], forum_config, seen=len(connector.received))
    finally:
        await runner.cleanup()


@pytest.fixture
async def forum(database_url, connector, forum_config):
    async with running_forum(database_url, connector, forum_config) as running:
        yield running

"""Run the real bot and the Microsoft 365 Agents Playground side by side, for tests.

    with running_stack(workdir) as stack:
        stack.playground.url   # the Playground's web UI, http://127.0.0.1:N/
        stack.bot.url          # the bot, http://127.0.0.1:M

Both run as subprocesses in their own process groups and are torn down on the
way out, whatever happened (and at interpreter exit, as a last resort). Their
output goes to files in ``workdir``; a failure message quotes the tail.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import EXAMPLE_FORUM_CONFIG
from bot.teams_app import LOCAL_APP_ID
from bot.teams_app.playground import CONFIG_FILE_NAME, build_config, write_config

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "tests" / "node"
PLAYGROUND_BIN = NODE_DIR / "node_modules" / ".bin" / "agentsplayground"
ARTIFACTS = REPO / "tests" / "artifacts"
PLAYGROUND_LOCALE = "en-US"  # what the Playground itself puts on every activity

__all__ = [
    "ARTIFACTS",
    "PLAYGROUND_BIN",
    "Stack",
    "Service",
    "build_config",
    "write_config",
    "chromium_path",
    "missing_tools",
    "free_port",
    "default_database_url",
    "start_bot",
    "start_playground",
    "running_stack",
    "custom_activity_template",
    "post_custom_activity",
    "message_from",
    "LocaleProxy",
    "PLAYGROUND_LOCALE",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def missing_tools() -> list[str]:
    """What the end-to-end run needs and this machine lacks, each with how to get it."""
    missing = []
    if chromium_path() is None:
        missing.append("Chromium (apt-get install -y chromium)")
    if not PLAYGROUND_BIN.exists():
        missing.append("the Agents Playground (npm ci --prefix tests/node)")
    if shutil.which("node") is None:
        missing.append("Node.js 20")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append(
            "Python Playwright (pip install playwright; not `playwright install`: it uses Debian's chromium)"
        )
    return missing


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path
    url: str = ""
    port: int = 0

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to the whole group (npm's shim starts node as a child), then SIGKILL."""
        _live.discard(self)
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Children may outlive a leader that exited at once.
        _signal_group(self.process, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(grace)

    def __hash__(self) -> int:
        return id(self)


_live: set[Service] = set()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@atexit.register
def _stop_leftovers() -> None:
    for service in list(_live):
        service.stop(grace=2.0)


def _exit_on_sigterm() -> None:
    # A CI timeout sends SIGTERM, which by default skips finally-blocks and atexit
    # and would orphan the services (they sit in their own sessions).
    import threading

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _spawn(name: str, argv: list[str], *, cwd: Path, env: Mapping[str, str], log: Path) -> Service:
    _exit_on_sigterm()
    handle = log.open("wb")
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        handle.close()  # the child holds its own copy
    service = Service(name, process, log)
    _live.add(service)
    return service


def _fail(service: Service, why: str) -> RuntimeError:
    service.stop()
    return RuntimeError(f"{service.name}: {why}\n--- last lines of {service.log} ---\n{service.tail()}")


def default_database_url(workdir: Path) -> str:
    """The SQLite database a bot started in ``workdir`` without ``database_url`` uses."""
    return f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"


def start_bot(
    workdir: Path,
    *,
    port: int | None = None,
    forum_config: Path = EXAMPLE_FORUM_CONFIG,
    database_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    argv: list[str] | None = None,
    cwd: Path = REPO,
    timeout: float = 60.0,
) -> Service:
    """``python -m bot`` on SQLite in ``workdir``, unauthenticated, ready when /healthz says ok.

    ``argv``/``cwd`` run a stand-in instead, for trying this harness without the real bot."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url or default_database_url(workdir),
        "FORUM_CONFIG": str(forum_config),
        # Empty app id: the bot accepts the Playground's unsigned requests.
        "MICROSOFT_APP_ID": "",
        "MICROSOFT_APP_PASSWORD": "",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    argv = argv or [sys.executable, "-m", "bot"]
    service = _spawn("bot", argv, cwd=cwd, env=env, log=workdir / "bot.log")
    service.port, service.url = port, f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.running():
            raise _fail(service, f"exited with {service.process.returncode} before answering /healthz")
        try:
            with urllib.request.urlopen(f"{service.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return service
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise _fail(service, f"/healthz did not answer 200 within {timeout:.0f} s")


def playground_env(workdir: Path, config_path: Path, *, headless: bool = True) -> dict[str, str]:
    env = {
        **os.environ,
        # Both are needed to keep it from calling out to telemetry endpoints.
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "1",
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config_path),
        # Otherwise it logs to ./devTools/ under its working directory.
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(workdir / "playground-internal.log"),
    }
    if headless:
        env["TEAMSAPPTESTER_BROWSER"] = "none"
    return env


def start_playground(
    workdir: Path,
    bot_endpoint: str,
    *,
    config_path: Path | None = None,
    port: int | None = None,
    timeout: float = 60.0,
) -> Service:
    """The Playground, headless, pointed at ``bot_endpoint``; ready when it prints 'Listening on N'.

    It silently takes another port when the asked one is busy, so the port is
    always read from its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    if not PLAYGROUND_BIN.exists():
        raise RuntimeError(f"{PLAYGROUND_BIN} is missing: run npm ci --prefix tests/node")
    if config_path is None:
        config_path = workdir / CONFIG_FILE_NAME
        write_config(config_path)
    argv = [
        str(PLAYGROUND_BIN),
        "-e",
        bot_endpoint,
        "-c",
        "msteams",
        "-p",
        str(port or free_port()),
        "--disable-telemetry",
    ]
    env = playground_env(workdir, config_path)
    service = _spawn("playground", argv, cwd=workdir, env=env, log=workdir / "playground.log")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"Listening on (\d+)", service.tail(200))
        if match:
            service.port = int(match.group(1))
            service.url = f"http://127.0.0.1:{service.port}/"
            return service
        if not service.running():
            # A bad config exits 1 with the reason only in its own log file.
            internal = workdir / "playground-internal.log"
            extra = internal.read_text(errors="replace")[-3000:] if internal.exists() else ""
            raise _fail(service, f"exited with {service.process.returncode}\n{extra}")
        time.sleep(0.1)
    raise _fail(service, f"did not print 'Listening on N' within {timeout:.0f} s")


# --- locale -----------------------------------------------------------------------
# Playground 0.2.28 stamps locale "en-US" on every activity it makes, whatever the
# browser or the system says. To see the bot as a Norwegian Teams client would,
# this proxy sits between the Playground and the bot and rewrites only the locale.
# The bot's replies do not pass through it: they go to the Playground's serviceUrl.


class LocaleProxy:
    def __init__(self, bot_url: str, locale: str):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        target, proxy_locale = bot_url.rstrip("/"), locale

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if body and "json" in (self.headers.get("Content-Type") or ""):
                    body = _with_locale(body, proxy_locale)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
                request = urllib.request.Request(target + self.path, data=body, headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload, kind = response.status, response.read(), response.headers.get("Content-Type")
                except urllib.error.HTTPError as error:
                    status, payload, kind = error.code, error.read(), error.headers.get("Content-Type")
                except OSError:
                    status, payload, kind = 502, b"", None
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_POST = do_GET = do_HEAD = _forward

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        import threading

        self._thread = threading.Thread(target=self._server.serve_forever, name="locale-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _with_locale(body: bytes, locale: str) -> bytes:
    try:
        activity = json.loads(body)
    except ValueError:
        return body
    if not isinstance(activity, dict):
        return body
    activity["locale"] = locale
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "clientInfo":
            entity["locale"] = locale
    return json.dumps(activity).encode("utf-8")


@dataclass
class Stack:
    bot: Service
    playground: Service
    config: dict
    workdir: Path
    locale: str = PLAYGROUND_LOCALE

    @property
    def database_url(self) -> str:
        """The running bot's database (running_stack starts it on SQLite in the workdir)."""
        return default_database_url(self.workdir)

    def logs(self) -> str:
        return (
            f"--- bot ({self.bot.log}) ---\n{self.bot.tail(60)}\n"
            f"--- playground ({self.playground.log}) ---\n{self.playground.tail(60)}"
        )


@contextlib.contextmanager
def running_stack(
    workdir: Path,
    *,
    forum_config: Path = EXAMPLE_FORUM_CONFIG,
    current_user_role: str = "statsforvalter",
    locale: str | None = None,
    bot_env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """The bot and a Playground whose users come from ``forum_config``.

    ``locale`` (e.g. "nb-NO") makes every activity reach the bot with that locale
    instead of the Playground's fixed "en-US"; ``bot_env`` adds to the bot's
    environment (e.g. SCHEDULER_INTERVAL_SECONDS). Says in the test output how
    long the two took to come up, and as whom the Playground is signed in."""
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / CONFIG_FILE_NAME
    config = write_config(config_path, forum_config, current_user_role=current_user_role, bot_id=LOCAL_APP_ID)
    bot = playground = proxy = None
    try:
        bot = start_bot(workdir, forum_config=forum_config, extra_env=bot_env)
        endpoint = bot.url
        if locale and locale != PLAYGROUND_LOCALE:
            proxy = LocaleProxy(bot.url, locale)
            endpoint = proxy.url
        playground = start_playground(workdir, f"{endpoint}/api/messages", config_path=config_path)
        print(
            f"\n[e2e] bot and Playground ({locale or PLAYGROUND_LOCALE}, signed in as "
            f"{config['currentUser']['name']}) up in {time.monotonic() - started:.1f} s: {playground.url}"
        )
        yield Stack(bot, playground, config, workdir, locale or PLAYGROUND_LOCALE)
    finally:
        for service in (playground, bot):
            if service is not None:
                service.stop()
        if proxy is not None:
            proxy.stop()


# --- activities from anyone ------------------------------------------------------
# Typed messages always come from currentUser, and the personal chat only admits
# currentUser; these post a raw activity as any configured user instead.


def custom_activity_template(playground: Service, conversation_id: str, kind: str | None = None) -> dict:
    """The Playground's skeleton activity for a conversation (personal chat, group chat,
    team id for General, or a channel id); ``kind`` is one of its templates, e.g.
    "install", "botAdded", "userAdded", "channelCreated", or None for a bare one."""
    query = {"conversationId": conversation_id, **({"type": kind} if kind else {})}
    url = f"{playground.url.rstrip('/')}/_internal/v1/customActivities/template?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def post_custom_activity(playground: Service, activity: Mapping) -> None:
    """Deliver ``activity`` to the bot through the Playground, which relays the bot's
    replies into its UI as usual. It answers 200 before the bot has seen it."""
    request = urllib.request.Request(
        f"{playground.url.rstrip('/')}/_internal/v1/customActivities",
        data=json.dumps(activity).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"the Playground refused the activity: HTTP {response.status}")


def message_from(playground: Service, user: Mapping, conversation_id: str, text: str) -> dict:
    """A message activity typed by ``user`` (an entry of the config's users) into a conversation."""
    activity = custom_activity_template(playground, conversation_id)
    activity.update(
        type="message",
        text=text,
        textFormat="plain",
        locale="nb-NO",
    )
    activity["from"] = {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}
    return activity


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:")


@asynccontextmanager
async def browser_page(url: str, timezone: str | None = None) -> AsyncIterator[tuple[object, list[str]]]:
    """Headless Chromium open on ``url``, and the list of non-loopback
    requests it aborted (fonts and animations come from a CDN and fall back
    harmlessly; nothing may leave this machine)."""
    from playwright.async_api import async_playwright

    blocked: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            options = {"timezone_id": timezone} if timezone else {}
            context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO", **options)
            page = await context.new_page()

            async def only_loopback(route):
                if route.request.url.startswith(LOOPBACK):
                    await route.continue_()
                else:
                    blocked.append(route.request.url)
                    await route.abort()

            await page.route("**/*", only_loopback)
            await page.goto(url)
            yield page, blocked
        finally:
            await browser.close()

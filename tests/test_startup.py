"""Starting `python -m bot` as an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests import teams

REPO = Path(__file__).resolve().parents[1]
APP_ID = "9c2b6f5e-1d3a-4b8c-9e7f-0a1b2c3d4e5f"


def bot_process(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}",
        "MICROSOFT_APP_ID": "",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_broken_roster_file_stops_the_start_with_file_line_and_reason(tmp_path):
    broken = tmp_path / "forum.yaml"
    text = (REPO / "bot" / "forum_example.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("kind: uh", "kind: universitet", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(broken.read_text().splitlines(), 1) if "kind: universitet" in row)

    process = bot_process(tmp_path, FORUM_CONFIG=str(broken))
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"forum.yaml:{line}:" in output and "kind" in output
    assert "Traceback" not in output


def test_a_database_a_newer_release_migrated_stops_the_start_with_one_line(tmp_path):
    import sqlite3

    first = bot_process(tmp_path, "migrate")
    assert first.wait(timeout=60) == 0
    with sqlite3.connect(tmp_path / "start.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")  # a revision of a later release

    for action in ((), ("migrate",)):
        process = bot_process(tmp_path, *action)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 2, output
        assert output.strip().splitlines()[-1].startswith("samarbeidsforum-bot: cannot start: the database"), output
        assert "the database is at migration 0099, which this release does not know" in output
        assert "Traceback" not in output


def test_a_setting_that_is_not_a_number_or_not_known_stops_the_start_with_one_line(tmp_path):
    cases = (
        ({"PORT": "abc"}, "PORT must be a whole number from 0 to 65535, not 'abc'"),
        ({"PORT": "70000"}, "PORT must be a whole number from 0 to 65535, not '70000'"),
        (
            {"SCHEDULER_INTERVAL_SECONDS": "soon"},
            "SCHEDULER_INTERVAL_SECONDS must be a number of at least 0, not 'soon'",
        ),
        ({"REPLICAS": "0"}, "REPLICAS must be a whole number of at least 1, not '0'"),
        ({"RETENTION_YEARS": "fem"}, "RETENTION_YEARS must be a whole number from 0 to 100, not 'fem'"),
        ({"BOT_SDK": "teams-ai"}, "BOT_SDK must be one of agents, botbuilder, not 'teams-ai'"),
    )
    for setting, reason in cases:
        process = bot_process(tmp_path, **setting)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 2, output
        assert len(output.strip().splitlines()) == 1, output
        assert output.startswith("samarbeidsforum-bot: cannot start: ") and reason in output
        assert "Traceback" not in output


def test_a_start_that_would_be_unsafe_or_could_not_authenticate_stops_with_one_line(tmp_path):
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    cases = (
        ({"HOST": "0.0.0.0"}, "MICROSOFT_APP_ID is not set, so anyone who reaches HOST=0.0.0.0 could speak as anyone"),
        ({"HOST": "bot.example.org"}, "HOST=bot.example.org could speak as anyone"),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TENANT_ID": tenant},
            "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not",
        ),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret"},
            "MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID",
        ),
        (
            {"MICROSOFT_APP_TYPE": "SingelTenant"},
            "MICROSOFT_APP_TYPE must be one of SingleTenant, MultiTenant, UserAssignedMSI, not 'SingelTenant'",
        ),
    )
    for setting, reason in cases:
        process = bot_process(tmp_path, **setting)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 2, (setting, output)
        assert len(output.strip().splitlines()) == 1, output
        assert output.startswith("samarbeidsforum-bot: cannot start: ") and reason in output, output


def test_unauthenticated_on_a_public_interface_only_when_asked_for(tmp_path):
    port = free_port()
    process = bot_process(tmp_path, PORT=str(port), HOST="0.0.0.0", ALLOW_UNAUTHENTICATED="1")
    try:
        wait_until_healthy(process, port)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert "MICROSOFT_APP_ID is not set: the bot accepts UNAUTHENTICATED" in output


def wait_until_healthy(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                assert response.status == 200
                return
        except OSError:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the bot did not become ready within 60 s"
            time.sleep(0.1)


def test_the_access_log_names_a_links_route_never_its_token(tmp_path):
    port = free_port()
    process = bot_process(tmp_path, PORT=str(port))
    try:
        wait_until_healthy(process, port)
        for path in ("/exports/SECRET-EXPORT-TOKEN", "/calendar/oslo-viken/SECRET-FEED-TOKEN.ics"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            except urllib.error.HTTPError as refused:  # forged tokens: refused, and logged
                assert refused.code in (403, 404), refused.code
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert "GET /exports/{token} 403" in output, output
    assert "GET /calendar/{forum}/{token}.ics" in output, output
    assert "GET /healthz 200" in output
    assert "SECRET" not in output


def test_with_log_format_json_every_line_is_an_object_naming_its_activity(tmp_path):
    import json

    port = free_port()
    process = bot_process(tmp_path, PORT=str(port), LOG_FORMAT="json")
    user = teams.User(
        "Ragnhild Eksempelrud", "00000000-0000-4000-8000-000000000101", "ragnhild.eksempelrud@vopro.example.org"
    )
    activity = teams.execute(user, "needs.new", {}, "http://127.0.0.1:9/")
    try:
        wait_until_healthy(process, port)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/messages",
            data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    about = [e for e in entries if e.get("activity_id") == activity["id"]]
    assert about and all(e["conversation_id"] == activity["conversation"]["id"] for e in about)
    assert any(e.get("forum") == "oslo-viken" for e in about), about
    assert any("MICROSOFT_APP_ID is not set" in e["message"] for e in entries)


def test_migrate_only_migrates(tmp_path):
    process = bot_process(tmp_path, "migrate")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "Running upgrade" in output
    assert (tmp_path / "start.db").exists()


def test_without_an_app_id_the_bot_warns_loudly_and_serves(tmp_path):
    port = free_port()
    process = bot_process(tmp_path, PORT=str(port))
    try:
        wait_until_healthy(process, port)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert "MICROSOFT_APP_ID is not set: the bot accepts UNAUTHENTICATED" in output
    assert "Traceback" not in output


LOADED_WHEN_NEEDED = ("openpyxl", "docx", "icalendar", "alembic")


def test_a_restart_loads_neither_the_export_libraries_nor_alembic(tmp_path):
    # A third of a second of every start went to libraries a restart does not use: the export
    # libraries until the first export, Alembic until the database is behind.
    url = f"sqlite+aiosqlite:///{tmp_path / 'start.db'}"
    script = f"""
import asyncio, sys
import bot.__main__, bot.app
from bot.edge import agents_sdk, botbuilder_sdk
from storage.database import create_engine
from storage.migrate import upgrade

def loaded():
    print(sorted(m for m in {LOADED_WHEN_NEEDED!r} if m in sys.modules))

async def start():
    engine = create_engine({url!r})
    await upgrade(engine)
    await engine.dispose()

asyncio.run(start())
loaded()
from bot.forum.spreadsheet import new_workbook
new_workbook()
loaded()
"""
    migrated = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "['openpyxl']"]


def test_the_agents_edge_loads_msal_with_its_first_token():
    # MSAL and requests were 85 ms of the agents edge's start; nothing is sent before the
    # bot is ready, so they wait for the first token.
    script = f"""
import sys
from bot.config import Settings
from bot.edge import agents_sdk

tokens = agents_sdk.app_tokens(Settings(app_id={APP_ID!r}, app_password="a secret", app_tenant_id={teams.TENANT!r}))
print("msal" in sys.modules)
print(type(tokens.msal).__name__, "msal" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["False", "MsalAuth True"]

"""The Teams app package: contents, icon sizes, schema validity, and commands that match the bot."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from bot.teams_app import LOCAL_APP_ID, AppPackageError, build_package, teams_version

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "schemas"
MANIFEST_SCHEMA = SCHEMAS / "MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = SCHEMAS / "MicrosoftTeams.Localization.schema.json"

# Every command the Teams command menu offers: exactly the bot's
# (bot.handlers.commands.COMMANDS).
MANIFEST_COMMANDS = (
    "hjelp",
    "behovsmelding",
    "mine behovsmeldinger",
    "oversikt",
    "årshjul",
    "ny avstemning",
    "avstemninger",
    "medlemmer",
    "kompetanseområder",
    "vedtak",
    "oppsett",
)
# Commands that only make sense one-to-one with the bot, and in a team channel.
PERSONAL_ONLY = {"behovsmelding", "mine behovsmeldinger"}
TEAM_ONLY = {"oppsett"}  # it binds the forum to the channel it is typed in

ICON_SIZES = {"color.png": (192, 192), "outline.png": (32, 32)}
SOME_APP_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def png_colour_type(data: bytes) -> int:
    return data[25]


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("app") / "appPackage.zip"
    env = {"MICROSOFT_APP_ID": SOME_APP_ID}
    return build_package(out, env=env)


@pytest.fixture(scope="module")
def manifest(package) -> dict:
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read("manifest.json"))


def _localization_names(manifest: dict) -> set[str]:
    info = manifest.get("localizationInfo") or {}
    names = {entry["file"] for entry in info.get("additionalLanguages", [])}
    if info.get("defaultLanguageFile"):
        names.add(info["defaultLanguageFile"])
    return names


def test_package_holds_exactly_manifest_icons_and_named_strings(package, manifest):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)), "duplicate zip entries"
        # Teams reads the files from the zip's root, so no folders.
        assert all("/" not in name for name in names)
        assert set(names) == {"manifest.json", *ICON_SIZES, *_localization_names(manifest)}
        assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
        for name, size in ICON_SIZES.items():
            data = archive.read(name)
            assert png_size(data) == size, name
        # The outline icon must be transparent: a colour type with alpha (4 or 6) or a palette.
        assert png_colour_type(archive.read("outline.png")) in (3, 4, 6)


def test_manifest_is_valid_against_the_vendored_schema(manifest):
    schema = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    # No check_schema(): the schema holds ECMAScript \p{L} patterns that Python's re
    # cannot compile; they sit in parts of the schema this manifest does not use.
    errors = sorted(Draft4Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # Draft-04 ignores "const", so the version the schema pins is checked here.
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]


def test_manifest_version_is_at_least_1_17(manifest):
    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 17)


def test_localization_files_are_valid(package, manifest):
    schema = json.loads(LOCALIZATION_SCHEMA.read_text(encoding="utf-8"))
    with zipfile.ZipFile(package) as archive:
        for name in _localization_names(manifest):
            strings = json.loads(archive.read(name))
            errors = list(Draft4Validator(schema).iter_errors(strings))
            assert not errors, "\n".join(e.message for e in errors)
            described = [
                (i, j)
                for i, command_list in enumerate(manifest["bots"][0]["commandLists"])
                for j, command in enumerate(command_list["commands"])
                if "description" in command
            ]
            for i, j in described:
                assert f"bots[0].commandLists[{i}].commands[{j}].description" in strings, (name, i, j)
                assert f"bots[0].commandLists[{i}].commands[{j}].title" in strings, (name, i, j)


def _localized(package, manifest, tag: str) -> dict:
    (name,) = [e["file"] for e in manifest["localizationInfo"]["additionalLanguages"] if e["languageTag"] == tag]
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read(name))


def test_the_command_menu_is_in_english_and_nynorsk_too(package, manifest):
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "nb-no"
    english, nynorsk = _localized(package, manifest, "en-us"), _localized(package, manifest, "nn-no")
    assert english["bots[0].commandLists[0].commands[0].title"] == "help"
    assert english["bots[0].commandLists[0].commands[0].description"] == "Show what the bot can do"
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    nynorsk_titles = [nynorsk[f"bots[0].commandLists[0].commands[{j}].title"] for j in range(len(titles))]
    assert "mine behovsmeldingar" in nynorsk_titles and "ny avrøysting" in nynorsk_titles
    assert nynorsk["bots[0].commandLists[0].commands[0].description"] == "Vis kva boten kan gjere"


def test_each_translated_command_title_is_a_command_the_bot_knows_as_the_same(package, manifest):
    """Teams sends the title as the message when it is picked from the menu."""
    from bot.handlers.commands import parse

    for tag in ("en-us", "nn-no"):
        strings = _localized(package, manifest, tag)
        for i, command_list in enumerate(manifest["bots"][0]["commandLists"]):
            for j, command in enumerate(command_list["commands"]):
                translated = strings[f"bots[0].commandLists[{i}].commands[{j}].title"]
                assert parse(translated) == (parse(command["title"])[0], ""), (tag, translated)
                assert parse(translated)[0] is not None, (tag, translated)


def test_ids_version_and_bot(manifest):
    assert manifest["id"] == SOME_APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == SOME_APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    import tomllib

    project_version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert manifest["version"] == teams_version(project_version)
    assert "{{" not in json.dumps(manifest)


def _command_lists(manifest: dict) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for command_list in manifest["bots"][0]["commandLists"]:
        for scope in command_list["scopes"]:
            assert scope not in lists, f"two command lists for {scope}"
            lists[scope] = command_list["commands"]
    return lists


def test_every_scope_has_a_command_list_of_known_commands(manifest):
    lists = _command_lists(manifest)
    assert set(lists) == set(manifest["bots"][0]["scopes"])
    titles = {scope: [c["title"] for c in commands] for scope, commands in lists.items()}
    assert set().union(*titles.values()) == set(MANIFEST_COMMANDS)
    assert titles["personal"] == [c for c in MANIFEST_COMMANDS if c not in TEAM_ONLY]
    assert set(titles["team"]) <= set(MANIFEST_COMMANDS) - PERSONAL_ONLY
    assert set(titles["groupChat"]) <= set(MANIFEST_COMMANDS) - PERSONAL_ONLY - TEAM_ONLY
    for scope, scope_titles in titles.items():
        assert len(scope_titles) == len(set(scope_titles)), scope
        assert "hjelp" in scope_titles and "medlemmer" in scope_titles, scope
    assert TEAM_ONLY <= set(titles["team"])
    for commands in lists.values():
        assert len(commands) <= 10  # what Teams shows; the schema allows 12
        for command in commands:
            assert command.get("description"), command["title"]


def test_the_manifest_offers_exactly_the_commands_the_bot_knows(manifest):
    from bot.handlers.commands import COMMANDS

    offered = {c["title"] for commands in _command_lists(manifest).values() for c in commands}
    typed = {command.typed for command in COMMANDS if command.shown and command.in_menu}
    assert typed - offered == set(), "add to bot/teams_app/manifest.json"
    assert offered - typed == set(), "offered in Teams but unknown to the bot (bot.handlers.commands.COMMANDS)"


def test_missing_app_id_is_refused(tmp_path):
    with pytest.raises(AppPackageError, match="MICROSOFT_APP_ID"):
        build_package(tmp_path / "x.zip", env={})
    assert not (tmp_path / "x.zip").exists()


def test_cli_refuses_without_app_id_and_builds_with_local(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MICROSOFT_APP_ID"}
    out = tmp_path / "appPackage.zip"
    refused = subprocess.run(
        [sys.executable, "-m", "bot.teams_app", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "MICROSOFT_APP_ID is not set" in refused.stderr
    assert "--local" in refused.stderr
    assert not out.exists()

    built = subprocess.run(
        [sys.executable, "-m", "bot.teams_app", "--out", str(out), "--local"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == LOCAL_APP_ID


@pytest.mark.parametrize(
    ("python_version", "teams"), [("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("2.0.1.dev3", "2.0.1"), ("1.4.0rc1", "1.4.0")]
)
def test_teams_version_is_plain_semver(python_version, teams):
    assert teams_version(python_version) == teams


def test_malformed_app_id_is_refused(tmp_path):
    with pytest.raises(AppPackageError, match="GUID"):
        build_package(tmp_path / "x.zip", env={"MICROSOFT_APP_ID": "not-a-guid"})


def test_build_is_reproducible(tmp_path):
    env = {"MICROSOFT_APP_ID": SOME_APP_ID}
    first = build_package(tmp_path / "a.zip", env=env).read_bytes()
    second = build_package(tmp_path / "b.zip", env=env).read_bytes()
    assert first == second

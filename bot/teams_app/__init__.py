"""The Teams app package (manifest.json, icons, English and nynorsk strings) for upload to Teams.

Build it with ``python -m bot.teams_app [--out appPackage.zip] [--local]``.
The manifest is rendered from the template ``manifest.json`` beside this file;
nothing here is imported by the running bot.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "manifest.json"
ICONS = ("color.png", "outline.png")
DISTRIBUTION = "samarbeidsforum-bot"

# Fixed so that local packages and Playground configs agree on the bot's id
# across runs; it is registered nowhere, so such a package only suits local tests.
LOCAL_APP_ID = "5a3c1e0b-7d42-4f1a-9c6e-2b8d0f4a7e15"

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")

# Env overrides let operations point these at the owner's real pages without
# editing the template; the defaults are placeholders.
URL_DEFAULTS = {
    "WEBSITE_URL": ("TEAMS_APP_WEBSITE_URL", "https://example.org/samarbeidsforum"),
    "PRIVACY_URL": ("TEAMS_APP_PRIVACY_URL", "https://example.org/samarbeidsforum/personvern"),
    "TERMS_URL": ("TEAMS_APP_TERMS_URL", "https://example.org/samarbeidsforum/vilkar"),
}

MISSING_APP_ID = (
    "MICROSOFT_APP_ID is not set.\n"
    "The Teams app package must carry the bot's Microsoft App ID (the Entra ID app\n"
    "registration of the Azure Bot, a GUID) as both app id and bot id.\n"
    "Set it, e.g.  MICROSOFT_APP_ID=<guid> python -m bot.teams_app\n"
    "or build a package for local testing only with  python -m bot.teams_app --local"
)


class AppPackageError(Exception):
    """The package cannot be built as asked; the message says what to do."""


def read_version() -> str:
    """The project's version from pyproject.toml in a checkout, else from the installed metadata."""
    pyproject = HERE.parent.parent / "pyproject.toml"
    raw = None
    if pyproject.is_file():
        import tomllib

        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == DISTRIBUTION:
            raw = project.get("version")
    if raw is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            raw = version(DISTRIBUTION)
        except PackageNotFoundError as exc:
            raise AppPackageError("Cannot find the project's version (no pyproject.toml, not installed).") from exc
    return teams_version(raw)


def teams_version(raw: str) -> str:
    """Teams wants plain MAJOR.MINOR.PATCH, so PEP 440 suffixes (.dev1, rc1, +local) are dropped."""
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", raw.strip())
    if not match:
        raise AppPackageError(f"The project version {raw!r} does not start with MAJOR.MINOR.PATCH.")
    return ".".join(str(int(part or 0)) for part in match.groups())


def resolve_app_id(env: Mapping[str, str], local: bool) -> str:
    if local:
        return LOCAL_APP_ID
    app_id = (env.get("MICROSOFT_APP_ID") or "").strip()
    if not app_id:
        raise AppPackageError(MISSING_APP_ID)
    if not GUID.match(app_id):
        raise AppPackageError(f"MICROSOFT_APP_ID must be a GUID (Entra app registration id), got {app_id!r}.")
    return app_id


def _substitute(node, values: Mapping[str, str]):
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, values) for value in node]
    if isinstance(node, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), node)
    return node


def render_manifest(app_id: str, version: str, env: Mapping[str, str] | None = None) -> dict:
    env = os.environ if env is None else env
    values = {"APP_ID": app_id, "VERSION": version}
    for name, (variable, default) in URL_DEFAULTS.items():
        values[name] = (env.get(variable) or "").strip() or default
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest = _substitute(template, values)
    left = sorted(set(PLACEHOLDER.findall(json.dumps(manifest))))
    if left:
        raise AppPackageError(f"The manifest template has placeholders nobody fills: {', '.join(left)}")
    return manifest


def localization_files(manifest: Mapping) -> dict[str, dict]:
    """The Teams-format string files the manifest's localizationInfo names, by file name."""
    info = manifest.get("localizationInfo") or {}
    return {entry["file"]: strings(manifest, entry["languageTag"]) for entry in info.get("additionalLanguages", [])}


def source(tag: str) -> Path:
    return HERE / f"localization.{tag}.json"


def strings(manifest: Mapping, tag: str) -> dict:
    """The strings of one language: the names and descriptions, and each
    command's title and description. A title is what the user's Teams types
    for them, so it must be a word the bot knows in that language (an English
    user sees and sends «help», not «hjelp»)."""
    # Translations are keyed by the Norwegian text rather than by list index, so that
    # reordering or re-scoping commands in the template cannot shift them.
    if not source(tag).is_file():
        raise AppPackageError(f"No strings source for the manifest's language {tag!r} ({source(tag).name}).")
    translated = json.loads(source(tag).read_text(encoding="utf-8"))
    by_norwegian = {"title": translated.pop("commandTitles"), "description": translated.pop("commandDescriptions")}
    version = manifest["manifestVersion"]
    result = {
        "$schema": f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.Localization.schema.json",
        **translated,
    }
    missing = []
    for bot_index, bot in enumerate(manifest.get("bots", [])):
        for list_index, command_list in enumerate(bot.get("commandLists", [])):
            for command_index, command in enumerate(command_list["commands"]):
                for field, known in by_norwegian.items():
                    norwegian = command.get(field)
                    if norwegian is None:
                        continue
                    if norwegian not in known:
                        missing.append(norwegian)
                        continue
                    key = f"bots[{bot_index}].commandLists[{list_index}].commands[{command_index}].{field}"
                    result[key] = known[norwegian]
    if missing:
        raise AppPackageError(f"{source(tag).name} lacks a translation of: " + "; ".join(sorted(set(missing))))
    return result


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    # A fixed timestamp keeps the zip byte-identical for identical input.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_package(
    out: str | os.PathLike,
    *,
    local: bool = False,
    env: Mapping[str, str] | None = None,
    version: str | None = None,
) -> Path:
    """Write the Teams app package to ``out`` and return its path."""
    env = os.environ if env is None else env
    app_id = resolve_app_id(env, local)
    manifest = render_manifest(app_id, version or read_version(), env)
    entries = {"manifest.json": _json_bytes(manifest)}
    for name, strings in localization_files(manifest).items():
        entries[name] = _json_bytes(strings)
    for icon in ICONS:
        entries[icon] = (HERE / icon).read_bytes()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in entries.items():
            _write(archive, name, data)
    tmp.replace(out)
    return out


def _json_bytes(document: Mapping) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

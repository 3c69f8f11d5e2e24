"""Shared helpers for the card tests: the official JavaScript engine and parser (run
through node), the Adaptive Card 1.5 JSON schema with readable errors, and the
design rules every card must follow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import pytest

from tests.ci import in_ci

NODE_DIR = Path(__file__).parent / "node"
MAX_CARD_BYTES = 80 * 1024
# Teams renders Adaptive Cards up to this version.
MAX_CARD_VERSION = (1, 5)


# --------------------------------------------------------------------------- node


def node_unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (needed for the official Adaptive Cards packages)"
    if not (NODE_DIR / "node_modules" / "adaptivecards-templating").is_dir():
        return f"node packages are missing: run 'npm ci' in {NODE_DIR.relative_to(NODE_DIR.parent.parent)}"
    return None


def require_node() -> None:
    """Skip a test that needs node, but fail it in CI, where a skip would hide a gap."""
    reason = node_unavailable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


def _run_node(script: str, entries: list[dict]) -> list[dict]:
    # A fixed locale and time zone, because string(number) in adaptive-expressions
    # formats with the process locale.
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "TZ": "UTC"}
    payload = "\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
    proc = subprocess.run(
        ["node", str(NODE_DIR / script)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        env=env,
        timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"node {script} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = proc.stdout.splitlines()
    if len(lines) != len(entries):
        raise RuntimeError(
            f"node {script} answered {len(lines)} lines for {len(entries)} entries:\n{proc.stderr[-4000:]}"
        )
    return [json.loads(line) for line in lines]


def official_expand(cases: list[dict]) -> list[dict]:
    """Expand {"template", "data", "host"} cases with adaptivecards-templating in one node run.

    Each answer is {"ok": True, "result": ...}, {"ok": True, "undefined": True} or
    {"ok": False, "error": "..."}.
    """
    return _run_node("expand.mjs", cases) if cases else []


def official_validate(cards: list[dict], render: bool = False) -> list[dict]:
    """Parse (and optionally render) cards with the official adaptivecards parser in one node run."""
    return _run_node("validate.mjs", [{"card": c, "render": render} for c in cards]) if cards else []


def same_json(a: Any, b: Any) -> bool:
    """JSON equality that, unlike ==, keeps booleans and numbers apart."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------- schema


def _type_dispatching_any_of(validator, any_of, instance, schema):
    """anyOf that picks the alternative by the element's "type".

    The schema lists every element (or action) as one alternative of a huge anyOf,
    so a plain validator only says "not valid under any of the given schemas".  Going
    straight to the alternative for the element's type gives errors that name the
    element and its property.
    """
    by_type = {}
    for alternative in any_of:
        refs = alternative.get("allOf", [])
        if alternative.get("required") != ["type"] or len(refs) != 1 or "$ref" not in refs[0]:
            by_type = None
            break
        by_type[refs[0]["$ref"].rsplit("/", 1)[-1]] = alternative
    if len(any_of) == 1:
        yield from validator.descend(instance, any_of[0])
        return
    if not by_type or not isinstance(instance, dict):
        for error in jsonschema.Draft6Validator.VALIDATORS["anyOf"](validator, any_of, instance, schema):
            # Say what each alternative wanted instead of "not valid under any of the given schemas".
            reasons = sorted(_leaf_reasons(error.context))
            # The case-insensitive enum patterns only repeat the enum in regex form.
            readable = [r for r in reasons if "does not match '^(" not in r] or reasons
            if readable:
                error.message = f"{instance!r} is not allowed: " + "; or ".join(readable)
            yield error
        return
    element_type = instance.get("type")
    if element_type not in by_type:
        yield jsonschema.ValidationError(f"unknown type {element_type!r}; expected one of {sorted(by_type)}")
        return
    yield from validator.descend(instance, by_type[element_type])


def _leaf_reasons(errors) -> set[str]:
    reasons = set()
    for e in errors:
        if e.relative_path:
            continue
        reasons |= _leaf_reasons(e.context) if e.context else {e.message}
    return reasons


@lru_cache(maxsize=None)
def _schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((resources.files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text(encoding="utf-8"))
    # Teams reads the top-level "msteams" property (width, mentions), unknown to the schema.
    schema["definitions"]["AdaptiveCard"]["properties"]["msteams"] = {"type": "object"}
    # Teams' people picker: an Input.ChoiceSet whose choices come from a Data.Query.
    schema["definitions"]["Input.ChoiceSet"]["properties"]["choices.data"] = {
        "type": "object",
        "properties": {"type": {"enum": ["Data.Query"]}, "dataset": {"type": "string"}},
        "required": ["type", "dataset"],
        "additionalProperties": False,
    }
    validator_class = jsonschema.validators.extend(jsonschema.Draft6Validator, {"anyOf": _type_dispatching_any_of})
    return validator_class(schema)


def _describe_location(card: dict, path: Iterable) -> str:
    node, where, element = card, "", ""
    for step in path:
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
        node = node[step]
        if isinstance(node, dict) and "type" in node:
            element = node["type"] + (f" id={node['id']!r}" if "id" in node else "")
    return "card" + where + (f" (in {element})" if element else "")


def schema_errors(card: dict) -> list[str]:
    """Readable Adaptive Card 1.5 schema errors, one line each: where, element, problem."""
    errors = sorted(_schema_validator().iter_errors(card), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_describe_location(card, e.absolute_path)}: {e.message}" for e in errors]


# --------------------------------------------------------------------------- design rules


def _walk(node: Any, path: str = "card"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def design_problems(card: dict) -> list[str]:
    """Project rules: inputs have labels, actions have titles, Teams can show the version."""
    problems = []
    for path, node in _walk(card):
        kind = node.get("type")
        if not isinstance(kind, str):
            continue
        if kind.startswith("Input.") and not (isinstance(node.get("label"), str) and node["label"].strip()):
            problems.append(f"{path} ({kind}): every input needs a non-empty 'label'")
        if kind.startswith("Action.") and not (isinstance(node.get("title"), str) and node["title"].strip()):
            problems.append(f"{path} ({kind}): every action needs a non-empty 'title'")
    version = card.get("version")
    try:
        parsed = tuple(int(p) for p in str(version).split("."))
    except ValueError:
        parsed = None
    if parsed is None or parsed > MAX_CARD_VERSION:
        problems.append(f"card: version {version!r} must be at most {'.'.join(map(str, MAX_CARD_VERSION))} for Teams")
    return problems


def leftover_expressions(card: dict) -> list[str]:
    """Strings still holding '${': the official engine prints missing values that way."""
    found = []
    for path, node in _walk(card):
        for key, value in node.items():
            if isinstance(value, str) and "${" in value:
                found.append(f"{path}.{key}: {value!r}")
            elif isinstance(value, list):
                found.extend(
                    f"{path}.{key}[{i}]: {v!r}" for i, v in enumerate(value) if isinstance(v, str) and "${" in v
                )
    return found


def card_size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

"""Adaptive Card templates of the bot and the functions that fill them with data.

Templates are plain JSON files in this folder (``cards/<name>.json``) written in the
Adaptive Cards Template Language, so they can be pasted into the Adaptive Cards
designer as they are.  Example data for each template lives in
``cards/fixtures/<name>.json`` and optionally ``cards/fixtures/<name>.<variant>.json``;
the tests expand every template with every fixture and check the result.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

from .markdown import escape_markdown
from .templating import TemplateError, compile_template, expand, expand_compiled

__all__ = [
    "TEMPLATE_DIR",
    "FIXTURE_DIR",
    "TemplateError",
    "escape_markdown",
    "expand",
    "fixtures",
    "load_template",
    "render",
    "template_names",
]

TEMPLATE_DIR = Path(__file__).parent
FIXTURE_DIR = TEMPLATE_DIR / "fixtures"


def _template_path(name: str) -> Path:
    # Names come from code, but keep them to plain file names all the same.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"invalid card template name: {name!r}")
    return TEMPLATE_DIR / f"{name}.json"


@lru_cache(maxsize=None)
def _load(name: str) -> dict:
    with _template_path(name).open(encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def _compiled(name: str) -> Any:
    return compile_template(_load(name))


def load_template(name: str) -> dict:
    """The template ``cards/<name>.json`` as JSON (a copy: callers may change it)."""
    return copy.deepcopy(_load(name))


# The same card is often made again from the same data: every `hjelp` of a
# role, a notice, a refusal. Expanding the help card cost more than the rest
# of answering `hjelp`; its JSON kept and read back costs a tenth of that.
# The key is the data's repr, which tells a tuple from a list and 1 from "1";
# only small data is kept, so the memo stays under a few megabytes, and never
# data whose repr is an address (a later object may get the same one).
KEPT_DATA = 8192  # characters of the data's repr
KEPT_CARDS = 256
_kept: OrderedDict[tuple[str, str], str] = OrderedDict()


def render(name: str, data: Any) -> dict:
    """Expand the template ``name`` with ``data``; returns the Adaptive Card JSON
    (the caller's own: changing it changes no other card)."""
    key = repr(data)
    if len(key) > KEPT_DATA or " object at 0x" in key:
        return expand_compiled(_compiled(name), data)
    card = _kept.get((name, key))
    if card is None:
        card = json.dumps(expand_compiled(_compiled(name), data), ensure_ascii=False)
        _kept[name, key] = card
        if len(_kept) > KEPT_CARDS:
            _kept.popitem(last=False)
    else:
        _kept.move_to_end((name, key))
    return json.loads(card)


def template_names() -> list[str]:
    """Names of all templates in :data:`TEMPLATE_DIR`, sorted."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))


def fixtures(name: str, directory: Path | None = None) -> dict[str, Any]:
    """Example data for a template, keyed by variant ('' for ``<name>.json``)."""
    directory = FIXTURE_DIR if directory is None else directory
    found = {}
    for path in sorted(directory.glob(f"{name}.json")) + sorted(directory.glob(f"{name}.*.json")):
        variant = path.name[len(name) + 1 : -len(".json")]
        with path.open(encoding="utf-8") as f:
            found[variant] = json.load(f)
    return found

"""Reading the cards the bot sends, as a person sees them."""

from __future__ import annotations

from collections.abc import Iterator


def elements(node) -> Iterator[dict]:
    """Every object in a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def facts(card: dict) -> dict[str, str]:
    """Every FactSet's facts, title -> value."""
    return {f["title"]: f["value"] for e in elements(card) if e.get("type") == "FactSet" for f in e["facts"]}


def texts(card: dict) -> str:
    """All text a reader sees on a card, in one string."""
    return "\n".join(
        e[key] for e in elements(card) for key in ("text", "title", "value") if isinstance(e.get(key), str)
    )


def buttons(card: dict) -> list[str]:
    return [e["title"] for e in elements(card) if str(e.get("type", "")).startswith("Action.")]


def actions(card: dict) -> dict[str, tuple[str, dict]]:
    """Every Action.Execute on the card: title -> (verb, data)."""
    return {e["title"]: (e["verb"], e.get("data") or {}) for e in elements(card) if e.get("type") == "Action.Execute"}


def inputs(card: dict) -> dict[str, str]:
    """The card's inputs and the values they show."""
    return {e["id"]: e.get("value", "") for e in elements(card) if str(e.get("type", "")).startswith("Input.")}


def input_named(card: dict, name: str) -> dict:
    (element,) = [e for e in elements(card) if e.get("id") == name and str(e.get("type", "")).startswith("Input.")]
    return element


def only_card(replies) -> dict:
    assert len(replies) == 1, replies
    (card,) = replies[0].cards
    return card

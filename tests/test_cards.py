"""Every card template, expanded with every fixture, must match the official engine,
be valid Adaptive Card 1.5, parse cleanly with the official parser and follow the
project's design rules.

The real templates are in cards/; the samples in tests/templating_cases/ get the same
checks so that the checks themselves stay tested.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cards
from cards import TemplateError, expand
from tests.adaptive_support import (
    MAX_CARD_BYTES,
    card_size,
    design_problems,
    leftover_expressions,
    official_expand,
    official_validate,
    require_node,
    same_json,
    schema_errors,
)
from tests.card_reading import elements

SAMPLE_DIR = Path(__file__).parent / "templating_cases"
SOURCES = {"cards": (cards.TEMPLATE_DIR, cards.FIXTURE_DIR), "samples": (SAMPLE_DIR, SAMPLE_DIR / "fixtures")}


def _templates(source: str) -> list[str]:
    return sorted(p.stem for p in SOURCES[source][0].glob("*.json"))


def _load(source: str, name: str) -> dict:
    return json.loads((SOURCES[source][0] / f"{name}.json").read_text(encoding="utf-8"))


def _cases() -> list:
    found = []
    for source in SOURCES:
        for name in _templates(source):
            for variant in cards.fixtures(name, SOURCES[source][1]) or {"<no fixture>": None}:
                label = f"{source}/{name}" + (f".{variant}" if variant else "")
                found.append(pytest.param(source, name, variant, id=label))
    return found


CASES = _cases()


@pytest.fixture(scope="session")
def expansions() -> dict:
    """Our expansion of every (source, template, variant); an exception where it failed."""
    result = {}
    for param in CASES:
        source, name, variant = param.values
        fixture = cards.fixtures(name, SOURCES[source][1]).get(variant)
        try:
            result[param.values] = expand(_load(source, name), fixture)
        except TemplateError as exc:
            result[param.values] = exc
    return result


@pytest.fixture(scope="session")
def official_expansions() -> dict:
    require_node()
    keys = [p.values for p in CASES]
    entries = []
    for source, name, variant in keys:
        entries.append({"template": _load(source, name), "data": cards.fixtures(name, SOURCES[source][1]).get(variant)})
    return dict(zip(keys, official_expand(entries)))


@pytest.fixture(scope="session")
def parser_reports(expansions) -> dict:
    require_node()
    keys = [k for k, v in expansions.items() if isinstance(v, dict)]
    return dict(zip(keys, official_validate([expansions[k] for k in keys])))


def _expanded(expansions, key) -> dict:
    value = expansions[key]
    if isinstance(value, Exception):
        pytest.fail(f"expansion failed: {value}")
    assert isinstance(value, dict), f"the template did not expand to a card object: {value!r}"
    return value


def test_card_templates_exist():
    names = _templates("cards")
    assert names, f"no card templates (*.json) in {cards.TEMPLATE_DIR.name}/: nothing would be checked"
    assert cards.template_names() == names


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_template_has_a_fixture(source):
    missing = [n for n in _templates(source) if not cards.fixtures(n, SOURCES[source][1])]
    assert not missing, f"templates without fixture data in {SOURCES[source][1].name}/: {missing}"


@pytest.mark.node
@pytest.mark.parametrize("source, name, variant", CASES)
def test_matches_official_engine(source, name, variant, expansions, official_expansions):
    key = (source, name, variant)
    ours, official = expansions[key], official_expansions[key]
    if not official["ok"]:
        pytest.fail(f"the official engine could not expand it: {official['error']}")
    assert not isinstance(ours, Exception), f"our expander failed where the official engine did not: {ours}"
    assert same_json(ours, official.get("result")), (
        "expansion differs from the official engine\n"
        f"ours:     {json.dumps(ours, ensure_ascii=False)}\nofficial: {json.dumps(official.get('result'), ensure_ascii=False)}"
    )


@pytest.mark.parametrize("source, name, variant", CASES)
def test_valid_against_schema_1_5(source, name, variant, expansions):
    errors = schema_errors(_expanded(expansions, (source, name, variant)))
    assert not errors, "schema 1.5 errors:\n" + "\n".join(errors)


def _people_picker(card: dict, event: dict) -> bool:
    """Teams' people picker (an Input.ChoiceSet whose choices come from
    "choices.data", none listed) is a Teams extension that the 1.5 parser
    does not know; Teams renders it in 1.5 cards."""
    pickers = {
        f"Input.ChoiceSet id={e.get('id')}"
        for e in elements(card)
        if e.get("type") == "Input.ChoiceSet" and "choices.data" in e
    }
    return event["event"] in ("UnsupportedProperty", "CollectionCantBeEmpty") and event.get("source") in pickers


@pytest.mark.node
@pytest.mark.parametrize("source, name, variant", CASES)
def test_official_parser_accepts(source, name, variant, expansions, parser_reports):
    card = _expanded(expansions, (source, name, variant))
    events = [e for e in parser_reports[(source, name, variant)]["events"] if not _people_picker(card, e)]
    assert not events, "the official parser reported:\n" + "\n".join(
        f"{e['phase']} {e['event']}: {e['message']}" + (f" ({e['source']})" if e.get("source") else "") for e in events
    )


@pytest.mark.parametrize("source, name, variant", CASES)
def test_design_rules(source, name, variant, expansions):
    problems = design_problems(_expanded(expansions, (source, name, variant)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source, name, variant", CASES)
def test_size_limit(source, name, variant, expansions):
    size = card_size(_expanded(expansions, (source, name, variant)))
    assert size < MAX_CARD_BYTES, f"expanded card is {size} bytes, limit {MAX_CARD_BYTES}"


@pytest.mark.parametrize("source, name, variant", CASES)
def test_no_unexpanded_expressions(source, name, variant, expansions):
    # A missing value is printed as "${path}" by the template engine: a fixture or
    # template bug that a person would see in Teams.
    leftovers = leftover_expressions(_expanded(expansions, (source, name, variant)))
    assert not leftovers, "missing data left '${...}' in the card:\n" + "\n".join(leftovers)


def test_a_card_made_again_from_the_same_data_is_the_same_card_and_the_callers_own():
    data = cards.fixtures("help")[""]
    first = cards.render("help", data)
    first["body"].clear()  # what one turn does with its card
    again = cards.render("help", data)
    assert again == expand(cards.load_template("help"), data)
    assert again["body"]


def test_a_card_is_made_from_its_own_data_not_from_a_card_made_before():
    saved = {"title": "Lagret", "text": "Rapporten er lagret.", "style": "good"}
    refused = {**saved, "style": "attention"}
    assert cards.render("notice", saved) == expand(cards.load_template("notice"), saved)
    assert cards.render("notice", refused) == expand(cards.load_template("notice"), refused)
    assert cards.render("notice", refused) != cards.render("notice", saved)


def test_large_data_is_expanded_each_time_and_not_kept():
    long_text = "x" * cards.KEPT_DATA
    kept = len(cards._kept)
    card = cards.render("notice", {"title": "Lang", "text": long_text, "style": "default"})
    assert long_text in json.dumps(card)
    assert len(cards._kept) == kept

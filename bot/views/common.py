"""From the forum's objects to card data: the words around them, escaped."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from bot.forum.roster import Actor, Refused, Role, Roster
from bot.i18n import text
from cards import render
from cards.markdown import escape_markdown as md

# What a card may come to: Teams refuses cards of about 28 KB, and the
# margin is for what a page cannot know (a note, another reader's words).
PAGE_BUDGET = 24 * 1024


def card_size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


def text_size(value: object) -> int:
    """What texts add where a template has ``"${...}"``."""
    if isinstance(value, dict):
        return sum(text_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(text_size(v) for v in value)
    return len(json.dumps(value, ensure_ascii=False).encode()) - 2


def invalid_text(lang: str, error) -> str:
    """What is wrong with a field's value (a bot.forum.needs.form.Invalid),
    with the words it quotes escaped."""
    params = {k: md(str(v)) if isinstance(v, str) else v for k, v in error.params.items()}
    return text(lang, f"invalid_{error.code}", **params)


def form_field(lang: str, label: str, error: str, **data: object) -> dict:
    """One input of a form template: its label, the message Teams shows when
    a required one is left empty, what the bot found wrong, and the rest of
    its ``data`` (value, max_length, choices…)."""
    return {"label": label, "required": f"{label}: {text(lang, 'invalid_required')}", "error": error, **data}


def form_errors(
    errors: Mapping[str, object], label: Callable[[str], str], describe: Callable[[object], str], at: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """Each error as "Label: what is wrong": all of them for the list above
    a form, and by input (``at`` maps a checked value to the input that
    shows it) for the line under each input."""
    problems: list[str] = []
    shown: dict[str, list[str]] = {}
    for name, error in errors.items():
        message = f"{label(name)}: {describe(error)}"
        problems.append(message)
        shown.setdefault(at.get(name, name), []).append(message)
    return problems, {name: " ".join(messages) for name, messages in shown.items()}


def paging(number: int, pages: int, label: str, previous: str, next_: str, to: Callable[[int], dict]) -> dict | None:
    """The row under a list longer than one card: which page this is, and a
    button each way; ``to(page)`` is the rest of a button (its verb and data)."""
    if pages <= 1:
        return None
    actions = []
    if number > 1:
        actions.append({"title": previous, **to(number - 1)})
    if number < pages:
        actions.append({"title": next_, **to(number + 1)})
    return {"label": label, "actions": actions}


def role_text(actor: Actor, lang: str) -> str:
    if actor.role is Role.OBSERVER:
        if actor.forum:
            return text(lang, "role_observer_forum", forum=md(actor.forum.name))
        return text(lang, "role_observer")
    organisation = md(actor.organisation.name) if actor.organisation else ""
    return text(lang, f"role_{actor.role.value}", organisation=organisation)


def notice(title: str, body: str, style: str = "default") -> dict:
    return render("notice", {"title": title, "text": body, "style": style})


def refusal(lang: str, refused: Refused) -> dict:
    return notice(text(lang, "refused_title"), text(lang, refused.code, **refused.params), "attention")


def help_card(actor: Actor, lang: str, commands, forum_in_use: str = "") -> dict:
    offered = [
        {
            "typed": c.typed,
            "title": text(lang, f"cmd_{c.key}"),
            "description": text(lang, f"cmd_{c.key}_desc"),
        }
        for c in commands
    ]
    return render(
        "help",
        {
            "title": text(lang, "help_title"),
            "intro": text(lang, "help_intro"),
            "role": text(lang, "help_role", role=role_text(actor, lang)),
            "forum": forum_in_use,
            "commands": offered,
            # Teams shows at most six buttons side by side: rows of three.
            "rows": [{"commands": offered[i : i + 3]} for i in range(0, len(offered), 3)],
        },
    )


def welcome_card(actor: Actor, lang: str, forum_has_channel: bool, role: str | None = None) -> dict:
    return render(
        "welcome",
        {
            "title": text(lang, "welcome_title"),
            "intro": text(lang, "welcome_intro"),
            "tasks": [text(lang, k) for k in ("welcome_needs", "welcome_wheel", "welcome_votes")],
            "role": text(lang, "welcome_role", role=role or role_text(actor, lang)),
            "setup_hint": "" if forum_has_channel else text(lang, "welcome_not_set_up"),
            "help_title": text(lang, "cmd_hjelp"),
        },
    )


def roster_card(roster: Roster, lang: str, editable: bool = False, note: str = "") -> dict:
    """The roster; for the Statsforvalter (``editable``) with a button for
    each seat place, each organisation's retirement, and a new organisation."""

    def seat_people(seat) -> str:
        rep = md(seat.representative.name) if seat.representative else text(lang, "roster_vacant")
        dep = md(seat.deputy.name) if seat.deputy else text(lang, "roster_vacant")
        return f"{text(lang, 'roster_representative')}: {rep} · {text(lang, 'roster_deputy')}: {dep}"

    def edits(organisation) -> list[dict]:
        """Rows of buttons: a seat's two places, and the retirement."""
        if not editable:
            return []
        several = len(organisation.seats) > 1
        rows = [
            {
                "actions": [
                    {
                        "title": text(
                            lang, f"roster_new_{role}_seat" if several else f"roster_new_{role}", number=seat.number
                        ),
                        "verb": "roster.person_form",
                        "data": {"organisation": organisation.id, "seat": seat.number, "role": role},
                    }
                    for role in ("representative", "deputy")
                ]
            }
            for seat in organisation.seats
        ]
        retire = {
            "title": text(lang, "roster_retire", organisation=organisation.name),
            "verb": "roster.retire_ask",
            "data": {"organisation": organisation.id},
        }
        return [*rows, {"actions": [retire]}]

    return render(
        "roster",
        {
            "title": text(lang, "roster_title", forum=md(roster.forum.name)),
            "note": note,
            "statsforvalter_label": text(lang, "roster_statsforvalter"),
            "statsforvalter": ", ".join(md(p.name) for p in roster.statsforvalter) or "–",
            "organisations": [
                {
                    "name": md(o.name),
                    "kind": text(lang, f"kind_{o.kind}"),
                    "seats": [
                        {"label": text(lang, "roster_seat", number=s.number), "people": seat_people(s)} for s in o.seats
                    ],
                    "edits": edits(o),
                }
                for o in roster.organisations
            ],
            "actions": [{"title": text(lang, "roster_add"), "verb": "roster.add_form", "data": {}}] if editable else [],
        },
    )

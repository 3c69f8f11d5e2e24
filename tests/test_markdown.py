"""escape_markdown: user text shown in a TextBlock must look exactly as typed.

Besides fixed examples, the escaped text is rendered by the official adaptivecards
renderer with markdown-it (as in the Adaptive Cards designer): the reader must see
the original characters and no link, emphasis, list, heading or date."""

from __future__ import annotations

import pytest

from cards import escape_markdown
from tests.adaptive_support import official_validate, require_node

MARKUP = [
    "*fet* og _kursiv_ og **sterk** og ~~strek~~ og __under__",
    "[lenke](https://evil.example) og ![bilde](https://example.org/x.png) og <https://auto.example> og <b>html</b>",
    "[ref]: https://evil.example",
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}} og {{TIME(2017-02-14T06:08:39Z)}} og {{{DATE(2017-02-14T06:08:39Z)}}}",
    "# Overskrift\n## Under\n###### Liten",
    "- punkt\n+ punkt\n* punkt\n  - innrykk",
    "1. nummer\n2) nummer\n123456789. stort",
    "> sitat\n>> dobbelt",
    "Tekst\n===\nMer tekst\n---\n- - -\n***\n___",
    "C:\\mappe\\fil.txt og \\*allerede escaped\\* og \\\\ og slutt\\",
    "`kode` og ```blokk``` og ~~~\nfence\n~~~",
    "a | b\n--|--\nc | d",
    "&amp; &#42; &#x2A; &copy; & AT&T",
    "2025. Det var året.",
    "snake_case_name og 2*3*4 og 50% og #hashtag og a#b",
    "Linje en  \nlinje to\\\nlinje tre",
]
# Look like markup but are not (or not with the designer's settings); escaping must
# keep them intact all the same.
TRICKY = [
    "Ærlig talt: 3 < 5 > 2, 10.00 kr, -5 grader, +47 22 00 00 00, kl. 09:00!",
    "<at>Kari</at> og <!-- kommentar --> og <?php ?>",
    "Oslo & Viken; AT&T; &nbsp",
]

UNCHANGED = [
    "Hei, alle sammen! Møtet er kl. 10.00 (rom 3) - velkommen.",
    "Kari Nordmann, Oslo kommune",
    "Pris: 1 500 kr + mva. Spørsmål? Ring 22 00 00 00.",
    "-5 grader og +3 grader",
    "3 < 5 og 5 > 3 og Oslo & Viken",
    "{DATE} og {enkel}",
    "",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_plain_text_is_unchanged(text):
    assert escape_markdown(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("*fet*", "\\*fet\\*"),
        ("_kursiv_", "\\_kursiv\\_"),
        ("[x](https://e.example)", "\\[x\\](https://e.example)"),
        ("{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "{\\{DATE(2017-02-14T06:08:39Z, SHORT)}}"),
        ("# Tittel", "\\# Tittel"),
        ("- a\n1. b\n> c", "\\- a\n1\\. b\n\\> c"),
        ("a\\*b", "a\\\\\\*b"),
        ("a\\b", "a\\b"),
        ("&amp;", "\\&amp;"),
        ("<https://e.example>", "\\<https://e.example>"),
    ],
)
def test_escapes(text, expected):
    assert escape_markdown(text) == expected


def _visible(text: str) -> str:
    # HTML collapses whitespace, and so does the reader's eye.
    return " ".join(text.split())


def _card(text: str) -> dict:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text, "wrap": True}]}


RENDERED = MARKUP + TRICKY + UNCHANGED[:-1]


@pytest.fixture(scope="module")
def rendered() -> tuple[list[dict], list[dict]]:
    """Renderer reports for the escaped texts and for the raw markup, in one node run."""
    require_node()
    reports = official_validate([_card(escape_markdown(t)) for t in RENDERED] + [_card(t) for t in MARKUP], render=True)
    return reports[: len(RENDERED)], reports[len(RENDERED) :]


@pytest.mark.node
def test_official_renderer_shows_the_original_text(rendered):
    problems = []
    for text, report in zip(RENDERED, rendered[0]):
        assert not report["events"], report["events"]
        [block] = report["textBlocks"]
        if _visible(block["text"]) != _visible(text):
            problems.append(f"{text!r} shows as {block['text']!r}")
        extra_tags = set(block["tags"]) - {"p", "br"}
        if extra_tags:
            problems.append(f"{text!r} renders markup {sorted(extra_tags)}: {block['html']}")
    assert not problems, "\n".join(problems)


@pytest.mark.node
def test_unescaped_samples_would_render_markup(rendered):
    # Guards the test above: without escaping, the renderer does interpret them.
    interpreted = [
        set(r["textBlocks"][0]["tags"]) - {"p", "br"} or _visible(r["textBlocks"][0]["text"]) != _visible(t)
        for t, r in zip(MARKUP, rendered[1])
    ]
    assert all(interpreted), [t for t, i in zip(MARKUP, interpreted) if not i]

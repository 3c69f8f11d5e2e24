"""A person's first minute with the bot, in the Agents Playground's Teams look-alike.

Headless Chromium opens the Playground UI (signed in as the roster's
Statsforvalter), waits for the welcome card the installation brings, types
`hjelp` in the personal chat, and presses "Medlemmer" on the help card.
Screenshots land in tests/artifacts/ (gitignored) for a person to look at.

It runs twice: as a Norwegian Teams client (nb-NO, through a proxy that sets the
locale, since the Playground always says en-US) and as the Playground itself (en-US).
The texts to expect come from the bot's own bot.i18n.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.ci import in_ci

from .playground import ARTIFACTS, PLAYGROUND_LOCALE, browser_page, missing_tools, running_stack

pytestmark = pytest.mark.e2e

REPLY_TIMEOUT_MS = 20_000


# The Playground's log panel lists each exchange as "<activity type> <HTTP status>".
FAILED_EXCHANGE = re.compile(
    r"\b(installationUpdate|conversationUpdate|message|invoke|event|messageReaction)\s+([45]\d\d)\b"
)

# The first TextBlock of every card, newest last.
CARD_TITLES_JS = """() => [...document.querySelectorAll('.ac-adaptiveCard')].map(
    c => (c.querySelector('.ac-textBlock')?.innerText || '').trim())"""


def _require_tools() -> None:
    missing = missing_tools()
    if not missing:
        return
    message = "end-to-end test needs: " + "; ".join(missing)
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module", params=["nb-NO", PLAYGROUND_LOCALE])
def stack(request, tmp_path_factory):
    _require_tools()
    with running_stack(tmp_path_factory.mktemp("playground"), locale=request.param) as running:
        yield running


def _expected(locale: str) -> tuple[str, str, str, str]:
    """Help card title, roster button, roster card title start, and a file name tag."""
    from bot.i18n import language_of, text

    lang = language_of(locale)
    return (
        text(lang, "help_title"),
        text(lang, "cmd_medlemmer"),
        text(lang, "roster_title", forum="").strip(),
        lang,
    )


async def _wait_for_titles(page, predicate_js: str, arg, what: str, stack) -> None:
    try:
        await page.wait_for_function(predicate_js, arg=arg, timeout=REPLY_TIMEOUT_MS)
    except Exception as error:
        titles = await page.evaluate(CARD_TITLES_JS)
        failure = ARTIFACTS / f"playground-{_expected(stack.locale)[3]}-failure.png"
        await page.screenshot(path=str(failure), full_page=True)
        raise AssertionError(
            f"timed out waiting for {what}; cards shown (first TextBlock each): {titles}; "
            f"screenshot {failure}\n{stack.logs()}"
        ) from error


async def test_help_card_and_roster_in_personal_chat(stack):
    HELP_TITLE, ROSTER_BUTTON, ROSTER_TITLE_START, tag = _expected(stack.locale)
    shot = lambda name: str(ARTIFACTS / f"playground-{tag}-{name}.png")  # noqa: E731
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"playground-{tag}-*.png"):
        stale.unlink()
    started = time.monotonic()
    async with browser_page(stack.playground.url) as (page, blocked):
        cards = page.locator(".ac-adaptiveCard")

        # Opening the UI installs the app in the personal chat; the bot answers with a welcome card.
        await _wait_for_titles(
            page,
            "() => document.querySelectorAll('.ac-adaptiveCard').length > 0",
            None,
            "the welcome card after installation",
            stack,
        )
        await page.wait_for_timeout(500)  # let a second install activity's card land too
        await page.screenshot(path=shot("01-welcome"))
        before = await cards.count()

        editor = page.get_by_role("textbox").first
        await editor.click()
        await page.keyboard.type("hjelp")
        await page.keyboard.press("Enter")
        await _wait_for_titles(
            page,
            """([n, title]) => {
                const cards = [...document.querySelectorAll('.ac-adaptiveCard')];
                return cards.length > n &&
                    (cards[cards.length - 1].querySelector('.ac-textBlock')?.innerText || '').trim() === title;
            }""",
            [before, HELP_TITLE],
            f"a new card titled {HELP_TITLE!r} after typing 'hjelp'",
            stack,
        )
        help_card = cards.nth(before)
        button = help_card.get_by_role("button", name=ROSTER_BUTTON, exact=True)
        assert await button.count() == 1, f"the help card has no {ROSTER_BUTTON!r} button"
        await help_card.scroll_into_view_if_needed()
        await page.screenshot(path=shot("02-help"))
        help_seconds = time.monotonic() - started

        await button.click()
        # A new message or the help card replaced in place (Action.Execute may do either).
        await _wait_for_titles(
            page,
            """(start) => [...document.querySelectorAll('.ac-adaptiveCard')].some(
                c => (c.querySelector('.ac-textBlock')?.innerText || '').trim().startsWith(start))""",
            ROSTER_TITLE_START,
            f"the roster card (title starting {ROSTER_TITLE_START!r})",
            stack,
        )
        await page.wait_for_timeout(300)
        titles = await page.evaluate(CARD_TITLES_JS)
        found = [i for i, title in enumerate(titles) if title.startswith(ROSTER_TITLE_START)]
        if not found:
            await page.screenshot(path=shot("failure"), full_page=True)
        # An empty list here means the Playground's page went blank, as it does when an
        # invoke response's "value" is not what it expects.
        assert found, f"the roster card vanished; cards now: {titles}\n{stack.logs()}"
        roster_card = cards.nth(found[-1])
        # The roster is taller than a screen: grow the window so the whole card is in the shots.
        box = await roster_card.bounding_box()
        height = min(4000, max(1000, int(box["height"]) + 300)) if box else 1000
        await page.set_viewport_size({"width": 1400, "height": height})
        await roster_card.evaluate("card => card.scrollIntoView({block: 'start'})")
        await page.screenshot(path=shot("03-roster"))
        await roster_card.screenshot(path=shot("03-roster-card"))
        roster_text = await roster_card.inner_text()
        # The signed-in user is the roster's Statsforvalter, so the roster card names them.
        assert stack.config["currentUser"]["name"] in roster_text, roster_text

        # A reply can arrive while the request that caused it failed (e.g. an invoke
        # answered 500 after sending a card); Teams would show the user an error then.
        failed = FAILED_EXCHANGE.findall(await page.locator("body").inner_text())
        assert not failed, f"the Playground logged failed exchanges {failed}\n{stack.logs()}"

    print(
        f"[e2e] {stack.locale}: help card after {help_seconds:.1f} s, roster after "
        f"{time.monotonic() - started:.1f} s in the browser; aborted {len(blocked)} non-loopback "
        f"requests; screenshots in {ARTIFACTS}"
    )

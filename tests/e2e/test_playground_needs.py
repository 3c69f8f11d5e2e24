"""A representative reports a need through the wizard, in the Agents Playground.

Headless Chromium opens the Playground UI signed in as the roster's first
representative (Vopro-nettverket (Romerike), which submits needs reports), as a
Norwegian Teams client (nb-NO through the harness's locale proxy). In the
personal chat it types `behovsmelding`, fills in the three steps of the form as
a person would (typing, ticking checkboxes, the toggle, the date pickers), is
stopped once by the bot's own checks on step 3, and sends the report from the
summary. Every press is an Action.Execute whose answer replaces the card in
place, so the chat keeps one form card throughout.

A screenshot of each step lands in tests/artifacts/playground-needs-*.png
(gitignored) for a person to look at.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .playground import ARTIFACTS, browser_page, running_stack
from .test_playground import (
    CARD_TITLES_JS,
    FAILED_EXCHANGE,
    REPLY_TIMEOUT_MS,
    _require_tools,
)

pytestmark = pytest.mark.e2e

LOCALE = "nb-NO"
SHOT_PREFIX = "playground-needs-"

# What a representative types; the same values as tests/needs_helpers.py, by label.
STEP_1_TITLE = "Vurdering for læring i modulstrukturert opplæring"
STEP_1_TICKS = (
    ("field_education", "education_norskopplaering"),
    ("field_education", "education_videregaende"),
    ("field_competence_areas", None),  # the first competence area offered
    ("field_target_groups", "target_laerere"),
    ("field_target_groups", "target_ledere"),
)
STEP_2_TEXT = {
    "field_local_need": "Lærerne ber om felles praksis for vurdering i moduler.",
    "field_mapping": "Spørreundersøkelse blant 120 lærere i nettverket, høsten 2026.",
    "field_anchoring": "Drøftet med tillitsvalgte i Utdanningsforbundet og i ledermøtet.",
    "field_partner": "Høgskolen i Østfold",
}
STEP_3_TEXT = {
    "field_municipalities": "Lillestrøm, Lørenskog, Nittedal",
    "field_participants": "0",  # wrong on purpose; corrected to PARTICIPANTS
    "field_period_start": "2027-01-10",
    "field_period_end": "2027-06-20",
    "field_amount_applied": "450 000",
    "field_own_contribution": "50000",
    "field_contact_name": "Ada Fiktiv",
    "field_contact_email": "ada@example.org",
}
PARTICIPANTS = "80"

# The input an Adaptive Cards label (a <label for=...>) belongs to; choice sets'
# labels point at the group, whose options carry the group id plus "-N".
INPUT_FOR_LABEL_JS = """(card, label) => {
    for (const l of card.querySelectorAll('label.ac-richTextBlock')) {
        if (l.innerText.replace(/\\s*\\*\\s*$/, '').trim() === label) return l.htmlFor || null;
    }
    return null;
}"""


def t(key: str, **params) -> str:
    from bot.i18n import language_of, text

    return text(language_of(LOCALE), key, **params)


def report_year() -> int:
    """The year the bot gives a new report: this year until the example
    wheel's needs-report deadline has passed, then the next."""
    from datetime import date, time

    from bot.config import EXAMPLE_FORUM_CONFIG
    from bot.forum.config_file import load_forum_config
    from bot.forum.wheel.service import local_time

    forum = load_forum_config(EXAMPLE_FORUM_CONFIG)[0]
    year = datetime.now(ZoneInfo(forum.timezone)).year
    (deadline,) = [e for e in forum.wheel if e.kind == "frist_behovsmeldinger"]
    month, day = (int(part) for part in deadline.date[-5:].split("-"))
    passed = local_time(date(year, month, day), time.fromisoformat(deadline.time), forum.timezone)
    return year + 1 if datetime.now(ZoneInfo("UTC")) > passed else year


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    _require_tools()
    with running_stack(
        tmp_path_factory.mktemp("playground-needs"), current_user_role="representative", locale=LOCALE
    ) as running:
        yield running


class Wizard:
    """The Playground page and its newest card, which is the form once it is shown."""

    def __init__(self, page, stack):
        self.page, self.stack = page, stack
        self.cards = page.locator(".ac-adaptiveCard")
        self.card = self.cards.last

    async def fail(self, what: str) -> AssertionError:
        """An error that quotes the cards, the Playground's log panel and both services' logs."""
        titles = await self.page.evaluate(CARD_TITLES_JS)
        failure = ARTIFACTS / f"{SHOT_PREFIX}failure.png"
        await self.page.screenshot(path=str(failure))
        log_panel = await self._log_panel()
        return AssertionError(
            f"{what}; cards shown (first TextBlock each): {titles}; screenshot {failure}\n"
            f"--- the Playground's log panel ---\n{log_panel}\n{self.stack.logs()}"
        )

    async def _log_panel(self) -> str:
        body = await self.page.locator("body").inner_text()
        return body[body.find("Log Panel") :] if "Log Panel" in body else body[-3000:]

    async def wait_for(self, predicate_js: str, arg, what: str) -> None:
        try:
            await self.page.wait_for_function(predicate_js, arg=arg, timeout=REPLY_TIMEOUT_MS)
        except Exception as error:
            raise await self.fail(f"timed out waiting for {what}") from error

    async def wait_for_step(self, step_title: str, *, more_text: str = "", count: int | None = None) -> None:
        """Until the newest card shows ``step_title`` (and ``more_text``), with ``count`` cards in the chat."""
        await self.wait_for(
            """([title, more, count]) => {
                const cards = [...document.querySelectorAll('.ac-adaptiveCard')];
                const last = cards[cards.length - 1];
                return !!last && (count === null || cards.length === count) &&
                    last.innerText.includes(title) && last.innerText.includes(more);
            }""",
            [step_title, more_text, count],
            f"a card showing {step_title!r}"
            + (f" and {more_text!r}" if more_text else "")
            + (f" as card {count} of the chat" if count else ""),
        )
        await self.page.wait_for_timeout(200)  # let the renderer settle before typing or shooting

    async def input_labelled(self, label_key: str):
        label = t(label_key)
        target = await self.card.evaluate(INPUT_FOR_LABEL_JS, label)
        if target is None:
            raise await self.fail(f"no input labelled {label!r} on the card")
        return self.card.locator(f'[id="{target}"]')

    async def type_into(self, label_key: str, value: str) -> None:
        field = await self.input_labelled(label_key)
        await field.fill(value)

    async def tick(self, group_key: str, option_key: str | None) -> None:
        """Tick a checkbox of a multi-select choice set (by the option's title, or its first)."""
        group = await self.card.evaluate(INPUT_FOR_LABEL_JS, t(group_key))
        if group is None:
            raise await self.fail(f"no choice set labelled {t(group_key)!r} on the card")
        boxes = self.card.locator(f'input[type=checkbox][id^="{group}-"]')
        box = (
            boxes.first
            if option_key is None
            else boxes.and_(self.card.locator(f'input[type=checkbox][aria-label="{t(option_key)}"]'))
        )
        if await box.count() != 1:
            raise await self.fail(f"no checkbox {t(option_key) if option_key else '(first)'} in {t(group_key)!r}")
        await box.check()

    async def press(self, title: str) -> None:
        button = self.card.get_by_role("button", name=title, exact=True)
        if await button.count() != 1:
            raise await self.fail(f"the card has no button {title!r}")
        await button.click()

    async def shot(self, name: str) -> None:
        """The whole window, grown to the card's height so all of it is in the picture."""
        box = await self.card.bounding_box()
        height = min(4000, max(1000, int(box["height"]) + 250)) if box else 1000
        await self.page.set_viewport_size({"width": 1400, "height": height})
        await self.card.evaluate("card => card.scrollIntoView({block: 'start'})")
        await self.page.mouse.move(5, 5)  # no hover highlight on the button under the pointer
        await self.page.wait_for_timeout(150)
        await self.page.screenshot(path=str(ARTIFACTS / f"{SHOT_PREFIX}{name}.png"))
        await self.page.set_viewport_size({"width": 1400, "height": 1000})


async def test_a_representative_sends_a_needs_report(stack):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{SHOT_PREFIX}*.png"):
        stale.unlink()
    step = lambda n: t("needs_step", step=n, steps=4, name=t(f"needs_step_{n}"))  # noqa: E731
    reference = f"BM-{report_year()}-001"  # the bot's database is new for this run
    timings: dict[str, float] = {}
    started = time.monotonic()
    async with browser_page(stack.playground.url) as (page, blocked):
        wizard = Wizard(page, stack)

        await wizard.wait_for(
            "() => document.querySelectorAll('.ac-adaptiveCard').length > 0",
            None,
            "the welcome card after installation",
        )
        await page.wait_for_timeout(500)  # let a second install activity's card land too
        before = await wizard.cards.count()

        # Step 1: the measure.
        editor = page.get_by_role("textbox").first
        await editor.click()
        await page.keyboard.type("behovsmelding")
        await page.keyboard.press("Enter")
        await wizard.wait_for_step(step(1), count=before + 1)
        form_cards = before + 1  # from here on every answer replaces the form card
        # The organisation is a single-choice set shown as radio buttons, with the
        # representative's own organisation chosen.
        chosen = wizard.card.locator("input[type=radio]:checked")
        assert await chosen.count() == 1 and await chosen.get_attribute("value") == "vopro-romerike", (
            await wizard.card.inner_text()
        )
        await wizard.type_into("field_title", STEP_1_TITLE)
        for group, option in STEP_1_TICKS:
            await wizard.tick(group, option)
        await wizard.shot("01-step1")
        timings["step 1"] = time.monotonic() - started
        await wizard.press(t("needs_next"))

        # Step 2: the need and its anchoring.
        await wizard.wait_for_step(step(2), count=form_cards)
        for label, value in STEP_2_TEXT.items():
            await wizard.type_into(label, value)
        # Input.Toggle is a checkbox titled "Ja".
        anchored = wizard.card.locator(f'input[type=checkbox][aria-label="{t("yes")}"]')
        if await anchored.count() != 1:
            raise await wizard.fail(f"no toggle {t('yes')!r} on step 2")
        await anchored.check()
        await wizard.shot("02-step2")
        await wizard.press(t("needs_next"))

        # Step 3: delivery and budget, first with a participant count the bot refuses.
        await wizard.wait_for_step(step(3), count=form_cards)
        for label, value in STEP_3_TEXT.items():
            await wizard.type_into(label, value)
        # The Playground (0.2.28) draws Input.Date as a Fluent date picker, a text box that
        # shows the date in the browser's language ("10. januar 2027") and sends it as
        # yyyy-mm-dd; the summary shows what arrived. It reads typed dates US-style, so
        # "10.01.2027" would become 1 October: type ISO dates.
        typed = {label: await (await wizard.input_labelled(label)).input_value() for label in STEP_3_TEXT}
        assert typed["field_participants"] == "0" and "2027" in typed["field_period_start"], typed
        await wizard.shot("03-step3")
        await wizard.press(t("needs_next"))
        error = f"{t('field_participants')}: {t('invalid_out_of_range', low=1, high=10000)}"
        await wizard.wait_for_step(step(3), more_text=error, count=form_cards)
        shown = await wizard.card.inner_text()
        assert t("needs_errors_title") in shown, shown
        # Nothing typed is lost: the refused value and the good ones are still in their fields.
        kept = {label: await (await wizard.input_labelled(label)).input_value() for label in STEP_3_TEXT}
        assert kept == typed, f"the fields changed when the step came back:\n{kept}\n{typed}"
        await wizard.shot("04-step3-error")
        await wizard.type_into("field_participants", PARTICIPANTS)
        await wizard.press(t("needs_next"))

        # Step 4: the summary.
        await wizard.wait_for_step(step(4), count=form_cards)
        summary = await wizard.card.inner_text()
        for expected in (
            STEP_1_TITLE,
            t("education_norskopplaering"),
            t("target_ledere"),
            STEP_2_TEXT["field_partner"],
            "10.01.2027",
            t("nok", amount="450\u00a0000"),
        ):
            assert expected in summary, f"{expected!r} is not on the summary:\n{summary}"
        assert error not in summary
        await wizard.shot("05-summary")
        await wizard.press(t("needs_send"))

        # The receipt.
        await wizard.wait_for_step(t("needs_receipt_title"), more_text=f"Referanse: {reference}", count=form_cards)
        await wizard.shot("06-receipt")
        timings["receipt"] = time.monotonic() - started

        # A card can arrive while the request that caused it failed (e.g. an invoke
        # answered 500 after the card was sent); Teams would show the user an error then.
        log_panel = await wizard._log_panel()
        failed = FAILED_EXCHANGE.findall(log_panel)
        assert not failed, f"the Playground logged failed exchanges {failed}\n{log_panel}\n{stack.logs()}"
        invokes = re.findall(r"\binvoke\s+(\d{3})\b", log_panel)
        assert invokes and set(invokes) == {"200"}, f"expected only 'invoke 200' exchanges: {invokes}\n{log_panel}"

    print(
        f"[e2e] {stack.locale}: step 1 filled after {timings.get('step 1', 0):.1f} s, receipt after "
        f"{timings.get('receipt', 0):.1f} s in the browser; aborted {len(blocked)} non-loopback requests; "
        f"screenshots {SHOT_PREFIX}*.png in {ARTIFACTS}"
    )

"""The Statsforvalter puts an event in the annual wheel and its reminder reaches
the forum channel, in the Agents Playground.

Headless Chromium opens the Playground UI signed in as the roster's
Statsforvalter, as a Norwegian Teams client (nb-NO through the harness's locale
proxy). In the team's forum channel it starts a new post that @mentions the bot
(picked from the editor's mention menu, as a person would) with `oppsett`, which
binds the forum to that channel. In the personal chat it types `årshjul`,
presses "Ny hendelse" and fills in the form: a kind from the drop-down, a date
and a time a little more than a minute ahead (Europe/Oslo, the forum's zone),
title, place, text and a reminder one minute before ("1m"). The bot runs its
scheduler every second (SCHEDULER_INTERVAL_SECONDS=1), so about a minute later
the reminder card appears as a new post in the channel, where the test waits
for it.

Screenshots land in tests/artifacts/playground-wheel-*.png (gitignored): the
channel after setup, the filled-in form, the wheel with the new event, the
channel with the reminder (and the card alone), and the event's delivery report,
which must say the channel reminder was sent.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .playground import ARTIFACTS, browser_page, running_stack
from .test_playground import CARD_TITLES_JS, FAILED_EXCHANGE, REPLY_TIMEOUT_MS, _require_tools

pytestmark = pytest.mark.e2e

LOCALE = "nb-NO"
SHOT_PREFIX = "playground-wheel-"

# The event starts at the first whole minute at least this far ahead, and its
# one reminder falls due a minute before it: 30-90 s after the time is chosen,
# which leaves the form at least 30 s to be filled in and saved.
LEAD = timedelta(seconds=90)
OFFSET = timedelta(minutes=1)
EVENT_KIND = "ekstramote"
EVENT_TITLE = "Ekstramøte om fordeling av kompetansemidler"
EVENT_PLACE = "Teams-møte i forumkanalen"
EVENT_TEXT = "Forslag til fordeling ligger i filene i kanalen."

# A log-panel line ends in "<what> <HTTP status>", e.g. "getConversationMembers 200".
ANY_FAILED_EXCHANGE = re.compile(r"\b([A-Za-z]+)\s+([45]\d\d)\b")


def t(key: str, **params) -> str:
    from bot.i18n import language_of, text

    return text(language_of(LOCALE), key, **params)


def forum():
    from bot.config import EXAMPLE_FORUM_CONFIG
    from bot.forum.config_file import load_forum_config

    return load_forum_config(EXAMPLE_FORUM_CONFIG)[0]


def event_start(now: datetime) -> datetime:
    """The first whole minute at least LEAD after ``now``."""
    ahead = now + LEAD
    start = ahead.replace(second=0, microsecond=0)
    return start if start == ahead else start + timedelta(minutes=1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    _require_tools()
    with running_stack(
        tmp_path_factory.mktemp("playground-wheel"),
        current_user_role="statsforvalter",
        locale=LOCALE,
        bot_env={"SCHEDULER_INTERVAL_SECONDS": "1"},
    ) as running:
        yield running


class Page:
    """The Playground page, with failures that quote what it shows; its
    screenshots are named ``prefix`` + name in the artefacts folder."""

    def __init__(self, page, stack, prefix: str = SHOT_PREFIX):
        self.page, self.stack, self.prefix = page, stack, prefix
        self.cards = page.locator(".ac-adaptiveCard")

    async def log_panel(self) -> str:
        body = await self.page.locator("body").inner_text()
        return body[body.find("Log Panel") :] if "Log Panel" in body else body[-3000:]

    async def fail(self, what: str) -> AssertionError:
        titles = await self.page.evaluate(CARD_TITLES_JS)
        failure = ARTIFACTS / f"{self.prefix}failure.png"
        await self.page.screenshot(path=str(failure))
        return AssertionError(
            f"{what}; cards shown (first TextBlock each): {titles}; screenshot {failure}\n"
            f"--- the Playground's log panel ---\n{await self.log_panel()}\n{self.stack.logs()}"
        )

    async def wait_for(self, predicate_js: str, arg, what: str, timeout_ms: float = REPLY_TIMEOUT_MS) -> None:
        try:
            await self.page.wait_for_function(predicate_js, arg=arg, timeout=timeout_ms)
        except Exception as error:
            raise await self.fail(f"timed out waiting for {what}") from error

    async def wait_for_card(
        self, first_line: str, *, more_text: str = "", last: bool = False, timeout_ms: float = REPLY_TIMEOUT_MS
    ) -> None:
        """Until a card (or the newest card) whose first TextBlock starts with
        ``first_line`` and whose text holds ``more_text`` is shown."""
        await self.wait_for(
            """([first, more, last]) => {
                let cards = [...document.querySelectorAll('.ac-adaptiveCard')];
                if (last) cards = cards.slice(-1);
                return cards.some(c =>
                    (c.querySelector('.ac-textBlock')?.innerText || '').trim().startsWith(first) &&
                    c.innerText.includes(more));
            }""",
            [first_line, more_text, last],
            f"a card starting {first_line!r}" + (f" and showing {more_text!r}" if more_text else ""),
            timeout_ms,
        )
        await self.page.wait_for_timeout(200)  # let the renderer settle

    def card(self, first_line: str, more_text: str = ""):
        """The newest card that shows both ``first_line`` and ``more_text``."""
        return self.cards.filter(has_text=first_line).filter(has_text=more_text).last

    async def open_conversation(self, name: str) -> None:
        await self.page.get_by_text(name, exact=True).first.click()
        await self.page.wait_for_timeout(300)

    async def set_up_channel(self, channel_name: str, bot_name: str, forum_name: str) -> None:
        """`@bot oppsett` posted in the channel, as the Statsforvalter does."""
        page = self.page
        # Opening the channel installs the app in the team; the bot welcomes the channel.
        await self.open_conversation(channel_name)
        await self.wait_for_card(t("welcome_title"))
        # The first text box of a channel is "Start a new post"; each post has a reply box below.
        await page.get_by_role("textbox").first.click()
        await page.keyboard.type("@" + bot_name[:5])
        mention = page.get_by_role("menuitem", name=bot_name)
        try:
            await mention.wait_for(timeout=5_000)
        except Exception as error:
            raise await self.fail(f"typing '@{bot_name[:5]}' offered no mention of {bot_name!r}") from error
        await mention.click()
        await page.keyboard.type(" oppsett")
        await page.get_by_role("button", name="Post", exact=True).click()
        await self.wait_for_card(t("setup_done_title"), more_text=forum_name)

    async def shot(self, name: str, card=None, *, top: bool = False) -> None:
        """The window, grown to the card's height when one is given, with the card at
        the top, and the card alone (name + "-card"); or, with ``top``, the top of a
        channel (its newest posts)."""
        if top:
            await self.page.get_by_role("textbox").first.scroll_into_view_if_needed()
        elif card is not None:
            box = await card.bounding_box()
            height = min(4000, max(1000, int(box["height"]) + 250)) if box else 1000
            await self.page.set_viewport_size({"width": 1400, "height": height})
            await card.evaluate("card => card.scrollIntoView({block: 'start'})")
        await self.page.mouse.move(5, 5)  # no hover highlight under the pointer
        await self.page.wait_for_timeout(150)
        await self.page.screenshot(path=str(ARTIFACTS / f"{self.prefix}{name}.png"))
        if card is not None and not top:
            await card.screenshot(path=str(ARTIFACTS / f"{self.prefix}{name}-card.png"))
        await self.page.set_viewport_size({"width": 1400, "height": 1000})


INPUT_FOR_LABEL_JS = """(card, label) => {
    for (const l of card.querySelectorAll('label')) {
        if (l.innerText.replace(/\\s*\\*\\s*$/, '').trim() === label) return l.htmlFor || null;
    }
    return null;
}"""


async def input_labelled(ui: Page, card, label_key: str):
    label = t(label_key)
    target = await card.evaluate(INPUT_FOR_LABEL_JS, label)
    if target is None:
        raise await ui.fail(f"no input labelled {label!r} on the form")
    return card.locator(f'[id="{target}"]')


async def close_pickers(ui: Page, form) -> None:
    """Close an open calendar or time list: Escape, then a click on the form's heading."""
    popups = ui.page.locator('[role="grid"]:visible, [role="listbox"]:visible')
    for _ in range(3):
        if await popups.count() == 0:
            return
        await ui.page.keyboard.press("Escape")
        await form.locator(".ac-textBlock").first.click()
        await ui.page.wait_for_timeout(200)
    if await popups.count():
        raise await ui.fail("a date or time picker stays open on the form")


async def pick_moment(ui: Page, form, date_key: str, time_key: str, moment: datetime) -> tuple[str, str]:
    """Enter a local date and time in the form's pickers; returns what the
    two boxes show then. The Playground draws Input.Date as a Fluent date
    picker that reads typed dates as ISO (see test_playground_needs) and
    Input.Time as a Fluent time picker that takes typed "HH:MM" (Enter picks
    it). Enter in the date box opens its calendar now and then, and an open
    calendar hides the rest of the page from the accessibility tree: the date
    goes in without Enter, then whatever is open is closed. The date box
    shows the date in the browser's language and the time box drops the
    hour's leading zero ("0:05"), so callers compare parsed values."""
    date_box = await input_labelled(ui, form, date_key)
    await date_box.fill(moment.strftime("%Y-%m-%d"))
    time_box = await input_labelled(ui, form, time_key)
    await time_box.fill(moment.strftime("%H:%M"))
    await time_box.press("Enter")
    await close_pickers(ui, form)
    return await date_box.input_value(), await time_box.input_value()


async def assert_clean_exchanges(ui: Page, stack) -> None:
    """A card can arrive while the request that caused it failed (e.g. an
    invoke answered 500 after the card was sent); Teams would show the user
    an error then. Every exchange in the Playground's log is looked at (also
    the bot's own calls, such as the team's members when `oppsett` learns
    them), and every invoke must have been answered 200."""
    log_panel = await ui.log_panel()
    failed = FAILED_EXCHANGE.findall(log_panel) + ANY_FAILED_EXCHANGE.findall(log_panel)
    assert not failed, f"the Playground logged failed exchanges {failed}\n{log_panel}\n{stack.logs()}"
    invokes = re.findall(r"\binvoke\s+(\d{3})\b", log_panel)
    assert invokes and set(invokes) == {"200"}, f"expected only 'invoke 200' exchanges: {invokes}\n{log_panel}"


async def test_an_event_in_the_wheel_reminds_the_channel(stack):
    from bot.i18n import NB, text
    from bot.views.moments import long_moment, time_left

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{SHOT_PREFIX}*.png"):
        stale.unlink()
    the_forum = forum()
    zone = ZoneInfo(the_forum.timezone)
    bot_name = stack.config["bot"]["name"]
    channel_name = stack.config["team"]["channels"][0]["name"]
    timings: dict[str, float] = {}
    started = time.monotonic()
    # The Playground stamps messages with the browser's time: make it the forum's.
    async with browser_page(stack.playground.url, timezone=the_forum.timezone) as (page, blocked):
        ui = Page(page, stack)
        await ui.wait_for_card(t("welcome_title"))  # the app installed in the personal chat

        # --- the channel: `@bot oppsett` ------------------------------------
        await ui.set_up_channel(channel_name, bot_name, the_forum.name)
        await ui.shot("01-setup")
        timings["setup"] = time.monotonic() - started

        # --- the personal chat: `årshjul`, "Ny hendelse" --------------------
        await ui.open_conversation("Personal Chat")
        before = await ui.cards.count()
        await page.get_by_role("textbox").first.click()
        await page.keyboard.type("årshjul")
        await page.keyboard.press("Enter")
        wheel_title = t("wheel_title", forum=the_forum.name)
        await ui.wait_for(
            "(n) => document.querySelectorAll('.ac-adaptiveCard').length > n",
            before,
            "a new card after typing 'årshjul'",
        )
        await ui.wait_for_card(wheel_title, last=True)
        wheel = ui.cards.last
        await wheel.get_by_role("button", name=t("wheel_new"), exact=True).click()
        # Action.Execute: the form replaces the wheel card in place.
        await ui.wait_for_card(t("wheel_form_new_title"), last=True)
        form = ui.cards.last
        assert await ui.cards.count() == before + 1

        # The kind: Input.ChoiceSet style "compact" is a Fluent combobox with a listbox.
        await (await input_labelled(ui, form, "wheel_field_kind")).click()
        option = page.get_by_role("option", name=t(f"event_kind_{EVENT_KIND}"), exact=True)
        try:
            await option.click(timeout=5_000)
        except Exception as error:
            raise await ui.fail(f"the kind drop-down offered no {t(f'event_kind_{EVENT_KIND}')!r}") from error
        await (await input_labelled(ui, form, "wheel_field_title")).fill(EVENT_TITLE)
        await (await input_labelled(ui, form, "wheel_field_place")).fill(EVENT_PLACE)
        await (await input_labelled(ui, form, "wheel_field_text")).fill(EVENT_TEXT)
        await (await input_labelled(ui, form, "wheel_field_offsets")).fill("1m")
        # The time last, so the minute is chosen as late as possible; the saved wheel
        # says what arrived.
        starts = event_start(datetime.now(zone))
        picked = await pick_moment(ui, form, "wheel_field_date", "wheel_field_time", starts)
        assert str(starts.year) in picked[0], picked
        assert datetime.strptime(picked[1], "%H:%M").time() == starts.time().replace(tzinfo=None), picked
        await ui.shot("02-form", form)
        try:
            await form.get_by_role("button", name=t("wheel_save"), exact=True).click(timeout=5_000)
        except Exception as error:
            raise await ui.fail(f"no button {t('wheel_save')!r} to press on the form") from error

        # --- the wheel with the event -----------------------------------------
        when = long_moment(starts, the_forum.timezone, NB)
        await ui.wait_for_card(wheel_title, more_text=t("wheel_added_title"), last=True)
        wheel = ui.cards.last
        shown = await wheel.inner_text()
        saved_at = datetime.now(zone)
        for expected in (
            t("wheel_saved", title=EVENT_TITLE, when=when),
            t("wheel_planned", planned=1),
            EVENT_TITLE,
            f"{t(f'event_kind_{EVENT_KIND}')} · {when}",
            t("wheel_reminders_one", offsets=t("wheel_minutes_one", n=1)),
        ):
            assert expected in shown, f"{expected!r} is not on the wheel after saving:\n{shown}"
        assert await ui.cards.count() == before + 1, "saving should replace the form, not add a card"
        await ui.shot("03-wheel", wheel)
        timings["saved"] = time.monotonic() - started

        # --- the reminder in the channel ----------------------------------------
        await ui.open_conversation(channel_name)
        heading = text(NB, "reminder_heading", left=time_left(OFFSET, NB))
        due_in = (starts - OFFSET - datetime.now(zone)).total_seconds()
        await ui.wait_for_card(heading, more_text=EVENT_TITLE, timeout_ms=(max(0, due_in) + 30) * 1000)
        arrived_at = datetime.now(zone)
        reminder = ui.card(heading, EVENT_TITLE)
        shown = await reminder.inner_text()
        for expected in (heading, EVENT_TITLE, when, t(f"event_kind_{EVENT_KIND}"), EVENT_PLACE, EVENT_TEXT):
            assert expected in shown, f"{expected!r} is not on the reminder:\n{shown}"
        assert await reminder.get_by_role("button", name=text(NB, "reminder_wheel_button"), exact=True).count() == 1
        # Sent when it fell due (the scheduler looks every second), not before.
        assert arrived_at >= starts - OFFSET, (arrived_at, starts)
        # A new post in the channel (not a reply in the setup thread): the newest, on top.
        await ui.shot("04-reminder", top=True)
        await reminder.screenshot(path=str(ARTIFACTS / f"{SHOT_PREFIX}04-reminder-card.png"))
        timings["reminder"] = time.monotonic() - started

        # --- the delivery report: the bot recorded the reminder as sent -----------
        await ui.open_conversation("Personal Chat")
        wheel = ui.cards.last
        # The new event is the wheel's first: nothing else is due in the next minutes (the
        # report's title says whose report it is).
        await wheel.get_by_role("button", name=t("wheel_report"), exact=True).first.click()
        await ui.wait_for_card(t("wheel_report_title", title=EVENT_TITLE), last=True)
        report = ui.cards.last
        shown = await report.inner_text()
        channel_row = re.search(rf"{re.escape(t('wheel_report_channel'))}\s+(.*)", shown)
        assert channel_row and channel_row.group(1).startswith(
            f"{t('wheel_status_sent')} · {t('wheel_report_attempts_one')}"
        ), f"the delivery report does not say the channel reminder was sent once:\n{shown}"
        await ui.shot("05-report", report)

        await assert_clean_exchanges(ui, stack)

    print(
        f"[e2e] {stack.locale}: channel set up after {timings.get('setup', 0):.1f} s, event saved after "
        f"{timings.get('saved', 0):.1f} s (starts {starts:%H:%M}, reminder due {starts - OFFSET:%H:%M:%S}, saved at "
        f"{saved_at:%H:%M:%S}), reminder shown after {timings.get('reminder', 0):.1f} s (at {arrived_at:%H:%M:%S}); "
        f"aborted {len(blocked)} non-loopback requests; screenshots {SHOT_PREFIX}*.png in {ARTIFACTS}"
    )

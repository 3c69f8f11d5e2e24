"""A priority vote from the form to the Statsforvalter's decision of a tie, in the
Agents Playground.

Headless Chromium opens the Playground UI signed in as the roster's
Statsforvalter, as a Norwegian Teams client (nb-NO through the harness's locale
proxy). In the forum channel it posts `@bot oppsett`; in the personal chat it
types `ny avstemning`, fills in the form (question, three options, one choice per
seat, the result shown as votes come in, a closing date and time three days
ahead) and presses "Legg ut avstemningen". The vote card appears in the channel.

Three seat holders vote on it, each a Playground user who is a representative
or deputy in the example roster (the bot knows people by Entra object id):

* the first, through the UI: the Playground signs every card action with the
  acting user's ``from.id``, so the test ticks an option and presses "Stem" on the
  channel's card and rewrites that one request's ``from.id`` to the voter. The
  invoke's answer, the voter's own view ("Du stemte …"), replaces the card, and a
  second later the bot's update of the shared card replaces it again;
* the second and third (a representative, then the deputy of the same seat, whose
  later ballot replaces the seat's), as if voting in their own Teams: an
  ``adaptiveCard/action`` invoke from them goes to the bot through the
  Playground's customActivities API, and only the bot's update of the shared card
  reaches the UI.

After each ballot the card in the channel must show the new participation and
tally in place (the same number of cards in the channel): 1–1, a tie. The
Statsforvalter presses "Oppdater" for their own view, "Avslutt nå" and "Ja,
avslutt"; the card shows the tie and the decision form. It picks an option,
writes a reason and presses "Avgjør"; the card shows "Statsforvalteren avgjorde:
…" with the reason, and the channel has the two notices (closed, decided).

Screenshots land in tests/artifacts/playground-vote-*.png (gitignored); the three
cards (the vote, the tie with the decision form, the decision) are copied to
cards/gallery/vote-playground-*.png after a passing run with UPDATE_GALLERY=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.teams_app.playground import TEAM_ID

from . import test_playground_reminder as reminder
from .playground import ARTIFACTS, REPO, browser_page, custom_activity_template, post_custom_activity, running_stack
from .test_playground import _require_tools
from .test_playground_reminder import LOCALE, forum, input_labelled, pick_moment, t

pytestmark = pytest.mark.e2e

SHOT_PREFIX = "playground-vote-"
GALLERY = REPO / "cards" / "gallery"
# artefact shot → gallery file
GALLERY_SHOTS = {
    "01-vote-card": "vote-playground-vote.png",
    "04-escalation-card": "vote-playground-escalation.png",
    "05-result-card": "vote-playground-result.png",
}

QUESTION = "Hvilket kompetansetiltak skal forumet prioritere høsten 2027?"
OPTIONS = (
    "Vurdering i modulstrukturert opplæring",
    "Digitale læringsressurser",
    "Lese- og skriveopplæring for voksne",
)
FIRST, SECOND, THIRD = OPTIONS
CLOSES_IN_DAYS = 3
CLOSES_AT = (9, 5)  # 09:05, which the time picker shows as "9:05"
REASON = "Digitale læringsressurser når flest lærere i alle regionene, også der det er langt til kurs."

INVOKE_URL = "**/_conversation/v1/invoke"
RANKED = re.compile(r"^(✓\s*)?(\d+\.\s*)?")


@dataclass(frozen=True)
class Voter:
    user: dict  # the Playground user
    seat: str  # the organisation whose seat they vote for


def voters(config: dict) -> tuple[Voter, Voter, Voter]:
    """From the Playground's users: a representative of one seat, and the
    representative and the deputy of another (organisations with one seat)."""
    users = {u["aadObjectId"]: u for u in config["users"]}
    seats = []
    for organisation in forum().organisations:
        if len(organisation.seats) != 1:
            continue
        seat = organisation.seats[0]
        rep = users.get(seat.representative.aad_object_id) if seat.representative else None
        dep = users.get(seat.deputy.aad_object_id) if seat.deputy else None
        seats.append((organisation.name, rep, dep))
    with_rep = [s for s in seats if s[1]]
    both = [s for s in with_rep if s[2]]
    assert len(with_rep) >= 2 and both, f"the Playground's users hold too few seats: {config['users']}"
    second = both[-1] if both[-1] is not with_rep[0] else both[0]
    first = next(s for s in with_rep if s is not second)
    return Voter(first[1], first[0]), Voter(second[1], second[0]), Voter(second[2], second[0])


def seat_count() -> int:
    return sum(len(o.seats) for o in forum().organisations)


def quoted(*labels: str) -> str:
    """Options as the Norwegian cards list them: «a», «b»."""
    return ", ".join(f"«{label}»" for label in labels)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def invoke_from(playground, user: dict, conversation_id: str, reply_to_id: str, verb: str, data: dict) -> dict:
    """An Action.Execute press by ``user`` on the card ``reply_to_id``, shaped as the
    Playground shapes its own (channel data naming tenant, team and channel)."""
    channel = conversation_id.split(";")[0]
    activity = custom_activity_template(playground, channel)
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId=reply_to_id,
        locale=LOCALE,
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )
    activity["conversation"] = {**activity["conversation"], "id": conversation_id}
    activity["from"] = {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}
    activity["channelData"] = {
        "source": {"name": "message"},
        "tenant": {"id": activity["conversation"].get("tenantId")},
        "team": {"id": TEAM_ID},
        "channel": {"id": channel},
    }
    return activity


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    _require_tools()
    with running_stack(
        tmp_path_factory.mktemp("playground-vote"), current_user_role="statsforvalter", locale=LOCALE
    ) as running:
        yield running


class Page(reminder.Page):
    """The reminder test's page helpers, and the vote card's."""

    def vote_card(self):
        """The one card that is the vote (the notices name the question too, in quotes)."""
        return self.cards.filter(has=self.page.get_by_text(QUESTION, exact=True))

    async def wait_for_vote(self, *shows: str, hides: tuple[str, ...] = (), what: str = "") -> None:
        """Until the vote's card shows each of ``shows`` and none of ``hides``
        (whitespace squeezed: the renderer breaks lines its own way)."""
        await self.wait_for(
            """([question, shows, hides]) => {
                const squeeze = s => s.replace(/\\s+/g, ' ').trim();
                return [...document.querySelectorAll('.ac-adaptiveCard')].some(c => {
                    const blocks = [...c.querySelectorAll('.ac-textBlock')].map(b => squeeze(b.innerText));
                    if (!blocks.includes(question)) return false;
                    const shown = squeeze(c.innerText);
                    return shows.every(s => shown.includes(s)) && !hides.some(s => shown.includes(s));
                });
            }""",
            [QUESTION, [squeeze(s) for s in shows], [squeeze(s) for s in hides]],
            what or f"the vote card showing {list(shows)}" + (f" without {list(hides)}" if hides else ""),
        )
        await self.page.wait_for_timeout(200)  # let the renderer settle

    async def rows(self) -> list[tuple[str, str]]:
        """The result rows on the vote card, (label, count) as shown: each row is an
        option's TextBlock and its count's beside it (the renderer gives columns no class)."""
        blocks = await self.vote_card().first.evaluate(
            "card => [...card.querySelectorAll('.ac-textBlock')].map(b => b.innerText.replace(/\\s+/g, ' ').trim())"
        )
        return [(b, blocks[i + 1]) for i, b in enumerate(blocks[:-1]) if RANKED.sub("", b) in OPTIONS]

    async def tally(self) -> dict[str, str]:
        """Option → count on the vote card (the rank has a column of its own)."""
        return {RANKED.sub("", label): count for label, count in await self.rows() if RANKED.sub("", label) in OPTIONS}

    async def marked(self) -> set[str]:
        mark = t("vote_chosen_mark", label="").strip()
        return {RANKED.sub("", label) for label, _ in await self.rows() if label.startswith(mark)}

    async def press(self, card, title: str) -> None:
        button = card.get_by_role("button", name=title, exact=True)
        if await button.count() != 1:
            raise await self.fail(f"the card has {await button.count()} buttons {title!r}, expected one")
        await button.click()


async def test_a_tie_is_decided_by_the_statsforvalter(stack):
    from bot.i18n import NB
    from bot.views.moments import long_moment

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{SHOT_PREFIX}*.png"):
        stale.unlink()
    the_forum = forum()
    zone = ZoneInfo(the_forum.timezone)
    seats = seat_count()
    first_voter, second_voter, deputy = voters(stack.config)
    statsforvalter = stack.config["currentUser"]["name"]
    bot_name = stack.config["bot"]["name"]
    channel_name = stack.config["team"]["channels"][0]["name"]
    votes = lambda n: t("vote_count_one") if n == 1 else t("vote_count", n=n)  # noqa: E731
    participation = lambda n: t("vote_participation", voted=n, seats=seats)  # noqa: E731
    timings: dict[str, float] = {}
    started = time.monotonic()

    async with browser_page(stack.playground.url, timezone=the_forum.timezone) as (page, blocked):
        ui = Page(page, stack, SHOT_PREFIX)
        await ui.wait_for_card(t("welcome_title"))  # the app installed in the personal chat

        # --- the channel: `@bot oppsett` ------------------------------------------
        await ui.set_up_channel(channel_name, bot_name, the_forum.name)
        timings["setup"] = time.monotonic() - started

        # --- the personal chat: `ny avstemning` and the form ----------------------
        await ui.open_conversation("Personal Chat")
        before = await ui.cards.count()
        await page.get_by_role("textbox").first.click()
        await page.keyboard.type("ny avstemning")
        await page.keyboard.press("Enter")
        await ui.wait_for(
            "(n) => document.querySelectorAll('.ac-adaptiveCard').length > n",
            before,
            "a new card after typing 'ny avstemning'",
        )
        await ui.wait_for_card(t("vote_form_title"), last=True)
        form = ui.cards.last
        await (await input_labelled(ui, form, "vote_field_question")).fill(QUESTION)
        await (await input_labelled(ui, form, "vote_field_options")).fill("\n".join(OPTIONS))
        # One choice per seat: an expanded single-choice set, i.e. radio buttons.
        await form.get_by_role("radio", name=t("vote_mode_one"), exact=True).check()
        await (await input_labelled(ui, form, "vote_field_live")).check()
        closes = (datetime.now(zone) + timedelta(days=CLOSES_IN_DAYS)).replace(
            hour=CLOSES_AT[0], minute=CLOSES_AT[1], second=0, microsecond=0
        )
        # The vote card says what arrived.
        picked = await pick_moment(ui, form, "vote_field_close_date", "vote_field_close_time", closes)
        assert str(closes.year) in picked[0] and str(closes.day) in picked[0], picked
        assert datetime.strptime(picked[1], "%H:%M").time() == closes.time().replace(tzinfo=None), picked
        await ui.shot("00-form", form)
        await ui.press(form, t("vote_open_button"))
        when = long_moment(closes, the_forum.timezone, NB)
        opened = t("vote_opened", question=QUESTION, when=when)
        await ui.wait_for_card(t("vote_opened_title"), more_text=opened, last=True)
        assert await ui.cards.count() == before + 1, "posting the vote should replace the form, not add a card"
        timings["posted"] = time.monotonic() - started

        # --- the vote card in the channel -------------------------------------------
        await ui.open_conversation(channel_name)
        meta = " · ".join((t("vote_mode_line_one"), t("vote_closes_line", when=when), t("vote_live_line")))
        await ui.wait_for_vote(t("vote_badge_open"), meta, participation(0), t("vote_rows_live"), t("vote_choose_one"))
        card = ui.vote_card()
        assert await card.count() == 1, f"{await card.count()} vote cards in the channel"
        card = card.first
        assert await ui.tally() == {o: votes(0) for o in OPTIONS}, await card.inner_text()
        for option in OPTIONS:
            assert await card.get_by_role("radio", name=option, exact=True).count() == 1, option
        # The shared card: a ballot and "Oppdater", no one's own view, no closing button.
        assert await card.get_by_role("button", name=t("vote_cast_button"), exact=True).count() == 1
        assert await card.get_by_role("button", name=t("vote_refresh"), exact=True).count() == 1
        assert await card.get_by_role("button", name=t("vote_close_button"), exact=True).count() == 0
        await ui.shot("01-vote", card)
        channel_cards = await ui.cards.count()
        option_ids = {o: await card.get_by_role("radio", name=o, exact=True).get_attribute("value") for o in OPTIONS}

        # --- the first voter, through the UI as another user -----------------------
        pressed: list[dict] = []

        async def as_first_voter(route):
            body = json.loads(route.request.post_data or "{}")
            pressed.append(json.loads(json.dumps(body)))
            body["from"] = {**body.get("from", {}), "id": first_voter.user["id"]}
            await route.continue_(post_data=json.dumps(body))

        await page.route(INVOKE_URL, as_first_voter)
        try:
            await card.get_by_role("radio", name=FIRST, exact=True).check()
            await ui.press(card, t("vote_cast_button"))
            # The invoke's answer: the voter's own view, in place of the card.
            mine = t("vote_mine", choices=quoted(FIRST), seat=first_voter.seat)
            await ui.wait_for_vote(mine, participation(1), what=f"the first voter's own view ({mine!r})")
        finally:
            await page.unroute(INVOKE_URL)
        assert len(pressed) == 1, pressed
        action = pressed[0]["value"]["action"]
        assert action["verb"] == "vote.cast" and action["data"]["choices"] == option_ids[FIRST], action
        vote_id = action["data"]["vote"]
        conversation_id, card_id = pressed[0]["conversation"]["id"], pressed[0]["replyToId"]
        # Then the shared card, updated by the bot, replaces it: nobody's own line.
        await ui.wait_for_vote(participation(1), hides=(mine,), what="the shared card after the first ballot")
        assert await ui.tally() == {FIRST: votes(1), SECOND: votes(0), THIRD: votes(0)}
        assert await ui.cards.count() == channel_cards, "a ballot should update the card, not post one"
        timings["first ballot"] = time.monotonic() - started

        # --- two more seat holders, from their own Teams ----------------------------
        async def ballot_elsewhere(voter: Voter, option: str) -> None:
            post_custom_activity(
                stack.playground,
                invoke_from(
                    stack.playground,
                    voter.user,
                    conversation_id,
                    card_id,
                    "vote.cast",
                    {"vote": vote_id, "choices": option_ids[option]},
                ),
            )

        await ballot_elsewhere(second_voter, THIRD)
        await ui.wait_for_vote(
            participation(2), f"{THIRD} {votes(1)}", what=f"the shared card with {second_voter.user['name']}'s ballot"
        )
        assert await ui.tally() == {FIRST: votes(1), SECOND: votes(0), THIRD: votes(1)}
        # The deputy of the same seat changes the seat's ballot: still two seats, now a tie
        # between the first and the second option.
        await ballot_elsewhere(deputy, SECOND)
        await ui.wait_for_vote(
            participation(2),
            f"{SECOND} {votes(1)}",
            f"{THIRD} {votes(0)}",
            what=f"the shared card with {deputy.user['name']}'s ballot for the same seat",
        )
        assert await ui.tally() == {FIRST: votes(1), SECOND: votes(1), THIRD: votes(0)}
        assert await ui.cards.count() == channel_cards, "ballots should update the card, not post new ones"
        assert await ui.vote_card().count() == 1
        timings["ballots"] = time.monotonic() - started
        await ui.shot("02-ballots", card)

        # --- the Statsforvalter closes it -------------------------------------------
        await ui.press(card, t("vote_refresh"))
        await ui.wait_for_vote(participation(2), what="the Statsforvalter's own view")
        await ui.wait_for(
            "([q, b]) => [...document.querySelectorAll('.ac-adaptiveCard')].some(c => c.innerText.includes(q) && "
            "[...c.querySelectorAll('button')].some(x => x.innerText.trim() === b))",
            [QUESTION, t("vote_close_button")],
            f"a {t('vote_close_button')!r} button on the Statsforvalter's view",
        )
        await ui.press(card, t("vote_close_button"))
        confirm_text = t("vote_close_confirm", question=QUESTION, voted=2, seats=seats)
        await ui.wait_for_card(confirm_text)
        confirm = ui.card(confirm_text)
        assert await ui.cards.count() == channel_cards, "the confirmation should replace the card"
        await ui.shot("03-confirm", confirm)
        await ui.press(confirm, t("vote_close_yes"))

        # A tie: the card shows it with the decision form (the Statsforvalter's view),
        # and the channel gets a notice that the vote closed.
        tie_title, tie_text = t("vote_status_tie_title"), t("vote_status_tie_text", options=quoted(FIRST, SECOND))
        await ui.wait_for_vote(t("vote_badge_closed"), tie_title, tie_text, what="the vote card with the tie")
        decision_text = t("vote_decision_tie", count=1)
        try:
            await page.wait_for_function(
                "([q, s]) => [...document.querySelectorAll('.ac-adaptiveCard')].some(c => "
                "c.innerText.includes(q) && c.innerText.replace(/\\s+/g, ' ').includes(s))",
                arg=[QUESTION, squeeze(decision_text)],
                timeout=5_000,
            )
            fallback = False
        except Exception:
            fallback = True
        if fallback:
            # The Playground shows whichever came last, the bot's update of the shared card
            # or the answer to the press; the shared card's "Oppdater" gives the form.
            await ui.press(ui.vote_card().first, t("vote_refresh"))
        await ui.wait_for_vote(tie_title, t("vote_decision_title"), decision_text, what="the decision form")
        card = ui.vote_card().first
        assert await ui.tally() == {FIRST: votes(1), SECOND: votes(1), THIRD: votes(0)}
        assert t("vote_rows_final") in squeeze(await card.inner_text())
        assert await card.get_by_role("button", name=t("vote_cast_button"), exact=True).count() == 0, "a ballot, closed"
        notice_title = t("vote_result_title", question=QUESTION)
        await ui.wait_for_card(notice_title, more_text=t("vote_result_escalated", why=tie_text))
        assert await ui.cards.count() == channel_cards + 1, "closing should post one notice in the channel"
        # Only the tied options are offered.
        for option, offered in ((FIRST, 1), (SECOND, 1), (THIRD, 0)):
            assert await card.get_by_role("radio", name=option, exact=True).count() == offered, option
        await card.get_by_role("radio", name=SECOND, exact=True).check()
        await (await input_labelled(ui, card, "vote_decision_reason")).fill(REASON)
        await ui.shot("04-escalation", card)
        timings["closed"] = time.monotonic() - started

        # --- the decision -------------------------------------------------------------
        await ui.press(card, t("vote_decide_button"))
        decided_title = t("vote_status_decided_title", chosen=quoted(SECOND))
        by, _, after = t("vote_status_decided_text", name=statsforvalter, when="\0", reason=REASON).partition("\0")
        await ui.wait_for_vote(decided_title, by, after, hides=(t("vote_decision_title"),), what="the decided vote")
        card = ui.vote_card().first
        assert await ui.tally() == {FIRST: votes(1), SECOND: votes(1), THIRD: votes(0)}
        assert await ui.marked() == {SECOND}, await ui.rows()
        assert await card.locator("input, textarea").count() == 0, "a decided vote takes no more input"
        assert await card.get_by_role("button", name=t("vote_decide_button"), exact=True).count() == 0
        await ui.wait_for_card(
            t("vote_result_decided_title"),
            more_text=t("vote_result_decided", question=QUESTION, chosen=quoted(SECOND), reason=REASON),
        )
        assert await ui.cards.count() == channel_cards + 2, "deciding should post one more notice in the channel"
        await ui.shot("05-result", card)
        timings["decided"] = time.monotonic() - started

        # The Statsforvalter was also asked to decide in the personal chat.
        await ui.open_conversation("Personal Chat")
        await ui.wait_for_vote(tie_title, t("vote_decision_title"), what="the call to decide in the personal chat")

        await reminder.assert_clean_exchanges(ui, stack)

    if os.environ.get("UPDATE_GALLERY"):  # opt-in: the dates in them change every run
        GALLERY.mkdir(parents=True, exist_ok=True)
        for shot, name in GALLERY_SHOTS.items():
            shutil.copyfile(ARTIFACTS / f"{SHOT_PREFIX}{shot}.png", GALLERY / name)
    print(
        f"[e2e] {stack.locale}: channel set up after {timings['setup']:.1f} s, vote posted after "
        f"{timings['posted']:.1f} s, first ballot shown after {timings['first ballot']:.1f} s, all three after "
        f"{timings['ballots']:.1f} s, closed after {timings['closed']:.1f} s, decided after {timings['decided']:.1f} s"
        f"{' (the decision form needed the Oppdater button: the shared update came last)' if fallback else ''}; "
        f"aborted {len(blocked)} non-loopback requests; screenshots {SHOT_PREFIX}*.png in {ARTIFACTS}, "
        f"{', '.join(GALLERY_SHOTS.values())} in {GALLERY}"
    )

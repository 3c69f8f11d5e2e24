"""A whole allocation round, from the budget to a report back, in the Agents
Playground.

Headless Chromium opens the Playground UI signed in as the Statsforvalter, as a
Norwegian Teams client (nb-NO through the harness's locale proxy). The roster is
the example roster with one Statsforvalter instead of two, so that the
Playground's five other users are the representatives of three organisations
and two deputies: three seats that can act.

The year's needs reports are the input of the round, not its subject (the
wizard has its own end-to-end test), and a report sent now would be for next
year: the test writes three sent reports of this year, one per organisation,
into the running bot's database with the project's own repository, as sent by
each seat's representative, and a reporting deadline in the annual wheel
(15 December next year, the one the award letters should propose).

Then, as people would:

1. in the forum channel, `@bot oppsett`;
2. in the personal chat, `budsjett`: the frame typed in and saved; the card
   shows it;
3. `ny avstemning`: a ranked vote (*Rangering*, Borda) over the three reports,
   each seat ranking all three and two places prioritised. The first seat
   ranks through the UI (the press's ``from.id`` rewritten to its
   representative, as the vote test does), the other two through invokes from
   their own Teams (the Playground's customActivities API). The Statsforvalter
   closes it with "Avslutt nå": the result ranks the reports by their points;
4. `tildeling`: "Hent rekkefølgen" takes the vote's order, one report gets less
   than it applied for (a partial grant), "Lagre denne siden", then "Legg fram
   i kanalen": the read-only proposal and a yes/no vote on it appear in the
   channel;
5. the three seats vote yes (one through the UI, two through invokes); the
   Statsforvalter closes it; the allocation is decided: `tildeling` shows the
   decided table and `budsjett` what was granted;
6. the seat holders of the three organisations who are Playground users write
   `hjelp` to the bot from their own Teams (customActivities), as people do
   who have opened the app: the bot keeps their 1:1 chat from that, so each
   letter lands in the Playground's one personal chat. `tildelingsbrev`:
   the proposed deadline is next year's; conditions typed in; "Send". Each of
   them gets the letter of their organisation (amounts, deadline, conditions,
   a "Rapporter" button) in the chat they wrote from, which in the Playground is
   its one personal chat; the delivery report ("Oppdater") says each was sent
   once and the one deputy who is no Playground user is *ikke nåbar*;
7. the fully granted organisation's representative types `rapportering` (a
   message from her own Teams, through customActivities) in the group chat;
   the list of her grants arrives there; she presses "Rapporter", fills in the
   form (what was done, participants, the partner's part, money used and
   unused adding up to the grant, experience) and presses "Send rapporten".
   These two are UI presses with her ``from.id``, because the Playground drops
   the answer to an invoke posted through customActivities (the receipt is that
   answer) and refuses presses by anyone but the signed-in user in the personal
   chat. The receipt says "Takk! Rapporten på … er sendt"; the Statsforvalter's
   `rapportering` list shows it *sendt* and the other two *ikke påbegynt*, and
   `oversikt` shows it *Rapportert*, the others *Tildelt*, and the round with
   one of three reported back.

The team's members: `oppsett` reads them through the paged members API, the
one that names each member's Entra object id ``aadObjectId`` (the Playground,
like Teams' REST reference, says ``objectId`` on the old unpaged one, which the
SDK's model drops; the bot used that one until this test showed it).

Screenshots land in tests/artifacts/playground-round-*.png (gitignored).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.config import EXAMPLE_FORUM_CONFIG
from bot.teams_app.playground import PERSONAL_CHAT_ID
from bot.views.needs import nok

from .playground import ARTIFACTS, browser_page, message_from, post_custom_activity, running_stack
from .test_playground import _require_tools
from .test_playground_reminder import LOCALE, assert_clean_exchanges, input_labelled, t
from .test_playground_reminder import Page as ReminderPage
from .test_playground_vote import INVOKE_URL, invoke_from, quoted, squeeze

pytestmark = pytest.mark.e2e

SHOT_PREFIX = "playground-round-"
FORUM_ID = "oslo-viken"  # the example roster's forum
LANG = "nb"

FRAME = 1_000_000
PARTIAL = 150_000  # what the second report is proposed, of the 300 000 it applies for
CONDITIONS = "Midlene skal brukes innen utgangen av året. Ubrukte midler meldes i rapporten."
RANKED_QUESTION = "Hvilke behovsmeldinger skal forumet prioritere?"
PLACES = 2  # prioritised places of the ranked vote


@dataclass(frozen=True)
class Seat:
    organisation_id: str
    organisation: str
    user: dict  # the Playground user who is its representative


@dataclass(frozen=True)
class Report:
    seat: Seat
    title: str
    applied: int
    ranks: tuple[int, int, int]  # the place each seat (in SEATS order) gives it


# What each organisation applies for, and the places the three seats give the
# reports (1 = first): Borda with N = 3 gives 3, 2 and 1 points, so the third
# report gets 3 + 2 + 3 = 8, the first 2 + 3 + 1 = 6 and the second 1 + 1 + 2 = 4:
# the vote orders them third, first, second, unlike their references.
APPLICATIONS = (
    ("Vurdering i modulstrukturert opplæring", 450_000, (2, 1, 3)),
    ("Ledere som leder læring", 300_000, (3, 3, 2)),
    ("Lese- og skriveopplæring for voksne", 200_000, (1, 2, 1)),
)
POINTS = {0: 6, 1: 4, 2: 8}
ORDER = (2, 0, 1)  # by points


def derived_roster(workdir: Path) -> Path:
    """The example roster with its first Statsforvalter only."""
    roster = yaml.safe_load(EXAMPLE_FORUM_CONFIG.read_text(encoding="utf-8"))
    roster["statsforvalter"] = roster["statsforvalter"][:1]
    path = workdir / "forum.yaml"
    path.write_text(yaml.safe_dump(roster, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def the_forum(roster: Path):
    from bot.forum.config_file import load_forum_config

    return load_forum_config(roster)[0]


def seats(forum, config: dict) -> list[Seat]:
    """The organisations whose representative is a Playground user, in roster order."""
    users = {u["aadObjectId"]: u for u in config["users"]}
    found = []
    for organisation in forum.organisations:
        for seat in organisation.seats:
            if organisation.submits_needs and seat.representative and seat.representative.aad_object_id in users:
                found.append(Seat(organisation.id, organisation.name, users[seat.representative.aad_object_id]))
    assert len(found) >= 3, f"the Playground's users represent too few organisations: {config['users']}"
    return found[:3]


def seat_people_of(forum, organisation_id: str) -> list:
    """The representatives and deputies of an organisation in the roster."""
    (organisation,) = [o for o in forum.organisations if o.id == organisation_id]
    return [p for seat in organisation.seats for p in (seat.representative, seat.deputy) if p]


def seat_people(forum, organisation_id: str) -> set[str]:
    return {p.name for p in seat_people_of(forum, organisation_id)}


def people_in_playground(forum, config: dict, organisation_ids: set[str]) -> dict[str, dict]:
    """Representatives and deputies of those organisations who are Playground users, by name."""
    users = {u["aadObjectId"]: u for u in config["users"]}
    return {
        person.name: users[person.aad_object_id]
        for organisation in forum.organisations
        if organisation.id in organisation_ids
        for seat in organisation.seats
        for person in (seat.representative, seat.deputy)
        if person and person.aad_object_id in users
    }


async def seed(database_url: str, reports: list[Report], year: int, zone: ZoneInfo) -> tuple[list[str], datetime]:
    """The year's sent reports, each as its representative sent it, and next
    year's reporting deadline in the wheel; returns the references and the deadline."""
    from bot.forum.needs.report import Status
    from bot.forum.needs.service import competence_areas
    from storage.database import create_engine, session_factory
    from storage.unit_of_work import UnitOfWork
    from tests.test_overview import fields

    now = datetime.now(UTC)
    deadline = datetime(year + 1, 12, 15, 12, 0, tzinfo=zone)
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            areas = await competence_areas(uow, FORUM_ID, year)
            references = []
            for index, report in enumerate(reports):
                by = report.seat.user["aadObjectId"]
                draft = await uow.needs_reports.add(FORUM_ID, report.seat.organisation_id, year, by, now)
                values = fields(
                    report.title,
                    [areas[index % len(areas)].code],
                    report.applied,
                    organisation_id=report.seat.organisation_id,
                    period_start=f"{year}-08-15",
                    period_end=f"{year}-12-15",
                )
                number = await uow.needs_reports.next_number(FORUM_ID, year)
                sent = await uow.needs_reports.send(draft, values, number, Status.SUBMITTED, by, now)
                references.append(sent.reference)
            await uow.wheel.add(
                FORUM_ID,
                {
                    "kind": "frist_rapportering",
                    "starts_at": deadline.astimezone(UTC),
                    "title": "Frist for rapportering",
                    "place": "",
                    "text": f"Rapport om bruken av midlene for {year}.",
                    "offsets": [1440],
                },
                None,
                now,
            )
            await uow.commit()
    finally:
        await engine.dispose()
    return references, deadline


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    return derived_roster(tmp_path_factory.mktemp("playground-round-roster"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory, roster):
    _require_tools()
    with running_stack(
        tmp_path_factory.mktemp("playground-round"),
        forum_config=roster,
        current_user_role="statsforvalter",
        locale=LOCALE,
    ) as running:
        yield running


class Page(ReminderPage):
    """The reminder test's page helpers, and a few for cards found by a text on them."""

    def card_with(self, anchor: str):
        """The cards with a TextBlock that reads ``anchor`` exactly."""
        return self.cards.filter(has=self.page.get_by_text(anchor, exact=True))

    async def wait_for_showing(
        self, anchor: str, *shows: str, hides: tuple[str, ...] = (), what: str = "", timeout_ms: float | None = None
    ) -> None:
        """Until a card with a TextBlock ``anchor`` shows each of ``shows`` and none of
        ``hides`` (whitespace squeezed: the renderer breaks lines its own way)."""
        await self.wait_for(
            """([anchor, shows, hides]) => {
                const squeeze = s => s.replace(/\\s+/g, ' ').trim();
                return [...document.querySelectorAll('.ac-adaptiveCard')].some(c => {
                    const blocks = [...c.querySelectorAll('.ac-textBlock')].map(b => squeeze(b.innerText));
                    if (!blocks.includes(anchor)) return false;
                    const shown = squeeze(c.innerText);
                    return shows.every(s => shown.includes(s)) && !hides.some(s => shown.includes(s));
                });
            }""",
            [squeeze(anchor), [squeeze(s) for s in shows], [squeeze(s) for s in hides]],
            what or f"a card {anchor!r} showing {list(shows)}" + (f" without {list(hides)}" if hides else ""),
            **({"timeout_ms": timeout_ms} if timeout_ms else {}),
        )
        await self.page.wait_for_timeout(200)  # let the renderer settle

    async def press(self, card, title: str) -> None:
        button = card.get_by_role("button", name=title, exact=True)
        if await button.count() != 1:
            raise await self.fail(f"the card has {await button.count()} buttons {title!r}, expected one")
        await button.click()

    async def press_as(self, user: dict, card, title: str) -> dict:
        """Press ``title`` on ``card`` as ``user``: the Playground signs the invoke with
        the signed-in user, so this one request's ``from.id`` is rewritten. Returns
        the invoke as the Playground made it."""
        pressed: list[dict] = []

        async def as_user(route):
            body = json.loads(route.request.post_data or "{}")
            pressed.append(json.loads(json.dumps(body)))
            body["from"] = {**body.get("from", {}), "id": user["id"]}
            await route.continue_(post_data=json.dumps(body))

        await self.page.route(INVOKE_URL, as_user)
        try:
            await self.press(card, title)
            await self.wait_for("() => true", None, "the press")  # let the request leave
            for _ in range(50):
                if pressed:
                    break
                await self.page.wait_for_timeout(100)
        finally:
            await self.page.unroute(INVOKE_URL)
        if len(pressed) != 1:
            raise await self.fail(f"pressing {title!r} as {user['name']} sent {len(pressed)} invokes")
        return pressed[0]

    async def close_vote(self, question: str, confirm_text: str) -> None:
        """The Statsforvalter's "Oppdater" on the shared card (their own view has the
        closing button), "Avslutt nå", and "Ja, avslutt" on the confirmation."""
        await self.press(self.card_with(question).first, t("vote_refresh"))
        await self.wait_for(
            "([q, b]) => [...document.querySelectorAll('.ac-adaptiveCard')].some(c => c.innerText.includes(q) && "
            "[...c.querySelectorAll('button')].some(x => x.innerText.trim() === b))",
            [question, t("vote_close_button")],
            f"a {t('vote_close_button')!r} button on the Statsforvalter's view",
        )
        await self.press(self.card_with(question).first, t("vote_close_button"))
        await self.wait_for_card(confirm_text)
        await self.press(self.card(confirm_text), t("vote_close_yes"))

    async def type_command(self, command: str) -> None:
        """Type ``command`` in the personal chat and wait for the bot's new card."""
        before = await self.cards.count()
        # The chat's editor, not a text input on one of the cards above it.
        await self.page.locator('[data-lexical-editor="true"]').first.click()
        await self.page.keyboard.type(command)
        await self.page.keyboard.press("Enter")
        await self.wait_for(
            "(n) => document.querySelectorAll('.ac-adaptiveCard').length > n",
            before,
            f"a new card after typing {command!r}",
        )

    async def input_by(self, card, label: str, reference: str, references: list[str]):
        """The input labelled ``label`` in the row of the report ``reference`` (on a
        ranked ballot or the allocation card): the input whose nearest surroundings
        that name any report name that one alone."""
        target = await card.evaluate(INPUT_IN_ROW_JS, [label, reference, references])
        if target is None:
            raise await self.fail(f"no input {label!r} by {reference} on the card")
        return card.locator(f'[id="{target}"]')

    async def fill_rows(self, card, label: str, values: dict[str, str], references: list[str]) -> None:
        """Type each value by its report, and see that they stay: the Playground
        draws a card again when the bot updates it, which drops what was typed."""
        for _ in range(5):
            await card.locator(".ac-textBlock").first.click()
            await self.page.wait_for_timeout(500)
            for reference, value in values.items():
                await (await self.input_by(card, label, reference, references)).fill(value)
            await self.page.wait_for_timeout(500)
            kept = {ref: await (await self.input_by(card, label, ref, references)).input_value() for ref in values}
            if kept == values:
                return
        raise await self.fail(f"the card does not keep what was typed by the reports: {kept}")

    async def texts(self, card) -> list[str]:
        return await card.evaluate(
            "card => [...card.querySelectorAll('.ac-textBlock')].map(b => b.innerText.replace(/\\s+/g, ' ').trim())"
        )


INPUT_IN_ROW_JS = """(card, [label, reference, references]) => {
    for (const l of card.querySelectorAll('label')) {
        if (l.innerText.replace(/\\s*\\*\\s*$/, '').trim() !== label || !l.htmlFor) continue;
        let around = card.querySelector(`[id="${l.htmlFor}"]`);
        const names = el => references.filter(r => el.innerText.includes(r));
        while (around && around !== card && names(around).length === 0) around = around.parentElement;
        if (around && around !== card && names(around).join() === reference)
            return l.htmlFor;
    }
    return null;
}"""


# How many cards' first TextBlock reads ``title``.
COUNT_TITLED_JS = """(title) => [...document.querySelectorAll('.ac-adaptiveCard')].filter(
    c => (c.querySelector('.ac-textBlock')?.innerText || '').trim() === title).length"""


def before_moment(key: str) -> str:
    """A text up to where it names a moment (which the test does not predict to the minute)."""
    return t(key, when="\0").partition("\0")[0]


def facts_shown(blocks: list[str], title: str) -> str | None:
    """The value after a fact's title, as the renderer lays out a FactSet (title, value)."""
    return blocks[blocks.index(title) + 1] if title in blocks else None


async def test_a_whole_allocation_round(stack, roster):
    from bot.i18n import NB
    from bot.views.moments import long_moment

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{SHOT_PREFIX}*.png"):
        stale.unlink()
    forum = the_forum(roster)
    zone = ZoneInfo(forum.timezone)
    year = datetime.now(zone).year
    bot_name = stack.config["bot"]["name"]
    channel_name = stack.config["team"]["channels"][0]["name"]
    seat_total = sum(len(o.seats) for o in forum.organisations)
    kr = lambda amount: squeeze(nok(LANG, amount))  # as shown: the page squeezes no-break spaces  # noqa: E731
    participation = lambda n: t("vote_participation", voted=n, seats=seat_total)  # noqa: E731
    timings: dict[str, float] = {}
    started = time.monotonic()

    the_seats = seats(forum, stack.config)
    reports = [Report(seat, title, applied, ranks) for seat, (title, applied, ranks) in zip(the_seats, APPLICATIONS)]
    references, deadline = await seed(stack.database_url, reports, year, zone)
    labels = [f"{ref} {r.seat.organisation}: {r.title}" for ref, r in zip(references, reports)]
    granted = [r.applied for r in reports]
    granted[1] = PARTIAL
    first, second, third = the_seats

    async with browser_page(stack.playground.url, timezone=forum.timezone) as (page, blocked):
        ui = Page(page, stack, SHOT_PREFIX)
        await ui.wait_for_card(t("welcome_title"))  # the app installed in the personal chat

        # --- 1. the channel: `@bot oppsett` -------------------------------------------
        await ui.set_up_channel(channel_name, bot_name, forum.name)
        timings["setup"] = time.monotonic() - started

        # --- 2. the budget ------------------------------------------------------------
        await ui.open_conversation("Personal Chat")
        await ui.type_command("budsjett")
        budget_title = t("budget_title", year=year)
        await ui.wait_for_card(budget_title, more_text=t("budget_not_set", year=year), last=True)
        card = ui.cards.last
        await (await input_labelled(ui, card, "budget_frame_label")).fill("1 000 000")
        await ui.shot("01-budget-form", card)
        await ui.press(card, t("budget_save", year=year))
        await ui.wait_for_card(budget_title, more_text=t("budget_saved", year=year), last=True)
        blocks = await ui.texts(ui.cards.last)
        assert facts_shown(blocks, t("budget_frame")) == kr(FRAME), blocks
        assert facts_shown(blocks, t("budget_applied")) == kr(sum(r.applied for r in reports)), blocks
        assert facts_shown(blocks, t("budget_remaining")) == kr(FRAME), blocks
        await ui.shot("02-budget", ui.cards.last)
        timings["budget"] = time.monotonic() - started

        # --- 3. the ranked vote over the reports -------------------------------------
        await ui.type_command("ny avstemning")
        await ui.wait_for_card(t("vote_form_title"), last=True)
        form = ui.cards.last
        await (await input_labelled(ui, form, "vote_field_question")).fill(RANKED_QUESTION)
        for reference in references:
            box = form.get_by_role("checkbox", name=reference)
            if await box.count() != 1:
                raise await ui.fail(f"the form offers no report {reference}")
            await box.check()
        await form.get_by_role("radio", name=t("vote_mode_ranking"), exact=True).check()
        await (await input_labelled(ui, form, "vote_field_up_to")).fill(str(len(reports)))
        await (await input_labelled(ui, form, "vote_field_places")).fill(str(PLACES))
        await (await input_labelled(ui, form, "vote_field_live")).check()
        await ui.shot("03-ranked-form", form)
        await ui.press(form, t("vote_open_button"))
        await ui.wait_for_card(t("vote_opened_title"), more_text=RANKED_QUESTION, last=True)

        await ui.open_conversation(channel_name)
        mode_line = t("vote_mode_line_ranking", n=len(reports), places=PLACES)
        await ui.wait_for_showing(RANKED_QUESTION, mode_line, participation(0), t("vote_cast_button"))
        vote_card = ui.card_with(RANKED_QUESTION).first
        for label in labels:
            assert await vote_card.get_by_text(label, exact=True).count() >= 1, label

        # The first seat ranks in the UI.
        places = {ref: str(r.ranks[0]) for ref, r in zip(references, reports)}
        await ui.fill_rows(vote_card, t("vote_place_input"), places, references)
        await ui.shot("04-ranked-vote", vote_card)
        pressed = await ui.press_as(first.user, vote_card, t("vote_cast_button"))
        action = pressed["value"]["action"]
        assert action["verb"] == "vote.cast", action
        vote_id = action["data"]["vote"]
        # The ranking arrives as one input per option, by option id: which report each
        # input is follows from the place typed by it.
        marks = {k: v for k, v in action["data"].items() if k.startswith("option_")}
        assert sorted(marks.values()) == ["1", "2", "3"], action
        input_of = {
            next(i for i, r in enumerate(reports) if str(r.ranks[0]) == place): name for name, place in marks.items()
        }
        conversation_id, card_id = pressed["conversation"]["id"], pressed["replyToId"]
        # The invoke's answer: the voter's own view, in place of the card; then the shared card.
        mine = t(
            "vote_mine",
            choices=", ".join(
                f"{place}. {quoted(labels[i])}" for place, i in sorted((r.ranks[0], i) for i, r in enumerate(reports))
            ),
            seat=first.organisation,
        )
        await ui.wait_for_showing(RANKED_QUESTION, mine, what=f"{first.user['name']}'s own view ({mine!r})")
        await ui.wait_for_showing(
            RANKED_QUESTION,
            participation(1),
            hides=(mine,),
            what=f"the shared card after {first.user['name']}'s ranking",
        )

        # The other two from their own Teams.
        for column, seat in ((1, second), (2, third)):
            post_custom_activity(
                stack.playground,
                invoke_from(
                    stack.playground,
                    seat.user,
                    conversation_id,
                    card_id,
                    "vote.cast",
                    {"vote": vote_id, **{input_of[i]: str(r.ranks[column]) for i, r in enumerate(reports)}},
                ),
            )
        points = lambda i: t("vote_points", n=POINTS[i])  # noqa: E731
        await ui.wait_for_showing(
            RANKED_QUESTION,
            participation(3),
            *(f"{labels[i]} {points(i)}" for i in ORDER),
            what="the shared card with the three rankings and their points",
        )
        await ui.shot("05-ranked-ballots", ui.card_with(RANKED_QUESTION).first)

        # The Statsforvalter closes it.
        confirm_text = t("vote_close_confirm", question=RANKED_QUESTION, voted=len(the_seats), seats=seat_total)
        await ui.close_vote(RANKED_QUESTION, confirm_text)
        chosen = t("vote_status_chosen_title", chosen=quoted(*(labels[i] for i in ORDER[:PLACES])))
        await ui.wait_for_showing(
            RANKED_QUESTION, t("vote_badge_closed"), chosen, t("vote_rows_final"), what="the ranked vote's result"
        )
        blocks = await ui.texts(ui.card_with(RANKED_QUESTION).first)
        ranked = [b for b in blocks if any(b.endswith(label) for label in labels)]
        assert [next(i for i, label in enumerate(labels) if b.endswith(label)) for b in ranked] == list(ORDER), blocks
        await ui.shot("06-ranked-result", ui.card_with(RANKED_QUESTION).first)
        timings["ranked vote"] = time.monotonic() - started

        # --- 4. the proposal ------------------------------------------------------------
        await ui.open_conversation("Personal Chat")
        await ui.type_command("tildeling")
        allocation_title = t("allocation_title", year=year)
        await ui.wait_for_card(allocation_title, more_text=t("allocation_state_new"), last=True)
        card = ui.cards.last
        from_vote = await (await input_labelled(ui, card, "allocation_from_vote_label")).evaluate(
            "e => 'value' in e ? e.value : e.innerText"
        )
        assert from_vote == RANKED_QUESTION, f"the closed vote offered is {from_vote!r}"
        await ui.press(card, t("allocation_from_vote_button"))
        await ui.wait_for_card(allocation_title, more_text=t("allocation_ordered"), last=True)
        card = ui.cards.last
        blocks = await ui.texts(card)
        headings = [b for b in blocks if any(b == f"{ref} {r.title}" for ref, r in zip(references, reports))]
        assert headings == [f"{references[i]} {reports[i].title}" for i in ORDER], blocks
        assert t("allocation_state_from_vote", question=RANKED_QUESTION) in " ".join(blocks), blocks
        amount = await ui.input_by(card, t("allocation_amount_label"), references[1], references)
        await amount.fill(str(PARTIAL))
        await ui.press(card, t("allocation_save"))
        await ui.wait_for_card(allocation_title, more_text=t("allocation_saved"), last=True)
        card = ui.cards.last
        blocks = await ui.texts(card)
        assert facts_shown(blocks, t("allocation_proposed")) == kr(sum(granted)), blocks
        assert facts_shown(blocks, t("allocation_remaining")) == kr(FRAME - sum(granted)), blocks
        partial = t("allocation_money", applied=kr(reports[1].applied), proposed=kr(PARTIAL), running=kr(sum(granted)))
        assert partial in blocks, blocks
        await ui.shot("07-proposal", card)
        await ui.press(card, t("allocation_post"))
        await ui.wait_for_card(allocation_title, more_text=before_moment("allocation_posted_vote"), last=True)
        timings["proposal"] = time.monotonic() - started

        # --- 5. the approval vote -------------------------------------------------------
        approval = t("allocation_vote_question", year=year)
        yes, no = t("allocation_vote_yes"), t("allocation_vote_no")
        await ui.open_conversation(channel_name)
        await ui.wait_for_showing(approval, t("vote_badge_open"), participation(0), t("vote_hidden_line"))
        await ui.wait_for_card(allocation_title)  # the read-only copy above it
        copy = ui.card(allocation_title)
        assert await copy.locator("input").count() == 0, "the channel's copy of the proposal takes no input"
        vote_card = ui.card_with(approval).first
        option_ids = {
            o: await vote_card.get_by_role("radio", name=o, exact=True).get_attribute("value") for o in (yes, no)
        }
        await vote_card.get_by_role("radio", name=yes, exact=True).check()
        pressed = await ui.press_as(first.user, vote_card, t("vote_cast_button"))
        vote_id = pressed["value"]["action"]["data"]["vote"]
        conversation_id, card_id = pressed["conversation"]["id"], pressed["replyToId"]
        await ui.wait_for_showing(approval, participation(1), what="the approval vote after the first yes")
        for seat in (second, third):
            post_custom_activity(
                stack.playground,
                invoke_from(
                    stack.playground,
                    seat.user,
                    conversation_id,
                    card_id,
                    "vote.cast",
                    {"vote": vote_id, "choices": option_ids[yes]},
                ),
            )
        await ui.wait_for_showing(approval, participation(3), what="the approval vote with three ballots")
        await ui.close_vote(
            approval, t("vote_close_confirm", question=approval, voted=len(the_seats), seats=seat_total)
        )
        await ui.wait_for_showing(
            approval,
            t("vote_status_chosen_title", chosen=quoted(yes)),
            f"{yes} {t('vote_count', n=3)}",
            what="the approval vote carried",
        )
        await ui.shot("08-approval", ui.card_with(approval).first)
        timings["approval"] = time.monotonic() - started

        # The allocation is decided: the table and the budget say so.
        await ui.open_conversation("Personal Chat")
        await ui.type_command("tildeling")
        await ui.wait_for_card(allocation_title, more_text=before_moment("allocation_state_decided"), last=True)
        card = ui.cards.last
        assert await card.locator("input").count() == 0, "a decided allocation cannot be edited"
        await ui.shot("09-decided", card)
        await ui.type_command("budsjett")
        await ui.wait_for_card(budget_title, last=True)
        blocks = await ui.texts(ui.cards.last)
        assert facts_shown(blocks, t("budget_granted")) == kr(sum(granted)), blocks
        assert facts_shown(blocks, t("budget_remaining")) == kr(FRAME - sum(granted)), blocks

        # --- 6. the award letters ---------------------------------------------------------
        # The seat holders of the granted organisations who are Playground users write
        # to the bot from their own Teams first, so their letters come to the one
        # personal chat the Playground shows.
        in_playground = people_in_playground(forum, stack.config, {s.organisation_id for s in the_seats})
        helps = await page.evaluate(COUNT_TITLED_JS, t("help_title"))
        for user in in_playground.values():
            post_custom_activity(stack.playground, message_from(stack.playground, user, PERSONAL_CHAT_ID, "hjelp"))
        await ui.wait_for(
            f"([title, n]) => ({COUNT_TITLED_JS})(title) >= n",
            [t("help_title"), helps + len(in_playground)],
            "the help cards of the seat holders who wrote to the bot",
        )
        await ui.type_command("tildelingsbrev")
        award_title = t("award_title", year=year)
        await ui.wait_for_card(award_title, last=True)
        card = ui.cards.last
        deadline_shown = long_moment(deadline, forum.timezone, NB)
        chosen_deadline = await (await input_labelled(ui, card, "award_deadline_label")).evaluate(
            "e => 'value' in e ? e.value : e.innerText"
        )
        assert chosen_deadline.endswith(deadline_shown), f"the proposed deadline is {chosen_deadline!r}"
        conditions = card.locator("textarea")
        assert await conditions.count() == 1, await card.inner_text()
        await conditions.fill(CONDITIONS)
        await ui.shot("10-letters-form", card)
        await ui.press(card, t("award_send", year=year))
        # The answer replaces the form; the letters come below it, as they go out.
        await ui.wait_for_card(award_title, more_text=t("award_sending"))
        sending_card = ui.card(award_title)
        # The letters, in the chat every letter to a Playground user came to.
        letter_title = t("award_letter_title", year=year)
        await ui.wait_for(
            f"([title, n]) => ({COUNT_TITLED_JS})(title) >= n",
            [letter_title, len(in_playground)],
            f"{len(in_playground)} award letters in the personal chat",
        )
        for seat, report, amount in zip(the_seats, reports, granted):
            intro = t("award_letter_intro", organisation=seat.organisation, year=year)
            letters = ui.cards.filter(has_text=letter_title).filter(has_text=intro)
            people = [n for n, u in in_playground.items() if n in seat_people(forum, seat.organisation_id)]
            assert await letters.count() == len(people), f"{await letters.count()} letters for {seat.organisation}"
            shown = squeeze(await letters.first.inner_text())
            for expected in (
                t("award_letter_granted", applied=kr(report.applied), granted=kr(amount)),
                f"{t('award_granted')} {kr(amount)}",
                f"{t('award_deadline')} {deadline_shown}",
                CONDITIONS,
            ):
                assert squeeze(expected) in shown, f"{expected!r} is not in {seat.organisation}'s letter:\n{shown}"
            assert await letters.first.get_by_role("button", name=t("grant_report_button"), exact=True).count() == 1
        await ui.shot("11-letter", ui.cards.filter(has_text=letter_title).last)
        # The delivery report: every Playground user's letter sent; the one deputy
        # who is no Playground user has never told the bot anything.
        sent_line = f"{t('wheel_status_sent')} · {t('wheel_report_attempts_one')}"
        delivered_all = t("award_delivered_count", sent=len(in_playground), all=2 * len(the_seats))
        for _ in range(20):
            await ui.press(sending_card, t("award_refresh"))
            await page.wait_for_timeout(500)
            sending_card = ui.card(award_title)
            shown = squeeze(await sending_card.inner_text())
            if all(f"{name} {sent_line}" in shown for name in in_playground) and delivered_all in shown:
                break
        else:
            raise await ui.fail(f"the delivery report does not say every letter to {list(in_playground)} was sent")
        unreached = [
            p.name for s in the_seats for p in seat_people_of(forum, s.organisation_id) if p.name not in in_playground
        ]
        for name in unreached:
            assert f"{name} {t('wheel_status_not_reachable')}" in shown, shown
        await ui.shot("12-letters-report", sending_card)
        timings["letters"] = time.monotonic() - started

        # --- 7. the report back ---------------------------------------------------------------
        reporter = first  # granted in full
        group = stack.config["groupChat"]
        await ui.open_conversation(group["name"])
        post_custom_activity(
            stack.playground, message_from(stack.playground, reporter.user, group["id"], "rapportering")
        )
        await ui.wait_for_card(t("grant_list_title"), last=True)
        card = ui.cards.last
        listed = await card.inner_text()
        assert references[0] in listed and not any(r in listed for r in references[1:]), (
            f"{reporter.user['name']} should see her organisation's grant alone:\n{listed}"
        )
        await ui.press_as(reporter.user, card, t("grant_report_button"))
        await ui.wait_for_card(t("grant_title", reference=references[0], year=year), last=True)
        form = ui.cards.last
        answers = {
            "done": "Tre samlinger om vurdering i moduler for 80 lærere.",
            "participants": "80",
            "partner_part": "Høgskolen i Østfold holdt to av samlingene.",
            "money_used": str(reports[0].applied - 50_000),
            "unused": "50000",
            "experience": "Lærerne bruker felles kriterier; ubrukte midler skyldes en avlyst samling.",
        }
        for name, value in answers.items():
            await (await input_labelled(ui, form, f"grant_field_{name}")).fill(value)
        await ui.shot("13-report-form", form)
        await ui.press_as(reporter.user, form, t("grant_send"))
        receipt = t("grant_sent_first", reference=references[0])
        await ui.wait_for_card(t("grant_title", reference=references[0], year=year), more_text=receipt, last=True)
        await ui.shot("14-report-receipt", ui.cards.last)

        # The Statsforvalter's list and the overview.
        await ui.open_conversation("Personal Chat")
        await ui.type_command("rapportering")
        await ui.wait_for_card(t("grant_list_title"), last=True)
        blocks = await ui.texts(ui.cards.last)
        for index, (reference, report, seat) in enumerate(zip(references, reports, the_seats)):
            state = facts_shown(blocks, squeeze(f"{reference} {report.title} ({seat.organisation})"))
            progress = before_moment("grant_progress_sent") if index == 0 else t("grant_progress_not_started") + " · "
            expected = squeeze(f"{t('grant_granted_amount', amount=kr(granted[index]))} · {progress}")
            assert state and state.startswith(expected), f"{reference}: {state!r}, expected {expected!r}…\n{blocks}"
        await ui.shot("15-reporting-list", ui.cards.last)
        await ui.type_command("oversikt")
        await ui.wait_for_card(t("overview_title", year=year), last=True)
        blocks = await ui.texts(ui.cards.last)
        assert t("overview_round_reported_count", reported=1, grants=len(reports)) in blocks, blocks
        for index, (reference, report) in enumerate(zip(references, reports)):
            status = t("status_rapportert" if index == 0 else "status_tildelt").capitalize()
            shown_status = facts_shown(blocks, f"{reference} {report.title}")
            assert shown_status == status, f"{reference} is {shown_status!r}, not {status!r}: {blocks}"
        await ui.shot("16-overview", ui.cards.last)
        timings["report back"] = time.monotonic() - started

        await assert_clean_exchanges(ui, stack)

    print(
        "[e2e] "
        + ", ".join(f"{k} after {v:.1f} s" for k, v in timings.items())
        + f"; aborted {len(blocked)} non-loopback requests; screenshots {SHOT_PREFIX}*.png in {ARTIFACTS}"
    )

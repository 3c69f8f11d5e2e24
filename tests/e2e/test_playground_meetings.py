"""A forum meeting from its notice to its minutes, in the Agents Playground:
notice → forfall → deputy called → minutes.

Headless Chromium opens the Playground UI signed in as the Statsforvalter, as a
Norwegian Teams client (nb-NO through the harness's locale proxy), over the
round test's roster (one Statsforvalter, so that the Playground's five other
users are three representatives and two deputies, among them the
representative and the deputy of one seat).

The spring meeting in the annual wheel (five days ahead, no place yet) and one
sent needs report of this year (so that the proposed agenda has an item of its
own between the opening and "Eventuelt") are the input of the test, not its
subject: they are written into the running bot's database with the project's
own repositories, as the round test writes its needs reports.

Then, as people would:

1. in the forum channel, `@bot oppsett`;
2. the seat holders who are Playground users write `hjelp` from their own Teams
   (customActivities), so the bot knows their 1:1 chat, which in the Playground
   is its one personal chat;
3. `innkalling` lists the meeting *ikke innkalt*; "Skriv innkalling" opens the
   form with the proposed agenda (checked line by line); a place and a paper are
   typed in; "Send innkallingen": the notice appears in the channel (place,
   agenda, the paper's button, *Kommer* and *Forfall*) and, once for each of the
   three representatives, in the personal chat ("Du er kalt inn som representant
   for …"); "Oppdater" on the Statsforvalter's *Oppmøte* card says the channel
   and the three notices were sent and the other seats' notices found nobody;
4. on the channel's notice one representative presses "Kommer" and another
   "Forfall" (UI presses whose ``from.id`` is rewritten to hers, as the vote and
   round tests do): the answer card says her deputy is called; the deputy's call
   ("… har meldt forfall. Du er kalt inn som vara for …") arrives in the personal
   chat; the deputy answers "Kommer" on it; "Oppdater" on *Oppmøte* shows
   "vara … kommer" for that seat;
5. the meeting begins: its time is moved into the past in the database (as
   tests/test_minutes.py does; the bot reads it on each turn). `referat` opens
   the draft with who sat for each seat (the deputy for that one), the agenda as
   the text to write under; the text typed, "Lagre utkast", then "Godkjenn og
   legg ut": the minutes appear in the forum channel as typed, and `møter` lists
   the meeting "2 av 12 seter til stede · referat godkjent".

What the Playground cannot do, and how the test goes round it: the deputy's call
is in the personal chat, and there the Playground acts as the signed-in user
alone: a press on it whose ``from.id`` is rewritten to the deputy (as in the
channel) does not reach the bot as his, and his answer is never recorded. The deputy's "Kommer" is therefore the press the
Playground's UI makes on the call's button (its verb and data, checked), held
back in the browser and delivered as the deputy's through customActivities, as a
press from his own Teams. The Playground drops the answer to an invoke posted
that way, so his answer card is not checked; what the press did is, on the
Statsforvalter's *Oppmøte* ("vara … kommer") and in the minutes ("… (vara)").

Screenshots land in tests/artifacts/playground-meetings-*.png (gitignored).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.forum.meetings.minutes import MAX_MINUTES
from bot.forum.meetings.notice import MAX_ITEMS, MAX_PAPERS
from bot.teams_app.playground import PERSONAL_CHAT_ID

from .playground import (
    ARTIFACTS,
    browser_page,
    custom_activity_template,
    message_from,
    post_custom_activity,
    running_stack,
)
from .test_playground import _require_tools
from .test_playground_reminder import INPUT_FOR_LABEL_JS, LOCALE, assert_clean_exchanges, t
from .test_playground_round import (
    COUNT_TITLED_JS,
    FORUM_ID,
    before_moment,
    derived_roster,
    facts_shown,
    people_in_playground,
    the_forum,
)
from .test_playground_round import (
    Page as RoundPage,
)
from .test_playground_vote import INVOKE_URL, squeeze

pytestmark = pytest.mark.e2e

SHOT_PREFIX = "playground-meetings-"
MEETING_TITLE = "Vårmøte i samarbeidsforumet"
AHEAD = timedelta(days=5)  # no reminder to answer falls due in the test (two days before)
PLACE = "Statsforvalterens hus, møterom 3"
PAPER_TITLE = "Budsjett 2027"
PAPER = f"{PAPER_TITLE} | https://example.org/budsjett-2027.pdf"
REPORT_TITLE = "Lese- og skriveopplæring for voksne"
MINUTES_TEXT = "1. Innkalling og saksliste godkjent.\n\n2. Behovsmeldingen prioriteres.\n\n3. Ingen saker."


@dataclass(frozen=True)
class Seat:
    organisation: str
    representative: dict  # the Playground user
    deputy: dict | None  # the Playground user, if the deputy is one


def playground_seats(forum, config: dict) -> list[Seat]:
    """The single-seat organisations whose representative is a Playground user,
    in roster order, each with its deputy if that is one too."""
    users = {u["aadObjectId"]: u for u in config["users"]}
    found = []
    for organisation in forum.organisations:
        for seat in organisation.seats:
            rep = users.get(seat.representative.aad_object_id) if seat.representative else None
            if rep and len(organisation.seats) == 1:
                deputy = users.get(seat.deputy.aad_object_id) if seat.deputy else None
                found.append(Seat(organisation.name, rep, deputy))
    return found


async def seed(database_url: str, starts_at: datetime, reporter: dict, organisation_id: str, year: int) -> None:
    """The spring meeting in the wheel, and one sent needs report of the year."""
    from bot.forum.needs.report import Status
    from bot.forum.needs.service import competence_areas
    from storage.database import create_engine, session_factory
    from storage.unit_of_work import UnitOfWork
    from tests.test_overview import fields

    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.wheel.add(
                FORUM_ID,
                {
                    "kind": "vaarmote",
                    "starts_at": starts_at.astimezone(UTC),
                    "title": MEETING_TITLE,
                    "place": "",
                    "text": "",
                    "offsets": [],
                },
                None,
                now,
            )
            areas = await competence_areas(uow, FORUM_ID, year)
            by = reporter["aadObjectId"]
            draft = await uow.needs_reports.add(FORUM_ID, organisation_id, year, by, now)
            values = fields(
                REPORT_TITLE,
                [areas[0].code],
                200_000,
                organisation_id=organisation_id,
                period_start=f"{year}-08-15",
                period_end=f"{year}-12-15",
            )
            number = await uow.needs_reports.next_number(FORUM_ID, year)
            await uow.needs_reports.send(draft, values, number, Status.SUBMITTED, by, now)
            await uow.commit()
    finally:
        await engine.dispose()


async def begin_meeting(database_url: str) -> None:
    """The meeting's time moved into the past, as if it had begun."""
    from sqlalchemy import update

    from storage.database import create_engine, session_factory
    from storage.models import MeetingRow
    from storage.unit_of_work import UnitOfWork

    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.session.execute(update(MeetingRow).values(starts_at=datetime.now(UTC) - timedelta(minutes=5)))
            await uow.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    return derived_roster(tmp_path_factory.mktemp("playground-meetings-roster"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory, roster):
    _require_tools()
    with running_stack(
        tmp_path_factory.mktemp("playground-meetings"),
        forum_config=roster,
        current_user_role="statsforvalter",
        locale=LOCALE,
    ) as running:
        yield running


class Page(RoundPage):
    async def input_for(self, card, label: str):
        """The input labelled ``label`` (a text with parameters, unlike input_labelled's keys)."""
        target = await card.evaluate(INPUT_FOR_LABEL_JS, label)
        if target is None:
            raise await self.fail(f"no input labelled {label!r} on the card")
        return card.locator(f'[id="{target}"]')

    async def held_press(self, card, title: str) -> dict:
        """Press ``title`` on ``card`` and keep the invoke from reaching the
        bot; returns it as the Playground made it."""
        held: list[dict] = []

        async def hold(route):
            held.append(json.loads(route.request.post_data or "{}"))
            await route.abort()

        await self.page.route(INVOKE_URL, hold)
        try:
            await self.press(card, title)
            for _ in range(50):
                if held:
                    break
                await self.page.wait_for_timeout(100)
        finally:
            await self.page.unroute(INVOKE_URL)
        if len(held) != 1:
            raise await self.fail(f"pressing {title!r} made {len(held)} invokes")
        return held[0]

    async def refresh_until(self, title: str, button: str, *shows: str) -> list[str]:
        """Press ``button`` on the card ``title`` until it shows each of ``shows``
        (messages go out after the turn); returns its TextBlocks."""
        for _ in range(20):
            card = self.card(title)
            await self.press(card, button)
            await self.page.wait_for_timeout(500)
            shown = squeeze(await self.card(title).inner_text())
            if all(squeeze(s) in shown for s in shows):
                return await self.texts(self.card(title))
        raise await self.fail(f"the card {title!r} does not come to show {list(shows)}")


def press_from(playground, user: dict, pressed: dict) -> dict:
    """The press the Playground's UI made (it sends the server only the invoke's
    name, value, conversation and card), as ``user`` makes it from their own Teams."""
    activity = custom_activity_template(playground, pressed["conversation"]["id"])
    activity.update(
        type="invoke", name=pressed["name"], value=pressed["value"], replyToId=pressed["replyToId"], locale=LOCALE
    )
    activity["from"] = {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}
    return activity


def seat_row(blocks: list[str], organisation: str) -> str | None:
    """What an attendance card says of an organisation's one seat: its heading,
    then the FactSet's "Sete 1" and the value."""
    if organisation not in blocks:
        return None
    at = blocks.index(organisation)
    return blocks[at + 2] if blocks[at + 1 : at + 2] == [t("roster_seat", number=1)] else None


async def test_a_meeting_from_notice_to_minutes(stack, roster):
    from bot.i18n import NB
    from bot.views.moments import long_moment

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{SHOT_PREFIX}*.png"):
        stale.unlink()
    forum = the_forum(roster)
    zone = ZoneInfo(forum.timezone)
    now = datetime.now(zone)
    year = now.year
    starts = (now + AHEAD).replace(hour=10, minute=0, second=0, microsecond=0)
    bot_name = stack.config["bot"]["name"]
    channel_name = stack.config["team"]["channels"][0]["name"]
    seat_total = sum(len(o.seats) for o in forum.organisations)
    timings: dict[str, float] = {}
    started = time.monotonic()

    seats = playground_seats(forum, stack.config)
    absent = next(s for s in seats if s.deputy)  # her deputy stands in
    coming = next(s for s in seats if s is not absent)
    unanswered = [s for s in seats if s not in (absent, coming)]
    assert unanswered, f"the Playground's users hold too few seats: {stack.config['users']}"
    reporter_org = next(o for o in forum.organisations if o.name == coming.organisation)
    await seed(stack.database_url, starts, coming.representative, reporter_org.id, year)
    when = long_moment(starts, forum.timezone, NB)

    async with browser_page(stack.playground.url, timezone=forum.timezone) as (page, blocked):
        ui = Page(page, stack, SHOT_PREFIX)
        await ui.wait_for_card(t("welcome_title"))  # the app installed in the personal chat

        # --- 1. the channel: `@bot oppsett` -------------------------------------------
        await ui.set_up_channel(channel_name, bot_name, forum.name)
        timings["setup"] = time.monotonic() - started

        # --- 2. the seat holders write to the bot from their own Teams -----------------
        await ui.open_conversation("Personal Chat")
        in_playground = people_in_playground(forum, stack.config, {o.id for o in forum.organisations})
        helps = await page.evaluate(COUNT_TITLED_JS, t("help_title"))
        for user in in_playground.values():
            post_custom_activity(stack.playground, message_from(stack.playground, user, PERSONAL_CHAT_ID, "hjelp"))
        await ui.wait_for(
            f"([title, n]) => ({COUNT_TITLED_JS})(title) >= n",
            [t("help_title"), helps + len(in_playground)],
            "the help cards of the seat holders who wrote to the bot",
        )

        # --- 3. the notice --------------------------------------------------------------
        await ui.type_command("innkalling")
        listing_title = t("meetings_to_come", forum=forum.name)
        await ui.wait_for_card(listing_title, last=True)
        blocks = await ui.texts(ui.cards.last)
        assert facts_shown(blocks, MEETING_TITLE) == f"{when} · {t('meeting_not_noticed')}", blocks
        await ui.press(ui.cards.last, t("meeting_compose_button"))
        form_title = t("meeting_form_title", title=MEETING_TITLE)
        await ui.wait_for_card(form_title, last=True)
        form = ui.cards.last
        assert when in await ui.texts(form)
        agenda_box = await ui.input_for(form, t("meeting_agenda_label", limit=MAX_ITEMS))
        proposed = (await agenda_box.input_value()).splitlines()
        assert proposed == [
            t("agenda_opening"),
            t("agenda_needs", year=year, count=1),
            t("agenda_any_other"),
        ], proposed
        place_box = await ui.input_for(form, t("meeting_place_label"))
        assert await place_box.input_value() == "", "the wheel's meeting has no place yet"
        await place_box.fill(PLACE)
        await (await ui.input_for(form, t("meeting_papers_label", limit=MAX_PAPERS))).fill(PAPER)
        await ui.shot("01-notice-form", form)
        await ui.press(form, t("meeting_send"))
        attendance_title = t("meeting_attendance_title", title=MEETING_TITLE)
        await ui.wait_for_card(attendance_title, more_text=t("meeting_sending"), last=True)

        # Every representative in the Playground is called, once, in the chat she wrote from.
        for seat in seats:
            called = t("meeting_called_representative", organisation=seat.organisation, number=1)
            await ui.wait_for_showing(MEETING_TITLE, called, what=f"the notice to {seat.representative['name']}")
            assert await ui.cards.filter(has_text=called).count() == 1, f"{seat.representative['name']} called twice"
        notice_in_chat = ui.cards.filter(
            has_text=t("meeting_called_representative", organisation=absent.organisation, number=1)
        )
        assert await notice_in_chat.get_by_role("button", name=t("meeting_absent_button"), exact=True).count() == 1
        await ui.shot("02-notice-in-chat", notice_in_chat)
        # The Statsforvalter's view: the channel and the reachable seats sent, the others found nobody.
        sent_once = f"{t('wheel_status_sent')} · {t('wheel_report_attempts_one')}"
        blocks = await ui.refresh_until(
            attendance_title,
            t("meeting_refresh"),
            t("meeting_notices_count", sent=len(seats), all=seat_total),
        )
        assert facts_shown(blocks, t("meeting_channel")) == sent_once, blocks
        for seat in seats:
            expected = t("meeting_seat_unanswered", name=seat.representative["name"]) + f" ({sent_once})"
            assert seat_row(blocks, seat.organisation) == expected, (seat.organisation, blocks)
        nobody = f"({t('wheel_status_not_reachable')})"
        assert sum(b.endswith(nobody) for b in blocks) == seat_total - len(seats), blocks
        await ui.shot("03-attendance-sent", ui.card(attendance_title))
        timings["notice"] = time.monotonic() - started

        # --- the notice in the channel ----------------------------------------------------
        await ui.open_conversation(channel_name)
        kicker = t("meeting_notice_kicker", forum=forum.name)
        await ui.wait_for_showing(MEETING_TITLE, kicker, when, PLACE, *proposed, what="the notice in the channel")
        channel_notice = ui.card_with(MEETING_TITLE).first
        # Each item is a TextBlock "n. item", which the renderer draws as a numbered list.
        agenda = await channel_notice.evaluate(
            "card => [...card.querySelectorAll('ol')].map(ol => `${ol.start}. ${ol.innerText.trim()}`)"
        )
        assert agenda == [f"{n}. {item}" for n, item in enumerate(proposed, 1)], agenda
        # The renderer gives an Action.OpenUrl the role of a link.
        assert await channel_notice.get_by_role("link", name=PAPER_TITLE, exact=True).count() == 1, PAPER_TITLE
        for button in (t("meeting_coming_button"), t("meeting_absent_button")):
            assert await channel_notice.get_by_role("button", name=button, exact=True).count() == 1, button
        await ui.shot("04-notice-in-channel", channel_notice)

        # --- 4. Kommer, Forfall, and the deputy called -----------------------------------------
        await ui.press_as(coming.representative, channel_notice, t("meeting_coming_button"))
        await ui.wait_for_showing(
            MEETING_TITLE, t("meeting_answered_coming"), what=f"{coming.representative['name']}'s answer"
        )
        channel_notice = ui.card_with(MEETING_TITLE).first
        pressed = await ui.press_as(absent.representative, channel_notice, t("meeting_absent_button"))
        meeting_id = pressed["value"]["action"]["data"]["meeting"]
        answered = t("meeting_answered_absent") + " " + t("meeting_deputy_called", deputy=absent.deputy["name"])
        await ui.wait_for_showing(MEETING_TITLE, answered, what=f"{absent.representative['name']}'s forfall")
        await ui.shot("05-forfall", ui.card_with(MEETING_TITLE).first)

        await ui.open_conversation("Personal Chat")
        call_text = t(
            "meeting_called_deputy",
            representative=absent.representative["name"],
            organisation=absent.organisation,
            number=1,
        )
        await ui.wait_for_showing(MEETING_TITLE, call_text, what=f"the call to {absent.deputy['name']}")
        call = ui.cards.filter(has_text=squeeze(call_text))
        assert await call.count() == 1, f"{absent.deputy['name']} called {await call.count()} times"
        await ui.shot("06-deputy-call", call)
        # His "Kommer", from his own Teams (see the module docstring).
        held = await ui.held_press(call, t("meeting_coming_button"))
        assert held["value"]["action"]["data"] == {"meeting": meeting_id, "coming": True}, held["value"]
        post_custom_activity(stack.playground, press_from(stack.playground, absent.deputy, held))
        deputy_comes = t("meeting_seat_deputy_coming", name=absent.deputy["name"])
        blocks = await ui.refresh_until(attendance_title, t("meeting_refresh"), deputy_comes)
        assert seat_row(blocks, absent.organisation) == deputy_comes, blocks
        assert seat_row(blocks, coming.organisation) == t("meeting_seat_coming", name=coming.representative["name"])
        assert facts_shown(blocks, t("meeting_coming")) == "2", blocks
        await ui.shot("07-attendance-answers", ui.card(attendance_title))
        timings["answers"] = time.monotonic() - started

        # --- 5. the meeting begins; the minutes ------------------------------------------------
        await begin_meeting(stack.database_url)
        await ui.type_command("referat")
        draft_kicker = t("minutes_draft_kicker")
        minutes_title = t("minutes_title", title=MEETING_TITLE)
        await ui.wait_for_card(draft_kicker, more_text=minutes_title, last=True)
        draft = ui.cards.last
        blocks = await ui.texts(draft)
        seat_of = lambda seat: t("minutes_seat", organisation=seat.organisation, number=1)  # noqa: E731
        assert facts_shown(blocks, seat_of(absent)) == t("minutes_deputy", name=absent.deputy["name"]), blocks
        assert facts_shown(blocks, seat_of(coming)) == coming.representative["name"], blocks
        for seat in unanswered:
            assert facts_shown(blocks, seat_of(seat)) == t("minutes_unanswered"), blocks
        assert t("minutes_no_decisions") in blocks, blocks
        text_box = await ui.input_for(draft, t("minutes_text_label", limit=MAX_MINUTES))
        assert (await text_box.input_value()).split("\n\n") == [f"{n}. {item}" for n, item in enumerate(proposed, 1)]
        await text_box.fill(MINUTES_TEXT)
        await ui.press(draft, t("minutes_save"))
        await ui.wait_for_card(draft_kicker, more_text=before_moment("minutes_draft_saved"), last=True)
        draft = ui.cards.last
        kept = await (await ui.input_for(draft, t("minutes_text_label", limit=MAX_MINUTES))).input_value()
        assert kept == MINUTES_TEXT, f"the saved draft shows {kept!r}"
        await ui.shot("08-minutes-draft", draft)
        await ui.press(draft, t("minutes_approve"))
        await ui.wait_for_card(t("minutes_kicker", forum=forum.name), more_text=t("minutes_posted"), last=True)

        await ui.open_conversation(channel_name)
        approved_by = before_moment("minutes_approved_footer")
        await ui.wait_for_showing(
            minutes_title,
            t("minutes_kicker", forum=forum.name),
            approved_by,
            *MINUTES_TEXT.split("\n\n"),
            what="the approved minutes in the channel",
        )
        posted = ui.card_with(minutes_title).first
        assert await posted.locator("input, textarea").count() == 0, "the posted minutes take no input"
        blocks = await ui.texts(posted)
        assert facts_shown(blocks, seat_of(absent)) == t("minutes_deputy", name=absent.deputy["name"]), blocks
        await ui.shot("09-minutes-in-channel", posted)

        await ui.open_conversation("Personal Chat")
        await ui.type_command("møter")
        await ui.wait_for_card(t("meetings_of_year", forum=forum.name, year=year), last=True)
        blocks = await ui.texts(ui.cards.last)
        held_line = t("meetings_line", when="\0", present=2, seats=seat_total, minutes=t("meetings_minutes_approved"))
        line = facts_shown(blocks, MEETING_TITLE)
        assert line and line.endswith(squeeze(held_line.partition("\0")[2])), blocks
        await ui.shot("10-meetings", ui.cards.last)
        timings["minutes"] = time.monotonic() - started

        await assert_clean_exchanges(ui, stack)

    print(
        "[e2e] "
        + ", ".join(f"{k} after {v:.1f} s" for k, v in timings.items())
        + f"; aborted {len(blocked)} non-loopback requests; screenshots {SHOT_PREFIX}*.png in {ARTIFACTS}"
    )

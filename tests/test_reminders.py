"""Reminders from the annual wheel: on time, once, and after downtime only
what still helps. The clock is the test's, so days pass without sleeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import select

from bot.app import UOW
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from bot.delivery.deliverer import Deliverer
from bot.edge import sdk
from bot.forum.wheel.scheduler import Scheduler
from bot.handlers.reminders import ReminderNotifier
from storage.models import ReminderRow
from tests import teams
from tests.card_reading import texts

START = datetime(2031, 5, 5, 10, 0, tzinfo=UTC)  # Monday 12:00 in Oslo, summer time
DAY = timedelta(days=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class PausedClock:
    """A deliverer's clock on which every wait lasts until the test says go."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await self.go.wait()
        self.t += seconds


def scheduler(forum, clock: Clock) -> Scheduler:
    uow = forum.app[UOW]
    return Scheduler(uow, ReminderNotifier(Deliverer(sdk.load(Settings()).connector), uow, clock), clock)


async def add_event(forum, kind: str, starts_at: datetime, offsets: list[int], title: str = "Vårmøte") -> int:
    async with forum.app[UOW]() as uow:
        event = await uow.wheel.add(
            "oslo-viken",
            {"kind": kind, "starts_at": starts_at, "title": title, "place": "Oslo", "text": "", "offsets": offsets},
            None,
            START - 60 * DAY,
        )
        await uow.wheel.plan(event, "Europe/Oslo", START - 60 * DAY)
        await uow.commit()
        return event.id


async def reminders(forum, event_id: int) -> dict[tuple[int, str], str]:
    async with forum.app[UOW]() as uow:
        rows = await uow.session.scalars(select(ReminderRow).where(ReminderRow.event_id == event_id))
        return {(r.offset_minutes, r.target): r.status for r in rows}


def channel_posts(forum) -> list[dict]:
    return [r.cards[0] for r in forum.connector.sent_to(teams.CHANNEL)]


async def set_up_channel(forum) -> None:
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    forum.connector.received.clear()


async def test_each_reminder_goes_to_the_channel_once_at_its_time(forum):
    await set_up_channel(forum)
    event = await add_event(forum, "vaarmote", START, [14 * 1440, 7 * 1440, 1440])
    clock = Clock(START - 20 * DAY)
    run = scheduler(forum, clock)

    await run.run_once()
    assert channel_posts(forum) == []
    clock.now = START - 14 * DAY + timedelta(minutes=1)
    await run.run_once()
    await run.run_once()  # never twice
    (post,) = channel_posts(forum)
    assert "Vårmøte" in texts(post) and "om 14 dager" in texts(post)
    assert "mandag 5. mai 2031 kl. 12:00" in texts(post)

    clock.now = START - 7 * DAY
    await run.run_once()
    clock.now = START - DAY
    await run.run_once()
    assert len(channel_posts(forum)) == 3
    assert set((await reminders(forum, event)).values()) == {"sent"}


async def test_after_downtime_only_the_nearest_due_reminder_is_sent(forum):
    await set_up_channel(forum)
    event = await add_event(forum, "vaarmote", START, [14 * 1440, 7 * 1440, 1440, 60])
    clock = Clock(START - 12 * 60 * timedelta(minutes=1))  # down for 13 days: 14d, 7d and 1d all due
    await scheduler(forum, clock).run_once()

    (post,) = channel_posts(forum)
    assert "om 12 timer" in texts(post)
    assert await reminders(forum, event) == {
        (14 * 1440, "channel"): "skipped",
        (7 * 1440, "channel"): "skipped",
        (1440, "channel"): "sent",
        (60, "channel"): "planned",
    }


async def test_reminders_for_an_event_that_has_begun_are_skipped(forum):
    await set_up_channel(forum)
    event = await add_event(forum, "vaarmote", START, [1440, 60])
    await scheduler(forum, Clock(START + timedelta(minutes=5))).run_once()
    assert channel_posts(forum) == []
    assert set((await reminders(forum, event)).values()) == {"skipped"}


async def test_without_a_forum_channel_the_report_says_not_reachable(forum):
    event = await add_event(forum, "vaarmote", START, [1440])
    await scheduler(forum, Clock(START - DAY)).run_once()
    assert await reminders(forum, event) == {(1440, "channel"): "not_reachable"}


async def test_before_the_needs_deadline_the_missing_are_named_and_nudged(forum):
    await set_up_channel(forum)
    ada = forum.representative("ostfold-vo")
    bo = forum.deputy("ostfold-vo")
    await forum.say(ada, "hjelp")  # Ada has a 1:1 chat with the bot; Bo has not
    forum.connector.received.clear()
    event = await add_event(forum, "frist_behovsmeldinger", START, [7 * 1440], "Frist for behovsmeldinger")

    # One pass of the scheduler: the nudges it plans while sending the
    # channel card go right after it, not a round later.
    handled = await scheduler(forum, Clock(START - 7 * DAY)).run_once()

    assert handled == 1 + 18
    (post,) = channel_posts(forum)
    assert "Ikke sendt inn ennå:" in texts(post)
    assert "Østfold VO-nettverk" in texts(post) and "Akershus fylkeskommune" in texts(post)
    assert "Utdanningsforbundet" not in texts(post)  # does not send needs reports
    (nudge,) = forum.connector.sent_to(teams.personal_conversation(ada))
    assert "Organisasjonen din har ikke sendt inn behovsmelding for 2031" in texts(nudge.cards[0])

    statuses = await reminders(forum, event)
    assert statuses[(7 * 1440, f"person:{ada.aad_object_id}")] == "sent"
    assert statuses[(7 * 1440, f"person:{bo.aad_object_id}")] == "not_reachable"
    assert statuses[(7 * 1440, "channel")] == "sent"
    # 9 submitting organisations × representative and deputy
    assert len([t for (_, t) in statuses if t.startswith("person:")]) == 18
    order = [r.conversation_id for r in forum.connector.received]
    assert order.index(teams.CHANNEL) < order.index(teams.personal_conversation(ada))


async def test_a_deadline_reads_who_to_nudge_for_all_of_them_at_once_not_person_by_person(forum):
    """In a forum of hundreds the nudges are most of the work: what each
    needs (the 1:1 chat, the organisation) is read for the scheduler's whole
    batch, not once per person."""
    await set_up_channel(forum)
    submitting = [o for o in forum.config.organisations if o.submits_needs]
    people = {f(o.id): o.name for o in submitting for f in (forum.representative, forum.deputy)}
    for person in people:
        await forum.say(person, "hjelp")  # everyone has a 1:1 chat with the bot
    forum.connector.received.clear()
    event_id = await add_event(forum, "frist_behovsmeldinger", START, [7 * 1440], "Frist for behovsmeldinger")

    async with forum.app[UOW]() as uow:
        engine = uow.session.bind.sync_engine
    statements: list[str] = []

    def note(_connection, _cursor, statement, *_) -> None:
        statements.append(statement)

    sql_event.listen(engine, "before_cursor_execute", note)
    try:
        await scheduler(forum, Clock(START - 7 * DAY)).run_once()
    finally:
        sql_event.remove(engine, "before_cursor_execute", note)

    statuses = await reminders(forum, event_id)
    assert len(people) == 18 and set(statuses.values()) == {"sent"} and len(statuses) == 1 + 18
    for person, organisation in people.items():
        (nudge,) = forum.connector.sent_to(teams.personal_conversation(person))
        assert organisation in texts(nudge.cards[0])
    assert len([s for s in statements if "FROM personal_conversations" in s]) == 1
    # the roster once to name who has not sent, once for the nudges
    assert len([s for s in statements if "FROM people" in s]) <= 2


async def test_moving_an_event_moves_its_reminders_and_deleting_cancels_them(forum):
    await set_up_channel(forum)
    event_id = await add_event(forum, "vaarmote", START, [7 * 1440, 1440])
    async with forum.app[UOW]() as uow:
        event = await uow.wheel.get("oslo-viken", event_id)
        values = {"starts_at": START + 10 * DAY, "offsets": [1440]}
        moved = await uow.wheel.change(event, values, None, START - 30 * DAY)
        await uow.wheel.plan(moved, "Europe/Oslo", START - 30 * DAY)
        await uow.commit()
    assert await reminders(forum, event_id) == {(7 * 1440, "channel"): "cancelled", (1440, "channel"): "planned"}

    run = scheduler(forum, Clock(START - DAY))
    await run.run_once()
    assert channel_posts(forum) == []  # the old time is no time any more

    async with forum.app[UOW]() as uow:
        await uow.wheel.remove(await uow.wheel.get("oslo-viken", event_id))
        await uow.commit()
    await scheduler(forum, Clock(START + 9 * DAY)).run_once()
    assert channel_posts(forum) == []
    assert await reminders(forum, event_id) == {}


async def test_team_members_who_never_wrote_to_the_bot_are_nudged_when_the_app_reaches_them(forum):
    cecilie, dag = forum.representative("follo"), forum.deputy("follo")
    forum.connector.installed.add(cecilie.id)  # Dag has removed the app
    await set_up_channel(forum)  # the bot reads the team's members here
    event = await add_event(forum, "frist_behovsmeldinger", START, [1440], "Frist for behovsmeldinger")

    run = scheduler(forum, Clock(START - DAY))
    while await run.run_once():
        pass

    statuses = await reminders(forum, event)
    assert statuses[(1440, f"person:{cecilie.aad_object_id}")] == "sent"
    assert statuses[(1440, f"person:{dag.aad_object_id}")] == "not_reachable"
    (nudge,) = forum.connector.sent_to(teams.personal_conversation(cecilie))
    assert "Nettverket for Follo-regionen" in texts(nudge.cards[0])


async def report(forum, event_id: int) -> str:
    body, _ = await forum.press(forum.statsforvalter, "wheel.report", {"event_id": event_id, "view": START.year})
    return texts(body["value"])


async def test_an_event_moved_after_its_reminder_went_out_is_reminded_again_for_the_new_date(forum):
    await set_up_channel(forum)
    event = await add_event(forum, "vaarmote", START, [14 * 1440])
    clock = Clock(START - 14 * DAY)
    run = scheduler(forum, clock)
    await run.run_once()
    (first,) = channel_posts(forum)
    assert "mandag 5. mai 2031 kl. 12:00" in texts(first)

    # The Statsforvalter puts the meeting off by three months.
    body, _ = await forum.press(
        forum.statsforvalter,
        "wheel.save",
        {
            "event_id": event,
            "view": START.year,
            "kind": "vaarmote",
            "date": "2031-08-04",
            "time": "12:00",
            "title": "Vårmøte",
            "place": "Oslo",
            "text": "",
            "offsets": "14d",
        },
    )
    assert "Påminnelser til forumkanalen: 1 planlagt." in texts(body["value"])
    shown = await report(forum, event)
    assert "14 dager før: mandag 21. juli 2031 kl. 12:00\nForumkanalen\nplanlagt" in shown
    assert "14 dager før: mandag 21. april 2031 kl. 12:00\nForumkanalen\nsendt · 1 forsøk" in shown
    await run.run_once()
    assert len(channel_posts(forum)) == 1  # nothing new is due yet

    clock.now = START + 91 * DAY - 14 * DAY  # 14 days before 4 August
    await run.run_once()
    await run.run_once()
    first, second = channel_posts(forum)
    assert "om 14 dager" in texts(second) and "mandag 4. august 2031 kl. 12:00" in texts(second)

    # The report shows the plan for the new date, and keeps what went out
    # for the old one.
    shown = await report(forum, event)
    new_date = shown.index("14 dager før: mandag 21. juli 2031 kl. 12:00\nForumkanalen\nsendt · 1 forsøk")
    assert new_date < shown.index("14 dager før: mandag 21. april 2031 kl. 12:00\nForumkanalen\nsendt · 1 forsøk")


class TestSomeoneKnownOnlyByEmail:
    @pytest.fixture
    def forum_config(self, tmp_path):
        """The example roster, where the representative of Østfold
        fylkeskommune is given by e-mail only."""
        roster = EXAMPLE_FORUM_CONFIG.read_text(encoding="utf-8")
        line = "          aad_object_id: 00000000-0000-4000-8000-000000000109\n"
        assert roster.count(line) == 1
        path = tmp_path / "forum.yaml"
        path.write_text(roster.replace(line, ""), encoding="utf-8")
        return path

    async def test_before_the_needs_deadline_they_are_reported_not_reachable(self, forum):
        await set_up_channel(forum)
        event = await add_event(forum, "frist_behovsmeldinger", START, [7 * 1440], "Frist for behovsmeldinger")

        await scheduler(forum, Clock(START - 7 * DAY)).run_once()

        (post,) = channel_posts(forum)
        assert "Østfold fylkeskommune" in texts(post)
        shown = await report(forum, event)
        assert "Tone Eksempelvik\nikke nåbar · ferdig 28.04.2031 12:00 · known to the roster only by e-mail" in shown
        statuses = await reminders(forum, event)
        assert [s for (_, t), s in statuses.items() if t.startswith("roster:")] == ["not_reachable"]
        # her deputy, who has an Entra object id, is nudged as before
        assert len([t for (_, t) in statuses if t.startswith("person:")]) == 17


async def test_a_replica_whose_claim_ran_out_neither_sends_nor_records(forum):
    await set_up_channel(forum)
    event = await add_event(forum, "vaarmote", START, [1440])
    clock = Clock(START - DAY)
    uow = forum.app[UOW]
    # Replica A claims the reminder, but Teams has asked it to wait a minute
    # before its next post to the channel, and it stalls in that wait.
    paused = PausedClock()
    stalled = Deliverer(sdk.load(Settings()).connector, clock=paused)
    stalled.limiter.hold(teams.CHANNEL, 60)
    a = Scheduler(uow, ReminderNotifier(stalled, uow, clock), clock)
    a_round = asyncio.create_task(a.run_once())
    await asyncio.wait_for(paused.waiting.wait(), 10)

    # Its claim runs out; replica B takes the reminder over and sends it.
    clock.now += timedelta(minutes=6)
    b = scheduler(forum, clock)
    await b.run_once()
    (post,) = channel_posts(forum)

    # A wakes up: it no longer holds the claim, so it sends nothing and
    # leaves B's record alone.
    paused.go.set()
    await asyncio.wait_for(a_round, 10)
    assert channel_posts(forum) == [post]
    async with uow() as work:
        row = await work.session.scalar(select(ReminderRow).where(ReminderRow.event_id == event))
        assert (row.status, row.claimed_by, row.attempts) == ("sent", b.claimant, 1)


async def test_setup_reads_a_team_larger_than_one_page_of_members(forum):
    """Teams gives a team's members at most 500 to a page: a forum's team of
    hundreds (members of every seat and the Statsforvalter's office) is read
    to the end."""
    crowd = [teams.User(f"Medlem {n}", f"00000000-0000-4000-9000-{n:012d}", f"m{n}@example.org") for n in range(1, 701)]
    for member in crowd:
        forum.connector.members[member.id] = member.member_record()
    await set_up_channel(forum)
    async with forum.app[UOW]() as uow:
        known = await uow.conversations.teams_users_with_chats([m.aad_object_id for m in crowd])
    assert len(known) == 700
    assert known[crowd[-1].aad_object_id][0] == crowd[-1].id

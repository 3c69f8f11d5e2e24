"""The annual wheel (årshjul) in Teams: everyone in the forum reads it; the
Statsforvalter adds, changes, deletes and copies events, and reads the
delivery report of their reminders. Dates lie in the next year (or a few
weeks ahead), so that the tests do not depend on today's date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from bot.app import UOW, create_app
from bot.config import Settings
from bot.forum.config_file import load_forum_config
from storage.models import ForumRow
from tests.card_reading import actions, buttons, elements, input_named, inputs, only_card, texts
from tests.conftest import Forum, serve
from tests.needs_helpers import card_of, message_of, press

OSLO = ZoneInfo("Europe/Oslo")
THIS = datetime.now(OSLO).year
NEXT = THIS + 1
DAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

SPRING = {
    "kind": "vaarmote",
    "date": f"{NEXT}-05-04",
    "time": "12:00",
    "title": "Vårmøte i *samarbeidsforumet*",
    "place": "Hos Statsforvalteren i Oslo",
    "text": "Gjennomgang av tildelingsbrevet.",
    "offsets": "",
}


def norwegian(day: date, clock: str) -> str:
    return f"{DAYS[day.weekday()]} {day.day}. {MONTHS[day.month - 1]} {day.year} kl. {clock}"


def oslo(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=OSLO).astimezone(UTC)


def last_sunday_of_march(year: int) -> date:
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def last_sunday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def months(card: dict) -> dict[str, str]:
    """Each month heading on the wheel → all text under it."""
    return {
        e["items"][0]["text"]: texts(e)
        for e in elements(card)
        if isinstance(e.get("items"), list) and e["items"] and e["items"][0].get("size") == "Medium"
    }


def event_actions(card: dict, title: str) -> dict[str, tuple[str, dict]]:
    """The buttons of one event on the wheel, found by its (escaped) title."""
    (box,) = [
        e
        for e in elements(card)
        if isinstance(e.get("items"), list) and e["items"] and e["items"][0].get("text") == title
    ]
    return actions(box)


async def stored(forum, year: int = NEXT) -> list:
    async with forum.app[UOW]() as uow:
        start = datetime(year, 1, 1, tzinfo=OSLO)
        return await uow.wheel.between("oslo-viken", start, datetime(year + 1, 1, 1, tzinfo=OSLO))


async def reminders(forum, event_id: int) -> list[tuple[int, str, datetime, str]]:
    async with forum.app[UOW]() as uow:
        return [(r.offset_minutes, r.target, r.due_at, r.status) for r in await uow.wheel.deliveries(event_id)]


async def everything(forum) -> str:
    """The whole wheel and its reminders, to see that nothing changed."""
    async with forum.app[UOW]() as uow:
        events = await uow.wheel.between(
            "oslo-viken", datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)
        )
        rows = {
            e.id: [(r.offset_minutes, r.target, str(r.due_at), r.status) for r in await uow.wheel.deliveries(e.id)]
            for e in events
        }
    return json.dumps([[repr(e) for e in events], rows], default=str)


async def add(forum, user, values: dict, view: str = f"årshjul {NEXT}") -> dict:
    wheel = only_card(await forum.say(user, view))
    form = card_of(await press(forum, user, wheel, "Ny hendelse"))
    saved = card_of(await press(forum, user, form, "Lagre", values))
    assert "Lagt inn i årshjulet" in texts(saved), texts(saved)
    return saved


# --- adding and reading ----------------------------------------------------


async def test_the_statsforvalter_adds_an_event_and_its_channel_reminders_are_planned(forum):
    stine = forum.statsforvalter
    wheel = only_card(await forum.say(stine, f"årshjul {NEXT}"))
    assert f"Møter og frister i {NEXT}" in texts(wheel)
    assert buttons(wheel)[-3:] == ["Ny hendelse", f"Kopier {NEXT} til {NEXT + 1}", "Abonner i kalenderen"]

    form = card_of(await press(forum, stine, wheel, "Ny hendelse"))
    assert input_named(form, "kind")["style"] == "compact"
    assert [c["title"] for c in input_named(form, "kind")["choices"]] == [
        "Vårmøte",
        "Høstmøte",
        "Ekstramøte",
        "Frist for behovsmeldinger",
        "Frist for rapportering",
        "Annet",
    ]
    assert input_named(form, "date")["type"] == "Input.Date"
    assert input_named(form, "time")["type"] == "Input.Time"
    assert input_named(form, "text")["isMultiline"] is True
    assert input_named(form, "offsets")["placeholder"] == "14d, 7d, 1d, 2h"
    assert "Tomt felt gir standard for typen" in texts(form)

    saved = card_of(await press(forum, stine, form, "Lagre", SPRING))
    shown = texts(saved)
    assert "Lagt inn i årshjulet" in shown
    assert "Påminnelser til forumkanalen: 2 planlagt." in shown
    may = months(saved)[f"Mai {NEXT}"]
    assert "Vårmøte i \\*samarbeidsforumet\\*" in may  # escaped: shown as typed
    assert f"Vårmøte · {norwegian(date(NEXT, 5, 4), '12:00')}" in may
    assert "Sted: Hos Statsforvalteren i Oslo" in may
    assert "Gjennomgang av tildelingsbrevet." in may
    assert "Påminnelser: 14 dager og 1 dag før" in may

    (event,) = await stored(forum)
    starts = oslo(f"{NEXT}-05-04", "12:00")
    assert event.starts_at == starts and event.title == SPRING["title"] and event.offsets == (14 * 1440, 1440)
    assert await reminders(forum, event.id) == [
        (14 * 1440, "channel", starts - timedelta(days=14), "planned"),
        (1440, "channel", starts - timedelta(days=1), "planned"),
    ]


async def test_a_double_click_on_save_adds_one_event(forum):
    stine = forum.statsforvalter
    wheel = only_card(await forum.say(stine, f"årshjul {NEXT}"))
    form = card_of(await press(forum, stine, wheel, "Ny hendelse"))
    first = card_of(await press(forum, stine, form, "Lagre", SPRING))
    second = card_of(await press(forum, stine, form, "Lagre", SPRING))
    assert texts(second) == texts(first)
    (event,) = await stored(forum)
    assert len(await reminders(forum, event.id)) == 2


async def test_everyone_in_the_forum_sees_the_next_months_grouped_by_month(forum):
    stine, ada = forum.statsforvalter, forum.representative("ostfold-vo")
    soon = datetime.now(OSLO).date() + timedelta(days=40)
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "frist_behovsmeldinger",
            "title": "Frist for behovsmeldinger",
            "date": soon.isoformat(),
            "time": "12:00",
            "place": "",
            "text": "",
            "offsets": "14d, 7d, 1d, 2h",
        },
        view="årshjul",
    )
    later = soon + timedelta(days=62)
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "hostmote",
            "title": "Høstmøte",
            "date": later.isoformat(),
            "time": "10:00",
            "offsets": "7d",
        },
        view="årshjul",
    )

    wheel = only_card(await forum.say(ada, "årshjul"))
    assert "Møter og frister de neste 12 månedene" in texts(wheel)
    shown = months(wheel)
    first = shown[f"{MONTHS[soon.month - 1].capitalize()} {soon.year}"]
    assert f"Frist for behovsmeldinger · {norwegian(soon, '12:00')}" in first
    assert "Påminnelser: 14 dager, 7 dager, 1 dag og 2 timer før" in first
    assert "Høstmøte ·" not in first
    second = shown[f"{MONTHS[later.month - 1].capitalize()} {later.year}"]
    assert f"Høstmøte · {norwegian(later, '10:00')}" in second
    assert "Påminnelse: 7 dager før" in second
    assert list(shown).index(f"{MONTHS[soon.month - 1].capitalize()} {soon.year}") < list(shown).index(
        f"{MONTHS[later.month - 1].capitalize()} {later.year}"
    )
    assert buttons(wheel) == ["Abonner i kalenderen"]  # only the Statsforvalter changes the wheel

    # In an English Teams: English words, the same times.
    wheel = only_card(await forum.say(ada, "annual wheel", locale="en-GB"))
    assert "Annual wheel of" in texts(wheel)
    assert "Deadline for needs reports" in texts(wheel)
    assert f"{soon.strftime('%A')} {soon.day} {soon.strftime('%B')} {soon.year} at 12:00" in texts(wheel)
    assert "Reminders: 14 days, 7 days, 1 day and 2 hours before" in texts(wheel)


async def test_a_year_that_is_not_a_year_is_refused(forum):
    card = only_card(await forum.say(forum.representative("follo"), "årshjul neste"))
    assert "Skriv året som et tall mellom 2000 og 2100" in texts(card)


# --- changing ------------------------------------------------------------------


async def test_moving_an_event_moves_its_reminders_and_changed_offsets_cancel_the_old(forum):
    stine = forum.statsforvalter
    saved = await add(forum, stine, SPRING)
    (event,) = await stored(forum)

    form = card_of(await press(forum, stine, saved, "Endre"))
    assert "Endre hendelse: Vårmøte i \\*samarbeidsforumet\\*" in texts(form)
    assert inputs(form) == {**SPRING, "offsets": "14d, 1d"}

    changed = card_of(await press(forum, stine, form, "Lagre", {"time": "14:30"}))
    assert "Endringene er lagret" in texts(changed)
    assert norwegian(date(NEXT, 5, 4), "14:30") in texts(changed)
    starts = oslo(f"{NEXT}-05-04", "14:30")
    (moved,) = await stored(forum)
    assert moved.id == event.id and moved.starts_at == starts
    assert await reminders(forum, event.id) == [
        (14 * 1440, "channel", starts - timedelta(days=14), "planned"),
        (1440, "channel", starts - timedelta(days=1), "planned"),
    ]

    form = card_of(await press(forum, stine, changed, "Endre"))
    card_of(await press(forum, stine, form, "Lagre", {"offsets": "7d, 2h"}))
    assert sorted(await reminders(forum, event.id)) == sorted(
        [
            (14 * 1440, "channel", starts - timedelta(days=14), "cancelled"),
            (7 * 1440, "channel", starts - timedelta(days=7), "planned"),
            (1440, "channel", starts - timedelta(days=1), "cancelled"),
            (120, "channel", starts - timedelta(hours=2), "planned"),
        ]
    )


async def test_a_representative_reads_the_wheel_but_cannot_change_it(forum):
    stine, ada = forum.statsforvalter, forum.representative("ostfold-vo")
    await add(forum, stine, SPRING)
    (event,) = await stored(forum)
    before = await everything(forum)

    wheel = only_card(await forum.say(ada, f"årshjul {NEXT}"))
    assert "Vårmøte i \\*samarbeidsforumet\\*" in texts(wheel)
    assert buttons(wheel) == ["Abonner i kalenderen"]  # reading, and the calendar address

    ref = {"event_id": event.id, "view": NEXT}
    for verb, data in [
        ("wheel.new", {"view": 0}),
        ("wheel.edit", ref),
        ("wheel.save", {**ref, **SPRING, "title": "Kapret"}),
        ("wheel.save", {"view": 0, **SPRING, "title": "Nytt"}),
        ("wheel.delete", ref),
        ("wheel.delete.confirm", ref),
        ("wheel.copy", {"year": NEXT, "view": NEXT}),
        ("wheel.report", ref),
    ]:
        body, replies = await forum.press(ada, verb, data)
        assert "Bare Statsforvalteren kan gjøre dette" in message_of(body), verb
        assert replies == []
    assert await everything(forum) == before


async def test_forged_and_unknown_events_are_refused(forum):
    stine = forum.statsforvalter
    await add(forum, stine, SPRING)
    async with forum.app[UOW]() as uow:
        uow.session.add(ForumRow(id="et-annet-forum", name="Et annet forum", timezone="Europe/Oslo"))
        await uow.session.flush()
        theirs = await uow.wheel.add(
            "et-annet-forum",
            {
                "kind": "annet",
                "starts_at": oslo(f"{NEXT}-06-01", "10:00"),
                "title": "Deres",
                "place": "",
                "text": "",
                "offsets": [1440],
            },
            None,
            datetime.now(UTC),
        )
        await uow.commit()
    before = await everything(forum)
    for event_id in (theirs.id, 999_999):
        ref = {"event_id": event_id, "view": 0}
        for verb, data in [
            ("wheel.edit", ref),
            ("wheel.save", {**ref, **SPRING}),
            ("wheel.delete", ref),
            ("wheel.delete.confirm", ref),
            ("wheel.report", ref),
        ]:
            body, _ = await forum.press(stine, verb, data)
            assert "Denne hendelsen finnes ikke i årshjulet" in message_of(body), (verb, event_id)
    for verb, data in [
        ("wheel.edit", {"event_id": "én", "view": 0}),
        ("wheel.edit", {"event_id": 0}),
        ("wheel.page", {"view": 1999}),
        ("wheel.copy", {"year": "i fjor"}),
        ("wheel.report", {"event_id": [1]}),
    ]:
        body, _ = await forum.press(stine, verb, data)
        assert "Kortet sendte data jeg ikke forstår" in message_of(body), (verb, data)
    assert await everything(forum) == before
    async with forum.app[UOW]() as uow:
        assert (await uow.wheel.get("et-annet-forum", theirs.id)).title == "Deres"


# --- what is wrong is named, and nothing is stored ---------------------------


async def test_bad_input_is_named_in_the_form_and_nothing_is_stored(forum):
    stine = forum.statsforvalter
    gap = last_sunday_of_march(NEXT)
    cases = [
        ({"date": f"{NEXT}-02-30"}, "Dato: må være en dato"),
        ({"date": gap.isoformat(), "time": "02:30"}, "Tidspunkt: finnes ikke den dagen"),
        ({"offsets": "3 uker"}, "Påminnelser før hendelsen: «3 uker» forstår jeg ikke"),
        ({"date": f"{NEXT - 2}-05-04"}, "Tidspunkt: er passert"),
        ({"time": "25:00"}, "Klokkeslett: må være et klokkeslett"),
        ({"title": "  "}, "Tittel: må fylles ut"),
        ({"kind": "fest"}, "Type hendelse: har et valg som ikke står på listen"),
        ({"offsets": "400d"}, "«400d» forstår jeg ikke"),
        # Only from today to the end of the fifth year ahead: the wheel can
        # show, change and delete every event it takes.
        (
            {"date": "9999-12-31", "time": "10:00"},
            f"Tidspunkt: ligger for langt fram: årshjulet tar hendelser til og med {THIS + 5}",
        ),
        ({"date": "2500-06-01"}, "Tidspunkt: ligger for langt fram"),
        ({"date": f"{THIS + 6}-01-01", "time": "00:00"}, "Tidspunkt: ligger for langt fram"),
        ({"date": "0001-01-01", "time": "00:30"}, "Tidspunkt: er passert"),
    ]
    before = await everything(forum)
    wheel = only_card(await forum.say(stine, f"årshjul {NEXT}"))
    form = card_of(await press(forum, stine, wheel, "Ny hendelse"))
    for wrong, expected in cases:
        again = card_of(await press(forum, stine, form, "Lagre", {**SPRING, **wrong}))
        assert "Noe må rettes før hendelsen kan lagres" in texts(again), wrong
        assert expected in texts(again), (wrong, texts(again))
        assert inputs(again) == {**SPRING, **wrong}, wrong  # what was typed is kept
    assert await everything(forum) == before
    assert "Ingen møter eller frister de neste 12 månedene" in texts(only_card(await forum.say(stine, "årshjul")))

    # The last day of the window is taken.
    last = card_of(await press(forum, stine, form, "Lagre", {**SPRING, "date": f"{THIS + 5}-12-31", "time": "23:59"}))
    assert "Lagt inn i årshjulet" in texts(last) and f"Desember {THIS + 5}" in months(last)
    assert len(await stored(forum, THIS + 5)) == 1
    edit = card_of(await press(forum, stine, last, "Endre"))
    changed = card_of(await press(forum, stine, edit, "Lagre", {"time": "23:00"}))
    assert "Endringene er lagret" in texts(changed)
    question = card_of(await press(forum, stine, changed, "Slett"))
    done = card_of(await press(forum, stine, question, "Ja, slett"))
    assert "Slettet fra årshjulet" in texts(done)
    assert await everything(forum) == before

    # Corrected on the same form, it is saved.
    again = card_of(await press(forum, stine, form, "Lagre", {**SPRING, "offsets": "3 uker"}))
    saved = card_of(await press(forum, stine, again, "Lagre", {"offsets": "21d"}))
    assert "Påminnelse: 21 dager før" in texts(saved)
    assert len(await stored(forum)) == 1


async def test_errors_in_english_and_the_form_in_an_english_teams(forum):
    stine = forum.statsforvalter
    gap = last_sunday_of_march(NEXT)
    body, _ = await forum.press(stine, "wheel.new", {"view": 0}, locale="en-GB")
    form = card_of(body)
    assert "New event in the annual wheel" in texts(form)
    body, _ = await forum.press(
        stine, "wheel.save", {"view": 0, **SPRING, "date": gap.isoformat(), "time": "02:30"}, locale="en-GB"
    )
    assert "Date and time: does not exist that day" in texts(card_of(body))


# --- deleting and copying ---------------------------------------------------


async def test_deleting_asks_first_then_removes_the_event_and_its_reminders(forum):
    stine = forum.statsforvalter
    saved = await add(forum, stine, SPRING)
    (event,) = await stored(forum)

    question = card_of(await press(forum, stine, saved, "Slett"))
    assert "Vil du slette «Vårmøte i \\*samarbeidsforumet\\*»" in texts(question)
    assert "Påminnelsene som ikke er sendt, blir avlyst" in texts(question)
    kept = card_of(await press(forum, stine, question, "Nei, behold"))
    assert "Vårmøte i \\*samarbeidsforumet\\*" in texts(kept)
    assert len(await stored(forum)) == 1

    question = card_of(await press(forum, stine, kept, "Slett"))
    done = card_of(await press(forum, stine, question, "Ja, slett"))
    assert "Slettet fra årshjulet" in texts(done)
    assert "2 påminnelser som ikke var sendt, er avlyst." in texts(done)
    assert f"Ingen møter eller frister i {NEXT}." in texts(done)
    assert await stored(forum) == []
    assert await reminders(forum, event.id) == []

    # The same confirmation pressed again: the event is gone, nothing happens.
    body = await press(forum, stine, question, "Ja, slett")
    assert "finnes ikke i årshjulet" in message_of(body)


async def test_copying_a_year_to_the_next_keeps_what_is_already_there(forum):
    stine = forum.statsforvalter
    await add(forum, stine, SPRING)
    wheel = await add(
        forum,
        stine,
        {**SPRING, "kind": "hostmote", "title": "Høstmøte", "date": f"{NEXT}-10-20", "time": "10:00", "offsets": "7d"},
    )

    copied = card_of(await press(forum, stine, wheel, f"Kopier {NEXT} til {NEXT + 1}"))
    assert f"Kopiert fra {NEXT} til {NEXT + 1}" in texts(copied)
    assert f"2 hendelser er kopiert til samme dato og klokkeslett i {NEXT + 1}" in texts(copied)
    assert f"Møter og frister i {NEXT + 1}" in texts(copied)
    assert f"Mai {NEXT + 1}" in months(copied) and f"Oktober {NEXT + 1}" in months(copied)
    new = await stored(forum, NEXT + 1)
    assert [(e.kind.value, e.starts_at, e.title, e.offsets) for e in new] == [
        ("vaarmote", oslo(f"{NEXT + 1}-05-04", "12:00"), SPRING["title"], (14 * 1440, 1440)),
        ("hostmote", oslo(f"{NEXT + 1}-10-20", "10:00"), "Høstmøte", (7 * 1440,)),
    ]
    assert [r[3] for r in await reminders(forum, new[0].id)] == ["planned", "planned"]

    again = card_of(await press(forum, stine, wheel, f"Kopier {NEXT} til {NEXT + 1}"))
    assert "Ingen hendelser ble kopiert." in texts(again)
    assert f"2 ble ikke kopiert: de finnes alt i {NEXT + 1}" in texts(again)
    assert len(await stored(forum, NEXT + 1)) == 2
    assert len(await stored(forum, NEXT)) == 2


async def test_an_event_whose_time_does_not_exist_next_year_is_named_not_copied(forum):
    """02:30 on 26 March is an ordinary night in one year and the hour the
    clocks skip in another; 02:30 on the last Sunday of October comes twice."""
    stine = forum.statsforvalter
    spring, autumn = last_sunday_of_march(NEXT + 1), last_sunday_of_october(NEXT + 1)
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "annet",
            "title": "Nattlig serverflytting",
            "date": spring.replace(year=NEXT).isoformat(),
            "time": "02:30",
        },
    )
    await add(
        forum,
        stine,
        {
            **SPRING,
            "kind": "annet",
            "title": "Nattlig sikkerhetskopi",
            "date": autumn.replace(year=NEXT).isoformat(),
            "time": "02:30",
        },
    )
    wheel = await add(forum, stine, SPRING)

    copied = card_of(await press(forum, stine, wheel, f"Kopier {NEXT} til {NEXT + 1}"))
    shown = texts(copied)
    assert f"1 hendelse er kopiert til samme dato og klokkeslett i {NEXT + 1}" in shown
    assert (
        f"«Nattlig serverflytting» ble ikke kopiert: {spring:%d.%m.%Y} 02:30 finnes ikke den dagen: "
        "klokka stilles fram en time når sommertiden begynner."
    ) in shown
    assert (
        f"«Nattlig sikkerhetskopi» ble ikke kopiert: {autumn:%d.%m.%Y} 02:30 finnes to ganger den natten: "
        "klokka stilles tilbake en time når sommertiden slutter. Velg et annet klokkeslett."
    ) in shown
    assert "ble ikke kopiert: de finnes alt" not in shown
    assert [e.title for e in await stored(forum, NEXT + 1)] == [SPRING["title"]]
    assert len(await stored(forum, NEXT)) == 3


# --- the delivery report -----------------------------------------------------


async def test_the_delivery_report_shows_each_reminder_and_how_it_went(forum):
    stine, ada = forum.statsforvalter, forum.representative("ostfold-vo")
    wheel = await add(
        forum,
        stine,
        {**SPRING, "kind": "frist_behovsmeldinger", "title": "Frist for behovsmeldinger", "offsets": "14d, 1d"},
    )
    (event,) = await stored(forum)
    report = card_of(await press(forum, stine, wheel, "Leveringsrapport"))
    shown = texts(report)
    assert "Leveringsrapport: Frist for behovsmeldinger" in shown
    due = oslo(f"{NEXT}-05-04", "12:00") - timedelta(days=14)
    assert f"14 dager før: {norwegian(due.astimezone(OSLO).date(), '12:00')}" in shown
    assert "1 dag før:" in shown
    assert shown.count("Forumkanalen") == 2 and shown.count("planlagt") == 2

    # As the scheduler leaves them: one sent, a personal one not reachable,
    # another person's failed after retries.
    async with forum.app[UOW]() as uow:
        rows = await uow.wheel.deliveries(event.id)
        channel = next(r.id for r in rows if r.offset_minutes == 14 * 1440)
        await uow.wheel.mark(channel, "sent", datetime.now(UTC), attempts=1)
        await uow.wheel.add_nudges(
            event.id, 14 * 1440, [f"person:{ada.aad_object_id}", "person:gone"], due, event.starts_at
        )
        await uow.session.flush()
        for r in await uow.wheel.deliveries(event.id):
            if r.target == f"person:{ada.aad_object_id}":
                await uow.wheel.mark(
                    r.id, "not_reachable", datetime.now(UTC), attempts=1, detail="403: the app is not installed"
                )
            elif r.target == "person:gone":
                await uow.wheel.mark(r.id, "failed", datetime.now(UTC), attempts=6, detail="429 Too Many Requests")
        await uow.commit()

    report = card_of(await press(forum, stine, report, "Oppdater"))
    shown = texts(report)
    assert "sendt · 1 forsøk · ferdig" in shown
    assert ada.name in shown and "ikke nåbar · 1 forsøk" in shown and "403: the app is not installed" in shown
    assert "En person som ikke står i medlemslisten" in shown and "feilet · 6 forsøk" in shown
    assert "planlagt" in shown

    back = card_of(await press(forum, stine, report, "Tilbake til årshjulet"))
    assert "Frist for behovsmeldinger" in texts(back)


# --- a long wheel --------------------------------------------------------------


async def test_a_long_wheel_goes_over_pages_that_teams_accepts(forum):
    stine = forum.statsforvalter
    async with forum.app[UOW]() as uow:
        for n in range(16):
            await uow.wheel.add(
                "oslo-viken",
                {
                    "kind": "annet",
                    "starts_at": oslo(f"{NEXT}-{n % 12 + 1:02d}-{n + 1:02d}", "10:00"),
                    "title": f"Hendelse {n + 1:02d} " + "*" * 150,
                    "place": "[" * 200,
                    "text": "_ " * 1000,
                    "offsets": [1440],
                },
                None,
                datetime.now(UTC),
            )
        await uow.commit()
    card = only_card(await forum.say(stine, f"årshjul {NEXT}"))
    seen = []
    for page in range(1, 20):
        assert len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode()) < 28 * 1024
        seen += [t for t in texts(card).split("\n") if t.startswith("Hendelse ")]
        if "Neste side" not in buttons(card):
            break
        assert f"Side {page} av" in texts(card)
        card = card_of(await press(forum, stine, card, "Neste side"))
    assert page > 2
    assert len(seen) == 16


# --- the example wheel ----------------------------------------------------------


async def test_the_example_wheel_comes_on_the_first_start_only(database_url, connector, forum_config):
    """The roster file's example wheel fills a new forum's wheel once. When
    the Statsforvalter has deleted those events, a restart does not bring
    them (and their reminders) back."""
    settings = Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0)
    app = await create_app(settings)
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as http:
            forum = Forum(url, connector, http, app, load_forum_config(forum_config)[0], forum_config)
            stine = forum.statsforvalter
            examples = [
                ("vaarmote", "03-18", "10:00"),
                ("frist_behovsmeldinger", "05-05", "12:00"),
                ("hostmote", "10-21", "10:00"),
                ("frist_rapportering", "12-15", "12:00"),
            ]
            events = await stored(forum, THIS)
            assert [(e.kind.value, e.starts_at) for e in events] == [
                (kind, oslo(f"{THIS}-{day}", clock)) for kind, day, clock in examples
            ]
            wheel = only_card(await forum.say(stine, f"årshjul {THIS}"))
            for _, day, clock in examples:
                assert norwegian(date.fromisoformat(f"{THIS}-{day}"), clock) in texts(wheel)

            for _ in examples:
                question = card_of(await press(forum, stine, wheel, "Slett"))
                wheel = card_of(await press(forum, stine, question, "Ja, slett"))
            assert f"Ingen møter eller frister i {THIS}." in texts(wheel)
    finally:
        await runner.cleanup()

    again = await create_app(settings)
    async with again[UOW]() as uow:
        assert (
            await uow.wheel.between("oslo-viken", datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
            == []
        )
    await again.cleanup()

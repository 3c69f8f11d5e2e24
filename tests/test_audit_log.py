"""The audit log: every administrative action, who took it and when, shown
to the Statsforvalter with `logg` and exported for the archive."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import DOWNLOADS, UOW, create_app
from bot.config import Settings
from bot.forum.needs import service as needs
from bot.forum.needs.report import Status
from bot.web.downloads import NEEDS
from storage.models import AuditEntryRow, NeedsReportRow
from tests.card_reading import actions, buttons, only_card, texts
from tests.needs_helpers import card_of, fill_in, message_of, press
from tests.test_votes_in_teams import open_vote
from tests.test_wheel import NEXT, SPRING, add, event_actions
from tests.vote_helpers import actor_of

STINE = "00000000-0000-4000-8000-000000000001"
THIS_YEAR = datetime.now(UTC).year


async def logged(forum) -> list[tuple[str | None, str, str]]:
    async with forum.app[UOW]() as uow:
        rows = await uow.session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.id))
        return [(r.actor, r.action, r.subject) for r in rows]


async def test_each_administrative_action_is_logged_with_who_and_shown_to_the_statsforvalter(forum):
    stine, lise = forum.statsforvalter, forum.representative("ostfold-vo")
    # The start read the roster file: logged as done by the bot.
    assert (await logged(forum)) == [(None, "roster.synced", "oslo-viken")]

    await forum.say(stine, "oppsett", kind="channel")
    saved = await add(forum, stine, SPRING)
    verb, data = event_actions(saved, "Vårmøte i \\*samarbeidsforumet\\*")["Slett"]
    confirm = card_of((await forum.press(stine, verb, data))[0])
    await forum.press(stine, *actions(confirm)["Ja, slett"])
    vote = await open_vote(forum)
    await forum.press(stine, "vote.close.confirmed", {"vote": vote}, kind="channel")
    await forum.settle()
    forum.new_replies()
    await forum.say(stine, "kalender ny lenke")

    summary = await fill_in(forum, lise)
    card_of(await press(forum, lise, summary, "Send behovsmeldingen"))
    async with forum.app[UOW]() as uow:
        report = (await uow.session.scalars(select(NeedsReportRow))).one()
        await needs.decide(uow, await actor_of(uow, stine), report.id, Status.PRIORITISED, datetime.now(UTC))
    link = forum.app[DOWNLOADS].link("oslo-viken", THIS_YEAR, NEEDS, STINE)
    async with forum.http.get(forum.bot_url.rstrip("/") + link.removeprefix("http://localhost:3978")) as response:
        assert response.status == 200

    actions_logged = [(actor, action) for actor, action, _ in await logged(forum)]
    assert actions_logged == [
        (None, "roster.synced"),
        (STINE, "forum.channel_bound"),
        (STINE, "wheel.added"),
        (STINE, "wheel.deleted"),
        (STINE, "vote.opened"),
        (STINE, "vote.closed"),
        (STINE, "forum.calendar_renewed"),
        (STINE, "needs.status"),
        (STINE, "export.downloaded"),
    ]
    # A representative's sending of a report is no administrative action: not logged.

    await forum.settle()
    forum.new_replies()  # the channel's notice of the sent report
    card = only_card(await forum.say(stine, "logg"))
    shown = texts(card)
    newest_first = [
        f"Uttrekk lastet ned: needs {THIS_YEAR}",
        f"Ny status for BM-{report.year}-001",
        "from: innsendt, to: prioritert",
        "Avstemning avsluttet:",
        "Lagt til i årshjulet:",
        "Medlemslisten oppdatert fra medlemsfilen",
    ]
    places = [shown.index(line) for line in newest_first]
    assert places == sorted(places)
    assert "Slettet fra årshjulet:" in shown and "Stine Eksempeldatter" in shown
    assert "boten (medlemsfilen eller klokken)" in shown
    assert buttons(card) == [f"Last ned {THIS_YEAR}", f"Last ned {THIS_YEAR - 1}", f"Last ned {THIS_YEAR - 2}"]


async def test_only_the_statsforvalter_reads_the_log_and_a_refused_action_leaves_no_entry(forum):
    lise = forum.representative("ostfold-vo")
    assert "Bare Statsforvalteren" in texts(only_card(await forum.say(lise, "logg")))
    body, _ = await forum.press(lise, "audit.page", {"page": 1})
    assert "Bare Statsforvalteren" in message_of(body)
    body, _ = await forum.press(lise, "audit.export", {"year": THIS_YEAR})
    assert "Bare Statsforvalteren" in message_of(body) and "/exports/" not in message_of(body)

    before = await logged(forum)
    # A representative's try at the calendar, and a forged page number.
    await forum.say(lise, "kalender ny lenke")
    body, _ = await forum.press(forum.statsforvalter, "audit.page", {"page": "alle"})
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)
    assert await logged(forum) == before


async def test_a_long_log_is_paged_and_a_year_of_it_downloads_as_a_workbook(forum):
    stine = forum.statsforvalter
    for day in range(1, 21):
        await add(forum, stine, {**SPRING, "date": f"{NEXT}-03-{day:02d}", "title": f"Arbeidsmøte {day}"})

    first = only_card(await forum.say(stine, "logg"))
    assert "Side 1 av 2 (21 hendelser, nyeste først)" in texts(first)
    assert "Arbeidsmøte 20" in texts(first) and "Arbeidsmøte 5" not in texts(first)
    body, _ = await forum.press(stine, *actions(first)["Eldre"])
    second = card_of(body)
    assert "Side 2 av 2" in texts(second) and "Arbeidsmøte 5" in texts(second) and "Arbeidsmøte 20" not in texts(second)

    body, _ = await forum.press(stine, *actions(first)[f"Last ned {THIS_YEAR}"])
    link = re.search(r"\((http://localhost:3978/exports/[^)\s]+)\)", message_of(body)).group(1)
    async with forum.http.get(forum.bot_url.rstrip("/") + link.removeprefix("http://localhost:3978")) as response:
        assert response.status == 200
        book = load_workbook(io.BytesIO(await response.read()))
    sheet = book["Logg"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Tid (Europe/Oslo)", "Hvem", "Hva", "Handling", "Detaljer")
    assert len(rows) == 1 + 21
    assert rows[1][1:4] == (
        "boten (medlemsfilen eller klokken)",
        "Medlemslisten oppdatert fra medlemsfilen",
        "roster.synced",
    )
    assert rows[-1][1] == "Stine Eksempeldatter" and rows[-1][2].startswith("Lagt til i årshjulet:")
    # The download itself is the log's newest entry.
    assert (await logged(forum))[-1][:2] == (STINE, "export.downloaded")


async def test_a_start_with_an_unchanged_roster_file_logs_nothing_and_a_changed_one_says_what(
    forum, database_url, tmp_path
):
    settings = Settings(
        database_url=database_url,
        forum_config=forum.config_path or Settings().forum_config,
        scheduler_interval_seconds=0,
    )
    again = await create_app(settings)
    await again.cleanup()
    assert [a for _, a, _ in await logged(forum)] == ["roster.synced"]

    changed = tmp_path / "forum.yaml"
    changed.write_text(
        settings.forum_config.read_text(encoding="utf-8").replace("Lise Fiktivsen", "Lise Fiktivsen-Berg"),
        encoding="utf-8",
    )
    restarted = await create_app(
        Settings(database_url=database_url, forum_config=changed, scheduler_interval_seconds=0)
    )
    await restarted.cleanup()
    async with forum.app[UOW]() as uow:
        newest = (await uow.session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.id.desc()))).first()
        action, detail = newest.action, newest.detail
    assert action == "roster.synced" and detail == {
        "joined": 0,
        "left": 0,
        "changed": 1,
        "organisations_added": 0,
        "organisations_retired": 0,
    }

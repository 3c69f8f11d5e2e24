"""A person's data: the Statsforvalter hands a member everything stored
about them, and erases it when someone who has left asks to be
forgotten, while their seat's ballots and reports stay as public records.
And RETENTION_YEARS: old reports keep their figures, not their contact
person."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app import UOW, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from bot.forum import privacy
from storage.models import (
    AuditEntryRow,
    BallotCastRow,
    BallotRow,
    LanguageChoiceRow,
    NeedsReportRevisionRow,
    NeedsReportRow,
    PersonalConversationRow,
    PersonRow,
)
from tests.card_reading import actions, only_card, texts
from tests.needs_helpers import STEP_1, STEP_2, STEP_3, begin, card_of, message_of, press
from tests.test_votes_in_teams import open_vote

LISE = "lise.fiktivsen@ostfoldvo.example.org"
LISE_ID = "00000000-0000-4000-8000-000000000103"


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forum.yaml"
    path.write_text(EXAMPLE_FORUM_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return path


async def lise_reports_and_votes(forum) -> int:
    """Lise, Østfold's representative, sends a needs report naming herself
    as its contact person, and votes; returns the vote's id."""
    lise = forum.representative("ostfold-vo")
    card = await begin(forum, lise)
    for values in (STEP_1, STEP_2, {**STEP_3, "contact_name": "Lise Fiktivsen", "contact_email": LISE}):
        card = card_of(await press(forum, lise, card, "Lagre og gå videre", values))
    receipt = card_of(await press(forum, lise, card, "Send behovsmeldingen"))
    assert "BM-" in texts(receipt)
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    vote = await open_vote(forum)
    body, _ = await forum.press(lise, "vote.cast", {"vote": vote, "choices": "2"}, kind="channel")
    assert body["statusCode"] == 200
    await forum.say(lise, "språk nynorsk")  # her own language, kept by her Entra id
    return vote


async def fetch(forum, link: str) -> tuple[int, bytes]:
    local = forum.bot_url.rstrip("/") + link.removeprefix("http://localhost:3978")
    async with forum.http.get(local) as response:
        return response.status, await response.read()


def link_in(text: str) -> str:
    return re.search(r"\((http://localhost:3978/exports/[^)\s]+)\)", text).group(1)


async def rows(forum, model, *where) -> list:
    async with forum.app[UOW]() as uow:
        found = list(await uow.session.scalars(select(model).where(*where)))
        uow.session.expunge_all()
        return found


async def test_the_statsforvalter_gets_everything_stored_about_a_member_as_a_file(forum):
    vote = await lise_reports_and_votes(forum)

    reply = texts(only_card(await forum.say(forum.statsforvalter, "personvern Lise Fiktivsen")))
    assert "Lise Fiktivsen" in reply and LISE in reply
    status, body = await fetch(forum, link_in(reply))
    assert status == 200
    data = json.loads(body)
    assert data["person"]["email"] == LISE and data["person"]["entra_object_ids"] == [LISE_ID]
    assert data["person"]["organisation"] == "Østfold VO-nettverk" and data["person"]["on_the_roster"] is True
    (report,) = data["needs_reports"]
    assert report["created_by"] == LISE_ID and report["contact"]["contact_email"] == LISE
    assert [b["vote_id"] for b in data["ballots"]] == [vote] and data["ballots"][0]["choices"] == [2]
    assert data["chats"] and data["chats"][0]["aad_object_id"] == LISE_ID
    assert [c["language"] for c in data["language"]] == ["nn"]
    assert data["report_revisions"] and all(r["by"] == LISE_ID for r in data["report_revisions"])

    # Found by e-mail and by Entra id as well; the export itself is logged.
    for query in (LISE.upper(), LISE_ID):
        assert LISE in texts(only_card(await forum.say(forum.statsforvalter, f"personvern {query}")))
    (logged,) = await rows(forum, AuditEntryRow, AuditEntryRow.action == "privacy.exported")
    assert logged.actor == "00000000-0000-4000-8000-000000000001"


async def test_only_the_statsforvalter_may_ask_and_a_vague_or_unknown_name_gives_no_file(forum):
    lise = forum.representative("ostfold-vo")
    assert "Bare Statsforvalteren" in texts(only_card(await forum.say(lise, "personvern Lise Fiktivsen")))
    assert "Bare Statsforvalteren" in texts(only_card(await forum.say(lise, "slett personopplysninger Lise")))
    sf = forum.statsforvalter
    several = texts(only_card(await forum.say(sf, "personvern eksempel")))
    assert "Flere passer" in several and "/exports/" not in several
    assert "Ingen i forumets medlemsliste" in texts(only_card(await forum.say(sf, "personvern Ola Nordmann")))
    assert "Skriv hvem det gjelder" in texts(only_card(await forum.say(sf, "personvern")))
    assert await rows(forum, AuditEntryRow, AuditEntryRow.action == "privacy.exported") == []


async def test_someone_still_on_the_roster_cannot_be_erased(forum):
    await lise_reports_and_votes(forum)
    refused = texts(only_card(await forum.say(forum.statsforvalter, f"slett personopplysninger {LISE}")))
    assert "står fortsatt i medlemslisten" in refused
    # Nor by a forged button: the rule is checked when it is pressed.
    async with forum.app[UOW]() as uow:
        (lise,) = await uow.session.scalars(select(PersonRow.id).where(PersonRow.email == LISE))
    body, _ = await forum.press(forum.statsforvalter, "privacy.erase", {"person_id": lise})
    assert "står fortsatt i medlemslisten" in message_of(body)
    (row,) = await rows(forum, PersonRow, PersonRow.email == LISE)
    assert row.name == "Lise Fiktivsen" and row.aad_object_id == LISE_ID and row.erased_at is None


async def test_a_member_who_left_is_erased_but_their_seats_ballot_and_report_stay(forum, database_url, forum_config):
    vote = await lise_reports_and_votes(forum)
    # Lise leaves: the roster file gets Nora in her place, and the bot restarts.
    forum_config.write_text(
        forum_config.read_text(encoding="utf-8")
        .replace("Lise Fiktivsen", "Nora Nyberg")
        .replace(LISE, "nora.nyberg@ostfoldvo.example.org")
        .replace(LISE_ID, "00000000-0000-4000-8000-000000000903"),
        encoding="utf-8",
    )
    restarted = await create_app(
        Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0)
    )
    await restarted.cleanup()

    sf = forum.statsforvalter
    ask = only_card(await forum.say(sf, "slett personopplysninger Lise Fiktivsen"))
    assert "Dette kan ikke angres" in texts(ask)
    verb, data = actions(ask)["Avbryt"]
    body, _ = await forum.press(sf, verb, data)
    assert "Ingenting er slettet" in texts(card_of(body))
    assert (await rows(forum, PersonRow, PersonRow.email == LISE))[0].erased_at is None

    verb, data = actions(ask)["Slett"]
    body, _ = await forum.press(sf, verb, data)
    assert "Opplysningene om personen er slettet" in texts(card_of(body))

    assert await rows(forum, PersonRow, PersonRow.email == LISE) == []
    (erased,) = await rows(forum, PersonRow, PersonRow.name == privacy.ERASED)
    assert erased.aad_object_id is None and erased.former_aad_object_id is None and erased.erased_at is not None
    (ballot,) = await rows(forum, BallotRow, BallotRow.vote_id == vote)
    assert ballot.cast_by == privacy.ERASED and ballot.choices == [2]
    assert {c.cast_by for c in await rows(forum, BallotCastRow)} == {privacy.ERASED}
    (report,) = await rows(forum, NeedsReportRow)
    assert report.created_by == privacy.ERASED and report.number == 1
    assert "contact_email" not in report.fields and report.fields["amount_applied"] == 450000
    for revision in await rows(forum, NeedsReportRevisionRow):
        assert revision.by == privacy.ERASED and "contact_name" not in revision.fields
    assert await rows(forum, PersonalConversationRow, PersonalConversationRow.aad_object_id == LISE_ID) == []
    assert await rows(forum, LanguageChoiceRow, LanguageChoiceRow.aad_object_id == LISE_ID) == []

    # Nothing left to find; the log says it was done, not whom it was about.
    assert "Ingen i forumets medlemsliste" in texts(only_card(await forum.say(sf, f"personvern {LISE}")))
    (logged,) = await rows(forum, AuditEntryRow, AuditEntryRow.action == "privacy.erased")
    assert "Lise" not in logged.subject + json.dumps(logged.detail)
    # The decisions log shows the seat's ballot, cast by an erased person.
    await forum.press(sf, "vote.close.confirmed", {"vote": vote}, kind="channel")
    await forum.settle()
    forum.new_replies()  # the channel's news of the close
    log = texts(only_card(await forum.say(sf, "vedtak")))
    assert "Østfold VO-nettverk: «Digital kompetanse» – slettet person" in log and "Lise" not in log


async def test_retention_purges_contact_fields_and_drafts_of_old_reports_and_keeps_their_figures(forum):
    now = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    async with forum.app[UOW]() as uow:
        for year in (2025, 2026):
            report = await uow.needs_reports.add("oslo-viken", "ostfold-vo", year, None, now)
            values = {**STEP_3, "amount_applied": 100000, "contact_name": "Kari K", "contact_email": "kari@example.org"}
            number = await uow.needs_reports.next_number("oslo-viken", year)
            sent = await uow.needs_reports.send(report, values, number, report.status.SUBMITTED, None, now)
            await uow.needs_reports.save_draft(sent, {"contact_phone": "99 99 99 99"}, None, now)
        await uow.commit()

    await privacy.purge(forum.app[UOW], 5, now)  # 2031 - 5: reports before 2026 lose them

    old, kept = sorted(await rows(forum, NeedsReportRow), key=lambda r: r.year)
    assert old.year == 2025 and old.draft is None and "contact_email" not in old.fields
    assert old.fields["amount_applied"] == 100000 and old.number == 1
    assert kept.draft == {"contact_phone": "99 99 99 99"} and kept.fields["contact_email"] == "kari@example.org"
    for revision in await rows(forum, NeedsReportRevisionRow, NeedsReportRevisionRow.report_id == old.id):
        assert "contact_name" not in revision.fields
    (logged,) = await rows(forum, AuditEntryRow, AuditEntryRow.action == "privacy.retention")
    assert logged.actor is None and logged.detail == {"reports": 1} and logged.subject == "2025"

    # A second round finds nothing more to do, and logs nothing.
    await privacy.purge(forum.app[UOW], 5, now)
    assert len(await rows(forum, AuditEntryRow, AuditEntryRow.action == "privacy.retention")) == 1


async def test_the_retention_job_purges_once_an_hour_in_the_scheduler_loop(forum):
    moments = iter(datetime(2031, 3, 1, hour, minute, tzinfo=UTC) for hour, minute in ((12, 0), (12, 59), (13, 0)))
    job = privacy.Retention(forum.app[UOW], 5, lambda: next(moments))
    async with forum.app[UOW]() as uow:
        report = await uow.needs_reports.add("oslo-viken", "ostfold-vo", 2020, None, datetime(2020, 3, 1, tzinfo=UTC))
        await uow.needs_reports.save_draft(report, {"contact_name": "Kari K"}, None, datetime(2020, 3, 1, tzinfo=UTC))
        await uow.commit()

    async def add_old_draft() -> None:
        async with forum.app[UOW]() as uow:
            row = (await uow.session.scalars(select(NeedsReportRow))).one()
            row.draft = {"contact_name": "Kari K"}
            await uow.commit()

    purges = []
    for _ in range(3):
        assert await job.run_once() < job.batch  # the loop never runs it twice in a round
        purges.append((await rows(forum, NeedsReportRow))[0].draft is None)
        await add_old_draft()
    assert purges == [True, False, True]

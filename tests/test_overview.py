"""The overview of needs reports (`oversikt [år]`): the figures, the pages,
the Excel export behind a signed link, and who may see and download what."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.app import UOW, create_app
from bot.config import Settings
from bot.forum.needs.competence_areas import MANDATE_2023, CompetenceArea
from bot.forum.needs.export import REPORTS_SHEET, SUMMARY_SHEET
from bot.forum.needs.overview import AreaFigures, Figures, OrganisationFigures, Overview, ReportLine, overview
from bot.forum.needs.report import Status
from bot.forum.needs.round_sheets import ALLOCATION_SHEET, REPORTING_SHEET
from bot.forum.roster import Forum as ForumInfo
from bot.forum.roster import Organisation
from bot.handlers.overview import OVERVIEW_VERBS
from bot.texts import overview as overview_texts
from bot.views.overview import PAGE_SIZE, REPORTS_PER_PAGE, overview_data
from bot.web.downloads import DOWNLOADS, MAX_AGE_SECONDS, NEEDS, SECRET_NAME, Downloads, Expired, Tampered
from cards import render
from cards.markdown import escape_markdown as md
from storage.models import OrganisationRow
from tests import teams
from tests.card_reading import buttons, elements, facts, only_card, texts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEAMS_CARD_LIMIT = 28 * 1024
AT = datetime(2025, 3, 1, 11, 30, tzinfo=UTC)
AREA_NAMES = {a.code: a.name for a in MANDATE_2023}


# --- wiring ---------------------------------------------------------------


# --- helpers ----------------------------------------------------------------


def fields(title: str, areas: list[str], applied: int, **more) -> dict:
    return {
        "organisation_id": more.pop("organisation_id", ""),
        "title": title,
        "education": ["norskopplaering"],
        "competence_areas": areas,
        "target_groups": ["laerere"],
        "local_need": "Behov",
        "mapping": "Kartlagt",
        "anchored": True,
        "anchoring": "Forankret",
        "partner": "OsloMet",
        "lecturers": None,
        "municipalities": "Asker",
        "participants": 40,
        "period_start": "2025-08-15",
        "period_end": "2025-12-15",
        "amount_applied": applied,
        "own_contribution": 10_000,
        "contact_name": "Kari Kontakt",
        "contact_email": "kari@example.org",
        "contact_phone": "+47 400 00 000",
        **more,
    }


async def seed(
    forum,
    organisation_id: str,
    year: int,
    title: str,
    areas: list[str],
    applied: int,
    status: Status = Status.SUBMITTED,
    granted: int | None = None,
    at: datetime = AT,
    **more,
) -> None:
    """A report as the repository stores it: added, sent, then decided."""
    async with forum.app[UOW]() as uow:
        repo = uow.needs_reports
        report = await repo.add("oslo-viken", organisation_id, year, "test", at)
        if status is not Status.DRAFT:
            values = fields(title, areas, applied, organisation_id=organisation_id, **more)
            number = await repo.next_number("oslo-viken", year)
            report = await repo.send(report, values, number, Status.SUBMITTED, "test", at)
            path = {
                Status.SUBMITTED: [],
                Status.PRIORITISED: [Status.PRIORITISED],
                Status.NOT_PRIORITISED: [Status.NOT_PRIORITISED],
                Status.GRANTED: [Status.PRIORITISED, Status.GRANTED],
                Status.REPORTED: [Status.PRIORITISED, Status.GRANTED, Status.REPORTED],
                Status.WITHDRAWN: [Status.WITHDRAWN],
            }[status]
            for step in path:
                report = await repo.set_status(report, step, "test", at, granted if step is Status.GRANTED else None)
        await uow.commit()


async def seed_three_years(forum) -> None:
    """2025: four sent reports from three organisations, plus a draft and a
    withdrawn one that do not count; 2024 and 2023 one report each year."""
    await seed(
        forum,
        "ostfold-vo",
        2025,
        "Vurdering i moduler",
        ["modulstruktur", "vurdering-for-laering"],
        300_000,
        Status.GRANTED,
        granted=250_000,
    )
    await seed(forum, "ostfold-vo", 2025, "Lesing for voksne", ["laereplaner-norsk"], 100_000, Status.PRIORITISED)
    await seed(forum, "follo", 2025, "Ledere i utvikling", ["ledere"], 200_000, Status.REPORTED, granted=150_000)
    await seed(
        forum,
        "akershus-fk",
        2025,
        '=HYPERLINK("https://example.net")',
        ["modulstruktur"],
        50_000,
        Status.NOT_PRIORITISED,
    )
    await seed(forum, "viken-vest", 2025, "Utkast", ["ledere"], 999_000, Status.DRAFT)
    await seed(forum, "viken-vest", 2025, "Trukket", ["ledere"], 888_000, Status.WITHDRAWN)
    await seed(
        forum,
        "ostfold-vo",
        2024,
        "Fjorårets",
        ["ledere"],
        80_000,
        Status.GRANTED,
        granted=80_000,
        at=datetime(2024, 3, 1, tzinfo=UTC),
    )
    await seed(
        forum, "follo", 2023, "Forfjorårets", ["ledere"], 70_000, Status.SUBMITTED, at=datetime(2023, 3, 1, tzinfo=UTC)
    )


def card_of(body: dict) -> dict:
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
    return body["value"]


def message_of(body: dict) -> str:
    assert body["type"] == "application/vnd.microsoft.activity.message", body
    return body["value"]


def row(card: dict, first: str) -> list[list[str]]:
    """The ColumnSet whose first column reads ``first``: each column's texts."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "ColumnSet":
                columns = [[i.get("text") for i in c.get("items", [])] for c in node["columns"]]
                if columns and columns[0] == [first]:
                    found.append([c for c in columns[1:]])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert len(found) == 1, (first, found)
    return found[0]


def area(card: dict, name: str) -> list[list[str]]:
    """A competence area's figures: the texts of each year's column."""
    found = [
        [[i.get("text") for i in c["items"]] for c in e["items"][1]["columns"]]
        for e in elements(card)
        if e.get("type") == "Container" and e.get("items") and e["items"][0].get("text") == name
    ]
    assert len(found) == 1, (name, found)
    return found[0]


def year_headings(card: dict) -> list[list[str]]:
    """The years above the areas' columns: the one row of nothing but years."""
    (headings,) = [
        columns
        for e in elements(card)
        if e.get("type") == "ColumnSet"
        for columns in [[[i.get("text") for i in c["items"]] for c in e["columns"]]]
        if all(len(c) == 1 and str(c[0]).isdigit() for c in columns)
    ]
    return headings


def action(card: dict, title: str) -> dict:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action.") and node.get("title") == title:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert len(found) == 1, (title, buttons(card))
    return found[0]


def report_lines(card: dict) -> list[dict[str, str]]:
    """The reports listed: a heading beside its status, then the
    organisation, the areas and the amounts."""
    found = []
    for e in elements(card):
        items = e.get("items") if e.get("type") == "Container" else None
        if items and len(items) == 4 and items[0].get("type") == "ColumnSet" and len(items[0]["columns"]) == 2:
            heading, status = (c["items"][0]["text"] for c in items[0]["columns"])
            organisation, areas, money = (i["text"] for i in items[1:])
            found.append(
                {"heading": heading, "status": status, "organisation": organisation, "areas": areas, "money": money}
            )
    return found


NB = "\u00a0"


def kr(amount: int) -> str:
    return f"{amount:,}".replace(",", NB)


async def download(forum, url: str) -> tuple[int, dict, bytes]:
    """Open a link the bot gave, on the port this test server listens on."""
    parts = urlsplit(url)
    async with forum.http.get(f"{forum.bot_url.rstrip('/')}{parts.path}") as response:
        return response.status, dict(response.headers), await response.read()


# --- the figures ------------------------------------------------------------


async def test_the_overview_counts_sent_reports_per_area_and_organisation(forum):
    await seed_three_years(forum)
    async with forum.app[UOW]() as uow:
        forum_info = await uow.forums.get("oslo-viken")
        summary = await overview(uow, forum_info, 2025)

    assert summary.total == Figures(4, 650_000, 400_000)
    areas = {a.code: a.figures for a in summary.areas}
    assert areas["modulstruktur"] == Figures(2, 350_000, 250_000)
    assert areas["vurdering-for-laering"] == Figures(1, 300_000, 250_000)
    assert areas["laereplaner-norsk"] == Figures(1, 100_000, 0)
    assert areas["ledere"] == Figures(1, 200_000, 150_000)  # the draft and the withdrawn one do not count
    assert areas["laeringsmiljo"] == Figures()
    assert summary.in_several_areas == 1
    earlier = {a.code: a.earlier for a in summary.areas}
    assert earlier["ledere"] == (Figures(1, 80_000, 80_000), Figures(1, 70_000, 0))
    assert earlier["modulstruktur"] == (Figures(), Figures())

    by_id = {o.id: o for o in summary.organisations}
    assert by_id["ostfold-vo"].figures == Figures(2, 400_000, 250_000)
    assert by_id["follo"].figures == Figures(1, 200_000, 150_000)
    assert by_id["viken-vest"].figures == Figures()
    assert "utdanningsforbundet" not in by_id  # does not report needs, and has not
    assert summary.earlier_years == (2024, 2023)
    assert by_id["ostfold-vo"].earlier == (Figures(1, 80_000, 80_000), Figures())
    assert by_id["follo"].earlier == (Figures(), Figures(1, 70_000, 0))
    assert summary.earlier_totals == (Figures(1, 80_000, 80_000), Figures(1, 70_000, 0))
    assert {o.id for o in summary.missing} == {
        "vopro-romerike",
        "viken-vest",
        "oslo-vo-nsgv",
        "oslo-vo-ude",
        "buskerud-fk",
        "ostfold-fk",
    }


async def test_an_organisation_that_left_and_an_area_no_longer_listed_still_count(forum):
    await seed(forum, "follo", 2025, "Digitalt", ["digital-kompetanse", "ledere"], 120_000)
    async with forum.app[UOW]() as uow:
        await uow.session.execute(update(OrganisationRow).where(OrganisationRow.id == "follo").values(active=False))
        await uow.needs_reports.set_competence_areas(
            "oslo-viken", 2025, (CompetenceArea("ledere", "Ledelse"),), "test", AT
        )
        await uow.commit()
    async with forum.app[UOW]() as uow:
        summary = await overview(uow, await uow.forums.get("oslo-viken"), 2025)
    assert [(a.code, a.name, a.listed, a.figures.count) for a in summary.areas] == [
        ("ledere", "Ledelse", True, 1),
        ("digital-kompetanse", "digital-kompetanse", False, 1),
    ]
    assert [(o.id, o.name) for o in summary.organisations if o.figures.count] == [
        ("follo", "Nettverket for Follo-regionen")
    ]
    assert "follo" not in {o.id for o in summary.missing}
    assert summary.earlier_years == ()


async def test_an_area_of_an_earlier_year_that_is_off_this_years_list_keeps_its_row(forum):
    """Areas change with the allocation letter: last year's area that this
    year dropped is still compared, by the name last year's list gave it."""
    await seed(forum, "follo", 2024, "Mobbing", ["laeringsmiljo"], 90_000, Status.GRANTED, granted=60_000)
    await seed(forum, "follo", 2025, "Ledere", ["ledere"], 40_000)
    async with forum.app[UOW]() as uow:
        await uow.needs_reports.set_competence_areas(
            "oslo-viken", 2025, (CompetenceArea("ledere", "Ledelse"),), "test", AT
        )
        await uow.commit()

    card = only_card(await forum.say(forum.statsforvalter, "oversikt 2025"))

    assert year_headings(card) == [["2025"], ["2024"]]
    assert area(card, "Ledelse") == [["1", kr(40_000), "0"], ["0", "0", "0"]]
    assert area(
        card,
        "Godt læringsmiljø: forebygging av mobbing og trakassering, inkludert negativ sosial kontroll "
        "(ikke på listen for 2025)",
    ) == [["0", "0", "0"], ["1", kr(90_000), kr(60_000)]]
    # Areas that no year shown has reports in stay off: only this year's list and what was reported.
    assert "Fullføringsreformen" not in texts(card)


async def test_the_card_shows_the_figures_side_by_side_with_earlier_years(forum):
    await seed_three_years(forum)
    card = only_card(await forum.say(forum.statsforvalter, "oversikt 2025"))
    assert card["body"][0]["text"] == "Behovsmeldinger 2025"
    assert facts(card) == {
        "Behovsmeldinger": "4",
        "Søkt": f"{kr(650_000)} kr",
        "Tildelt": f"{kr(400_000)} kr",
    }
    assert row(card, "Organisasjon") == [["2025"], ["2024"], ["2023"]]
    assert row(card, "Østfold VO-nettverk") == [
        ["2", kr(400_000), kr(250_000)],
        ["1", kr(80_000), kr(80_000)],
        ["0", "0", "0"],
    ]
    assert row(card, "Nettverket for Follo-regionen") == [
        ["1", kr(200_000), kr(150_000)],
        ["0", "0", "0"],
        ["1", kr(70_000), "0"],
    ]
    assert row(card, "Sum") == [["4", kr(650_000), kr(400_000)], ["1", kr(80_000), kr(80_000)], ["1", kr(70_000), "0"]]
    assert year_headings(card) == [["2025"], ["2024"], ["2023"]]
    assert area(card, "Fullføringsreformen: modulstrukturert opplæring") == [
        ["2", kr(350_000), kr(250_000)],
        ["0", "0", "0"],
        ["0", "0", "0"],
    ]
    assert area(card, "Kompetanseheving for ledere i skolebasert utviklingsarbeid") == [
        ["1", kr(200_000), kr(150_000)],
        ["1", kr(80_000), kr(80_000)],
        ["1", kr(70_000), "0"],
    ]
    shown = texts(card)
    assert "telles i hvert av dem (i år gjelder det 1)" in shown
    assert "Ikke sendt inn for 2025" in shown
    assert "Vopro-nettverket (Romerike), Viken Vest (Buskerud, samt Asker og Bærum)" in shown
    assert "Side 1 av" not in shown  # nine organisations fit on one page
    assert buttons(card) == ["Last ned som Excel"]
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_CARD_LIMIT


async def test_the_overview_lists_each_sent_report_without_its_contact_person(forum):
    await seed_three_years(forum)
    card = only_card(await forum.say(forum.representative("follo"), "oversikt 2025"))

    assert report_lines(card) == [
        {
            "heading": "BM-2025-001 Vurdering i moduler",
            "status": "Tildelt",
            "organisation": "Østfold VO-nettverk",
            "areas": f"{AREA_NAMES['modulstruktur']}, {AREA_NAMES['vurdering-for-laering']}",
            "money": f"Søkt {kr(300_000)} kr · egenandel {kr(10_000)} kr · tildelt {kr(250_000)} kr",
        },
        {
            "heading": "BM-2025-002 Lesing for voksne",
            "status": "Prioritert",
            "organisation": "Østfold VO-nettverk",
            "areas": AREA_NAMES["laereplaner-norsk"],
            "money": f"Søkt {kr(100_000)} kr · egenandel {kr(10_000)} kr · tildelt –",
        },
        {
            "heading": "BM-2025-003 Ledere i utvikling",
            "status": "Rapportert",
            "organisation": "Nettverket for Follo-regionen",
            "areas": AREA_NAMES["ledere"],
            "money": f"Søkt {kr(200_000)} kr · egenandel {kr(10_000)} kr · tildelt {kr(150_000)} kr",
        },
        {
            "heading": md('BM-2025-004 =HYPERLINK("https://example.net")'),
            "status": "Ikke prioritert",
            "organisation": "Akershus fylkeskommune",
            "areas": AREA_NAMES["modulstruktur"],
            "money": f"Søkt {kr(50_000)} kr · egenandel {kr(10_000)} kr · tildelt –",
        },
    ]
    shown = texts(card)
    assert "Utkast" not in shown and "Trukket" not in shown  # the draft and the withdrawn report
    assert "Fjorårets" not in shown  # other years' reports are in their own year's overview
    for contact in ("Kari Kontakt", "kari@example.org", "400 00 000"):
        assert contact not in json.dumps(card, ensure_ascii=False)


async def test_observers_and_english_readers_see_the_same_list_in_their_words(forum):
    await seed(forum, "follo", 2025, "Ledere i utvikling", ["ledere"], 200_000, Status.GRANTED, granted=1_500)
    only_card(await forum.say(forum.statsforvalter, "oppsett", kind="channel"))
    guest = teams.stranger("Gjest Gjestesen")
    card = only_card(await forum.say(guest, "overview 2025", kind="channel", locale="en-GB"))
    (line,) = report_lines(card)
    assert line["status"] == "Granted"
    assert line["money"] == "Applied for NOK 200,000 · own contribution NOK 10,000 · granted NOK 1,500"
    assert "By reference. The contact person is in the report itself" in texts(card)


async def test_without_a_year_the_overview_is_of_this_year_and_in_english_for_english_teams(forum):
    this_year = datetime.now(ZoneInfo("Europe/Oslo")).year
    await seed(forum, "follo", this_year, "I år", ["ledere"], 10_000)
    card = only_card(await forum.say(forum.representative("follo"), "overview", locale="en-US"))
    assert card["body"][0]["text"] == f"Needs reports {this_year}"
    assert facts(card) == {"Needs reports": "1", "Applied for": "NOK 10,000", "Granted": "NOK 0"}
    assert row(card, "Nettverket for Follo-regionen") == [["1", "10,000", "0"]]  # no earlier years yet
    assert "counted in each of them" in texts(card)
    assert buttons(card) == ["Download as Excel"]


async def test_a_year_with_nothing_sent_says_so(forum):
    card = only_card(await forum.say(forum.statsforvalter, "oversikt 2031"))
    shown = texts(card)
    assert "Ingen behovsmeldinger er sendt inn for 2031 ennå." in shown
    assert "Vopro-nettverket (Romerike), Viken Vest" in shown


@pytest.mark.parametrize(
    "typed",
    [
        "oversikt 1999",
        "oversikt 2101",
        "oversikt neste",
        "oversikt 2025 2026",
        "oversikt \uff12\uff10\uff12\uff15",
        "oversikt -2025",
        "oversikt 02025",
    ],
)
async def test_a_year_that_is_not_one_is_refused(forum, typed):
    card = only_card(await forum.say(forum.statsforvalter, typed))
    shown = texts(card)
    assert "Det gikk ikke" in shown
    assert "Skriv året som et tall mellom 2000 og 2100" in shown


# --- who sees what ----------------------------------------------------------


async def test_observers_in_the_forums_team_see_the_overview_but_cannot_download(forum):
    only_card(await forum.say(forum.statsforvalter, "oppsett", kind="channel"))
    await seed(forum, "follo", 2025, "Tiltak", ["ledere"], 10_000)
    guest = teams.stranger("Gjest Gjestesen")
    card = only_card(await forum.say(guest, "oversikt 2025", kind="channel"))
    assert facts(card)["Behovsmeldinger"] == "1"
    assert buttons(card) == []  # no export button for an observer

    body, replies = await forum.press(guest, "overview.export", {"year": 2025, "page": 1}, kind="channel")
    assert message_of(body) == "Bare Statsforvalteren og medlemmene i forumet kan laste ned behovsmeldingene."
    assert replies == []
    body, _ = await forum.press(guest, "overview.page", {"year": 2025, "page": 1}, kind="channel")
    assert card_of(body)["body"][0]["text"] == "Behovsmeldinger 2025"


async def test_someone_in_no_forum_is_refused(forum):
    card = only_card(await forum.say(teams.stranger(), "oversikt"))
    assert "Du står ikke i medlemslisten" in texts(card)
    body, _ = await forum.press(teams.stranger(), "overview.export", {"year": 2025})
    assert "Du står ikke i medlemslisten" in message_of(body)


@pytest.mark.parametrize(
    "data",
    [{}, {"year": "neste"}, {"year": 1999}, {"year": 2025, "page": 0}, {"year": 2025, "page": 10**9}, {"year": [2025]}],
)
async def test_forged_page_and_export_data_is_refused(forum, data):
    for verb in OVERVIEW_VERBS:
        body, replies = await forum.press(forum.statsforvalter, verb, data)
        assert "Kortet sendte data jeg ikke forstår" in message_of(body), (verb, data)
        assert replies == []


# --- the export ---------------------------------------------------------------


async def test_a_member_downloads_the_year_as_an_xlsx_file(forum, caplog):
    await seed_three_years(forum)
    representative = forum.representative("ostfold-vo")
    body, replies = await forum.press(representative, "overview.export", {"year": 2025, "page": 1})
    card = card_of(body)
    assert replies == []
    assert "Lenken virker i 15 minutter" in texts(card)
    assert facts(card)["Behovsmeldinger"] == "4"  # the overview stays, the link comes on top
    url = action(card, "Last ned behovsmeldinger-2025.xlsx")["url"]
    assert url.startswith("http://localhost:3978/exports/")

    caplog.set_level("INFO", logger="bot.web.downloads")
    status, headers, content = await download(forum, url)
    assert status == 200
    (used,) = [r.getMessage() for r in caplog.records if r.name == "bot.web.downloads"]
    assert used.endswith(f"by a link made for {representative.aad_object_id}"), used
    assert headers["Content-Type"] == XLSX
    assert headers["Content-Disposition"] == 'attachment; filename="behovsmeldinger-2025.xlsx"'
    assert headers["Cache-Control"] == "no-store"

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [REPORTS_SHEET, SUMMARY_SHEET, ALLOCATION_SHEET, REPORTING_SHEET]
    rows = [list(r) for r in book[REPORTS_SHEET].iter_rows(values_only=True)]
    assert rows[0][:3] == ["Referanse", "Organisasjon", "Tittel på tiltaket"]
    assert rows[0][13] == "Sendt inn (Europe/Oslo)"
    assert [r[0] for r in rows[1:]] == ["BM-2025-001", "BM-2025-002", "BM-2025-003", "BM-2025-004"]
    first = dict(zip(rows[0], rows[1]))
    assert first["Organisasjon"] == "Østfold VO-nettverk"
    assert first["Tittel på tiltaket"] == "Vurdering i moduler"
    assert first["Opplæringen det gjelder"] == "Norskopplæring for voksne innvandrere"
    assert first["Kompetanseområder"] == (
        "Fullføringsreformen: modulstrukturert opplæring; "
        "Fullføringsreformen: vurdering for læring i et modulstrukturert opplæringsløp"
    )
    assert first["Målgruppe"] == "Lærere"
    assert first["Antall deltakere"] == 40
    assert first["Planlagt start"].date() == date(2025, 8, 15)
    assert first["Søkt beløp (NOK)"] == 300_000
    assert first["Egenandel (NOK)"] == 10_000
    assert first["Tildelt (NOK)"] == 250_000
    assert first["Status"] == "tildelt"
    assert first["Sendt inn (Europe/Oslo)"] == datetime(2025, 3, 1, 12, 30)  # 11:30 UTC
    assert first["Kontaktperson"] == "Kari Kontakt"
    assert first["Kontaktpersonens e-post"] == "kari@example.org"
    fourth = dict(zip(rows[0], rows[4]))
    # Typed text stays text: no formula, whatever it starts with.
    assert fourth["Tittel på tiltaket"] == '=HYPERLINK("https://example.net")'
    assert book[REPORTS_SHEET]["C5"].data_type == "s"
    assert fourth["Status"] == "ikke prioritert"

    summary = [list(r) for r in book[SUMMARY_SHEET].iter_rows(values_only=True)]
    as_rows = {r[0]: r[1:] for r in summary if r and r[0]}
    assert as_rows["Alle behovsmeldinger"][:3] == (4, 650_000, 400_000) or as_rows["Alle behovsmeldinger"][:3] == [
        4,
        650_000,
        400_000,
    ]
    assert list(as_rows["Per organisasjon"][:6]) == [
        "2025 antall",
        "2025 søkt (NOK)",
        "2025 tildelt (NOK)",
        "2024 antall",
        "2024 søkt (NOK)",
        "2024 tildelt (NOK)",
    ]
    assert list(as_rows["Østfold VO-nettverk"][:9]) == [2, 400_000, 250_000, 1, 80_000, 80_000, 0, 0, 0]
    assert list(as_rows["Sum"][:3]) == [4, 650_000, 400_000]
    assert list(as_rows["Per kompetanseområde"][:6]) == list(as_rows["Per organisasjon"][:6])
    assert list(as_rows["Fullføringsreformen: modulstrukturert opplæring"][:9]) == [
        2,
        350_000,
        250_000,
        0,
        0,
        0,
        0,
        0,
        0,
    ]
    assert list(as_rows["Kompetanseheving for ledere i skolebasert utviklingsarbeid"][:9]) == [
        1,
        200_000,
        150_000,
        1,
        80_000,
        80_000,
        1,
        70_000,
        0,
    ]
    assert "Ikke sendt inn for 2025" in as_rows
    assert "Vopro-nettverket (Romerike)" in as_rows


async def test_the_statsforvalter_can_download_and_an_empty_year_gives_headings_only(forum):
    body, _ = await forum.press(forum.statsforvalter, "overview.export", {"year": 2040})
    url = action(card_of(body), "Last ned behovsmeldinger-2040.xlsx")["url"]
    status, _, content = await download(forum, url)
    assert status == 200
    book = load_workbook(io.BytesIO(content))
    assert book[REPORTS_SHEET].max_row == 1


async def test_a_changed_link_is_refused_with_403(forum):
    body, _ = await forum.press(forum.statsforvalter, "overview.export", {"year": 2025})
    url = action(card_of(body), "Last ned behovsmeldinger-2025.xlsx")["url"]
    token = urlsplit(url).path.rsplit("/", 1)[1]
    payload, stamp, signature = token.rsplit(".", 2)  # a long payload is compressed: ".…"
    other_forum = Downloads("another key entirely, thirty-two+ chars", "http://x").token("oslo-viken", 2025, NEEDS)
    forged = [
        f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",  # signature changed
        f"{payload[:-1]}{'x' if payload[-1] != 'x' else 'y'}.{stamp}.{signature}",  # payload changed
        other_forum,  # signed with another key
        "not-a-token",
        "a" * 5000,
    ]
    for bad in forged:
        status, headers, content = await download(forum, f"http://localhost/exports/{bad}")
        assert status == 403, bad
        page = content.decode()
        assert "Denne lenken er ikke gyldig" in page and "This link is not valid" in page
        assert headers["Content-Type"].startswith("text/html")
    status, _, _ = await download(forum, url)
    assert status == 200  # the real one still works


async def test_an_old_link_is_refused_with_410(forum):
    async with forum.app[UOW]() as uow:
        secret = await uow.secrets.get_or_create(SECRET_NAME, datetime.now(UTC))
    now = datetime.now(UTC).timestamp()
    made_16_minutes_ago = Downloads(secret, "http://x", clock=lambda: now - MAX_AGE_SECONDS - 60)
    made_14_minutes_ago = Downloads(secret, "http://x", clock=lambda: now - MAX_AGE_SECONDS + 60)

    status, _, content = await download(forum, made_16_minutes_ago.link("oslo-viken", 2025))
    assert status == 410
    assert "Lenken er utløpt" in content.decode() and "The link has expired" in content.decode()
    assert "Lenkja har gått ut" in content.decode()
    status, _, _ = await download(forum, made_14_minutes_ago.link("oslo-viken", 2025))
    assert status == 200
    status, _, _ = await download(forum, made_14_minutes_ago.link("no-such-forum", 2025))
    assert status == 404


# --- links and keys -------------------------------------------------------------


def test_links_expire_after_15_minutes_by_the_clock_they_are_given():
    now = [1_800_000_000.0]
    downloads = Downloads("k" * 40, "https://bot.example.org/", clock=lambda: now[0])
    link = downloads.link("oslo-viken", 2025)
    assert link.startswith("https://bot.example.org/exports/")
    token = link.rsplit("/", 1)[1]
    now[0] += MAX_AGE_SECONDS
    assert downloads.read(token) == ("oslo-viken", 2025, NEEDS, "")
    now[0] += 1
    with pytest.raises(Expired):
        downloads.read(token)
    with pytest.raises(Tampered):
        Downloads("x" * 40, "https://bot.example.org").read(token)
    # Signed by us, but not what we sign: refused as well.
    odd = downloads._serializer.dumps(["oslo-viken", 2025, "passwords"])
    with pytest.raises(Tampered):
        downloads.read(odd)


async def test_replicas_and_restarts_share_the_key_and_the_operator_can_set_it(database_url):
    first = await create_app(Settings(database_url=database_url))
    second = await create_app(Settings(database_url=database_url, public_base_url="https://bot.example.org/"))
    token = first[DOWNLOADS].token("oslo-viken", 2025, NEEDS)
    assert second[DOWNLOADS].read(token) == ("oslo-viken", 2025, NEEDS, "")
    assert second[DOWNLOADS].link("oslo-viken", 2025).startswith("https://bot.example.org/exports/")

    own_key = await create_app(Settings(database_url=database_url, export_signing_key="s" * 40))
    with pytest.raises(Tampered):
        own_key[DOWNLOADS].read(token)
    for app in (first, second, own_key):
        app.freeze()
        await app.cleanup()  # closes its database engine


def test_settings_read_the_base_url_and_key_from_the_environment():
    settings = Settings.from_env({"PORT": "8080"})
    assert settings.base_url == "http://localhost:8080"
    assert settings.export_signing_key == ""
    settings = Settings.from_env({"PUBLIC_BASE_URL": "https://forum.example.org/", "EXPORT_SIGNING_KEY": "abc"})
    assert settings.base_url == "https://forum.example.org"
    assert settings.export_signing_key == "abc"


# --- pages ----------------------------------------------------------------------


def _many_organisations(count: int, name_length: int = 200, reports: int = 0) -> Overview:
    forum = ForumInfo("oslo-viken", "Samarbeidsforum " + "F" * 184, "Europe/Oslo")
    big = Figures(99, 999_999_999, 999_999_999)
    organisations = tuple(
        OrganisationFigures(f"org-{i}", (f"Org {i:02d} *[x]* " + "n" * name_length)[:name_length], big, (big, big, big))
        for i in range(count)
    )
    areas = tuple(AreaFigures(f"a{i}", ("Område *" + "o" * 200)[:200], big, (big, big, big)) for i in range(12))
    missing = tuple(Organisation(o.id, o.name, "vo-nettverk", True) for o in organisations[:12])
    reports = tuple(
        ReportLine(
            f"BM-2026-{i:03d}",
            organisations[i % count].name,
            ("Tiltak *" + "t" * 200)[:200],
            tuple(a.code for a in areas),
            999_999_999,
            999_999_999,
            999_999_999,
            Status.NOT_PRIORITISED,
        )
        for i in range(1, reports + 1)
    )
    return Overview(forum, 2026, big, areas, organisations, missing, (2025, 2024, 2023), (big, big, big), 99, reports)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_page_stays_well_under_teams_card_limit(lang):
    """Forty organisations, twelve areas and 200 reports, every name and
    title as long as the form allows and every report in every area."""
    summary = _many_organisations(40, reports=200)
    download = {
        "text": "x" * 300,
        "title": "Last ned behovsmeldinger-2026.xlsx",
        "url": "https://b.example.org/" + "t" * 150,
    }
    listed: list[str] = []
    page, pages = 1, None
    while pages is None or page <= pages:
        data = overview_data(summary, lang, page, True, download)
        card = render("overview", data)
        size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())
        assert size < TEAMS_CARD_LIMIT, (page, size)
        lines = report_lines(card)
        assert len(lines) <= REPORTS_PER_PAGE
        listed += [line["heading"].split()[0] for line in lines]
        pages = int(data["paging"]["label"].split()[-1])
        page += 1
    assert listed == [f"BM-2026-{i:03d}" for i in range(1, 201)]  # each report once, in order
    assert pages > 200 // REPORTS_PER_PAGE


class TestPaging:
    @pytest.fixture
    def forum_config(self, tmp_path):
        """A forum of 30 organisations that all report needs."""
        lines = [
            "forum: {id: oslo-viken, name: Stort forum, timezone: Europe/Oslo}",
            "statsforvalter:",
            "  - {name: Stine Eksempeldatter, email: stine@sf.example.org, aad_object_id: 00000000-0000-4000-8000-000000000001}",
            "organisations:",
        ]
        for i in range(30):
            lines += [
                f"  - {{id: org-{i:02d}, name: Organisasjon {i:02d}, kind: vo-nettverk, submits_needs: true, seats: [",
                f"      {{representative: {{name: Rep {i}, email: rep{i}@example.org}},",
                f"        deputy: {{name: Vara {i}, email: vara{i}@example.org}}}}]}}",
            ]
        path = tmp_path / "forum.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    async def test_thirty_organisations_page_twelve_at_a_time_in_place(self, forum):
        await seed(forum, "org-00", 2025, "Første", ["ledere"], 1_000)
        await seed(forum, "org-29", 2025, "Siste", ["ledere"], 2_000)
        stine = forum.statsforvalter
        card = only_card(await forum.say(stine, "oversikt 2025"))
        assert "Side 1 av 3" in texts(card)
        assert row(card, "Organisasjon 00")[0] == ["1", kr(1_000), "0"]
        assert "Organisasjon 12" not in texts(card).split("Ikke sendt inn")[0]
        assert buttons(card) == ["Neste side", "Last ned som Excel"]
        assert row(card, "Sum")[0] == ["2", kr(3_000), "0"]  # the sum is of all pages

        verb, data = "overview.page", action(card, "Neste side")["data"]
        body, replies = await forum.press(stine, verb, data)
        page_2 = card_of(body)
        assert replies == []
        assert "Side 2 av 3" in texts(page_2)
        assert row(page_2, "Organisasjon 12")[0] == ["0", "0", "0"]
        assert buttons(page_2) == ["Forrige side", "Neste side", "Last ned som Excel"]

        body, _ = await forum.press(stine, verb, action(page_2, "Neste side")["data"])
        page_3 = card_of(body)
        assert "Side 3 av 3" in texts(page_3)
        assert row(page_3, "Organisasjon 29")[0] == ["1", kr(2_000), "0"]
        assert buttons(page_3) == ["Forrige side", "Last ned som Excel"]
        organisations_part = texts(page_3).split("Ikke sendt inn")[0].split("Behovsmeldingene")[0]
        assert len([o for o in range(30) if f"Organisasjon {o:02d}" in organisations_part]) == 6
        # The reports themselves follow the organisations on the last page.
        assert [r["heading"] for r in report_lines(page_3)] == ["BM-2025-001 Første", "BM-2025-002 Siste"]
        assert not report_lines(card) and not report_lines(page_2)

        body, _ = await forum.press(stine, verb, {"year": 2025, "page": 99})  # past the end: the last page
        assert "Side 3 av 3" in texts(card_of(body))

        # Export from page 3 keeps page 3.
        body, _ = await forum.press(stine, "overview.export", {"year": 2025, "page": 3})
        assert "Side 3 av 3" in texts(card_of(body))
        for page in (card, page_2, page_3):
            assert len(json.dumps(page, ensure_ascii=False).encode()) < TEAMS_CARD_LIMIT
        assert PAGE_SIZE == 12


# --- texts ----------------------------------------------------------------------


def test_the_overview_texts_exist_in_both_languages():
    assert overview_texts.NB.keys() == overview_texts.EN.keys()

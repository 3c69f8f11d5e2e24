"""The decisions log (vedtaksprotokoll): a year's closed priority votes as
an .xlsx file behind a signed link, saying who cast which ballot, what the
forum or the Statsforvalter decided, and why."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from openpyxl import load_workbook

from bot.app import UOW
from bot.forum.votes import export as decisions_export
from bot.forum.votes.export import ALLOCATION_SHEET, BALLOTS_SHEET, LOG_SHEET, VOTES_SHEET
from bot.forum.votes.service import cast_ballot, close_vote, decide
from bot.texts import decisions as decisions_texts
from bot.web.downloads import DECISIONS, DOWNLOADS, MAX_AGE_SECONDS, SECRET_NAME, Downloads
from tests.vote_helpers import actor_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORUM = "oslo-viken"
NOW = datetime(2031, 10, 1, 9, 0, tzinfo=UTC)  # 11:00 in Oslo (summer time)
SEATS = 12  # in the example roster


# --- helpers ------------------------------------------------------------------


async def open_vote(
    forum, question: str, labels: list[str], created: datetime, max_choices: int = 1, quorum: int | None = None
) -> int:
    async with forum.app[UOW]() as uow:
        vote = await uow.votes.add(
            FORUM,
            {
                "question": question,
                "options": [{"id": i, "label": label} for i, label in enumerate(labels, start=1)],
                "kind": "one" if max_choices == 1 else "up_to",
                "max_choices": max_choices,
                "closes_at": created + timedelta(days=1),
                "live": False,
                "quorum_percent": quorum,
            },
            forum.statsforvalter.aad_object_id,
            created,
        )
        await uow.commit()
        return vote.id


async def cast(forum, user, vote_id: int, choices: list[int], at: datetime) -> None:
    async with forum.app[UOW]() as uow:
        await cast_ballot(uow, await actor_of(uow, user), vote_id, choices, at)


async def close(forum, vote_id: int, at: datetime, by=None) -> None:
    async with forum.app[UOW]() as uow:
        info = await uow.forums.get(FORUM)
        assert await close_vote(uow, info, vote_id, at, by=by.aad_object_id if by else None) is not None


async def settle(forum, user, vote_id: int, choices: list[int], reason: str, at: datetime) -> None:
    async with forum.app[UOW]() as uow:
        await decide(uow, await actor_of(uow, user), vote_id, choices, reason, at)


async def download(forum, url: str) -> tuple[int, dict, bytes]:
    """Open a link the bot made, on the port this test server listens on."""
    parts = urlsplit(url)
    async with forum.http.get(f"{forum.bot_url.rstrip('/')}{parts.path}") as response:
        return response.status, dict(response.headers), await response.read()


def table(book, sheet: str) -> list[dict]:
    """The sheet's rows under its heading, as heading -> value, up to the first empty row."""
    rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    heading, found = rows[0], []
    for row in rows[1:]:
        if not any(v is not None for v in row):
            break
        found.append(dict(zip(heading, row)))
    return found


def statsforvalters(forum):
    first = forum.statsforvalter
    second = forum.person(forum.config.statsforvalter[1])
    return first, second


async def a_year_of_votes(forum) -> dict[str, int]:
    """A tie settled by the Statsforvalter, a vote the forum settled by the
    clock, a vote without quorum still awaiting a decision; around them,
    votes that do not belong in the year's log."""
    stine, tor = statsforvalters(forum)
    lise, arne = forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    marte, hanne, ragnhild = (
        forum.representative("follo"),
        forum.representative("viken-vest"),
        forum.representative("vopro-romerike"),
    )
    votes = {}

    # Opened at 00:30 on New Year's Day in Oslo, 23:30 the day before in UTC: it is 2031's.
    votes["new_year"] = await open_vote(
        forum, "Nyttårsavstemning", ["Ja", "Nei"], datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    )
    await close(forum, votes["new_year"], datetime(2031, 1, 1, 23, 30, tzinfo=UTC))

    votes["tie"] = await open_vote(
        forum, "Hvilket tiltak prioriteres først?", ["Tiltak A", "Tiltak B", "Tiltak C"], NOW
    )
    await cast(forum, lise, votes["tie"], [1], NOW + timedelta(hours=1))
    await cast(forum, marte, votes["tie"], [1], NOW + timedelta(hours=2))
    await cast(forum, hanne, votes["tie"], [2], NOW + timedelta(hours=3))
    await cast(forum, arne, votes["tie"], [2], NOW + timedelta(hours=4))  # replaces Lise's ballot for the seat
    await cast(forum, ragnhild, votes["tie"], [1], NOW + timedelta(hours=5))
    await close(forum, votes["tie"], NOW + timedelta(hours=6), by=stine)  # A 2, B 2: a tie
    await settle(forum, tor, votes["tie"], [2], "Tiltak B når flest deltakere.", NOW + timedelta(hours=8))

    later = NOW + timedelta(days=2)
    votes["forum"] = await open_vote(
        forum,
        '=HYPERLINK("https://example.net")',
        ["@Tiltak X", "+Tiltak Y", "-Tiltak Z"],
        later,
        max_choices=2,
        quorum=25,
    )
    await cast(forum, lise, votes["forum"], [1, 2], later + timedelta(hours=1))
    await cast(forum, marte, votes["forum"], [1, 2], later + timedelta(hours=2))
    await cast(forum, hanne, votes["forum"], [1, 3], later + timedelta(hours=3))
    await close(forum, votes["forum"], later + timedelta(days=1))  # by the clock: X 3, Y 2, Z 1

    votes["quorum"] = await open_vote(
        forum, "Skal vi utsette fordelingen?", ["Ja", "Nei"], later + timedelta(hours=1), quorum=50
    )
    await cast(forum, hanne, votes["quorum"], [2], later + timedelta(hours=2))
    await close(forum, votes["quorum"], later + timedelta(days=1))

    # Not in 2031's log: still open, and opened on New Year's Day 2032 in Oslo.
    votes["open"] = await open_vote(forum, "Fortsatt åpen", ["Ja", "Nei"], later + timedelta(hours=2))
    votes["next_year"] = await open_vote(forum, "Neste år", ["Ja", "Nei"], datetime(2031, 12, 31, 23, 30, tzinfo=UTC))
    await close(forum, votes["next_year"], datetime(2032, 1, 2, tzinfo=UTC))
    return votes


# --- the workbook through the link ------------------------------------------------


async def test_the_decisions_log_says_who_voted_what_and_who_decided_why(forum):
    votes = await a_year_of_votes(forum)
    url = forum.app[DOWNLOADS].link(FORUM, 2031, DECISIONS)
    status, headers, content = await download(forum, url)
    assert status == 200
    assert headers["Content-Type"] == XLSX
    assert headers["Content-Disposition"] == 'attachment; filename="vedtaksprotokoll-2031.xlsx"'
    assert headers["Cache-Control"] == "no-store"

    book = load_workbook(io.BytesIO(content))
    assert (
        book.sheetnames
        == [VOTES_SHEET, BALLOTS_SHEET, LOG_SHEET, ALLOCATION_SHEET]
        == ["Vedtak", "Stemmer", "Logg", "Tildeling"]
    )
    assert list(book[ALLOCATION_SHEET].iter_rows(values_only=True))[1:] == []  # no allocation decided this year

    # Vedtak: the closed votes opened in 2031 (Oslo time), oldest first.
    decisions = table(book, VOTES_SHEET)
    assert [d["Nr."] for d in decisions] == [votes["new_year"], votes["tie"], votes["forum"], votes["quorum"]]
    new_year, tie, by_forum, no_quorum = decisions

    assert new_year["Åpnet (Europe/Oslo)"] == datetime(2031, 1, 1, 0, 30)
    assert new_year["Deltakelse"] == f"0 av {SEATS}"
    assert new_year["Eskalering"] == "for lav deltakelse"  # nobody voted

    assert tie == {
        "Nr.": votes["tie"],
        "Spørsmål": "Hvilket tiltak prioriteres først?",
        "Status": "avgjort",
        "Åpnet (Europe/Oslo)": datetime(2031, 10, 1, 11, 0),
        "Avsluttet (Europe/Oslo)": datetime(2031, 10, 1, 17, 0),
        "Avsluttet av": "Stine Eksempeldatter",
        "Valgform": "ett valg",
        "Krav til deltakelse": "ingen",
        "Deltakelse": f"4 av {SEATS}",
        "Resultat (stemmer)": "Tiltak A (2); Tiltak B (2); Tiltak C (0)",
        "Eskalering": "likt stemmetall",
        "Valgt": "Tiltak B",
        "Avgjort av": "Tor Eksempelhaug",
        "Avgjort (Europe/Oslo)": datetime(2031, 10, 1, 19, 0),
        "Begrunnelse": "Tiltak B når flest deltakere.",
    }
    assert by_forum["Spørsmål"] == '=HYPERLINK("https://example.net")'  # text, not a formula
    assert by_forum["Avsluttet av"] == "tidsfrist"
    assert by_forum["Valgform"] == "inntil 2"
    assert by_forum["Krav til deltakelse"] == "25 %"
    assert by_forum["Deltakelse"] == f"3 av {SEATS}"
    assert by_forum["Resultat (stemmer)"] == "@Tiltak X (3); +Tiltak Y (2); -Tiltak Z (1)"
    assert by_forum["Eskalering"] == "ingen"
    assert by_forum["Valgt"] == "@Tiltak X; +Tiltak Y"
    assert by_forum["Avgjort av"] == "forumet"
    assert by_forum["Avgjort (Europe/Oslo)"] == datetime(2031, 10, 4, 11, 0)
    assert by_forum["Begrunnelse"] is None

    assert no_quorum["Status"] == "venter på vedtak"
    assert no_quorum["Eskalering"] == "for lav deltakelse"
    assert no_quorum["Deltakelse"] == f"1 av {SEATS}"
    assert no_quorum["Valgt"] is None and no_quorum["Avgjort av"] is None and no_quorum["Avgjort (Europe/Oslo)"] is None

    sheet = book[VOTES_SHEET]
    for column in "BJL":  # question, result, chosen of the vote with "=", "@", "+", "-": text, not formulas
        assert sheet[f"{column}4"].data_type == "s", column
    below = [r[1] for r in sheet.iter_rows(min_row=len(decisions) + 2, values_only=True) if r[1]]
    assert (
        below[0] == "Vedtaksprotokoll 2031: Samarbeidsforum for kompetanseutvikling i voksenopplæringen i Oslo og Viken"
    )

    # Stemmer: every seat once per vote, with its final ballot.
    ballots = table(book, BALLOTS_SHEET)
    assert len(ballots) == 4 * SEATS
    of_tie = {b["Organisasjon"]: b for b in ballots if b["Nr."] == votes["tie"]}
    assert len(of_tie) == SEATS and "EVU region ØST (2)" in of_tie
    assert of_tie["Østfold VO-nettverk"] == {
        "Nr.": votes["tie"],
        "Avstemning": "Hvilket tiltak prioriteres først?",
        "Organisasjon": "Østfold VO-nettverk",
        "Stemme": "Tiltak B",  # the deputy's, which replaced the representative's
        "Avgitt av": "Arne Oppdiktetsen",
        "Avgitt (Europe/Oslo)": datetime(2031, 10, 1, 15, 0),
    }
    assert of_tie["Nettverket for Follo-regionen"]["Stemme"] == "Tiltak A"
    assert of_tie["Nettverket for Follo-regionen"]["Avgitt av"] == "Marte Eksempelstad"
    assert of_tie["Utdanningsforbundet"]["Stemme"] == "stemte ikke"
    assert of_tie["Utdanningsforbundet"]["Avgitt av"] is None
    assert sum(b["Stemme"] != "stemte ikke" for b in of_tie.values()) == 4
    assert not any(b["Avgitt av"] == "Lise Fiktivsen" for b in of_tie.values())
    of_forum = {b["Organisasjon"]: b["Stemme"] for b in ballots if b["Nr."] == votes["forum"]}
    assert of_forum["Østfold VO-nettverk"] == "@Tiltak X; +Tiltak Y"

    # Logg: every ballot as cast, the replaced one included, in order.
    log = [
        (e["Nr."], e["Organisasjon"], e["Valg"], e["Avgitt av"], e["Avgitt (Europe/Oslo)"])
        for e in table(book, LOG_SHEET)
    ]
    assert log[:5] == [
        (votes["tie"], "Østfold VO-nettverk", "Tiltak A", "Lise Fiktivsen", datetime(2031, 10, 1, 12, 0)),
        (votes["tie"], "Nettverket for Follo-regionen", "Tiltak A", "Marte Eksempelstad", datetime(2031, 10, 1, 13, 0)),
        (
            votes["tie"],
            "Viken Vest (Buskerud, samt Asker og Bærum)",
            "Tiltak B",
            "Hanne Testdal",
            datetime(2031, 10, 1, 14, 0),
        ),
        (votes["tie"], "Østfold VO-nettverk", "Tiltak B", "Arne Oppdiktetsen", datetime(2031, 10, 1, 15, 0)),
        (votes["tie"], "Vopro-nettverket (Romerike)", "Tiltak A", "Ragnhild Eksempelrud", datetime(2031, 10, 1, 16, 0)),
    ]
    assert [entry[0] for entry in log] == [votes["tie"]] * 5 + [votes["forum"]] * 3 + [votes["quorum"]]
    assert book[LOG_SHEET]["D7"].value == "@Tiltak X; +Tiltak Y" and book[LOG_SHEET]["D7"].data_type == "s"

    # Another year's log has only its own votes.
    _, _, content = await download(forum, forum.app[DOWNLOADS].link(FORUM, 2032, DECISIONS))
    assert [d["Spørsmål"] for d in table(load_workbook(io.BytesIO(content)), VOTES_SHEET)] == ["Neste år"]


async def test_a_year_without_closed_votes_gives_headings_only(forum):
    await open_vote(forum, "Fortsatt åpen", ["Ja", "Nei"], NOW)
    status, _, content = await download(forum, forum.app[DOWNLOADS].link(FORUM, 2031, DECISIONS))
    assert status == 200
    book = load_workbook(io.BytesIO(content))
    for sheet in (VOTES_SHEET, BALLOTS_SHEET, LOG_SHEET):
        assert table(book, sheet) == [], sheet
    assert next(book[LOG_SHEET].iter_rows(values_only=True))[1:] == (
        "Avstemning",
        "Organisasjon",
        "Valg",
        "Avgitt av",
        "Avgitt (Europe/Oslo)",
    )


async def test_the_log_in_english(forum):
    votes = await a_year_of_votes(forum)
    async with forum.app[UOW]() as uow:
        gathered = await decisions_export.gather(uow, await uow.forums.get(FORUM), 2031)
    book = load_workbook(io.BytesIO(decisions_export.workbook(gathered, NOW, lang="en")))
    decisions = {d["No."]: d for d in table(book, VOTES_SHEET)}
    assert decisions[votes["tie"]]["Escalation"] == "tie"
    assert decisions[votes["tie"]]["Participation"] == f"4 of {SEATS}"
    assert decisions[votes["forum"]]["Closed by"] == "deadline"
    assert decisions[votes["forum"]]["Decided by"] == "the forum"
    assert decisions[votes["forum"]]["Mode"] == "up to 2"
    assert decisions[votes["quorum"]]["Status"] == "awaiting decision"
    assert decisions[votes["quorum"]]["Escalation"] == "quorum not met"
    ballots = table(book, BALLOTS_SHEET)
    assert {b["Ballot"] for b in ballots if b["Organisation"] == "Utdanningsforbundet"} == {"did not vote"}
    assert decisions_export.filename(2031) == "vedtaksprotokoll-2031.xlsx"


def test_the_texts_say_the_same_in_both_languages():
    assert decisions_texts.NB.keys() == decisions_texts.EN.keys()


# --- the link -----------------------------------------------------------------------


async def test_a_changed_or_old_decisions_link_is_refused(forum):
    await a_year_of_votes(forum)
    downloads = forum.app[DOWNLOADS]
    token = urlsplit(downloads.link(FORUM, 2031, DECISIONS)).path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    forged = [
        f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",  # signature changed
        f"{payload[:-1]}{'x' if payload[-1] != 'x' else 'y'}.{stamp}.{signature}",  # payload changed
        Downloads("another key entirely, thirty-two+ chars", "http://x").token(FORUM, 2031, DECISIONS),
        downloads.token(FORUM, 2031, "payroll"),  # ours, but not a kind we make
    ]
    for bad in forged:
        status, headers, content = await download(forum, f"http://localhost/exports/{bad}")
        assert status == 403, bad
        assert headers["Content-Type"].startswith("text/html")
        assert "Denne lenken er ikke gyldig" in content.decode()

    async with forum.app[UOW]() as uow:
        secret = await uow.secrets.get_or_create(SECRET_NAME, datetime.now(UTC))
    now = datetime.now(UTC).timestamp()
    made_16_minutes_ago = Downloads(secret, "http://x", clock=lambda: now - MAX_AGE_SECONDS - 60)
    status, headers, content = await download(forum, made_16_minutes_ago.link(FORUM, 2031, DECISIONS))
    assert status == 410
    assert "Lenken er utløpt" in content.decode() and "vedtaksprotokoll" not in headers.get("Content-Disposition", "")
    made_14_minutes_ago = Downloads(secret, "http://x", clock=lambda: now - MAX_AGE_SECONDS + 60)
    status, headers, _ = await download(forum, made_14_minutes_ago.link(FORUM, 2031, DECISIONS))
    assert status == 200 and "vedtaksprotokoll-2031.xlsx" in headers["Content-Disposition"]
    status, _, _ = await download(forum, made_14_minutes_ago.link("no-such-forum", 2031, DECISIONS))
    assert status == 404
    status, headers, _ = await download(forum, downloads.link(FORUM, 2031))  # the needs reports, as before
    assert status == 200 and headers["Content-Disposition"] == 'attachment; filename="behovsmeldinger-2031.xlsx"'

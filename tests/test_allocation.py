"""The allocation proposal (`tildeling [år]`): the Statsforvalter puts the
year's open reports in priority order, by hand or from a closed vote, with
an amount proposed for each against the frame and the amounts set aside,
and puts it before the forum in its channel.

Through the bot's real /api/messages with Teams-shaped activities."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.app import UOW
from bot.forum.allocation.budget import Budget
from bot.forum.allocation.proposal import Allocation, AllocationLine, AreaSum, Proposal
from bot.forum.needs.report import Status
from bot.forum.roster import Forum
from bot.forum.votes import export as decisions_export
from bot.forum.votes.vote import Escalation, VoteStatus
from bot.views.allocation import LINES_PER_PAGE, AllocationView, allocation_card
from tests import teams
from tests.card_reading import buttons, elements, facts, input_named, inputs, only_card, texts
from tests.needs_helpers import card_of, message_of, settle
from tests.test_overview import AREA_NAMES, kr, seed
from tests.test_votes_in_teams import Clock, keeper, set_up_channel, stored

YEAR = 2025
TEAMS_CARD_LIMIT = 28 * 1024


async def set_budget(forum, frame: int, reserved: dict[str, int] | None = None) -> None:
    async with forum.app[UOW]() as uow:
        budget = Budget("oslo-viken", YEAR, frame, reserved or {}, 1, None, datetime(2025, 1, 10, tzinfo=UTC))
        assert await uow.budgets.put(budget, expected_version=0)
        await uow.commit()


async def seed_reports(forum) -> dict[str, int]:
    """Three open reports, one withdrawn and one already granted: by reference, their ids."""
    await seed(forum, "ostfold-vo", YEAR, "Vurdering i moduler", ["modulstruktur"], 300_000)
    await seed(forum, "follo", YEAR, "Ledere i utvikling", ["ledere"], 200_000, Status.PRIORITISED)
    await seed(forum, "akershus-fk", YEAR, "Lesing", ["modulstruktur", "laereplaner-norsk"], 50_000)
    await seed(forum, "viken-vest", YEAR, "Trukket", ["ledere"], 99_000, Status.WITHDRAWN)
    await seed(forum, "buskerud-fk", YEAR, "Tildelt før", ["ledere"], 10_000, Status.GRANTED, granted=10_000)
    async with forum.app[UOW]() as uow:
        reports = await uow.needs_reports.with_organisation_names("oslo-viken", YEAR, tuple(Status))
    return {r.reference: r.id for r, _ in reports if r.reference}


def lines(card: dict) -> list[tuple[str, str, str]]:
    """Each report on the card: (number, heading, amounts line)."""
    found = []
    for column_set in _column_sets(card):
        first, second = column_set["columns"][0]["items"], column_set["columns"][1]["items"]
        number = next((i.get("value", i.get("text")) for i in first), "")
        found.append((number, second[0]["text"], second[3]["text"]))
    return found


def _column_sets(card: dict) -> list[dict]:
    return [
        e
        for e in elements(card)
        if e.get("type") == "ColumnSet" and len(e["columns"]) == 2 and e["columns"][0].get("width") == "64px"
    ]


def save_data(card: dict, **typed: str) -> dict:
    """What «Lagre denne siden» sends: its data and the page's inputs, with
    ``typed`` (input id -> text) over what the card shows."""
    (save,) = [a for a in card["actions"] if a["verb"] == "allocation.save"]
    return {**save["data"], **inputs(card), **typed}


async def stored_proposal(forum) -> Proposal | None:
    async with forum.app[UOW]() as uow:
        return await uow.allocations.get("oslo-viken", YEAR)


# --- the proposal as it starts -----------------------------------------------------------


async def test_the_proposal_starts_with_every_open_report_by_reference_at_the_amount_applied(forum):
    ids = await seed_reports(forum)
    await set_budget(forum, 500_000, {"modulstruktur": 200_000})
    card = only_card(await forum.say(forum.statsforvalter, f"tildeling {YEAR}"))

    assert card["body"][0]["text"] == "Tildeling 2025: forslag"
    assert lines(card) == [
        (
            "1",
            "BM-2025-001 Vurdering i moduler",
            f"Søkt {kr(300_000)} kr · foreslått {kr(300_000)} kr · sum så langt {kr(300_000)} kr",
        ),
        (
            "2",
            "BM-2025-002 Ledere i utvikling",
            f"Søkt {kr(200_000)} kr · foreslått {kr(200_000)} kr · sum så langt {kr(500_000)} kr",
        ),
        (
            "3",
            "BM-2025-003 Lesing",
            f"Søkt {kr(50_000)} kr · foreslått {kr(50_000)} kr · sum så langt {kr(550_000)} kr",
        ),
    ]  # the withdrawn and the granted report are not in it
    assert facts(card) == {
        "Ramme": f"{kr(500_000)} kr",
        "Søkt": f"{kr(550_000)} kr",
        "Foreslått": f"{kr(550_000)} kr",
        "Igjen av rammen": f"{kr(-50_000)} kr",
        AREA_NAMES["modulstruktur"]: f"{kr(350_000)} kr foreslått av {kr(200_000)} kr satt av",
    }
    assert "Ikke lagret ennå" in texts(card)
    assert input_named(card, f"amount_{ids['BM-2025-002']}")["value"] == "200000"
    assert buttons(card) == ["Lagre denne siden", "Legg fram i kanalen"]
    assert await stored_proposal(forum) is None  # showing it stores nothing


async def test_saving_a_page_reorders_by_number_and_takes_partial_grants(forum):
    ids = await seed_reports(forum)
    await set_budget(forum, 500_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    first, second, third = (ids[f"BM-2025-00{n}"] for n in (1, 2, 3))

    body, _ = await forum.press(
        sf,
        "allocation.save",
        save_data(
            card,
            **{f"priority_{third}": "1", f"amount_{first}": "250 000", f"amount_{second}": "200000"},
        ),
    )
    saved = card_of(body)
    assert "Forslaget er lagret." in texts(saved)
    assert [(n, heading.split()[0]) for n, heading, _ in lines(saved)] == [
        ("1", "BM-2025-003"),
        ("2", "BM-2025-001"),
        ("3", "BM-2025-002"),
    ]  # a report moved to number 1 goes before the one that was there
    assert facts(saved)["Foreslått"] == f"{kr(500_000)} kr" and facts(saved)["Igjen av rammen"] == "0 kr"
    proposal = await stored_proposal(forum)
    assert [(line.report_id, line.amount) for line in proposal.lines] == [
        (third, 50_000),
        (first, 250_000),
        (second, 200_000),
    ]
    assert proposal.version == 1 and proposal.updated_by == sf.aad_object_id

    # The budget card shows what is proposed beside applied and granted.
    budget = only_card(await forum.say(sf, f"budsjett {YEAR}"))
    assert facts(budget)["Foreslått"] == f"{kr(500_000)} kr"


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"amount": "260 000"}, f"Summen av forslaget ({kr(510_000)} kr) er mer enn rammen ({kr(500_000)} kr)."),
        ({"amount": "300 001"}, "BM-2025-001: det foreslåtte beløpet er mer enn det som er søkt om."),
        ({"amount": "mye"}, "må være et helt tall"),
        ({"priority": "0"}, "må være mellom 1 og 3"),
        ({"priority": "4"}, "må være mellom 1 og 3"),
    ],
)
async def test_a_wrong_page_is_refused_with_everything_typed_kept_and_nothing_saved(forum, typed, problem):
    ids = await seed_reports(forum)
    await set_budget(forum, 500_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    first = ids["BM-2025-001"]
    body, _ = await forum.press(
        sf,
        "allocation.save",
        save_data(
            card,
            **{
                f"amount_{ids['BM-2025-002']}": "200 000",
                f"amount_{ids['BM-2025-003']}": "50000",
                f"amount_{first}": "250000",
                **{f"{name}_{first}": value for name, value in typed.items()},
            },
        ),
    )
    shown = card_of(body)
    assert "Forslaget er ikke lagret. Rett opp:" in texts(shown)
    assert any(problem in t for t in texts(shown).splitlines()), texts(shown)
    for name, value in typed.items():
        assert inputs(shown)[f"{name}_{first}"] == value  # as typed
    assert inputs(shown)[f"amount_{ids['BM-2025-002']}"] == "200 000"
    assert await stored_proposal(forum) is None


async def test_two_editing_at_once_cannot_overwrite_each_other(forum):
    ids = await seed_reports(forum)
    await set_budget(forum, 1_000_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    first = ids["BM-2025-001"]
    await forum.press(sf, "allocation.save", save_data(card, **{f"amount_{first}": "100000"}))
    body, _ = await forum.press(sf, "allocation.save", save_data(card, **{f"amount_{first}": "200000"}))  # version 0
    shown = card_of(body)
    assert "Noen lagret forslaget samtidig." in texts(shown)
    assert inputs(shown)[f"amount_{first}"] == "200000"  # what was typed is not lost
    assert (await stored_proposal(forum)).lines[0].amount == 100_000

    again = save_data(shown)  # the card that came back carries the version now stored
    body, _ = await forum.press(sf, "allocation.save", again)
    assert "Forslaget er lagret." in texts(card_of(body))
    assert (await stored_proposal(forum)).lines[0].amount == 200_000


async def test_without_a_frame_nothing_is_saved(forum):
    await seed_reports(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert facts(card)["Ramme"] == "ikke satt (skriv «budsjett 2025»)"
    body, _ = await forum.press(sf, "allocation.save", save_data(card))
    assert "Sett rammen for 2025 først, med «budsjett 2025»." in texts(card_of(body))
    assert await stored_proposal(forum) is None


# --- the order from a vote -------------------------------------------------------------------


async def test_the_order_is_taken_from_a_closed_ranked_vote_over_the_reports(forum):
    ids = await seed_reports(forum)
    await set_budget(forum, 1_000_000)
    await set_up_channel(forum)
    sf = forum.statsforvalter
    by_id = {v: k for k, v in ids.items()}
    async with forum.app[UOW]() as uow:
        vote = await uow.votes.add(
            "oslo-viken",
            {
                "question": "Prioriter 2025",
                "kind": "ranking",
                "max_choices": 3,
                "places": 2,
                "options": [
                    {"id": n, "label": by_id[r], "report_id": r}
                    for n, r in enumerate((ids["BM-2025-001"], ids["BM-2025-002"], ids["BM-2025-003"]), start=1)
                ],
                "closes_at": datetime(2099, 1, 1, tzinfo=UTC),
                "live": True,
                "quorum_percent": None,
                "remind_at": datetime(2098, 12, 31, tzinfo=UTC),
            },
            sf.aad_object_id,
            datetime.now(UTC),
        )
        await uow.commit()
    await forum.press(
        forum.representative("ostfold-vo"), "vote.cast", {"vote": vote.id, "option_3": "1", "option_2": "2"}
    )
    await forum.press(forum.representative("follo"), "vote.cast", {"vote": vote.id, "option_2": "1"})

    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert "vote" not in inputs(card)  # an open vote cannot give the order
    await keeper(forum, Clock((await stored(forum, vote.id)).closes_at)).run_once()
    await settle(forum)

    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert [c["title"] for c in input_named(card, "vote")["choices"]] == ["Prioriter 2025"]
    (take,) = [a for a in _actions(card) if a["verb"] == "allocation.from_vote"]
    body, _ = await forum.press(sf, "allocation.from_vote", {**take["data"], "vote": str(vote.id)})
    ordered = card_of(body)
    # Borda, 3 for first place: Ledere 2 + 3 = 5, Lesing 3, Vurdering 0.
    assert [heading.split()[0] for _, heading, _ in lines(ordered)] == ["BM-2025-002", "BM-2025-003", "BM-2025-001"]
    assert "Rekkefølgen er hentet fra avstemningen «Prioriter 2025»." in texts(ordered)
    assert (await stored_proposal(forum)).from_vote == vote.id

    body, _ = await forum.press(sf, "allocation.from_vote", {**take["data"], "vote": "99999"})
    assert "Velg en avstemning som er avsluttet." in texts(card_of(body))


def _actions(card: dict) -> list[dict]:
    return [e for e in elements(card) if e.get("type") == "Action.Execute"]


# --- before the forum ----------------------------------------------------------------------


def post_data(card: dict, **typed: str) -> dict:
    """What «Legg fram i kanalen» sends: its data and the card's inputs."""
    (post,) = [a for a in card["actions"] if a["verb"] == "allocation.post"]
    return {**post["data"], **inputs(card), **typed}


async def approval_vote(forum):
    async with forum.app[UOW]() as uow:
        (vote,) = [v for v in await uow.votes.of_forum("oslo-viken") if v.allocation_year == YEAR]
    return vote


async def statuses(forum) -> dict[str, tuple[Status, int | None]]:
    async with forum.app[UOW]() as uow:
        reports = await uow.needs_reports.with_organisation_names("oslo-viken", YEAR, tuple(Status))
    return {r.reference: (r.status, r.granted_amount) for r, _ in reports if r.reference}


async def put_forward(forum, amounts: dict[str, str]) -> tuple[dict[str, int], int]:
    """Seed, set a frame, save the amounts by reference and put the
    proposal before the forum: the reports' ids and the approval vote's."""
    ids = await seed_reports(forum)
    await set_budget(forum, 600_000)
    await set_up_channel(forum)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    body, _ = await forum.press(
        sf,
        "allocation.save",
        save_data(card, **{f"amount_{ids[reference]}": amount for reference, amount in amounts.items()}),
    )
    body, _ = await forum.press(sf, "allocation.post", post_data(card_of(body)))
    assert "med en avstemning om å godkjenne det som stenger" in texts(card_of(body)), texts(card_of(body))
    await settle(forum)
    return ids, (await approval_vote(forum)).id


async def test_put_before_the_forum_it_is_posted_in_the_channel_and_every_member_reads_it(forum):
    await seed_reports(forum)
    await set_budget(forum, 600_000)
    await set_up_channel(forum)
    sf, marte = forum.statsforvalter, forum.representative("follo")
    card = only_card(await forum.say(marte, f"tildeling {YEAR}"))
    assert "Statsforvalteren har ikke lagt fram forslaget til tildeling for 2025 ennå." in texts(card)

    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert {"close_date", "close_time"} <= set(inputs(card))  # a week ahead at noon, to change
    body, _ = await forum.press(sf, "allocation.post", post_data(card))
    assert "Forslaget er lagt fram i forumets kanal, med en avstemning" in texts(card_of(body))
    await forum.settle()
    shared, vote_card = [c for r in forum.connector.sent_to(teams.CHANNEL) for c in r.cards]
    assert inputs(shared) == {} and buttons(shared) == []  # read, not edited, in the channel
    assert [heading.split()[0] for _, heading, _ in lines(shared)] == ["BM-2025-001", "BM-2025-002", "BM-2025-003"]
    assert "Lagt fram i forumets kanal" in texts(shared)
    assert "Godkjenner forumet forslaget til tildeling for 2025?" in texts(vote_card)
    assert [c["title"] for c in input_named(vote_card, "choices")["choices"]] == ["Ja, forslaget godkjennes", "Nei"]
    forum.new_replies()

    mine = only_card(await forum.say(marte, f"tildeling {YEAR}"))
    assert inputs(mine) == {} and len(lines(mine)) == 3
    body, _ = await forum.press(marte, "allocation.save", {"year": YEAR, "version": 1, "page": 1})
    assert message_of(body) == "Bare Statsforvalteren kan gjøre dette."
    body, _ = await forum.press(marte, "allocation.page", {"year": YEAR, "page": 1, "edit": True})
    assert inputs(card_of(body)) == {}  # asking for the editor does not make one

    # While the forum votes, the proposal is not put forward again.
    body, _ = await forum.press(sf, "allocation.post", post_data(card))
    assert "Forumet stemmer alt over forslaget." in texts(card_of(body))


async def test_a_closing_time_that_is_not_one_puts_nothing_before_the_forum(forum):
    await seed_reports(forum)
    await set_budget(forum, 600_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    body, _ = await forum.press(sf, "allocation.post", post_data(card, close_date="2020-01-01"))
    assert "Avstemningen om forslaget stenger: må være minst fem minutter fram i tid" in texts(card_of(body))
    assert inputs(card_of(body))["close_date"] == "2020-01-01"  # as typed
    assert (await stored_proposal(forum)) is None
    async with forum.app[UOW]() as uow:
        assert await uow.votes.of_forum("oslo-viken") == []


# --- the decision --------------------------------------------------------------------------


async def test_a_yes_carries_the_proposal_and_every_report_changes_status_at_once(forum):
    ids, vote = await put_forward(forum, {"BM-2025-001": "250000", "BM-2025-002": "0"})
    for organisation, choice in (("ostfold-vo", "1"), ("follo", "1"), ("akershus-fk", "1"), ("viken-vest", "2")):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": vote, "choices": choice})
    assert (await statuses(forum))["BM-2025-001"] == (Status.SUBMITTED, None)  # nothing until it is decided
    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    await settle(forum)

    assert (await stored(forum, vote)).chosen == (1,)
    assert await statuses(forum) == {
        "BM-2025-001": (Status.GRANTED, 250_000),
        "BM-2025-002": (Status.NOT_PRIORITISED, None),
        "BM-2025-003": (Status.GRANTED, 50_000),
        "BM-2025-004": (Status.WITHDRAWN, None),
        "BM-2025-005": (Status.GRANTED, 10_000),  # granted before, and not in the proposal
    }
    async with forum.app[UOW]() as uow:
        changes = [(c.from_status, c.to_status) for c in await uow.needs_reports.status_changes(ids["BM-2025-003"])]
    assert changes[-2:] == [("innsendt", "prioritert"), ("prioritert", "tildelt")]
    proposal = await stored_proposal(forum)
    assert [(line.reference, line.granted) for line in proposal.decided] == [
        ("BM-2025-001", 250_000),
        ("BM-2025-002", 0),
        ("BM-2025-003", 50_000),
    ] and proposal.decided_vote == vote

    sf = forum.statsforvalter
    decided = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert inputs(decided) == {} and "Vedtatt" in texts(decided)  # no more editing
    assert facts(decided)["Foreslått"] == f"{kr(300_000)} kr"
    body, _ = await forum.press(sf, "allocation.save", {"year": YEAR, "version": proposal.version, "page": 1})
    assert "Tildelingen for 2025 er vedtatt og kan ikke endres." in texts(card_of(body))

    log = texts(only_card(await forum.say(sf, "vedtak")))
    assert "Tildelingen som ble vedtatt" in log
    assert f"BM-2025-001 Østfold VO-nettverk: {kr(250_000)} kr (søkt {kr(300_000)} kr)" in log
    assert f"BM-2025-002 Nettverket for Follo-regionen: 0 kr (søkt {kr(200_000)} kr)" in log

    async with forum.app[UOW]() as uow:
        gathered = await decisions_export.gather(uow, await uow.forums.get("oslo-viken"), datetime.now(UTC).year)
    book = load_workbook(io.BytesIO(decisions_export.workbook(gathered, datetime.now(UTC))))
    rows = list(book[decisions_export.ALLOCATION_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("Avstemning nr.", "Referanse", "Organisasjon", "Tiltak", "Søkt (NOK)", "Tildelt (NOK)")
    assert rows[1:] == [
        (vote, "BM-2025-001", "Østfold VO-nettverk", "Vurdering i moduler", 300_000, 250_000),
        (vote, "BM-2025-002", "Nettverket for Follo-regionen", "Ledere i utvikling", 200_000, 0),
        (vote, "BM-2025-003", "Akershus fylkeskommune", "Lesing", 50_000, 50_000),
    ]


async def test_a_no_leaves_it_to_the_statsforvalter_who_decides_with_a_reason(forum):
    _, vote = await put_forward(forum, {"BM-2025-001": "250000"})
    for organisation, choice in (("ostfold-vo", "2"), ("follo", "2"), ("akershus-fk", "1")):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": vote, "choices": choice})
    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    await settle(forum)
    waiting = await stored(forum, vote)
    assert waiting.status is VoteStatus.AWAITING_DECISION and waiting.escalation is Escalation.DISAGREEMENT
    assert (await statuses(forum))["BM-2025-001"] == (Status.SUBMITTED, None)

    sf = forum.statsforvalter
    body, _ = await forum.press(
        sf, "vote.decide", {"vote": vote, "choices": "1", "reason": "Innenfor rammen og avtalt."}
    )
    assert "Statsforvalteren avgjorde" in texts(card_of(body)), texts(card_of(body))
    await settle(forum)
    assert (await statuses(forum))["BM-2025-001"] == (Status.GRANTED, 250_000)
    log = texts(only_card(await forum.say(sf, "vedtak")))
    assert "Ikke godkjent av forumet" in log and "Begrunnelse: Innenfor rammen og avtalt." in log
    assert "Tildelingen som ble vedtatt" in log


async def test_when_the_statsforvalter_says_no_the_reports_stay_open_for_a_new_proposal(forum):
    _, vote = await put_forward(forum, {})
    for organisation in ("ostfold-vo", "follo"):
        await forum.press(forum.representative(organisation), "vote.cast", {"vote": vote, "choices": "2"})
    await settle(forum)
    await keeper(forum, Clock((await stored(forum, vote)).closes_at)).run_once()
    await settle(forum)
    sf = forum.statsforvalter
    await forum.press(sf, "vote.decide", {"vote": vote, "choices": "2", "reason": "Må justeres før nytt forslag."})
    await settle(forum)
    assert {ref: s for ref, (s, _) in (await statuses(forum)).items()}["BM-2025-001"] is Status.SUBMITTED
    assert (await stored_proposal(forum)).decided_at is None
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    assert "amount_1" in "".join(inputs(card))  # the editor again, to change and put forward anew


async def test_a_proposal_over_a_frame_lowered_since_cannot_be_put_before_the_forum(forum):
    await seed_reports(forum)
    await set_budget(forum, 550_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    body, _ = await forum.press(sf, "allocation.save", save_data(card))
    async with forum.app[UOW]() as uow:
        lowered = Budget("oslo-viken", YEAR, 400_000, {}, 2, None, datetime(2025, 2, 1, tzinfo=UTC))
        assert await uow.budgets.put(lowered, expected_version=1)
        await uow.commit()
    body, _ = await forum.press(sf, "allocation.post", post_data(card_of(body)))
    assert f"Summen av forslaget ({kr(550_000)} kr) er mer enn rammen ({kr(400_000)} kr)." in texts(card_of(body))
    assert (await stored_proposal(forum)).posted_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"year": "2025", "version": 0, "page": 1},
        {"year": YEAR, "version": -1, "page": 1},
        {"year": YEAR, "page": 1},
        {"year": 1999, "version": 0},
    ],
)
async def test_forged_card_data_changes_nothing(forum, data):
    await seed_reports(forum)
    await set_budget(forum, 600_000)
    body, _ = await forum.press(forum.statsforvalter, "allocation.save", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)
    assert await stored_proposal(forum) is None


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("edit", [True, False])
def test_two_hundred_long_reports_page_under_teams_card_limit_each_once(edit):
    forum = Forum("oslo-viken", "Samarbeidsforum " + "F" * 184, "Europe/Oslo")
    areas = tuple(f"a{i}" for i in range(7))
    all_lines = tuple(
        AllocationLine(
            n,
            10_000 + n,
            f"BM-2026-{n:03d}",
            ("Org *" + "o" * 200)[:200],
            ("Tiltak _" + "t" * 200)[:200],
            areas,
            9_999_999_999,
            9_999_999_999,
            9_999_999_999,
        )
        for n in range(1, 201)
    )
    allocation = Allocation(
        Proposal("oslo-viken", 2026, version=7, posted_at=datetime(2026, 5, 1, tzinfo=UTC)),
        Budget("oslo-viken", 2026, 9_999_999_999, {code: 1 for code in areas}, 3),
        all_lines,
        tuple(AreaSum(code, ("Område " + "å" * 200)[:200], 9_999_999_999, 9_999_999_999) for code in areas),
    )
    view = AllocationView(allocation, "nb", forum, edit)
    seen, page, pages = [], 1, 1
    while page <= pages:
        card = allocation_card(view, page, {})
        size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())
        assert size < TEAMS_CARD_LIMIT, (page, size)
        found = lines(card)
        assert 0 < len(found) <= LINES_PER_PAGE
        seen += [heading.split()[0] for _, heading, _ in found]
        label = next((t for t in texts(card).splitlines() if t.startswith("Side ")), "Side 1 av 1")
        pages = int(label.split()[-1])
        page += 1
    assert seen == [f"BM-2026-{n:03d}" for n in range(1, 201)]


async def test_who_saved_and_put_forward_the_proposal_is_in_the_privacy_export_and_erased(forum):
    await seed_reports(forum)
    await set_budget(forum, 600_000)
    sf = forum.statsforvalter
    card = only_card(await forum.say(sf, f"tildeling {YEAR}"))
    await forum.press(sf, "allocation.post", post_data(card))
    async with forum.app[UOW]() as uow:
        (stine,) = [p for p in await uow.privacy.people("oslo-viken") if sf.aad_object_id in p.aad_object_ids]
        found = await uow.privacy.gather(stine)
        assert [row["year"] for row in found["allocation_proposals"]] == [YEAR]
        counts = await uow.privacy.erase(stine, "erased", datetime.now(UTC))
        await uow.commit()
    assert (counts["allocation_saved_by"], counts["allocation_posted_by"]) == (1, 1)
    proposal = await stored_proposal(forum)
    assert (proposal.updated_by, proposal.posted_by) == ("erased", "erased")

"""Reading needs reports: who may open a whole report (the seats, who
prioritise them; it names a contact person, so not observers), and the
organisation's list of reports, page by page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.app import UOW
from bot.forum.needs.report import Status
from tests import teams
from tests.card_reading import actions, only_card, texts
from tests.needs_helpers import card_of, message_of, press, send_new_report

YEAR = datetime.now().year
TEAMS_CARD_LIMIT = 28 * 1024
NOT_ALLOWED = "kan bare Statsforvalteren og forumets representanter og vara se"


async def sent_report_id(forum, user) -> int:
    await send_new_report(forum, user)
    async with forum.app[UOW]() as uow:
        (report,) = await uow.needs_reports.of_organisations("oslo-viken", ["ostfold-vo"])
    return report.id


# --- who may open a report ----------------------------------------------------


async def test_the_statsforvalter_and_every_seat_read_the_whole_report(forum):
    report_id = await sent_report_id(forum, forum.representative("ostfold-vo"))
    readers = [
        forum.representative("ostfold-vo"),
        forum.deputy("ostfold-vo"),
        forum.statsforvalter,
        forum.representative("follo"),  # another submitting organisation, which prioritises it
        forum.deputy("utdanningsforbundet"),  # a seat that does not submit
    ]
    for reader in readers:
        body, _ = await forum.press(reader, "needs.view", {"report_id": report_id})
        card = card_of(body)
        assert f"BM-{YEAR}-001" in texts(card), reader.name
        assert "ada@example.org" in texts(card), reader.name


async def test_only_the_organisation_and_the_statsforvalter_get_its_buttons(forum):
    report_id = await sent_report_id(forum, forum.representative("ostfold-vo"))
    own = card_of((await forum.press(forum.deputy("ostfold-vo"), "needs.view", {"report_id": report_id}))[0])
    other = card_of((await forum.press(forum.representative("follo"), "needs.view", {"report_id": report_id}))[0])
    assert "Endre" in actions(own)
    assert "Endre" not in actions(other) and "Trekk" not in actions(other)
    body, _ = await forum.press(forum.representative("follo"), "needs.withdraw", {"report_id": report_id})
    assert message_of(body) == "Den behovsmeldingen hører til en annen organisasjon. Ingenting er endret."


async def test_observers_are_refused_and_see_nothing_of_it(forum):
    only_card(await forum.say(forum.statsforvalter, "oppsett", kind="channel"))
    report_id = await sent_report_id(forum, forum.representative("ostfold-vo"))
    guest = teams.stranger("Gjest Gjestesen")
    for kind, refusal in [("channel", NOT_ALLOWED), ("personal", "Du står ikke i medlemslisten")]:
        body, replies = await forum.press(guest, "needs.view", {"report_id": report_id}, kind=kind)
        assert refusal in message_of(body), kind
        leaked = json.dumps(body, ensure_ascii=False)
        assert "ada@example.org" not in leaked and "Vurdering for læring" not in leaked
        assert replies == []


async def test_someone_in_no_forum_cannot_open_a_report(forum):
    body, _ = await forum.press(teams.stranger(), "needs.view", {"report_id": 1})
    assert "Du står ikke i medlemslisten" in message_of(body)


# --- the organisation's list, page by page --------------------------------------


async def seed_sent_reports(forum, organisation_id: str, count: int, title: str = "Tiltak {n}") -> None:
    """Sent reports as the repository stores them, numbered 1, 2, …"""
    at = datetime(YEAR, 2, 1, tzinfo=UTC)
    async with forum.app[UOW]() as uow:
        repo = uow.needs_reports
        for _ in range(count):
            report = await repo.add("oslo-viken", organisation_id, YEAR, "test", at)
            number = await repo.next_number("oslo-viken", YEAR)
            fields = {"organisation_id": organisation_id, "title": title.format(n=number), "amount_applied": 1000}
            await repo.send(report, fields, number, Status.SUBMITTED, "test", at)
        await uow.commit()


def listed(card: dict) -> list[str]:
    """The headings of the reports on a page of the list."""
    return [
        block["items"][0]["text"]
        for block in card["body"]
        if block.get("type") == "Container" and block["items"][0].get("weight") == "Bolder"
    ]


async def test_my_reports_go_over_pages_and_none_is_left_out(forum):
    await seed_sent_reports(forum, "ostfold-vo", 27)
    await seed_sent_reports(forum, "follo", 1)
    bo = forum.deputy("ostfold-vo")

    first = only_card(await forum.say(bo, "mine behovsmeldinger"))
    assert "Side 1 av 3" in texts(first)
    assert "Forrige side" not in actions(first) and "Neste side" in actions(first)
    second = card_of(await press(forum, bo, first, "Neste side"))
    assert "Side 2 av 3" in texts(second)
    assert {"Forrige side", "Neste side"} <= set(actions(second))
    third = card_of(await press(forum, bo, second, "Neste side"))
    assert "Side 3 av 3" in texts(third) and "Neste side" not in actions(third)
    assert listed(card_of(await press(forum, bo, third, "Forrige side"))) == listed(second)

    # Newest first, each report once, and only the organisation's own.
    shown = listed(first) + listed(second) + listed(third)
    assert [line.split(":")[0] for line in shown] == [f"BM-{YEAR}-{n:03d}" for n in range(27, 0, -1)]
    assert all("(Østfold VO-nettverk)" in line for line in shown)


async def test_a_page_of_the_longest_titles_stays_within_teams_card_size(forum):
    await seed_sent_reports(forum, "ostfold-vo", 11, title="*_" * 100)
    card = only_card(await forum.say(forum.representative("ostfold-vo"), "mine behovsmeldinger"))
    assert len(listed(card)) == 10
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_CARD_LIMIT


async def test_a_page_past_the_end_shows_the_last_one(forum):
    await seed_sent_reports(forum, "ostfold-vo", 12)
    body, _ = await forum.press(forum.representative("ostfold-vo"), "needs.list", {"page": 7})
    assert "Side 2 av 2" in texts(card_of(body))


@pytest.mark.parametrize(
    "data", [{}, {"page": "2"}, {"page": 2.0}, {"page": True}, {"page": 0}, {"page": 10**6}, {"page": [2]}]
)
async def test_forged_page_numbers_are_refused(forum, data):
    body, _ = await forum.press(forum.representative("ostfold-vo"), "needs.list", data)
    assert "Kortet sendte data jeg ikke forstår" in message_of(body)

"""The rules of a priority vote as the forum meets them: the Statsforvalter
opens it, the seats vote, the clock or the Statsforvalter closes it, and a
tie or a missed quorum goes back to the Statsforvalter, who decides with a
reason. The database scenarios run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import UOW
from bot.forum.roster import Refused
from bot.forum.votes.service import (
    Cast,
    VotableReport,
    cast_ballot,
    check_new_vote,
    close_now,
    close_vote,
    decide,
    open_vote,
    remind_at,
    vote_state,
)
from bot.forum.votes.vote import Escalation, Option, Vote, VoteStatus
from storage.models import BallotCastRow, BallotRow
from tests.vote_helpers import actor_of

TZ = "Europe/Oslo"
NOW = datetime(2031, 10, 1, 9, 0, tzinfo=UTC)  # 11:00 in Oslo (summer time)
CLOSES = datetime(2031, 10, 3, 8, 0, tzinfo=UTC)  # the form's 2031-10-03 10:00 in Oslo
AFTER = CLOSES + timedelta(minutes=1)  # when the scheduler gets to it
A, B, C, D = 1, 2, 3, 4
REPORTS = [
    VotableReport(7, "BM-2031-001 Nettverket for Follo-regionen: Digital kompetanse"),
    VotableReport(8, "BM-2031-002 Østfold VO-nettverk: Norsk som andrespråk"),
]


# --- the forum's people and actions ---------------------------------------------


def seats(forum) -> list:
    """The representative of every seat: twelve, EVU region ØST having two."""
    return [forum.representative(o.id, n) for o in forum.config.organisations for n in range(len(o.seats))]


def form(**changes) -> dict:
    values = {
        "question": "Hvilke tiltak skal prioriteres i 2032?",
        "options": "Tiltak A\nTiltak B\nTiltak C\nTiltak D",
        "mode": "one",
        "close_date": "2031-10-03",
        "close_time": "10:00",
        "live": "false",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not ...}


async def new_vote(forum, **changes) -> int:
    check = check_new_vote(form(**changes), TZ, NOW, REPORTS)
    assert not check.errors, check.errors
    async with forum.app[UOW]() as uow:
        vote = await open_vote(uow, await actor_of(uow, forum.statsforvalter), check, NOW)
    assert vote.closes_at == CLOSES and vote.status is VoteStatus.OPEN
    return vote.id


async def vote(forum, user, vote_id, choices, now: datetime = NOW) -> Cast:
    async with forum.app[UOW]() as uow:
        return await cast_ballot(uow, await actor_of(uow, user), vote_id, choices, now)


async def everyone_votes(forum, vote_id, ballots: list) -> None:
    """The seats vote in turn: ballot i is cast by seat i."""
    for user, choices in zip(seats(forum), ballots, strict=False):
        await vote(forum, user, vote_id, choices)


async def clock_closes(forum, vote_id, now: datetime = AFTER) -> Vote | None:
    async with forum.app[UOW]() as uow:
        return await close_vote(uow, await uow.forums.get(forum.config.id), vote_id, now)


async def closes_now(forum, user, vote_id, now: datetime = NOW + timedelta(hours=1)) -> Vote:
    async with forum.app[UOW]() as uow:
        return await close_now(uow, await actor_of(uow, user), vote_id, now)


async def decides(forum, user, vote_id, choices, reason, now: datetime = AFTER + timedelta(hours=2)) -> Vote:
    async with forum.app[UOW]() as uow:
        return await decide(uow, await actor_of(uow, user), vote_id, choices, reason, now)


async def stored(forum, vote_id) -> Vote:
    async with forum.app[UOW]() as uow:
        return await uow.votes.get(forum.config.id, vote_id)


async def rows(forum, model, vote_id) -> list:
    async with forum.app[UOW]() as uow:
        found = list(await uow.session.scalars(select(model).where(model.vote_id == vote_id).order_by(model.id)))
        uow.session.expunge_all()
        return found


async def refused(call) -> str:
    with pytest.raises(Refused) as caught:
        await call
    return caught.value.code


def counts(result) -> dict[int, int]:
    return {option: place.votes for place in result.places for option in place.options}


# --- settled by the ballots -----------------------------------------------------


async def test_a_clear_winner_closes_as_decided_by_the_ballots(forum):
    vote_id = await new_vote(forum)
    await everyone_votes(forum, vote_id, [[A], [A], [B], [A], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.DECIDED
    assert closed.chosen == (A,) and closed.escalation is None
    assert closed.decided_by is None and closed.reason is None and closed.decided_at == AFTER
    assert closed.closed_by is None and closed.closed_at == AFTER  # the clock closed it
    assert (closed.result.ballots, closed.result.seats) == (5, 12)
    assert counts(closed.result) == {A: 3, B: 1, C: 1, D: 0}
    assert closed == await stored(forum, vote_id)


async def test_up_to_two_chooses_the_two_with_most_votes(forum):
    vote_id = await new_vote(forum, mode="up_to", up_to="2")
    await everyone_votes(forum, vote_id, [[A, B], [B, C], [B], [A, D], [A, B], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.DECIDED and closed.escalation is None
    assert set(closed.chosen) == {A, B} and len(closed.chosen) == 2
    assert counts(closed.result) == {A: 3, B: 4, C: 2, D: 1}


async def test_up_to_two_with_two_sharing_first_place_needs_no_decision(forum):
    vote_id = await new_vote(forum, mode="up_to", up_to="2")
    await everyone_votes(forum, vote_id, [[A, B], [A, B], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.DECIDED and set(closed.chosen) == {A, B}


async def test_the_statsforvalters_close_button_counts_the_ballots_so_far(forum):
    vote_id = await new_vote(forum)
    await everyone_votes(forum, vote_id, [[B], [B], [A]])
    sf = forum.statsforvalter
    assert await refused(closes_now(forum, forum.representative("follo"), vote_id)) == "vote_statsforvalter_only"
    closed = await closes_now(forum, sf, vote_id)
    assert closed.status is VoteStatus.DECIDED and closed.chosen == (B,)
    assert closed.closed_by == sf.aad_object_id.lower() and closed.closed_at == NOW + timedelta(hours=1)
    assert await refused(closes_now(forum, sf, vote_id)) == "vote_already_closed"
    assert await clock_closes(forum, vote_id) is None  # the scheduler finds it closed


# --- a tie for the Statsforvalter ----------------------------------------------


async def test_a_tie_for_first_place_is_decided_by_the_statsforvalter_with_a_reason(forum):
    vote_id = await new_vote(forum)
    await everyone_votes(forum, vote_id, [[A], [B], [B], [A], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.AWAITING_DECISION and closed.escalation is Escalation.TIE
    assert closed.chosen == () and closed.result.tie == (A, B)
    assert closed.decision_options() == ((A, B), 1)
    # While it waits, no more ballots.
    assert await refused(vote(forum, forum.representative("follo"), vote_id, [A])) == "vote_closed"

    sf, rep, dep = forum.statsforvalter, forum.representative("ostfold-vo"), forum.deputy("ostfold-vo")
    for user in (rep, dep):
        assert await refused(decides(forum, user, vote_id, [A], "Vi vil ha A.")) == "vote_statsforvalter_only"
    # Only among the tied options, exactly as many as places are left.
    for choices, code in (
        ([C], "vote_bad_choice"),  # had votes, but not tied for the place
        ([D], "vote_bad_choice"),
        ([9], "vote_bad_choice"),
        (["1"], "vote_bad_choice"),
        ([A, C], "vote_bad_choice"),
        ([A, B], "vote_too_many"),
        ([], "vote_no_choice"),
    ):
        assert await refused(decides(forum, sf, vote_id, choices, "Begrunnelse.")) == code, choices
    for reason in (None, "", "   \n ", 42, ["Begrunnelse"]):
        assert await refused(decides(forum, sf, vote_id, [A], reason)) == "vote_reason_required", reason
    assert await refused(decides(forum, sf, vote_id, [A], "x" * 2001)) == "vote_reason_too_long"
    assert await stored(forum, vote_id) == closed  # nothing changed

    decided = await decides(forum, sf, vote_id, [B], "  B følger opp fjorårets satsing.  ")
    assert decided.status is VoteStatus.DECIDED and decided.escalation is Escalation.TIE
    assert decided.chosen == (B,)
    assert decided.decided_by == sf.aad_object_id.lower()
    assert decided.reason == "B følger opp fjorårets satsing."
    assert decided.decided_at == AFTER + timedelta(hours=2)
    assert decided.result == closed.result and decided.closed_at == AFTER  # the count is kept as it was

    other_sf = forum.person(forum.config.statsforvalter[1])
    assert await refused(decides(forum, sf, vote_id, [A], "Nei, A.")) == "vote_decided"
    assert await refused(decides(forum, other_sf, vote_id, [A], "Nei, A.")) == "vote_decided"
    assert await refused(vote(forum, forum.representative("follo"), vote_id, [A], AFTER + timedelta(days=1))) == (
        "vote_decided"
    )
    assert await refused(vote(forum, forum.representative("follo"), vote_id, [A])) == "vote_decided"
    assert await stored(forum, vote_id) == decided


async def test_an_open_vote_cannot_be_decided(forum):
    vote_id = await new_vote(forum)
    assert await refused(decides(forum, forum.statsforvalter, vote_id, [A], "For tidlig.")) == "vote_not_awaiting"
    await everyone_votes(forum, vote_id, [[A]])
    assert (await clock_closes(forum, vote_id)).status is VoteStatus.DECIDED
    assert await refused(decides(forum, forum.statsforvalter, vote_id, [B], "Overstyrt.")) == "vote_decided"


async def test_up_to_two_with_a_tie_for_second_place_decides_the_place_left(forum):
    vote_id = await new_vote(forum, mode="up_to", up_to="2")
    await everyone_votes(forum, vote_id, [[A, B], [A, C], [A], [B], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.AWAITING_DECISION and closed.escalation is Escalation.TIE
    assert closed.result.tie == (B, C) and closed.result.settled == (A,)
    assert closed.decision_options() == ((B, C), 1)
    sf = forum.statsforvalter
    for choices, code in (([A], "vote_bad_choice"), ([D], "vote_bad_choice"), ([B, C], "vote_too_many")):
        assert await refused(decides(forum, sf, vote_id, choices, "Begrunnelse.")) == code, choices
    decided = await decides(forum, sf, vote_id, [C], "C når flere deltakere.")
    assert decided.status is VoteStatus.DECIDED and decided.chosen == (A, C)


async def test_up_to_two_with_three_tied_for_first_needs_two_picked(forum):
    vote_id = await new_vote(forum, mode="up_to", up_to="2")
    await everyone_votes(forum, vote_id, [[A], [B], [C], [A, D], [B], [C]])
    closed = await clock_closes(forum, vote_id)
    assert closed.escalation is Escalation.TIE and closed.decision_options() == ((A, B, C), 2)
    sf = forum.statsforvalter
    assert await refused(decides(forum, sf, vote_id, [A], "Bare A.")) == "vote_too_few"
    assert await refused(decides(forum, sf, vote_id, [A, B, C], "Alle.")) == "vote_too_many"
    assert await refused(decides(forum, sf, vote_id, [A, D], "A og D.")) == "vote_bad_choice"
    decided = await decides(forum, sf, vote_id, "3,1", "A og C.")  # as a multi-select sends it
    assert decided.chosen == (C, A)


# --- a missed quorum for the Statsforvalter -----------------------------------------


async def test_too_few_seats_voting_misses_the_quorum_and_the_statsforvalter_picks_any(forum):
    vote_id = await new_vote(forum, mode="up_to", up_to="2", quorum="50")
    await everyone_votes(forum, vote_id, [[A, B], [A], [A], [B], [A, C]])  # 5 of 12 seats
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.AWAITING_DECISION and closed.escalation is Escalation.QUORUM
    assert closed.result.quorum_missed and closed.chosen == ()
    assert closed.decision_options() == ((A, B, C, D), 2)
    sf = forum.statsforvalter
    for choices, code in (([A, B, C], "vote_too_many"), ([], "vote_no_choice"), ([9], "vote_bad_choice")):
        assert await refused(decides(forum, sf, vote_id, choices, "Begrunnelse.")) == code, choices
    assert await refused(decides(forum, sf, vote_id, [D], "")) == "vote_reason_required"
    # Any option, even one nobody voted for, and one is enough.
    decided = await decides(forum, sf, vote_id, [D], "Forumet var ikke beslutningsdyktig; D haster.")
    assert decided.status is VoteStatus.DECIDED and decided.chosen == (D,)
    assert decided.escalation is Escalation.QUORUM and decided.decided_by == sf.aad_object_id.lower()


async def test_a_missed_quorum_with_a_single_choice_takes_one(forum):
    vote_id = await new_vote(forum, quorum="50")
    await everyone_votes(forum, vote_id, [[A], [A], [B]])
    closed = await clock_closes(forum, vote_id)
    assert closed.escalation is Escalation.QUORUM and closed.decision_options() == ((A, B, C, D), 1)
    assert await refused(decides(forum, forum.statsforvalter, vote_id, [A, B], "Begge.")) == "vote_too_many"
    assert (await decides(forum, forum.statsforvalter, vote_id, [B], "B.")).chosen == (B,)


async def test_half_the_seats_is_a_quorum_of_fifty_percent(forum):
    vote_id = await new_vote(forum, quorum="50")
    await everyone_votes(forum, vote_id, [[A], [A], [B], [A], [C], [A]])  # 6 of 12
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.DECIDED and closed.chosen == (A,) and not closed.result.quorum_missed


async def test_a_tie_without_a_quorum_is_a_missed_quorum(forum):
    vote_id = await new_vote(forum, quorum="50")
    await everyone_votes(forum, vote_id, [[A], [B]])
    closed = await clock_closes(forum, vote_id)
    assert closed.escalation is Escalation.QUORUM and closed.decision_options() == ((A, B, C, D), 1)


async def test_a_vote_nobody_voted_in_goes_to_the_statsforvalter_as_a_missed_quorum(forum):
    vote_id = await new_vote(forum)  # no quorum asked for
    closed = await clock_closes(forum, vote_id)
    assert closed.status is VoteStatus.AWAITING_DECISION and closed.escalation is Escalation.QUORUM
    assert closed.result.ballots == 0 and closed.chosen == ()
    assert closed.decision_options() == ((A, B, C, D), 1)
    decided = await decides(forum, forum.statsforvalter, vote_id, [C], "Ingen stemte; C er i tråd med planen.")
    assert decided.chosen == (C,)


# --- the clock -------------------------------------------------------------------


async def test_a_ballot_after_the_closing_time_is_refused_before_the_scheduler_closes_it(forum):
    vote_id = await new_vote(forum)
    rep = forum.representative("follo")
    assert await refused(vote(forum, rep, vote_id, [A], CLOSES)) == "vote_closed"
    assert await refused(vote(forum, rep, vote_id, [A], CLOSES + timedelta(seconds=1))) == "vote_closed"
    assert (await stored(forum, vote_id)).status is VoteStatus.OPEN  # the scheduler has not run yet
    assert await rows(forum, BallotRow, vote_id) == [] and await rows(forum, BallotCastRow, vote_id) == []
    assert (await vote(forum, rep, vote_id, [A], CLOSES - timedelta(seconds=1))).choices == (A,)


# --- races -------------------------------------------------------------------------


async def test_the_clock_and_the_close_button_at_once_close_the_vote_once(forum):
    sf = forum.statsforvalter
    for round_ in range(6):
        vote_id = await new_vote(forum)
        await everyone_votes(forum, vote_id, [[A], [B], [A]])
        outcomes = await asyncio.gather(
            clock_closes(forum, vote_id),
            closes_now(forum, sf, vote_id),
            clock_closes(forum, vote_id),
            return_exceptions=True,
        )
        won = [o for o in outcomes if isinstance(o, Vote)]
        lost = [o for o in outcomes if not isinstance(o, Vote)]
        assert len(won) == 1, (round_, outcomes)
        assert all(o is None or (isinstance(o, Refused) and o.code == "vote_already_closed") for o in lost), outcomes
        final = await stored(forum, vote_id)
        assert final == won[0] and final.status is VoteStatus.DECIDED and final.chosen == (A,)
        assert final.closed_by == (sf.aad_object_id.lower() if outcomes[1] is won[0] else None)
        assert final.result.ballots == 3


async def test_ballots_racing_the_close_are_either_counted_or_refused(forum):
    """Whatever a seat was told is what happened: a ballot answered as
    recorded is in the stored result, one refused is nowhere."""
    voters = seats(forum)
    seen_accepted = seen_refused = 0
    for round_ in range(8):
        vote_id = await new_vote(forum, mode="up_to", up_to="2")
        choices = [[1 + i % 4, 1 + (i + round_) % 4] for i in range(len(voters))]

        async def ballot(i):
            await asyncio.sleep(0.002 * i)
            return await vote(forum, voters[i], vote_id, choices[i])

        async def close():
            await asyncio.sleep(0.002 * (round_ * 2))
            return await clock_closes(forum, vote_id)

        jobs = [ballot(i) for i in range(len(voters))]
        jobs.insert(round_ % len(jobs), close())
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        closed = outcomes.pop(round_ % len(jobs))
        assert isinstance(closed, Vote), closed

        accepted = {i for i, o in enumerate(outcomes) if isinstance(o, Cast)}
        refusals = {i: o for i, o in enumerate(outcomes) if not isinstance(o, Cast)}
        # Refused as closed, or (once the close settled it) as decided; nothing else.
        codes = {i: o.code if isinstance(o, Refused) else repr(o) for i, o in refusals.items()}
        assert set(codes.values()) <= {"vote_closed", "vote_decided"}, codes
        seen_accepted += len(accepted)
        seen_refused += len(refusals)

        final = await stored(forum, vote_id)
        assert final.status is not VoteStatus.OPEN and final == closed
        assert final.result.ballots == len(accepted), (round_, sorted(accepted))
        expected = {o: 0 for o in (A, B, C, D)}
        for i in accepted:
            for option in set(choices[i]):
                expected[option] += 1
        assert counts(final.result) == expected
        in_table = await rows(forum, BallotRow, vote_id)
        assert sorted(b.cast_by for b in in_table) == sorted(voters[i].aad_object_id.lower() for i in accepted)
        assert len(await rows(forum, BallotCastRow, vote_id)) == len(accepted)
        # A recount of the stored ballots agrees with the count taken at the close.
        async with forum.app[UOW]() as uow:
            state = await vote_state(uow, await uow.forums.get(forum.config.id), vote_id)
        assert state.voted == len(accepted)
        assert final.count([s.ballot for s in state.seats if s.choices], len(state.seats)) == final.result
    # Over the rounds, the close landed among the ballots, not only before or after them all.
    assert seen_accepted and seen_refused, (seen_accepted, seen_refused)


# --- opening -----------------------------------------------------------------------


async def test_the_statsforvalter_opens_a_vote_as_the_form_said(forum):
    check = check_new_vote(
        form(reports="8", mode="up_to", up_to="2", quorum="60", live="true", close_date="2031-10-20"), TZ, NOW, REPORTS
    )
    assert not check.errors
    async with forum.app[UOW]() as uow:
        assert await refused(open_vote(uow, await actor_of(uow, forum.representative("follo")), check, NOW)) == (
            "vote_statsforvalter_only"
        )
    async with forum.app[UOW]() as uow:
        bad = check_new_vote(form(question=""), TZ, NOW, REPORTS)
        assert await refused(open_vote(uow, await actor_of(uow, forum.statsforvalter), bad, NOW)) == "form_has_errors"
    async with forum.app[UOW]() as uow:
        opened = await open_vote(uow, await actor_of(uow, forum.statsforvalter), check, NOW)
    got = await stored(forum, opened.id)
    assert got == opened
    assert got.options[-1] == Option(5, REPORTS[1].label, 8) and [o.id for o in got.options] == [1, 2, 3, 4, 5]
    assert (got.max_choices, got.quorum_percent, got.live) == (2, 60, True)
    assert got.closes_at == datetime(2031, 10, 20, 8, 0, tzinfo=UTC)
    assert got.remind_at == got.closes_at - timedelta(hours=24)
    assert got.created_by == forum.statsforvalter.aad_object_id.lower() and got.created_at == NOW


# --- the form (no database) -------------------------------------------------------------


def errors(**changes) -> dict[str, str]:
    return {name: error.code for name, error in check_new_vote(form(**changes), TZ, NOW, REPORTS).errors.items()}


def test_a_good_form_gives_numbered_options_and_report_options_carry_their_report():
    check = check_new_vote(
        form(
            question="  Hva prioriteres?  ",
            options="Tiltak A\n\n   Tiltak B  \r\n",
            reports="7, 8",
            mode="up_to",
            up_to="3",
            quorum="50",
            live="true",
        ),
        TZ,
        NOW,
        REPORTS,
    )
    assert check.errors == {}
    assert check.values == {
        "question": "Hva prioriteres?",
        "options": [
            Option(1, "Tiltak A"),
            Option(2, "Tiltak B"),
            Option(3, REPORTS[0].label, 7),
            Option(4, REPORTS[1].label, 8),
        ],
        "mode": "up_to",
        "up_to": 3,
        "places": None,
        "closes_at": CLOSES,
        "live": True,
        "quorum_percent": 50,
    }


def test_a_form_with_only_what_is_required_takes_the_defaults():
    check = check_new_vote(
        {"question": "Q?", "options": "Ja\nNei", "close_date": "2031-10-03", "close_time": "10:00"}, TZ, NOW, []
    )
    assert check.errors == {}
    assert (check.values["mode"], check.values["up_to"], check.values["live"], check.values["quorum_percent"]) == (
        "one",
        None,
        False,
        None,
    )
    # Report options alone are options too.
    assert errors(options="", reports="7,8") == {}


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"question": ...}, "question", "required"),
        ({"question": ""}, "question", "required"),
        ({"question": "  \n "}, "question", "required"),
        ({"question": "x" * 501}, "question", "too_long"),
        ({"options": ""}, "options", "options_too_few"),
        ({"options": "Tiltak A"}, "options", "options_too_few"),
        ({"options": "Tiltak A\n\n  \n"}, "options", "options_too_few"),
        ({"options": "Tiltak A\ntiltak a\nTiltak B"}, "options", "options_repeated"),
        ({"options": "Tiltak A\nTILTAK  B\ntiltak  b"}, "options", "options_repeated"),
        ({"options": f"Tiltak A\n{REPORTS[0].label.upper()}", "reports": "7"}, "options", "options_repeated"),
        ({"options": "Tiltak A\n" + "x" * 201}, "options", "option_too_long"),
        ({"options": "\n".join(f"Tiltak {i}" for i in range(26))}, "options", "options_too_many"),
        ({"reports": "99"}, "options", "not_offered"),  # a forged report id
        ({"reports": "7,99"}, "options", "not_offered"),
        ({"reports": "7 OR 1=1"}, "options", "not_offered"),
        ({"reports": "-7"}, "options", "not_offered"),
        ({"mode": "up_to"}, "up_to", "required"),
        ({"mode": "up_to", "up_to": ""}, "up_to", "required"),
        ({"mode": "up_to", "up_to": "4"}, "up_to", "vote_up_to_too_many"),  # four options: all of them
        ({"mode": "up_to", "up_to": "9"}, "up_to", "vote_up_to_too_many"),
        ({"mode": "up_to", "up_to": "1"}, "up_to", "out_of_range"),
        ({"mode": "up_to", "up_to": "0"}, "up_to", "out_of_range"),
        ({"mode": "up_to", "up_to": "-2"}, "up_to", ("out_of_range", "not_a_number")),
        ({"mode": "up_to", "up_to": "to"}, "up_to", "not_a_number"),
        ({"close_date": "2031-09-30"}, "closes_at", "vote_closes_too_soon"),
        ({"close_date": "2031-10-01", "close_time": "11:00"}, "closes_at", "vote_closes_too_soon"),  # now
        ({"close_date": "2031-10-01", "close_time": "11:04"}, "closes_at", "vote_closes_too_soon"),
        ({"close_date": "2032-01-02"}, "closes_at", "vote_closes_too_late"),  # past 92 days
        ({"close_date": "2040-01-01"}, "closes_at", "vote_closes_too_late"),
        ({"close_date": "2031-02-30"}, "closes_at", "not_a_date"),
        ({"close_date": "3. oktober"}, "closes_at", "not_a_date"),
        ({"close_time": "25:00"}, "closes_at", "not_a_time"),
        ({"close_time": "ti"}, "closes_at", "not_a_time"),
        ({"quorum": "0"}, "quorum_percent", "out_of_range"),
        ({"quorum": "101"}, "quorum_percent", "out_of_range"),
        ({"quorum": "-5"}, "quorum_percent", ("out_of_range", "not_a_number")),
        ({"quorum": "halvparten"}, "quorum_percent", "not_a_number"),
        ({"quorum": "nan"}, "quorum_percent", "not_a_number"),
        ({"quorum": "50%"}, "quorum_percent", "not_a_number"),
        ({"mode": "all"}, "mode", "not_offered"),
        ({"mode": "ONE"}, "mode", "not_offered"),
        ({"live": "yes"}, "live", "not_offered"),
        ({"live": "1"}, "live", "not_offered"),
    ],
)
def test_a_wrong_field_is_named_with_what_is_wrong(changes, field, code):
    found = errors(**changes)
    assert set(found) == {field}, found
    assert found[field] in code if isinstance(code, tuple) else found[field] == code


def test_a_closing_time_that_does_not_exist_is_refused():
    # 2027-03-28: summer time begins in Norway, the clocks go from 02:00 to 03:00.
    now = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    check = check_new_vote(form(close_date="2027-03-28", close_time="02:30"), TZ, now, [])
    assert {k: e.code for k, e in check.errors.items()} == {"closes_at": "time_does_not_exist"}
    check = check_new_vote(form(close_date="2027-03-28", close_time="03:00"), TZ, now, [])
    assert check.errors == {} and check.values["closes_at"] == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_the_close_boundaries():
    assert errors(close_date="2031-10-01", close_time="11:05") == {}  # five minutes
    assert errors(close_date="2031-12-31", close_time="23:59") == {}  # within 92 days


@pytest.mark.parametrize(
    "name", ["question", "options", "reports", "mode", "up_to", "close_date", "close_time", "live", "quorum"]
)
@pytest.mark.parametrize(
    "value", [5, 3.5, True, ["Tiltak A", "Tiltak B"], {"a": 1}, ("x",), b"bytes", None, 0, [], False]
)
def test_values_that_are_not_text_never_crash_the_form(name, value):
    changes = {name: value}
    if name == "up_to":
        changes["mode"] = "up_to"
    check = check_new_vote(form(**changes), TZ, NOW, REPORTS)
    field = {"reports": "options", "close_date": "closes_at", "close_time": "closes_at", "quorum": "quorum_percent"}
    field = field.get(name, name)
    if value:  # something that is not text: an error on its field, and no value
        assert set(check.errors) == {field}, check.errors
        assert field not in check.values
        if field != "closes_at":  # (see test_a_missing_closing_date_is_named_as_required)
            assert check.errors[field].code == "invalid_value"
    else:  # nothing: as if left empty, which only the required fields mind
        assert set(check.errors) <= {field}, check.errors


def test_an_empty_form_gives_errors_not_a_crash():
    check = check_new_vote({}, TZ, NOW, [])
    assert set(check.errors) == {"question", "options", "closes_at"}
    assert (check.errors["question"].code, check.errors["options"].code) == ("required", "options_too_few")


# --- found bugs: these fail until fixed ----------------------------------------------


@pytest.mark.parametrize("changes", [{"close_date": ...}, {"close_date": ""}, {"close_time": ...}, {"close_time": " "}])
def test_a_missing_closing_date_is_named_as_required(changes):
    """BUG (bot/forum/votes/service.py, check_new_vote.closes_at): text()
    runs inside `try: ... except ValueError`, and Invalid is a ValueError, so
    its "required" (and "invalid_value") come out as not_a_date / not_a_time."""
    assert errors(**changes) == {"closes_at": "required"}


def test_a_report_id_in_unusual_digits_is_not_offered_rather_than_a_crash():
    """BUG (bot/forum/votes/service.py, check_new_vote.options): "²".isdigit()
    is True but int("²") raises ValueError."""
    try:
        assert errors(reports="²") == {"options": "not_offered"}
    except ValueError as error:
        pytest.fail(f"reports='²' crashed check_new_vote: {error!r}")


@pytest.mark.parametrize("quorum", ["inf", "-inf", "1e999", "Infinity"])
def test_an_infinite_quorum_is_out_of_range_rather_than_a_crash(quorum):
    """BUG (bot/forum/votes/service.py, check_new_vote.whole): float("inf")
    parses, and int() of it raises OverflowError, which is not caught."""
    try:
        found = errors(quorum=quorum)
    except OverflowError as error:
        pytest.fail(f"quorum={quorum!r} crashed check_new_vote: {error!r}")
    assert set(found) == {"quorum_percent"}


@pytest.mark.parametrize("day, at", [("0001-01-01", "00:30"), ("9999-12-31", "23:59")])
def test_a_closing_date_at_the_ends_of_the_calendar_is_refused_rather_than_a_crash(day, at):
    """BUG (bot/forum/wheel/service.py local_time, called by check_new_vote):
    converting 0001-01-01 00:30 Oslo time (or 9999-12-31 23:59 west of UTC)
    to UTC leaves the calendar: OverflowError, not caught."""
    zone = "Europe/Oslo" if day.startswith("0001") else "America/New_York"
    try:
        check = check_new_vote(form(close_date=day, close_time=at), zone, NOW, [])
    except OverflowError as error:
        pytest.fail(f"close {day} {at} ({zone}) crashed check_new_vote: {error!r}")
    assert set(check.errors) == {"closes_at"}


def test_the_same_option_typed_twice_is_named_as_repeated():
    """Exact repeats are silently merged (dict.fromkeys in
    check_new_vote.options) while case variants are refused, and two equal
    lines alone are reported as "give at least two options"."""
    assert errors(options="Tiltak A\nTiltak A") == {"options": "options_repeated"}
    assert errors(options="Tiltak A\nTiltak A\nTiltak B") == {"options": "options_repeated"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"quorum": "50.7"}, "quorum_percent"),
        ({"quorum": "1,5"}, "quorum_percent"),
        ({"mode": "up_to", "up_to": "2.9"}, "up_to"),
    ],
)
def test_a_number_with_decimals_is_not_silently_cut_to_a_whole_one(changes, field):
    """check_new_vote.whole truncates "50.7" to 50 and "2.9" to 2 without a
    word, though its message says the value must be a whole number."""
    assert set(errors(**changes)) == {field}


# --- the reminder -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "open_for, reminded_after",
    [
        (timedelta(days=7), timedelta(days=6)),  # 24 hours before the close
        (timedelta(days=92), timedelta(days=91)),
        (timedelta(hours=49), timedelta(hours=25)),
        (timedelta(hours=48), timedelta(hours=24)),  # both rules agree
        (timedelta(hours=36), timedelta(hours=18)),  # half-way
        (timedelta(hours=24), timedelta(hours=12)),
        (timedelta(minutes=10), timedelta(minutes=5)),
    ],
)
def test_the_reminder_goes_24_hours_before_the_close_or_half_way_in_a_short_vote(open_for, reminded_after):
    assert remind_at(NOW, NOW + open_for) == NOW + reminded_after

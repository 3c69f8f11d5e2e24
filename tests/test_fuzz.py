"""Whatever a client sends to /api/messages, the bot answers without a 5xx,
logs no traceback, and its stored state stays whole.

Hypothesis starts from Teams-shaped activities (typed commands, card
presses with every verb the bot knows, installations) and breaks them the
ways a broken or hostile client would: keys left out (`from`,
`conversation`, `serviceUrl`, …), values of the wrong type, nulls, odd
unicode, deep nesting, and card data of any shape. After every example the
database is checked: no ballot outside its vote's options or from a seat
that is not the forum's, no two needs reports with one number."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import UOW
from bot.handlers.commands import COMMANDS, VERBS
from storage.models import BallotRow, NeedsReportRow, SeatRow, VoteRow
from tests import teams
from tests.test_votes_in_teams import form

EXAMPLES = 500  # per database; each example posts one activity

# Text as people and broken clients write it: Norwegian letters, zero-width
# and right-to-left marks, lone surrogates' neighbours, NUL, Markdown.
odd_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("æøåÆØÅ\u200b\u202e\ufeff\x00*[](){}$<>@\\\"'")),
    ),
    max_size=80,
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), odd_text)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)),
    max_leaves=30,
)


def deep(levels: int) -> object:
    value: object = "bunn"
    for _ in range(levels):
        value = {"a": [value]}
    return value


wrong = st.one_of(json_value, st.just(deep(60)), st.just(""), st.just([]), st.just({}))


def people(forum) -> list[teams.User]:
    config = forum.config
    found = [forum.person(config.statsforvalter[0])]
    found += [forum.person(seat.representative) for o in config.organisations for seat in o.seats]
    return [*found, teams.stranger()]


@st.composite
def activities(draw, forum, vote_id: int) -> dict:
    user = draw(st.sampled_from(people(forum)))
    kind = draw(st.sampled_from(["personal", "channel", "group"]))
    shape = draw(st.sampled_from(["message", "press", "installed"]))
    if shape == "message":
        words = [w for c in COMMANDS for w in (c.typed, *c.aliases)]
        said = draw(
            st.one_of(
                st.sampled_from(words), odd_text, st.builds(lambda w, t: f"{w} {t}", st.sampled_from(words), odd_text)
            )
        )
        activity = teams.message(user, said, forum.service_url, kind=kind)
    elif shape == "press":
        verb = draw(st.one_of(st.sampled_from(sorted(VERBS)), odd_text))
        honest = {
            "vote": vote_id,
            "choices": "1",
            "year": 2026,
            "page": 1,
            "view": 0,
            "report": 1,
            "version": 1,
            "step": 1,
        }
        data = draw(
            st.one_of(
                st.just(honest),
                st.dictionaries(st.sampled_from(sorted(honest) + ["event", "command", "reason"]), wrong, max_size=6),
                st.just(form()),
                wrong,
            )
        )
        activity = teams.execute(user, verb, data, forum.service_url, kind=kind)
    else:
        activity = teams.installed(user, forum.service_url, kind=kind)

    # Break it: leave keys out, or give them values of the wrong type.
    for key in draw(st.lists(st.sampled_from(sorted(activity)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del activity[key]
        else:
            activity[key] = draw(wrong)
    for part in ("from", "conversation", "recipient", "channelData", "value"):
        if isinstance(activity.get(part), dict) and draw(st.integers(0, 4)) == 0:
            inner = draw(st.sampled_from(sorted(activity[part]) or ["id"]))
            activity[part] = {**activity[part], inner: draw(wrong)}
    return activity


class Tracebacks(logging.Handler):
    """Every log record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.stack_info:
            self.records.append(record)


async def check_invariants(forum) -> None:
    async with forum.app[UOW]() as uow:
        session = uow.session
        outside = await session.scalar(
            select(func.count()).select_from(BallotRow).where(~BallotRow.seat_id.in_(select(SeatRow.id)))
        )
        assert outside == 0, "a ballot from a seat that is not the forum's"
        votes = {
            v: (max_choices, {o["id"] for o in options})
            for v, options, max_choices in await session.execute(
                select(VoteRow.id, VoteRow.options, VoteRow.max_choices)
            )
        }
        for vote_id, choices in await session.execute(select(BallotRow.vote_id, BallotRow.choices)):
            most, options = votes[vote_id]
            assert choices and len(choices) <= most and set(choices) <= options, (vote_id, choices)
        doubled = await session.scalar(
            select(func.count()).select_from(
                select(NeedsReportRow.forum_id, NeedsReportRow.year, NeedsReportRow.number)
                .where(NeedsReportRow.number.is_not(None))
                .group_by(NeedsReportRow.forum_id, NeedsReportRow.year, NeedsReportRow.number)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert doubled == 0


@pytest.fixture
async def open_forum(forum):
    """The forum with its channel set up and a vote open, so that presses reach real rules."""
    await forum.say(forum.statsforvalter, "oppsett", kind="channel")
    body, _ = await forum.press(forum.statsforvalter, "vote.open", form())
    async with forum.app[UOW]() as uow:
        (vote, *_) = await uow.votes.of_forum(forum.config.id)
    return forum, vote.id


@pytest.fixture
def tracebacks():
    handler = Tracebacks()
    logging.getLogger().addHandler(handler)
    yield handler.records
    logging.getLogger().removeHandler(handler)


# The forum and the log handler live for the whole run of examples: state
# builds up from one example to the next, as it does in Teams.
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_no_activity_however_broken_gets_a_5xx_or_a_traceback_or_breaks_what_is_stored(
    open_forum, tracebacks, data
):
    forum, vote_id = open_forum
    activity = data.draw(activities(forum, vote_id), label="activity")
    async with forum.http.post(f"{forum.bot_url}api/messages", json=activity) as response:
        await response.read()
        assert response.status < 500, response.status
    await forum.settle()
    await check_invariants(forum)
    assert not tracebacks, [f"{r.name}: {r.getMessage()}" for r in tracebacks[:3]]

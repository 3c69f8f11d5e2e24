"""What the operator's Prometheus sees at GET /metrics while the forum works:
activities by type and outcome with their latency, every answer of Teams'
Bot Connector by status (429 included), the reminders that are due and not
sent, and how late votes were closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.app import UOW, VOTE_KEEPER, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from storage.models import ReminderRow, VoteRow, WheelEventRow
from tests import teams
from tests.conftest import serve
from tests.limited_connector import LimitedConnector
from tests.test_votes_in_teams import open_vote, set_up_channel

CONNECTOR = LimitedConnector  # Teams' limits on, faults on demand


async def scrape(url: str, **headers: str) -> dict[tuple[str, tuple], float]:
    """Every sample: (name, sorted labels) → value."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}metrics", headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/plain"
        body = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def in_chat(forum, activity: dict) -> dict:
    """The activity as from the person's 1:1 chat, which Teams (the limited
    connector) knows of."""
    activity["conversation"]["id"] = forum.connector.open_chat(activity["from"]["id"])
    return activity


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_messages_presses_and_refusals_are_counted_by_type_and_outcome(forum):
    lise = forum.representative("ostfold-vo")
    await forum.send(in_chat(forum, teams.message(lise, "hjelp", forum.service_url)))
    await forum.send(in_chat(forum, teams.message(lise, "medlemmer", forum.service_url)))
    message = in_chat(forum, teams.message(lise, "hjelp", forum.service_url))
    await forum.send(message)
    await forum.send(message)  # Teams delivers it again: handled once
    await forum.press(lise, "needs.new", {})
    await forum.post_raw(b"{not json", "application/json")
    await forum.post_raw(b'{"type": "message"}', "text/plain")
    await forum.post({**teams.message(lise, "hjelp", forum.service_url), "type": "made.up"})

    samples = await scrape(forum.bot_url)
    activities = "samarbeidsforum_activities_total"
    assert value(samples, activities, type="message", outcome="handled") == 3
    assert value(samples, activities, type="message", outcome="repeated") == 1
    assert value(samples, activities, type="invoke", outcome="handled") == 1
    assert value(samples, activities, type="other", outcome="malformed") == 2  # before its type was read
    assert value(samples, activities, type="other", outcome="handled") == 1  # a type no one knows: one label
    latency = "samarbeidsforum_activity_seconds"
    assert value(samples, f"{latency}_count", type="message") == 4
    assert value(samples, f"{latency}_count", type="invoke") == 1
    assert 0 < value(samples, f"{latency}_sum", type="message") < 60
    assert value(samples, f"{latency}_bucket", type="message", le="+Inf") == 4
    # Three replies to the messages (the repeat got none), each one request.
    assert value(samples, "samarbeidsforum_connector_requests_total", status="2xx") == 3
    assert value(samples, "process_resident_memory_bytes") > 0


async def test_a_reply_teams_refused_with_429_is_counted_as_429_then_sent(forum):
    lise = forum.representative("ostfold-vo")
    message = in_chat(forum, teams.message(lise, "hjelp", forum.service_url))
    forum.connector.fail_next(message["conversation"]["id"], 429, retry_after=0.2)
    forum.connector.fail_next(message["conversation"]["id"], 503)
    assert len(await forum.send(message)) == 1

    samples = await scrape(forum.bot_url)
    requests = "samarbeidsforum_connector_requests_total"
    assert value(samples, requests, status="429") == 1
    assert value(samples, requests, status="503") == 1
    assert value(samples, requests, status="2xx") == 1


async def test_the_reminder_backlog_shows_what_is_due_and_unsent(forum):
    now = datetime.now(UTC)
    async with forum.app[UOW]() as uow:
        event = WheelEventRow(
            forum_id="oslo-viken",
            kind="annet",
            starts_at=now + timedelta(days=2),
            title="Samling",
            place="",
            text="",
            offsets=[1440, 60],
            updated_at=now,
        )
        uow.session.add(event)
        await uow.session.flush()
        for target, due, status in [
            ("channel", now - timedelta(minutes=10), "planned"),
            ("person:a", now - timedelta(minutes=2), "planned"),
            ("person:b", now - timedelta(minutes=1), "claimed"),
            ("person:c", now + timedelta(days=1), "planned"),  # not due yet
            ("person:d", now - timedelta(hours=5), "sent"),  # done
        ]:
            uow.session.add(
                ReminderRow(
                    event_id=event.id,
                    event_starts_at=event.starts_at,
                    offset_minutes=1440,
                    target=target,
                    due_at=due,
                    status=status,
                )
            )
        await uow.commit()

    samples = await scrape(forum.bot_url)
    assert value(samples, "samarbeidsforum_reminders", state="due") == 2
    assert value(samples, "samarbeidsforum_reminders", state="claimed") == 1
    assert value(samples, "samarbeidsforum_reminders", state="sending") == 0
    assert 600 <= value(samples, "samarbeidsforum_reminders_oldest_due_seconds") < 700


async def test_a_vote_closed_by_the_rounds_records_how_late_it_was_closed(forum):
    await set_up_channel(forum)
    vote_id = await open_vote(forum)
    async with forum.app[UOW]() as uow:
        await uow.session.execute(
            update(VoteRow).where(VoteRow.id == vote_id).values(closes_at=datetime.now(UTC) - timedelta(seconds=90))
        )
        await uow.commit()
    assert await forum.app[VOTE_KEEPER].run_once() == 1
    await forum.settle()

    samples = await scrape(forum.bot_url)
    assert value(samples, "samarbeidsforum_vote_closing_lag_seconds_count") == 1
    assert 90 <= value(samples, "samarbeidsforum_vote_closing_lag_seconds_sum") < 150
    assert value(samples, "samarbeidsforum_vote_closing_lag_seconds_bucket", le="60.0") == 0
    assert value(samples, "samarbeidsforum_vote_closing_lag_seconds_bucket", le="120.0") == 1


async def test_with_a_metrics_token_a_scrape_without_it_is_refused(database_url, connector):
    settings = Settings(
        database_url=database_url,
        forum_config=EXAMPLE_FORUM_CONFIG,
        scheduler_interval_seconds=0,
        metrics_token="scrape-secret",
    )
    runner, url = await serve(await create_app(settings))
    try:
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-secret"}):
                async with http.get(f"{url}metrics", headers=headers) as response:
                    assert response.status == 401, headers
                    assert "samarbeidsforum" not in await response.text()
        samples = await scrape(url, Authorization="Bearer scrape-secret")
        assert ("samarbeidsforum_reminders", (("state", "due"),)) in samples
    finally:
        await runner.cleanup()

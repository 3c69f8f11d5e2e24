"""The web application: `POST /api/messages`, the health checks, the
metrics, and the signed links' downloads and calendar feed."""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.config import Settings
from bot.delivery.deliverer import DEFAULT_TENANT_RATE, Deliverer
from bot.edge import sdk
from bot.forum.config_file import load_forum_config
from bot.forum.needs.service import seed_competence_areas
from bot.forum.post import Post, Posts
from bot.forum.privacy import Retention
from bot.forum.rounds import Rounds
from bot.forum.setup import sync_roster
from bot.forum.votes.keeper import VoteKeeper
from bot.forum.wheel.scheduler import Scheduler
from bot.forum.wheel.service import seed_example as seed_example_wheel
from bot.handlers.afterwards import Afterwards
from bot.handlers.announcements import AnnouncementNotifier
from bot.handlers.award_letters import LetterNotifier
from bot.handlers.bot import ForumBot, utcnow
from bot.handlers.meetings import MeetingNotifier
from bot.handlers.reminders import ReminderNotifier
from bot.handlers.vote_cards import VoteCards
from bot.web.calendar_feed import make_calendar_feed
from bot.web.downloads import DOWNLOADS, make_downloads
from bot.web.health import Health
from bot.web.http import MessagesEndpoint
from bot.web.inbound import HandledActivities
from bot.web.metrics import Metrics
from bot.web.shutdown import GracefulStop
from storage.database import create_engine, session_factory, startup_lock
from storage.migrate import upgrade
from storage.repositories import RosterCache
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# The unit-of-work factory, for tools and tests that inspect the stored state.
UOW = web.AppKey("uow", object)
SCHEDULER = web.AppKey("scheduler", object)
POSTS = web.AppKey("posts", object)
HEALTH = web.AppKey("health", object)
CALENDAR = web.AppKey("calendar", object)
VOTE_CARDS = web.AppKey("vote_cards", object)
VOTE_KEEPER = web.AppKey("vote_keeper", object)
AFTERWARDS = web.AppKey("afterwards", object)
REPLIES = web.AppKey("replies", object)
GRACEFUL_STOP = web.AppKey("graceful_stop", object)
EDGE = web.AppKey("edge", object)

MAX_BODY = 1024 * 1024  # Teams activities are far smaller; refuse floods early
# Allocations between the collector's young collections once started (Python: 700).
GC_YOUNG_THRESHOLD = 10_000


async def create_app(settings: Settings, forums: list | None = None) -> web.Application:
    """Everything that can fail at start fails here, before we listen."""
    if forums is None:
        forums = load_forum_config(settings.forum_config)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)

    roster_cache = RosterCache()

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, roster_cache)

    async with startup_lock(engine):
        await upgrade(engine)
        async with uow() as work:
            for forum in forums:
                met_before = await work.forums.get(forum.id) is not None
                now = datetime.now(UTC)
                await sync_roster(work, forum, now)
                await seed_competence_areas(work, forum.id, forum.competence_areas, now)
                if not met_before:
                    await seed_example_wheel(work, forum.id, forum.timezone, [e.model_dump() for e in forum.wheel], now)
            await work.commit()

    async def dispose(_: web.Application) -> None:
        await engine.dispose()

    async def freeze_startup_objects(_: web.Application) -> None:
        # Everything built so far lives as long as the process; keeping it
        # out of the collector's scans shortens the pauses that make up the
        # slowest replies.
        gc.collect()
        gc.freeze()
        # A burst holds hundreds of presses in flight, each with its session
        # and request. At the default threshold (a collection every 700
        # allocations) the collector kept scanning them, so a ballot's CPU
        # grew with the burst and varied by a third from run to run.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

    downloads = await make_downloads(settings.export_signing_key, settings.base_url, uow)
    calendar = await make_calendar_feed(settings.base_url, uow)
    edge = sdk.load(settings)
    metrics = Metrics(utcnow)
    # One deliverer for the process, so that every proactive send shares
    # the same view of Teams' rate limits; the tenant's budget is shared
    # with the other replicas. A delivery ends its waits for a slot or a
    # retry well before its reminder's claim runs out, so that no other
    # replica takes it over; a wait behind an earlier send to the same chat
    # is not bounded, and the claim check before each send fences that.
    deliverer = Deliverer(
        edge.connector,
        tenant_rate=DEFAULT_TENANT_RATE / settings.replicas,
        max_call_seconds=settings.reminder_claim_timeout_seconds / 2,
        count_answer=metrics.connector_answer,
    )
    vote_cards = VoteCards(uow, deliverer, utcnow)
    claim_timeout = timedelta(seconds=settings.reminder_claim_timeout_seconds)

    def post(name: str, repository, notifier) -> Post:
        return Post(name, repository, uow, notifier, utcnow, claim_timeout=claim_timeout)

    posts = Posts(
        letters=post("award letters", lambda u: u.award_letters, LetterNotifier(deliverer, uow, utcnow)),
        announcements=post("announcements", lambda u: u.announcements, AnnouncementNotifier(deliverer, uow, utcnow)),
        meetings=post("meeting messages", lambda u: u.meetings, MeetingNotifier(deliverer, uow, utcnow)),
    )
    afterwards = Afterwards()
    replies = Afterwards()  # kept apart, so that tests can wait for a turn's replies alone
    bot = ForumBot(
        uow,
        edge.connector,
        downloads=downloads,
        calendar=calendar,
        deliverer=deliverer,
        vote_cards=vote_cards,
        posts=posts,
        afterwards=afterwards,
        replies=replies,
    )
    scheduler = Scheduler(
        uow,
        ReminderNotifier(deliverer, uow, utcnow),
        utcnow,
        claim_timeout=claim_timeout,
    )

    async def closed(forum, vote) -> None:
        metrics.vote_closed(vote.closes_at, vote.closed_at)
        await vote_cards.closed(forum, vote)

    vote_keeper = VoteKeeper(uow, closed, vote_cards.remind, utcnow)
    jobs = [scheduler, vote_keeper, *posts]
    if settings.retention_years:
        jobs.append(Retention(uow, settings.retention_years, utcnow))
    # SCHEDULER_INTERVAL_SECONDS=0 turns the rounds off (the tests drive them).
    rounds = Rounds(jobs, settings.scheduler_interval_seconds) if settings.scheduler_interval_seconds > 0 else None
    health = Health(engine)
    stop = GracefulStop(
        settings.shutdown_grace_seconds, health, [scheduler, *posts], rounds, [replies, afterwards, vote_cards]
    )

    app = web.Application(client_max_size=MAX_BODY)
    messages = MessagesEndpoint(
        edge, edge.handler(bot), HandledActivities(uow, utcnow), metrics, settings.served_tenants
    )
    app.router.add_post("/api/messages", messages.handle)
    app.router.add_get("/healthz", health.live)
    app.router.add_get("/readyz", health.ready)
    app.router.add_get("/metrics", metrics.endpoint(uow, settings.metrics_token))
    app.router.add_get("/exports/{token}", downloads.handle)
    app.router.add_get("/calendar/{forum}/{token}.ics", calendar.handle)
    app[DOWNLOADS] = downloads
    app[CALENDAR] = calendar
    app.on_startup.append(freeze_startup_objects)
    app.on_startup.append(stop.start)
    app.on_shutdown.append(stop.stop_taking_work)
    app.on_cleanup.append(stop.finish)
    app.on_cleanup.append(dispose)

    async def close_edge(_: web.Application) -> None:
        await edge.close()

    app.on_cleanup.append(close_edge)
    app[UOW] = uow
    app[HEALTH] = health
    app[SCHEDULER] = scheduler
    app[POSTS] = posts
    app[VOTE_CARDS] = vote_cards
    app[VOTE_KEEPER] = vote_keeper
    app[AFTERWARDS] = afterwards
    app[REPLIES] = replies
    app[GRACEFUL_STOP] = stop
    app[EDGE] = edge
    return app

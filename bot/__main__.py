"""`python -m bot` serves the bot; `python -m bot migrate` only migrates;
`python -m bot backup FILE` copies a SQLite database while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.app import GRACEFUL_STOP, create_app
from bot.config import Settings
from bot.forum.config_file import ForumConfigError, load_forum_config
from bot.web.access_log import RouteAccessLogger
from storage.backup import BackupFailed, back_up_sqlite
from storage.database import create_engine
from storage.migrate import DatabaseTooNew, upgrade

log = logging.getLogger("bot")

UNAUTHENTICATED_WARNING = """
************************************************************************
*  MICROSOFT_APP_ID is not set: the bot accepts UNAUTHENTICATED        *
*  requests. This is for local development with the Agents Playground  *
*  only. Never expose it to a network in this mode.                    *
************************************************************************"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("action", nargs="?", choices=["serve", "migrate", "backup"], default="serve")
    parser.add_argument("file", nargs="?", type=Path, help="backup: the file the copy goes to")
    args = parser.parse_args(argv)
    if (args.action == "backup") != (args.file is not None):
        parser.error("a FILE goes with backup, and only with it")
    try:
        settings = Settings.from_env()
    except ValueError as error:  # e.g. PORT=abc: the message names the setting
        return _cannot_start(str(error))
    logs.configure(settings.log_format)
    try:
        if args.action == "migrate":
            asyncio.run(_migrate(settings))
            return 0
        if args.action == "backup":
            back_up_sqlite(settings.database_url, args.file)
            log.info("backup written to %s", args.file)
            return 0
        forums = load_forum_config(settings.forum_config)
        if not settings.authenticated:
            log.warning(UNAUTHENTICATED_WARNING)
        log.info("Bot Framework edge: %s (BOT_SDK)", settings.bot_sdk)
        served: list[web.Application] = []

        async def serve() -> web.Application:
            served.append(await create_app(settings, forums))
            return served[0]

        web.run_app(
            serve(),
            host=settings.listen_host,
            port=settings.port,
            print=None,
            access_log_class=RouteAccessLogger,
            # The requests in progress are answered within the same grace
            # as the sends (bot/web/shutdown.py), which counts from the signal.
            shutdown_timeout=settings.shutdown_grace_seconds,
        )
        if served and served[0][GRACEFUL_STOP].abandoned_sends:
            # A request given up on at the end of the grace may still hold a
            # thread of msrest's pool for up to its 30-s timeout, and Python
            # would wait for that thread at exit. Its claim is given back and
            # the database closed: nothing is left to wait for.
            logging.shutdown()
            os._exit(0)
    except (ForumConfigError, DatabaseTooNew) as error:
        return _cannot_start(error)
    except BackupFailed as error:
        print(f"samarbeidsforum-bot: no backup: {error}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as error:
        return _cannot_start(f"database or network: {error}")
    return 0


def _cannot_start(reason: object) -> int:
    print(f"samarbeidsforum-bot: cannot start: {reason}", file=sys.stderr)
    return 2


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    await engine.dispose()
    log.info("database is at the newest schema")


if __name__ == "__main__":
    sys.exit(main())

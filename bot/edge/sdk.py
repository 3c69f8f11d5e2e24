"""Which Bot Framework SDK carries the bot (`BOT_SDK`): botbuilder-python,
whose support ended on 31 Dec 2025, or its successor, the Microsoft 365
Agents SDK. Each is one package, `bot.edge.<name>_sdk`, with an `Edge`
that reads, authenticates and processes an incoming activity and holds the
`Connector` every send and member read goes through."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from bot.delivery.connector import Connector


@dataclass(frozen=True)
class InvokeAnswer:
    """The HTTP answer to an invoke: its status and JSON body."""

    status: int
    body: object = None


class Edge(Protocol):
    name: str
    connector: Connector

    def read_activity(self, body: dict) -> object:
        """The JSON as the SDK's activity; ValueError when it is none."""

    async def authenticate(self, activity, authorization: str) -> object:
        """The caller's identity; raises when the token is missing, malformed,
        expired, or not the Bot Framework's for this bot and service URL."""

    def handler(self, bot) -> object:
        """The SDK's activity handler around a bot.handlers.bot.ForumBot."""

    async def process(self, identity, activity, handler) -> InvokeAnswer | None:
        """Run the turn; an invoke's answer, None for other activities."""

    async def close(self) -> None: ...


def load(settings) -> Edge:
    """The edge that ``settings.bot_sdk`` names (bot.config checks the name)."""
    return importlib.import_module(f"bot.edge.{settings.bot_sdk}_sdk").Edge(settings)

"""The baseline: a bare echo bot, as the SDK's samples build it, on the
SDK that BOT_SDK names (`EDGE`: the bot's default unless set).

`python -m tests.benchmarks.echo_bot` serves POST /api/messages and
GET /healthz on $PORT (127.0.0.1 only). It has no database, no cards and no
logging per request, so whatever it costs is the SDK's own price for
receiving an activity and answering through the Bot Connector; the
benchmark compares our bot against it.

With --msrest-patch (botbuilder only) it runs the SDK with the change our
bot makes to msrest (bot/edge/botbuilder_sdk), so that the two can also be
compared like for like. That imports our edge module and what it needs,
which adds to the RSS."""

from __future__ import annotations

import argparse
import logging
import os
from types import SimpleNamespace

from aiohttp import web

from bot.config import bot_sdk_named

EDGE = bot_sdk_named(os.environ.get("BOT_SDK", ""))


def botbuilder_messages():
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))

    # An empty app id means anonymous (local) requests; botbuilder accepts
    # that only with the multi-tenant app type and raises otherwise.
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    return messages


def agents_messages():
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.aiohttp import CloudAdapter
    from microsoft_agents.hosting.core import ActivityHandler, AgentAuthConfiguration, MessageFactory, TurnContext

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))

    # Requests come without a token (no JWT middleware), so the turn is
    # anonymous and the connection is never asked for one. Anonymous, the
    # SDK warns on every turn that it has no app id; a deployment has one.
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    connections = MsalConnectionManager({"SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)})
    adapter = CloudAdapter(connection_manager=connections)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    return messages


def create_app() -> web.Application:
    messages = agents_messages() if EDGE == "agents" else botbuilder_messages()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.echo_bot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--msrest-patch", action="store_true", help="apply our bot's msrest patch first")
    if parser.parse_args(argv).msrest_patch:
        import bot.edge.botbuilder_sdk  # noqa: F401  (importing it applies the patch)
    web.run_app(create_app(), host="127.0.0.1", port=int(os.environ.get("PORT") or 3978), print=None, access_log=None)


if __name__ == "__main__":
    main()

"""The three kinds of activity the bot answers, for either SDK's
`ActivityHandler`: both route by the same method names, so this is mixed in
before the SDK's class (`class Handler(ForumActivities, ActivityHandler)`),
which still handles everything else (conversation updates without the bot,
typing, unknown events) as its samples do."""

from __future__ import annotations

from http import HTTPStatus


class ForumActivities:
    def __init__(self, bot) -> None:
        super().__init__()
        self.bot = bot  # bot.handlers.bot.ForumBot

    def invoke_response(self, status: int, body: object = None):
        raise NotImplementedError  # the SDK's InvokeResponse

    async def on_message_activity(self, context) -> None:
        await self.bot.on_message(context.activity)

    async def on_members_added_activity(self, members_added, context) -> None:
        await self.bot.on_members_added(context.activity)

    async def on_invoke_activity(self, context):
        if context.activity.name != "adaptiveCard/action":
            answer = await super().on_invoke_activity(context)
            if answer is not None and answer.status == int(HTTPStatus.NOT_IMPLEMENTED):
                # An invoke this bot has no use for is the client's mistake,
                # not a failure of ours.
                return self.invoke_response(int(HTTPStatus.BAD_REQUEST))
            return answer
        return self.invoke_response(int(HTTPStatus.OK), await self.bot.on_execute(context.activity))

"""The three requests the `Deliverer` makes, shaped the same on both SDKs:
their connector clients name the calls alike (`send_to_conversation`,
`update_activity`, `create_conversation`). Each SDK's connector says how
to get its client, build its message and parameters, and read its errors."""

from __future__ import annotations

from bot.delivery.connector import Answer


class BotConnector:
    app_id: str

    async def client(self, service_url: str): ...

    def message(self, reference: dict, card: dict): ...

    def personal_chat(self, user_id: str, tenant_id: str, bot_id: str | None): ...

    def answer_for(self, error: Exception) -> Answer: ...

    async def post(self, reference: dict, card: dict) -> Answer:
        try:
            client = await self.client(reference["service_url"])
            response = await client.conversations.send_to_conversation(
                reference["conversation_id"], self.message(reference, card)
            )
        except Exception as error:
            return self.answer_for(error)
        return Answer(True, value=response.id if response else None)

    async def update(self, reference: dict, activity_id: str, card: dict) -> Answer:
        try:
            client = await self.client(reference["service_url"])
            message = self.message(reference, card)
            message.id = activity_id
            await client.conversations.update_activity(reference["conversation_id"], activity_id, message)
        except Exception as error:
            return self.answer_for(error)
        return Answer(True, value=activity_id)

    async def create_personal_chat(self, user_id: str, tenant_id: str, service_url: str, bot_id: str | None) -> Answer:
        try:
            client = await self.client(service_url)
            response = await client.conversations.create_conversation(self.personal_chat(user_id, tenant_id, bot_id))
        except Exception as error:
            return self.answer_for(error)
        if response is None or not response.id:
            return Answer(False, error="Teams answered without a conversation id")
        return Answer(True, value=response.id, service_url=response.service_url)

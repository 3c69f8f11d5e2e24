"""What the edge checks of an activity before the bot sees it: that it has
what the bot needs, which tenant it comes from, and whether it came before."""

from __future__ import annotations

import re
from datetime import timedelta


class HandledActivities:
    """The activities taken on lately, in the database, so that a repeat is
    recognised whichever replica it reaches. Kept a day: Teams repeats
    within seconds."""

    KEEP = timedelta(days=1)
    PRUNE_EVERY = 1000  # takes between clearing out the old ones

    def __init__(self, uow_factory, clock) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._taken = 0

    async def first_time(self, activity) -> bool:
        if not isinstance(activity.id, str) or not activity.id:
            return True
        now = self._clock()
        async with self._uow() as uow:
            first = await uow.activities.take(activity.conversation.id, activity.id[:MAX_ID], now)
            self._taken += 1
            if self._taken % self.PRUNE_EVERY == 0:
                await uow.activities.forget_before(now - self.KEEP)
            await uow.commit()
        return first


def flaw_in(activity) -> str | None:
    """What the bot needs of an activity to answer it and is missing or
    of the wrong kind; None when it has it all. The SDKs read what they can
    (msrest leaves the rest None), so each part is checked here."""
    for part, account in (
        ("from", activity.from_property),
        ("conversation", activity.conversation),
        ("recipient", activity.recipient),
    ):
        if account is None or not _text(account.id):
            return f"{part}.id missing"
    if not _text(activity.service_url) or not activity.service_url.startswith(("http://", "https://")):
        return "serviceUrl missing or not an address"
    if not _text(activity.channel_id):
        return "channelId missing"
    sender = activity.from_property
    for name, value in (
        ("from.name", sender.name),
        ("from.aadObjectId", sender.aad_object_id),
        ("conversation.conversationType", activity.conversation.conversation_type),
        ("conversation.tenantId", activity.conversation.tenant_id),
        ("text", activity.text),
        ("name", activity.name),
        ("locale", activity.locale),
        ("replyToId", activity.reply_to_id),
    ):
        if value is not None and not isinstance(value, str):
            return f"{name} is not text"
    if max(len(sender.id), len(activity.recipient.id), len(activity.conversation.id)) > MAX_ID:
        return "from.id, conversation.id or recipient.id too long"
    if sender.aad_object_id is not None and not _GUID.fullmatch(sender.aad_object_id):
        return "from.aadObjectId is not a GUID"
    data = activity.channel_data
    if data is not None and not isinstance(data, dict):
        return "channelData is not an object"
    for part in ("team", "channel", "tenant"):
        place = (data or {}).get(part)
        if place is None:
            continue
        if not isinstance(place, dict) or not (_text(place.get("id")) and len(place["id"]) <= MAX_ID):
            return f"channelData.{part}.id missing, not text or too long"
    return None


MAX_ID = 200  # Teams' ids are far shorter; our columns hold this much
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def tenant_of(activity) -> str | None:
    """The Entra tenant an activity comes from, as Teams names it."""
    conversation = activity.conversation
    if conversation is not None and isinstance(conversation.tenant_id, str) and conversation.tenant_id:
        return conversation.tenant_id.lower()
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else None
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    return tenant_id.lower() if isinstance(tenant_id, str) and tenant_id else None

"""Reading what Teams sends: who, where, in which language."""

from __future__ import annotations

import re

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)


def command_text(activity: Activity) -> str:
    """The typed text without @mentions, lower-cased and with single spaces."""
    text = _MENTION.sub(" ", activity.text or "")
    return " ".join(text.split()).lower()


def locale(activity: Activity) -> str | None:
    if activity.locale:
        return activity.locale
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        if entity.type == "clientInfo" and props.get("locale"):
            return props["locale"]
    return None


def channel_data(activity: Activity) -> dict:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def team_id(activity: Activity) -> str | None:
    return (channel_data(activity).get("team") or {}).get("id")


def channel_id(activity: Activity) -> str | None:
    return (channel_data(activity).get("channel") or {}).get("id")


def tenant_id(activity: Activity) -> str | None:
    tenant = channel_data(activity).get("tenant") or {}
    return tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)


def is_personal(activity: Activity) -> bool:
    return bool(activity.conversation and activity.conversation.conversation_type == "personal")


def reference(activity: Activity, conversation_id: str) -> dict:
    """What a later proactive message needs (NOTES: store our own)."""
    return {
        "service_url": activity.service_url,
        "channel_id": activity.channel_id,
        "tenant_id": tenant_id(activity),
        "conversation_id": conversation_id,
        "bot_id": activity.recipient.id if activity.recipient else None,
    }


def bot_was_added(context: TurnContext) -> bool:
    bot_id = context.activity.recipient.id
    return any(m.id == bot_id for m in context.activity.members_added or [])

"""Reading what Teams sends: who, where, in which language. The activity
is either SDK's model; both keep the Bot Framework schema's names."""

from __future__ import annotations

import re

_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)


def command_text(activity) -> str:
    """The typed text without @mentions, lower-cased and with single spaces."""
    text = _MENTION.sub(" ", activity.text or "")
    return " ".join(text.split()).lower()


def locale(activity) -> str | None:
    if activity.locale:
        return activity.locale
    for entity in activity.entities or []:
        # botbuilder keeps an entity's other fields apart, the Agents SDK as extras
        props = getattr(entity, "additional_properties", None) or getattr(entity, "model_extra", None) or {}
        if entity.type == "clientInfo" and props.get("locale"):
            return props["locale"]
    return None


def channel_data(activity) -> dict:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def team_id(activity) -> str | None:
    return (channel_data(activity).get("team") or {}).get("id")


def channel_id(activity) -> str | None:
    return (channel_data(activity).get("channel") or {}).get("id")


def tenant_id(activity) -> str | None:
    tenant = channel_data(activity).get("tenant") or {}
    return tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)


def is_personal(activity) -> bool:
    return bool(activity.conversation and activity.conversation.conversation_type == "personal")


def reference(activity, conversation_id: str) -> dict:
    """What a later proactive message needs (NOTES: store our own)."""
    return {
        "service_url": activity.service_url,
        "channel_id": activity.channel_id,
        "tenant_id": tenant_id(activity),
        "conversation_id": conversation_id,
        "bot_id": activity.recipient.id if activity.recipient else None,
    }


def bot_was_added(activity) -> bool:
    bot_id = activity.recipient.id
    return any(m.id == bot_id for m in activity.members_added or [])

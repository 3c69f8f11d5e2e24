"""Teams-shaped activities, as the Teams service posts them to a bot."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

TENANT = "5f1c8e6a-0d4b-4c7e-9a51-2b3c4d5e6f70"
BOT_ID = "28:samarbeidsforum-bot"
BOT_NAME = "Samarbeidsforum-boten"
TEAM = "19:forum-team@thread.tacv2"
CHANNEL = "19:forum-channel@thread.tacv2"
OTHER_TEAM = "19:other-team@thread.tacv2"
GROUP_CHAT = "19:group-chat@thread.v2"

_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    name: str
    aad_object_id: str
    email: str

    @property
    def id(self) -> str:
        return f"29:{self.aad_object_id}"

    def member_record(self) -> dict:
        """What Teams' roster API says about this user."""
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": TENANT,
            "userRole": "user",
        }


def stranger(name: str = "Ukjent Person") -> User:
    uid = str(uuid.uuid4())
    return User(name, uid, f"{uid[:8]}@example.net")


def personal_conversation(user: User) -> str:
    return f"a:personal-{user.aad_object_id}"


def _base(user: User, service_url: str, locale: str, conversation: dict, channel_data: dict) -> dict:
    return {
        "id": f"f:{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-27T12:00:00.000Z",
        "locale": locale,
        "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"tenantId": TENANT, **conversation},
        "channelData": {"tenant": {"id": TENANT}, **channel_data},
        "entities": [{"type": "clientInfo", "locale": locale, "platform": "Web"}],
    }


def where(kind: str, user: User, team: str = TEAM, channel: str = CHANNEL) -> tuple[dict, dict]:
    """The conversation and channelData of a personal chat, a channel
    thread in a team, or a group chat."""
    if kind == "personal":
        return {"id": personal_conversation(user), "conversationType": "personal"}, {}
    if kind == "channel":
        return (
            {"id": f"{channel};messageid=17000000{next(_ids)}", "conversationType": "channel", "isGroup": True},
            {"team": {"id": team, "name": "Samarbeidsforum"}, "channel": {"id": channel, "name": "Generelt"}},
        )
    if kind == "group":
        return {"id": GROUP_CHAT, "conversationType": "groupChat", "isGroup": True}, {}
    raise ValueError(kind)


def message(user: User, text: str, service_url: str, *, kind: str = "personal", locale: str = "nb-NO", **place) -> dict:
    conversation, channel_data = where(kind, user, **place)
    activity = _base(user, service_url, locale, conversation, channel_data)
    if kind == "personal":
        activity.update(type="message", text=text, textFormat="plain")
        return activity
    # In a channel or group chat the bot only hears messages that @mention it.
    activity.update(
        type="message",
        text=f"<at>{BOT_NAME}</at> {text}",
        textFormat="plain",
    )
    activity["entities"].append(
        {"type": "mention", "text": f"<at>{BOT_NAME}</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}}
    )
    return activity


def installed(user: User, service_url: str, *, kind: str = "personal", locale: str = "nb-NO", **place) -> dict:
    """The conversationUpdate Teams sends when the app is added."""
    conversation, channel_data = where(kind, user, **place)
    activity = _base(user, service_url, locale, conversation, channel_data)
    activity.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    if kind == "channel":
        activity["conversation"]["id"] = place.get("team", TEAM)
        activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


def execute(
    user: User, verb: str, data: dict, service_url: str, *, kind: str = "personal", locale: str = "nb-NO", **place
) -> dict:
    """An Action.Execute press, as the invoke `adaptiveCard/action`."""
    conversation, channel_data = where(kind, user, **place)
    activity = _base(user, service_url, locale, conversation, channel_data)
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId="activity-1",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )
    return activity

"""Who is who in Teams: members of the conversation or team an activity
came from, read through the edge's connector, whichever SDK it is."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handlers import activity


@dataclass(frozen=True)
class TeamsMember:
    id: str | None  # the "29:" id
    name: str | None = None
    aad_object_id: str | None = None
    email: str | None = None
    user_principal_name: str | None = None


class Directory:
    """The Teams members as seen from one incoming activity."""

    def __init__(self, connector, incoming) -> None:
        self._connector = connector  # bot.delivery.connector.Connector
        self._incoming = incoming

    async def member(self, user_id: str) -> TeamsMember:
        """A member of the team the activity came from, else of its chat."""
        place = activity.team_id(self._incoming) or self._incoming.conversation.id
        return await self._connector.member(self._incoming.service_url, place, user_id)

    async def team_member(self, team_id: str, user_id: str) -> TeamsMember:
        """A member of that team (Teams takes an Entra object id for the user's id too)."""
        return await self._connector.member(self._incoming.service_url, team_id, user_id)

    async def team_members(self, page_size: int) -> list[TeamsMember]:
        """Everyone in the activity's team, page by page: the paged call is
        the one Teams recommends, and the only one that names each member's
        Entra object id as ``aadObjectId`` (the old call says ``objectId``)."""
        team = activity.team_id(self._incoming)
        if not team:
            raise LookupError("not in a team")
        members, token = [], None
        while True:
            page, token = await self._connector.members_page(self._incoming.service_url, team, token, page_size)
            members += page
            if not token:
                return members

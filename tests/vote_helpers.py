"""What the vote tests share: the actor behind a Teams user, and a second
forum in the same deployment."""

from __future__ import annotations

from bot.forum.config_file import ForumConfig, OrganisationConfig, PersonConfig, SeatConfig
from bot.forum.identity import identify
from bot.forum.roster import Actor


async def actor_of(uow, user) -> Actor:
    """The user as the forum's rules see them, matched by Entra object id."""

    async def no_email():
        return None

    who = await identify(
        uow, aad_object_id=user.aad_object_id, display_name=user.name, team_id=None, email_lookup=no_email
    )
    return who.actor


# A second forum in the same deployment: its votes are none of the first's business.
OTHER_FORUM = ForumConfig(
    id="vest",
    name="Forum Vest",
    timezone="Europe/Oslo",
    statsforvalter=(
        PersonConfig(
            name="Siri Sekretariat",
            email="siri@sf-vest.example.org",
            aad_object_id="11111111-1111-4111-8111-111111111111",
        ),
    ),
    organisations=(
        OrganisationConfig(
            id="bergen",
            name="Bergen VO",
            kind="vo-nettverk",
            submits_needs=True,
            seats=(
                SeatConfig(
                    representative=PersonConfig(
                        name="Berit Bergen",
                        email="berit@bergen.example.org",
                        aad_object_id="44444444-4444-4444-8444-444444444444",
                    ),
                    deputy=PersonConfig(
                        name="Vidar Vest",
                        email="vidar@bergen.example.org",
                        aad_object_id="55555555-5555-4555-8555-555555555555",
                    ),
                ),
            ),
        ),
    ),
)

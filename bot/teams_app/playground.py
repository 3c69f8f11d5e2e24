"""A Microsoft 365 Agents Playground config whose people come from a forum roster.

``python -m bot.teams_app.playground [--roster FORUM_CONFIG] [--out .m365agentsplayground.yml]``

The Playground stands in for Teams on a developer's machine. Its config (format
0.1.1) names the signed-in user, exactly five other users, one team with at most
one extra channel besides General, and one group chat. Taking those people from
the roster means the bot recognises them (it matches Entra object ids), so the
local session shows what a Statsforvalter or a representative really sees.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import EXAMPLE_FORUM_CONFIG
from bot.forum.config_file import ForumConfig, ForumConfigError, load_forum_config
from bot.teams_app import LOCAL_APP_ID

CONFIG_FILE_NAME = ".m365agentsplayground.yml"
PLAYGROUND_USERS = 5  # the Playground's schema demands exactly this many besides currentUser
BOT_NAME = "Samarbeidsforum-boten"  # max 42 characters in the Playground's schema

# Fixed ids keep custom activities and stored conversation references valid
# between runs; Teams shapes them like this, nothing else depends on it.
TENANT_ID = "8f6b2c1e-4a3d-4e7f-9b0a-5c2d1e3f4a6b"
TEAM_ID = "19:samarbeidsforum-general@thread.tacv2"
CHANNEL_ID = "19:samarbeidsforum-forum@thread.tacv2"
TEAM_AAD_GROUP_ID = "2d4e6f80-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
PERSONAL_CHAT_ID = "a:samarbeidsforum-personal-chat"
GROUP_CHAT_ID = "19:samarbeidsforum-group-chat@thread.v2"


@dataclass(frozen=True)
class RosterPerson:
    name: str
    email: str
    aad_object_id: str
    role: str  # statsforvalter, representative or deputy

    @property
    def playground_id(self) -> str:
        # Teams user ids start with "29:"; deriving it from the Entra id keeps it stable.
        return f"29:{self.aad_object_id}"


def roster_people(forum: ForumConfig) -> list[RosterPerson]:
    """Everyone in the forum with an Entra object id (the Playground needs one):
    Statsforvalter first, then representatives, then deputies."""
    listed = [(p, "statsforvalter") for p in forum.statsforvalter]
    seats = [seat for org in forum.organisations for seat in org.seats]
    listed += [(seat.representative, "representative") for seat in seats]
    listed += [(seat.deputy, "deputy") for seat in seats]
    return [RosterPerson(p.name, p.email, p.aad_object_id, role) for p, role in listed if p.aad_object_id]


def _user(person: RosterPerson) -> dict:
    given, _, surname = person.name.rpartition(" ")
    given, surname = (given, surname) if given else (person.name, "")
    email = person.email or f"{person.aad_object_id}@example.invalid"
    return {
        "id": person.playground_id,
        "name": person.name[:256],
        "userPrincipleName": email,  # sic: the Playground spells it so
        "aadObjectId": person.aad_object_id,
        "givenName": given[:256],
        "surname": surname[:256],
        "email": email,
    }


def _stand_in(number: int) -> RosterPerson:
    # Only when the roster has too few people: outsiders the bot treats as observers.
    aad = str(uuid.uuid5(uuid.NAMESPACE_URL, f"samarbeidsforum-playground-guest-{number}"))
    return RosterPerson(f"Gjest {number} Utenfor", f"gjest{number}@example.invalid", aad, "observer")


def build_config(
    roster_path: str | os.PathLike = EXAMPLE_FORUM_CONFIG,
    *,
    current_user_role: str = "statsforvalter",
    bot_id: str = LOCAL_APP_ID,
) -> dict:
    """The Playground config as a dict. ``current_user_role`` picks who types in the
    Playground: the first roster person with that role ("statsforvalter",
    "representative" or "deputy")."""
    forum = load_forum_config(roster_path)[0]
    people = roster_people(forum)
    current = next((p for p in people if p.role == current_user_role), None)
    if current is None:
        raise ValueError(f"{roster_path}: nobody with role {current_user_role!r} and an aad_object_id")
    others = [p for p in people if p is not current]
    # Mix roles so the other users cover what the bot distinguishes.
    picked: list[RosterPerson] = []
    for role in ("statsforvalter", "representative", "deputy"):
        picked += [p for p in others if p.role == role][:2]
    picked += [p for p in others if p not in picked]
    picked = picked[:PLAYGROUND_USERS]
    picked += [_stand_in(n) for n in range(1, PLAYGROUND_USERS - len(picked) + 1)]

    team_name = forum.name[:256]
    return {
        "version": "0.1.1",
        "tenantId": TENANT_ID,
        "bot": {"id": bot_id, "name": BOT_NAME},
        "currentUser": _user(current),
        "users": [_user(p) for p in picked],
        "personalChat": {"id": PERSONAL_CHAT_ID},
        "groupChat": {"id": GROUP_CHAT_ID, "name": "Samarbeidsforum – arbeidsgruppe"},
        "team": {
            "id": TEAM_ID,
            "name": team_name,
            "aadGroupId": TEAM_AAD_GROUP_ID,
            "channels": [{"id": CHANNEL_ID, "name": "Samarbeidsforum"}],
        },
    }


def write_config(path: str | os.PathLike, roster_path: str | os.PathLike = EXAMPLE_FORUM_CONFIG, **options) -> dict:
    config = build_config(roster_path, **options)
    header = (
        "# Written by `python -m bot.teams_app.playground` from the forum roster; rewritten on each run.\n"
        "# Format: Microsoft 365 Agents Playground config 0.1.1.\n"
    )
    Path(path).write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.teams_app.playground", description=__doc__.splitlines()[0])
    parser.add_argument("--roster", default=os.environ.get("FORUM_CONFIG") or str(EXAMPLE_FORUM_CONFIG))
    parser.add_argument("--out", default=CONFIG_FILE_NAME)
    parser.add_argument(
        "--as",
        dest="role",
        default="statsforvalter",
        choices=["statsforvalter", "representative", "deputy"],
        help="whom the Playground signs in as (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        config = write_config(args.out, args.roster, current_user_role=args.role)
    except (ForumConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Wrote {args.out}: signed in as {config['currentUser']['name']} ({args.role}), "
        f"other users: {', '.join(u['name'] for u in config['users'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

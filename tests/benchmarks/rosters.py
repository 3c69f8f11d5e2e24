"""The benchmarks' forums: a roster file of N seats, the same shape as
bot/forum_example.yaml, with invented people, and the people in it as the
tests' Teams users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.forum.config_file import load_forum_config
from tests import teams

FORUM_ID = "benk-forum"
TIMEZONE = "Europe/Oslo"


def guid(kind: int, number: int) -> str:
    return f"00000000-0000-4000-8{kind:03d}-{number:012d}"


def write_roster(path: Path, seats: int, submits_needs: int = 0, wheel: list[dict] | None = None) -> None:
    """Same shape as bot/forum_example.yaml: one Statsforvalter, `seats`
    organisations of one seat each, the first `submits_needs` of them VO
    networks that send needs reports, and the annual wheel's events as
    given. All people invented."""

    def person(role: str, kind: int, i: int) -> dict:
        return {
            "name": f"{role} {i:04d} Eksempelsen",
            "email": f"{role.lower()}.{i:04d}@org-{i:04d}.example.org",
            "aad_object_id": guid(kind, i),
        }

    roster = {
        "forum": {"id": FORUM_ID, "name": f"Benkeforum med {seats} seter", "timezone": TIMEZONE},
        "statsforvalter": [
            {
                "name": "Stine Eksempeldatter",
                "email": "stine.eksempeldatter@statsforvalteren.example.org",
                "aad_object_id": guid(0, 1),
            }
        ],
        "organisations": [
            {
                "id": f"org-{i:04d}",
                "name": f"Organisasjon {i:04d}",
                "kind": "vo-nettverk" if i <= submits_needs else "organisasjon",
                "submits_needs": i <= submits_needs,
                "seats": [{"representative": person("Representant", 1, i), "deputy": person("Vara", 2, i)}],
            }
            for i in range(1, seats + 1)
        ],
    }
    if wheel:
        roster["wheel"] = wheel
    path.write_text(yaml.safe_dump(roster, allow_unicode=True, sort_keys=False), encoding="utf-8")


@dataclass
class Roster:
    path: Path
    statsforvalter: teams.User
    voters: list[teams.User]  # the representatives, seat by seat
    everyone: list[teams.User]
    deputies: list[teams.User]  # seat by seat, as the voters


def load_roster(path: Path) -> Roster:
    (forum,) = load_forum_config(path)  # the bot's own validation

    def user(p) -> teams.User:
        return teams.User(p.name, p.aad_object_id, p.email)

    voters = [user(o.seats[0].representative) for o in forum.organisations]
    deputies = [user(o.seats[0].deputy) for o in forum.organisations]
    statsforvalter = user(forum.statsforvalter[0])
    return Roster(path, statsforvalter, voters, [statsforvalter, *voters, *deputies], deputies)

"""A forum as the bot stores it after a year in use, as rows of every table:
the example roster (and one deputy who has left), needs reports sent,
decided, edited, reopened, withdrawn and drafted over two years, the
annual wheel with reminders sent, failed, skipped and planned, a tie the
Statsforvalter decided and a vote still open, the secrets behind download
links and the calendar feed, the audit log, and the messages it has just
handled.

The rows have the newest schema's columns. `write` puts them into a
database at any revision, each table and column that revision has;
`after_upgrade` says what an upgrade must then have made of them, from
what each migration gives rows stored before it (`FILLED_IN`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import UOW
from bot.config import EXAMPLE_FORUM_CONFIG
from bot.forum.config_file import load_forum_config
from storage.migrate import alembic_config
from storage.models import Base
from tests.card_reading import elements, only_card, texts

OSLO = ZoneInfo("Europe/Oslo")
FORUM_ID = "oslo-viken"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT = "28:9c2b6f5e-1d3a-4b8c-9e7f-0a1b2c3d4e5f"
TEAM = "19:samarbeidsforum-team@thread.tacv2"
CHANNEL = "19:forumkanal-oslo-viken@thread.tacv2"
QUESTION_DECIDED = "Hvilket tiltak prioriteres først for 2026?"
QUESTION_OPEN = "Hvilke to tiltak skal forumet prioritere for 2027?"
QUESTION_POINTS = "Fordel 100 poeng på tiltakene for 2026"
DECISION_REASON = "Vurdering i moduler bygger videre på fjorårets tiltak."
CONFIG = load_forum_config(EXAMPLE_FORUM_CONFIG)[0]


def oslo(moment: str) -> datetime:
    """A time on the clock in Oslo, as the UTC moment the bot stores."""
    return datetime.fromisoformat(moment).replace(tzinfo=OSLO).astimezone(UTC)


# --- the roster, as the start with the example roster file stored it ----------------


def _roster() -> dict[str, list[dict]]:
    organisations, seats, people = [], [], []

    def person(config, role: str, seat_id: int | None) -> None:
        people.append(
            {
                "id": len(people) + 1,
                "forum_id": FORUM_ID,
                "name": config.name,
                "email": config.email.lower(),
                "aad_object_id": config.aad_object_id and config.aad_object_id.lower(),
                "role": role,
                "seat_id": seat_id,
                "active": True,
                "former_aad_object_id": None,
                "erased_at": None,
            }
        )

    for config in CONFIG.statsforvalter:
        person(config, "statsforvalter", None)
    for position, organisation in enumerate(CONFIG.organisations):
        organisations.append(
            {
                "forum_id": FORUM_ID,
                "id": organisation.id,
                "name": organisation.name,
                "kind": organisation.kind,
                "submits_needs": organisation.submits_needs,
                "position": position,
                "active": True,
            }
        )
        for number, seat in enumerate(organisation.seats, start=1):
            seats.append(
                {
                    "id": len(seats) + 1,
                    "forum_id": FORUM_ID,
                    "organisation_id": organisation.id,
                    "number": number,
                    "active": True,
                }
            )
            person(seat.representative, "representative", seats[-1]["id"])
            if seat.deputy is not None:
                person(seat.deputy, "deputy", seats[-1]["id"])
    # A deputy who left the roster: her Entra id is freed, her past is kept.
    follo = next(s["id"] for s in seats if s["organisation_id"] == "follo")
    people.append(
        {
            "id": len(people) + 1,
            "forum_id": FORUM_ID,
            "name": "Kari Tidligere",
            "email": "kari.tidligere@follo.example.org",
            "aad_object_id": None,
            "role": "deputy",
            "seat_id": follo,
            "active": False,
            "former_aad_object_id": "00000000-0000-4000-8000-000000000999",
            "erased_at": None,
        }
    )
    return {"organisations": organisations, "seats": seats, "people": people}


ROSTER = _roster()


def aad(name: str) -> str:
    return next(p["aad_object_id"] for p in ROSTER["people"] if p["name"] == name)


def seat(organisation_id: str) -> int:
    return next(s["id"] for s in ROSTER["seats"] if s["organisation_id"] == organisation_id)


STINE = aad("Stine Eksempeldatter")  # the Statsforvalter
LISE, ARNE = aad("Lise Fiktivsen"), aad("Arne Oppdiktetsen")  # Østfold VO-nettverk
MARTE = aad("Marte Eksempelstad")  # Follo
HANNE = aad("Hanne Testdal")  # Viken Vest
RAGNHILD = aad("Ragnhild Eksempelrud")  # Vopro-nettverket
AKERSHUS = next(p["aad_object_id"] for p in ROSTER["people"] if p["seat_id"] == seat("akershus-fk"))


# --- needs reports ---------------------------------------------------------------


def measure(organisation_id: str, title: str, areas: list[str], applied: int, year: int, **more) -> dict:
    """A report's values as the form stores them when it is sent."""
    return {
        "organisation_id": organisation_id,
        "title": title,
        "education": ["norskopplaering", "videregaende"],
        "competence_areas": areas,
        "target_groups": ["laerere", "ledere"],
        "local_need": "Lærerne ber om felles praksis for vurdering i moduler.",
        "mapping": "Spørreundersøkelse blant 120 lærere i nettverket.",
        "anchored": True,
        "anchoring": "Drøftet med tillitsvalgte i Utdanningsforbundet og i ledermøtet.",
        "partner": "Høgskolen i Østfold",
        "lecturers": None,
        "municipalities": "Fredrikstad, Sarpsborg, Halden",
        "participants": 80,
        "period_start": f"{year}-08-15",
        "period_end": f"{year}-12-15",
        "amount_applied": applied,
        "own_contribution": applied // 10,
        "contact_name": "Ada Fiktiv",
        "contact_email": "ada@example.org",
        "contact_phone": "+47 400 00 000",
        **more,
    }


VURDERING = measure(
    "ostfold-vo",
    "Vurdering for læring i modulstrukturert opplæring",
    ["modulstruktur", "vurdering-for-laering"],
    300_000,
    2026,
)
LEDERE = measure("follo", "Ledere i skolebasert utvikling", ["ledere"], 180_000, 2026, participants=35)
LEDERE_FIRST = {**LEDERE, "amount_applied": 150_000, "own_contribution": 15_000}
DIGITAL = measure("viken-vest", "Digital kompetanse i grunnskolen for voksne", ["laeringsmiljo"], 90_000, 2026)
LESING = measure("follo", "Lesing for voksne innvandrere", ["laereplaner-norsk"], 200_000, 2025)


def report(
    id: int,
    organisation_id: str,
    year: int,
    number: int | None,
    status: str,
    fields: dict,
    *,
    version: int,
    created: str,
    by: str,
    updated: str,
    updated_by: str,
    sent: str | None,
    granted: int | None = None,
    draft: dict | None = None,
    reopened: bool = False,
) -> dict:
    return {
        "id": id,
        "forum_id": FORUM_ID,
        "organisation_id": organisation_id,
        "year": year,
        "number": number,
        "status": status,
        "fields": fields,
        "draft": draft,
        "version": version,
        "title": fields.get("title", ""),
        "competence_areas": fields.get("competence_areas", []),
        "amount_applied": fields.get("amount_applied"),
        "granted_amount": granted,
        "created_by": by,
        "created_at": oslo(created),
        "updated_by": updated_by,
        "updated_at": oslo(updated),
        "submitted_at": oslo(sent) if sent else None,
        "reopened": reopened,
    }


def _needs_reports() -> dict[str, list[dict]]:
    reports = [
        report(
            1,
            "ostfold-vo",
            2026,
            1,
            "tildelt",
            VURDERING,
            granted=250_000,
            version=6,
            by=LISE,
            created="2026-03-20 09:15",
            sent="2026-04-02 14:30",
            updated="2026-06-20 10:00",
            updated_by=STINE,
        ),
        # Sent, edited once, reopened by the Statsforvalter after the
        # deadline, and being edited again: one value in the draft is wrong.
        report(
            2,
            "follo",
            2026,
            2,
            "innsendt",
            LEDERE,
            version=9,
            by=MARTE,
            reopened=True,
            created="2026-04-08 13:00",
            sent="2026-04-10 15:45",
            updated="2026-05-20 08:30",
            updated_by=MARTE,
            draft={
                "participants": 40,
                "typed": {"amount_applied": {"text": "ca. 200 000", "code": "whole_number", "params": {}}},
            },
        ),
        report(
            3,
            "viken-vest",
            2026,
            3,
            "trukket",
            DIGITAL,
            version=4,
            by=HANNE,
            created="2026-04-15 10:00",
            sent="2026-04-16 11:00",
            updated="2026-04-20 09:00",
            updated_by=HANNE,
        ),
        # The year's earlier reports are gone (erased after the retention
        # period); the next number still comes after this one.
        report(
            4,
            "follo",
            2025,
            7,
            "rapportert",
            LESING,
            granted=150_000,
            version=7,
            by=MARTE,
            created="2025-03-01 12:00",
            sent="2025-03-03 12:00",
            updated="2026-02-01 12:00",
            updated_by=STINE,
        ),
        # Next year's report, begun and left half-way.
        report(
            5,
            "vopro-romerike",
            2027,
            None,
            "utkast",
            {},
            version=3,
            by=RAGNHILD,
            created="2026-11-02 19:40",
            sent=None,
            updated="2026-11-02 19:52",
            updated_by=RAGNHILD,
            draft={
                "organisation_id": "vopro-romerike",
                "title": "Norsk på arbeidsplassen",
                "education": ["norskopplaering"],
                "competence_areas": ["fag-og-sprak"],
                "target_groups": ["laerere"],
                "typed": {"participants": {"text": "åtti", "code": "whole_number", "params": {}}},
            },
        ),
    ]
    revisions = [
        {"id": 1, "report_id": 1, "revision": 1, "fields": VURDERING, "by": LISE, "at": oslo("2026-04-02 14:30")},
        {"id": 2, "report_id": 2, "revision": 1, "fields": LEDERE_FIRST, "by": MARTE, "at": oslo("2026-04-10 15:45")},
        {"id": 3, "report_id": 2, "revision": 2, "fields": LEDERE, "by": MARTE, "at": oslo("2026-04-28 09:10")},
        {"id": 4, "report_id": 3, "revision": 1, "fields": DIGITAL, "by": HANNE, "at": oslo("2026-04-16 11:00")},
        {"id": 5, "report_id": 4, "revision": 1, "fields": LESING, "by": MARTE, "at": oslo("2025-03-03 12:00")},
    ]
    changes = [
        (1, "innsendt", "prioritert", None, STINE, "2026-06-10 10:00"),
        (1, "prioritert", "tildelt", 250_000, STINE, "2026-06-20 10:00"),
        (3, "innsendt", "trukket", None, HANNE, "2026-04-20 09:00"),
        (4, "innsendt", "prioritert", None, STINE, "2025-06-10 10:00"),
        (4, "prioritert", "tildelt", 150_000, STINE, "2025-06-20 10:00"),
        (4, "tildelt", "rapportert", None, STINE, "2026-02-01 12:00"),
    ]
    return {
        "needs_reports": reports,
        "needs_report_revisions": revisions,
        "needs_report_status_changes": [
            {"id": n, "report_id": r, "from_status": f, "to_status": t, "granted_amount": g, "by": by, "at": oslo(at)}
            for n, (r, f, t, g, by, at) in enumerate(changes, start=1)
        ],
        "needs_report_numbers": [
            {"forum_id": FORUM_ID, "year": 2025, "last": 7},
            {"forum_id": FORUM_ID, "year": 2026, "last": 3},
        ],
    }


# --- the annual wheel and its reminders -----------------------------------------


DAY = 1440
WHEEL = [
    # id, kind, start in Oslo, title, reminders (minutes before)
    (1, "frist_behovsmeldinger", "2026-05-05 12:00", "Frist for behovsmeldinger 2026", [14 * DAY, 7 * DAY, DAY]),
    (2, "hostmote", "2026-10-21 10:00", "Høstmøte i samarbeidsforumet", [14 * DAY, DAY]),
    (3, "vaarmote", "2027-03-18 10:00", "Vårmøte i samarbeidsforumet", [14 * DAY, DAY]),
    (4, "frist_behovsmeldinger", "2027-05-05 12:00", "Frist for behovsmeldinger 2027", [14 * DAY, 7 * DAY, DAY]),
]


def _wheel() -> dict[str, list[dict]]:
    events = [
        {
            "id": id,
            "forum_id": FORUM_ID,
            "kind": kind,
            "starts_at": oslo(start),
            "title": title,
            "place": "Hos Statsforvalteren i Oslo",
            "text": "Sakliste kommer i kanalen.",
            "offsets": offsets,
            "updated_by": STINE,
            "updated_at": oslo("2026-01-12 09:00"),
        }
        for id, kind, start, title, offsets in WHEEL
    ]
    starts = {e["id"]: e["starts_at"] for e in events}

    def reminder(event: int, days: int, target: str, status: str, detail: str | None = None, attempts: int = 0) -> dict:
        # Days before are days on the clock in Oslo, at the event's time.
        due = (starts[event].astimezone(OSLO) - timedelta(days=days)).astimezone(UTC)
        tried = attempts > 0
        return {
            "event_id": event,
            "event_starts_at": starts[event],
            "offset_minutes": days * DAY,
            "target": target,
            "due_at": due,
            "status": status,
            "claimed_by": "replica-1" if tried else None,
            "claimed_at": due if tried else None,
            "attempts": attempts,
            "detail": detail,
            "finished_at": None if status in ("planned", "uncertain") else due + timedelta(seconds=2),
        }

    reminders = [
        reminder(1, 14, "channel", "sent", attempts=1),
        reminder(1, 14, f"person:{RAGNHILD}", "sent", attempts=1),
        reminder(1, 14, f"person:{HANNE}", "not_reachable", "has never talked to the bot"),
        reminder(1, 7, "channel", "uncertain", "the bot stopped while Teams had not answered; not sent again", 1),
        reminder(1, 1, "channel", "failed", "403 Forbidden: the bot was removed from the team", 4),
        reminder(2, 14, "channel", "skipped", "a nearer reminder went out after the downtime"),
        reminder(2, 1, "channel", "sent", attempts=2),
        reminder(3, 14, "channel", "planned"),
        reminder(3, 1, "channel", "planned"),
        reminder(4, 14, "channel", "planned"),
        reminder(4, 7, "channel", "planned"),
        reminder(4, 1, "channel", "planned"),
    ]
    rows = [{"id": id, **r} for id, r in enumerate(reminders, start=1)]
    return {"wheel_events": events, "reminders": rows}


# --- meetings and announcements --------------------------------------------------


def _meetings_and_announcements() -> dict[str, list[dict]]:
    """The autumn meeting's notice: Lise had forfall, her deputy Arne came;
    Hanne was reminded. And one announcement, to the channel and to Ragnhild."""
    noticed = oslo("2026-10-01 09:00")

    def outbox(id: int, status: str, at: datetime, attempts: int = 1) -> dict:
        return {
            "id": id,
            "status": status,
            "claimed_by": "replica-1",
            "claimed_at": at,
            "attempts": attempts,
            "detail": None,
            "finished_at": at,
        }

    return {
        "meetings": [
            {
                "id": 1,
                "forum_id": FORUM_ID,
                "event_id": 2,
                "title": "Høstmøte i samarbeidsforumet",
                "starts_at": oslo("2026-10-21 10:00"),
                "place": "Hos Statsforvalteren i Oslo",
                "link": "https://teams.microsoft.com/l/meetup-join/hostmote",
                "agenda": ["Godkjenning av innkalling og saksliste", "Tildeling 2026", "Eventuelt"],
                "papers": [{"title": "Budsjett 2026", "url": "https://example.org/budsjett-2026.pdf"}],
                "noticed_by": STINE,
                "noticed_at": noticed,
            }
        ],
        "meeting_answers": [
            {
                "meeting_id": 1,
                "seat_id": seat("ostfold-vo"),
                "role": "representative",
                "coming": False,
                "answered_by": LISE,
                "answered_at": oslo("2026-10-02 08:00"),
            },
            {
                "meeting_id": 1,
                "seat_id": seat("ostfold-vo"),
                "role": "deputy",
                "coming": True,
                "answered_by": ARNE,
                "answered_at": oslo("2026-10-02 12:00"),
            },
        ],
        "meeting_minutes": [
            {
                "meeting_id": 1,
                "text": "1. Godkjent.\n\n2. Tildelingen for 2026 ble lagt fram.",
                "version": 2,
                "attendance": [
                    {"organisation": "Østfold VO-nettverk", "seat": 1, "attends": "deputy", "name": "Arne Oppdiktetsen"}
                ],
                "decisions": [
                    {
                        "question": QUESTION_DECIDED,
                        "outcome": ["Vurdering i moduler"],
                        "at": "2026-10-21T08:30:00+00:00",
                        "allocation_year": None,
                    }
                ],
                "saved_by": STINE,
                "saved_at": oslo("2026-10-22 09:00"),
                "approved_by": STINE,
                "approved_at": oslo("2026-10-22 09:00"),
            }
        ],
        "meeting_deliveries": [
            {
                **outbox(1, "sent", noticed),
                "meeting_id": 1,
                "purpose": "notice",
                "seat_id": None,
                "target": "channel",
                "due_at": noticed,
            },
            {
                **outbox(2, "sent", noticed),
                "meeting_id": 1,
                "purpose": "notice",
                "seat_id": seat("ostfold-vo"),
                "target": f"person:{LISE}",
                "due_at": noticed,
            },
            {
                **outbox(3, "sent", oslo("2026-10-02 08:00")),
                "meeting_id": 1,
                "purpose": "deputy_call",
                "seat_id": seat("ostfold-vo"),
                "target": f"person:{ARNE}",
                "due_at": oslo("2026-10-02 08:00"),
            },
            {
                **outbox(4, "sent", oslo("2026-10-19 10:00")),
                "meeting_id": 1,
                "purpose": "reminder",
                "seat_id": seat("viken-vest"),
                "target": f"person:{HANNE}",
                "due_at": oslo("2026-10-19 10:00"),
            },
        ],
        "announcements": [
            {
                "id": 1,
                "forum_id": FORUM_ID,
                "key": "5e0c" * 8,
                "title": "Ny utlysning fra HK-dir",
                "text": "Søknadsfristen er 1. april.",
                "link": "https://example.org/utlysning",
                "to_people": True,
                "sent_by": STINE,
                "sent_at": oslo("2026-03-02 10:15"),
            }
        ],
        "announcement_deliveries": [
            {**outbox(1, "sent", oslo("2026-03-02 10:15")), "announcement_id": 1, "target": "channel"},
            {**outbox(2, "failed", oslo("2026-03-02 10:15"), 4), "announcement_id": 1, "target": f"person:{RAGNHILD}"},
        ],
    }


# --- votes ------------------------------------------------------------------------


def _votes(now: datetime) -> dict[str, list[dict]]:
    closes = oslo("2026-06-05 12:00")
    open_closes = now.replace(microsecond=0) + timedelta(days=30)
    votes = [
        {
            "id": 1,
            "forum_id": FORUM_ID,
            "question": QUESTION_DECIDED,
            "options": [
                {"id": 1, "label": "Vurdering for læring i modulstrukturert opplæring", "report_id": 1},
                {"id": 2, "label": "Ledere i skolebasert utvikling", "report_id": 2},
                {"id": 3, "label": "Digital kompetanse", "report_id": None},
            ],
            "kind": "one",
            "max_choices": 1,
            "points": None,
            "places": None,
            "allocation_year": None,
            "closes_at": closes,
            "live": True,
            "quorum_percent": 40,
            "status": "decided",
            "created_by": STINE,
            "created_at": oslo("2026-05-20 09:00"),
            "revision": 9,
            "remind_at": closes - timedelta(days=1),
            "reminded_at": closes - timedelta(days=1),
            "card_activity_id": "1:vote-card-1",
            "closed_at": closes,
            "closed_by": None,
            "result": {
                "places": [[1, [1, 2], 2], [3, [3], 1]],
                "ballots": 5,
                "seats": 12,
                "winners": 1,
                "tie": [1, 2],
                "quorum_missed": False,
            },
            "escalation": "tie",
            "chosen": [1],
            "decided_by": STINE,
            "decided_at": oslo("2026-06-06 10:00"),
            "reason": DECISION_REASON,
        },
        {
            "id": 2,
            "forum_id": FORUM_ID,
            "question": QUESTION_OPEN,
            "options": [
                {"id": 1, "label": "Lesekurs", "report_id": None},
                {"id": 2, "label": "Digital kompetanse", "report_id": None},
                {"id": 3, "label": "Norsk på arbeidsplassen", "report_id": None},
            ],
            "kind": "up_to",
            "max_choices": 2,
            "points": None,
            "places": None,
            "allocation_year": None,
            "closes_at": open_closes,
            "live": False,
            "quorum_percent": None,
            "status": "open",
            "created_by": STINE,
            "created_at": now.replace(microsecond=0) - timedelta(days=2),
            "revision": 2,
            "remind_at": open_closes - timedelta(days=1),
            "reminded_at": None,
            "card_activity_id": "1:vote-card-2",
            "closed_at": None,
            "closed_by": None,
            "result": None,
            "escalation": None,
            "chosen": None,
            "decided_by": None,
            "decided_at": None,
            "reason": None,
        },
        {
            "id": 3,
            "forum_id": FORUM_ID,
            "question": QUESTION_POINTS,
            "options": [
                {"id": 1, "label": "Lesekurs", "report_id": None},
                {"id": 2, "label": "Digital kompetanse", "report_id": None},
                {"id": 3, "label": "Norsk på arbeidsplassen", "report_id": None},
            ],
            "kind": "points",
            "max_choices": 3,
            "points": 100,
            "places": 1,
            "allocation_year": None,
            "closes_at": closes,
            "live": False,
            "quorum_percent": None,
            "status": "decided",
            "created_by": STINE,
            "created_at": oslo("2026-05-20 09:30"),
            "revision": 3,
            "remind_at": closes - timedelta(days=1),
            "reminded_at": closes - timedelta(days=1),
            "card_activity_id": "1:vote-card-3",
            "closed_at": closes,
            "closed_by": None,
            "result": {
                "places": [[1, [3], 130], [2, [1], 60], [3, [2], 10]],
                "ballots": 2,
                "seats": 12,
                "winners": 1,
                "tie": [],
                "quorum_missed": False,
            },
            "escalation": None,
            "chosen": [3],
            "decided_by": None,
            "decided_at": closes,
            "reason": None,
        },
    ]
    opened = votes[1]["created_at"]
    casts = [
        # vote, seat, choices, by, when
        (1, seat("ostfold-vo"), [3], LISE, oslo("2026-05-21 10:00")),
        (1, seat("follo"), [2], MARTE, oslo("2026-05-21 10:05")),
        (1, seat("viken-vest"), [1], HANNE, oslo("2026-05-21 10:09")),
        (1, seat("ostfold-vo"), [1], ARNE, oslo("2026-05-22 08:30")),  # the deputy's ballot replaces Lise's
        (1, seat("vopro-romerike"), [2], RAGNHILD, oslo("2026-06-01 14:00")),
        (1, seat("akershus-fk"), [3], AKERSHUS, oslo("2026-06-04 16:20")),
        (2, seat("follo"), [1, 3], MARTE, opened + timedelta(hours=1)),
        (2, seat("ostfold-vo"), [2], LISE, opened + timedelta(hours=3)),
        (3, seat("follo"), [3, 1], MARTE, oslo("2026-05-21 11:00"), [70, 30]),
        (3, seat("viken-vest"), [3, 1, 2], HANNE, oslo("2026-05-21 11:30"), [60, 30, 10]),
    ]
    cast_rows = [
        {
            "id": id,
            "vote_id": vote,
            "seat_id": seat_id,
            "choices": choices,
            "points": points[0] if points else None,
            "cast_by": by,
            "cast_at": at,
        }
        for id, (vote, seat_id, choices, by, at, *points) in enumerate(casts, start=1)
    ]
    latest = {(c["vote_id"], c["seat_id"]): c for c in cast_rows}
    ballots = [{**c, "id": id} for id, c in enumerate(latest.values(), start=1)]
    return {"votes": votes, "ballots": ballots, "ballot_casts": cast_rows}


# --- the whole forum ------------------------------------------------------------------


SECRETS = [
    {
        "name": "export-signing-key",
        "value": "dT3k-Wq0c8Jm0Zp9x7QHfYb2LrN5sVgA1eKoU4iCwM6yRjX_hPnBzEtGvS",
        "created_at": oslo("2026-01-10 08:00"),
    },
    {
        "name": "calendar-feed-key",
        "value": "Q8m2Zr_Kc5Wn7Yb0Tx4Pj6Lf1Hd9Sv3Ga-EoUiNkRwMyCqXhVtBzJsDlFe",
        "created_at": oslo("2026-01-12 09:01"),
    },
]


def _conversation(chat: str | None, service_url: str) -> dict:
    return {
        "service_url": service_url,
        "channel_id": "msteams",
        "tenant_id": TENANT,
        "conversation_id": chat,
        "bot_id": BOT,
    }


def forum_rows(service_url: str, now: datetime | None = None) -> dict[str, list[dict]]:
    """Every table's rows, in an order that keeps foreign keys satisfied.
    ``service_url`` is where the stored conversations point (the tests'
    local connector); the open vote closes 30 days after ``now``."""
    now = now or datetime.now(UTC)
    return {
        "forums": [
            {
                "id": FORUM_ID,
                "name": CONFIG.name,
                "timezone": CONFIG.timezone,
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "channel_reference": _conversation(CHANNEL, service_url),
                "bound_by": STINE,
                "bound_at": oslo("2026-01-12 08:55"),
                "roster_version": 7,
                "calendar_generation": 1,
            }
        ],
        **ROSTER,
        "personal_conversations": [
            {
                "aad_object_id": STINE,
                "user_id": "29:1stine",
                "reference": _conversation("a:1stine-chat", service_url),
                "updated_at": oslo("2026-06-06 10:00"),
            },
            {
                "aad_object_id": RAGNHILD,
                "user_id": "29:1ragnhild",
                "reference": _conversation("a:1ragnhild-chat", service_url),
                "updated_at": oslo("2026-11-02 19:40"),
            },
            # Known from the team's member list only: no chat yet.
            {
                "aad_object_id": MARTE,
                "user_id": "29:1marte",
                "reference": _conversation(None, service_url),
                "updated_at": oslo("2026-01-12 08:55"),
            },
        ],
        # Kjetil was picked in Teams as Follo's deputy when Kari left (the file says so too now).
        "roster_changes": [
            {
                "forum_id": FORUM_ID,
                "place": "seat:follo:1:deputy",
                "set_by": STINE,
                "set_at": oslo("2026-03-02 10:00"),
                "value": {
                    "aad_object_id": aad("Kjetil Prøvelien"),
                    "name": "Kjetil Prøvelien",
                    "email": "kjetil.provelien@follo.example.org",
                },
            }
        ],
        # Ragnhild is also in another region's forum, and chose this one for her chat.
        "forum_choices": [{"aad_object_id": RAGNHILD, "forum_id": FORUM_ID, "chosen_at": oslo("2026-11-02 19:41")}],
        # Ragnhild writes nynorsk, whatever her Teams says («språk nynorsk»).
        "language_choices": [{"aad_object_id": RAGNHILD, "language": "nn", "chosen_at": oslo("2026-03-02 09:00")}],
        "competence_area_lists": [
            {
                "forum_id": FORUM_ID,
                "year": 2026,
                "set_by": STINE,
                "set_at": oslo("2026-01-15 12:00"),
                "areas": [
                    {
                        "code": "laereplaner-norsk",
                        "name": "Videre implementering av reviderte læreplaner i norsk og "
                        "samfunnskunnskap for voksne innvandrere",
                    },
                    {"code": "modulstruktur", "name": "Fullføringsreformen: modulstrukturert opplæring"},
                    {
                        "code": "vurdering-for-laering",
                        "name": "Fullføringsreformen: vurdering for læring i et modulstrukturert opplæringsløp",
                    },
                    {"code": "ledere", "name": "Kompetanseheving for ledere i skolebasert utviklingsarbeid"},
                    {"code": "laeringsmiljo", "name": "Godt læringsmiljø"},
                ],
            }
        ],
        **_needs_reports(),
        # The year's frame from the allocation letter, changed once, with an area set aside.
        "budgets": [
            {
                "forum_id": FORUM_ID,
                "year": 2026,
                "frame": 1_500_000,
                "reserved": {"modulstruktur": 400_000},
                "version": 2,
                "updated_by": STINE,
                "updated_at": oslo("2026-02-03 09:30"),
            }
        ],
        # The proposal put before the forum: Follo's report partly granted; the
        # withdrawn report it once listed is left out when it is read.
        "allocation_proposals": [
            {
                "forum_id": FORUM_ID,
                "year": 2026,
                "lines": [[2, 150_000], [3, 0]],
                "version": 3,
                "from_vote_id": 1,
                "updated_by": STINE,
                "updated_at": oslo("2026-06-08 09:00"),
                "posted_by": STINE,
                "posted_at": oslo("2026-06-08 09:05"),
                "decided_lines": None,
                "decided_at": None,
                "decided_vote_id": None,
            },
            {
                # Last year's, decided (before the forum voted on allocations), and its letters sent.
                "forum_id": FORUM_ID,
                "year": 2025,
                "lines": [[4, 150_000]],
                "version": 4,
                "from_vote_id": None,
                "updated_by": STINE,
                "updated_at": oslo("2025-10-20 15:00"),
                "posted_by": STINE,
                "posted_at": oslo("2025-10-20 15:05"),
                "decided_lines": [
                    {
                        "report_id": 4,
                        "reference": "BM-2025-007",
                        "organisation": "Nettverket for Follo-regionen",
                        "title": LESING["title"],
                        "applied": 200_000,
                        "granted": 150_000,
                    }
                ],
                "decided_at": oslo("2025-10-21 12:00"),
                "decided_vote_id": None,
            },
        ],
        "award_letters": [
            {
                "forum_id": FORUM_ID,
                "year": 2025,
                "conditions": "Midlene brukes innen utgangen av 2026.",
                "deadline_event_id": None,
                "deadline_at": oslo("2026-12-15 12:00"),
                "sent_by": STINE,
                "sent_at": oslo("2025-10-22 09:00"),
            }
        ],
        "award_letter_deliveries": [
            {
                "id": 1,
                "forum_id": FORUM_ID,
                "year": 2025,
                "organisation_id": "follo",
                "target": f"person:{MARTE}",
                "status": "sent",
                "claimed_by": "letters-1",
                "claimed_at": oslo("2025-10-22 09:00"),
                "attempts": 1,
                "detail": None,
                "finished_at": oslo("2025-10-22 09:00"),
            }
        ],
        # Follo's report back on its 2025 grant, sent before the deadline.
        "grant_reports": [
            {
                "report_id": 4,
                "forum_id": FORUM_ID,
                "version": 3,
                "draft": None,
                "fields": {
                    "done": "Tre kurs i lesing for voksne.",
                    "participants": 31,
                    "partner_part": "Universitetet i Sørøst-Norge underviste.",
                    "money_used": 140_000,
                    "unused": 10_000,
                    "experience": "Deltakerne leser mer på egen hånd.",
                },
                "money_used": 140_000,
                "unused": 10_000,
                "created_by": MARTE,
                "created_at": oslo("2026-01-20 10:00"),
                "updated_by": MARTE,
                "updated_at": oslo("2026-02-01 12:00"),
                "sent_by": MARTE,
                "sent_at": oslo("2026-02-01 12:00"),
            }
        ],
        "app_secrets": SECRETS,
        **_wheel(),
        **_meetings_and_announcements(),
        **_votes(now),
        # The last messages' ids, so that one Teams delivers again is not handled twice.
        "handled_activities": [
            {"conversation_id": "a:1ragnhild-chat", "activity_id": "1733459012345", "at": now - timedelta(minutes=5)},
            {"conversation_id": CHANNEL, "activity_id": "1733459087654", "at": now - timedelta(minutes=2)},
        ],
        "audit_log": [
            {
                "id": 1,
                "forum_id": FORUM_ID,
                "at": oslo("2026-01-12 08:55"),
                "actor": STINE,
                "action": "forum.channel_bound",
                "subject": CHANNEL,
                "detail": {"team": TEAM},
            },
            {
                "id": 2,
                "forum_id": FORUM_ID,
                "at": oslo("2026-06-06 10:00"),
                "actor": STINE,
                "action": "vote.decided",
                "subject": f"1: {QUESTION_DECIDED}",
                "detail": {"chosen": [1]},
            },
            {
                "id": 3,
                "forum_id": FORUM_ID,
                "at": oslo("2026-06-20 10:00"),
                "actor": STINE,
                "action": "needs.status",
                "subject": "BM-2026-001",
                "detail": {"from": "prioritert", "to": "tildelt", "granted_amount": 250_000},
            },
        ],
    }


# --- what an upgrade gives rows stored before a column or table ----------------------


def earlier_revisions() -> list[str]:
    """Every revision before head, oldest first: the schemas of earlier releases."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(scripts.walk_revisions())) if s.revision != scripts.get_current_head()]


# By the migration that brought the column: the test asks for an entry for
# every column a later migration adds.
FILLED_IN: dict[tuple[str, str], Callable[[dict, dict], object]] = {
    ("needs_reports", "reopened"): lambda row, rows: False,  # 0005
    ("reminders", "event_starts_at"): lambda row, rows: next(  # 0007: the time its event has
        e["starts_at"] for e in rows["wheel_events"] if e["id"] == row["event_id"]
    ),
    ("forums", "roster_version"): lambda row, rows: 0,  # 0008
    ("forums", "calendar_generation"): lambda row, rows: 0,  # 0008: addresses given out stay valid
    ("people", "former_aad_object_id"): lambda row, rows: None,  # 0009
    ("people", "erased_at"): lambda row, rows: None,  # 0009
    # 0011: the kind was told by the number of choices; no ballot had points.
    ("votes", "kind"): lambda row, rows: "one" if row["max_choices"] == 1 else "up_to",
    ("votes", "points"): lambda row, rows: None,
    ("votes", "places"): lambda row, rows: None,
    ("ballots", "points"): lambda row, rows: None,
    ("ballot_casts", "points"): lambda row, rows: None,
    # 0013: no vote was on an allocation, and none was decided.
    ("votes", "allocation_year"): lambda row, rows: None,
    ("allocation_proposals", "decided_lines"): lambda row, rows: None,
    ("allocation_proposals", "decided_at"): lambda row, rows: None,
    ("allocation_proposals", "decided_vote_id"): lambda row, rows: None,
}
# Tables a migration fills from what was stored; any other new table starts empty.
TABLES_FILLED_IN: dict[str, Callable[[dict], list[dict]]] = {
    # 0008: the counter goes on from the highest number given in each year.
    "needs_report_numbers": lambda rows: [
        {"forum_id": FORUM_ID, "year": year, "last": max(numbers)}
        for year in sorted({r["year"] for r in rows["needs_reports"]})
        if (numbers := [r["number"] for r in rows["needs_reports"] if r["year"] == year and r["number"]])
    ],
}


def after_upgrade(rows: dict[str, list[dict]], then: dict[str, set[str]]) -> dict[str, list[dict]]:
    """The rows an upgrade must leave, when ``rows`` were written into a
    database whose tables had the columns ``then``."""
    expected: dict[str, list[dict]] = {}
    for table, table_rows in rows.items():
        if table not in then:
            expected[table] = TABLES_FILLED_IN[table](expected) if table in TABLES_FILLED_IN else []
            continue
        later = [column for column in table_rows[0] if column not in then[table]]
        unknown = [f"{table}.{column}" for column in later if (table, column) not in FILLED_IN]
        assert not unknown, (
            f"{', '.join(unknown)} came after this revision: say in tests/stored_forum.py FILLED_IN "
            "what the upgrade gives the rows stored before it"
        )
        expected[table] = [{**row, **{c: FILLED_IN[(table, c)](row, expected) for c in later}} for row in table_rows]
    return {table: sorted(table_rows, key=_primary_key(table)) for table, table_rows in expected.items()}


# --- writing and reading ----------------------------------------------------------------


async def columns(engine: AsyncEngine) -> dict[str, set[str]]:
    """The database's tables and their columns, as its revision has them."""

    def read(connection) -> dict[str, set[str]]:
        schema = inspect(connection)
        return {
            name: {c["name"] for c in schema.get_columns(name)}
            for name in schema.get_table_names()
            if name != "alembic_version"
        }

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def _table(name: str, column_names: set[str]) -> Table:
    """The table with only the columns the database has, typed as the bot
    types them (times in UTC, JSON), so values go in and come out as the
    bot writes and reads them."""
    model = Base.metadata.tables[name]
    return Table(name, MetaData(), *(Column(c, model.c[c].type) for c in model.c.keys() if c in column_names))


def missing_from(rows: dict[str, list[dict]], schema: dict[str, set[str]]) -> list[str]:
    """Tables and columns of ``schema`` that the rows give no value for."""
    missing = []
    for table, column_names in schema.items():
        if not rows.get(table):
            missing.append(f"table {table}")
            continue
        missing += [f"{table}.{c}" for row in rows[table] for c in sorted(column_names - row.keys())]
    return sorted(set(missing))


async def write(engine: AsyncEngine, rows: dict[str, list[dict]]) -> dict[str, set[str]]:
    """Insert the rows into the tables and columns the database has;
    returns those."""
    schema = await columns(engine)
    async with engine.begin() as connection:
        for name, table_rows in rows.items():
            if name in schema:
                table = _table(name, schema[name])
                values = [{k: v for k, v in row.items() if k in schema[name]} for row in table_rows]
                await connection.execute(table.insert(), values)
        if engine.dialect.name == "postgresql":
            # Rows written with their ids leave the id sequences behind;
            # an old database's sequences are past its ids.
            for name in schema.keys() & rows.keys():
                model = Base.metadata.tables[name]
                if "id" in model.c and isinstance(model.c.id.type, Integer):
                    await connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
                    )
    return schema


async def read(engine: AsyncEngine) -> dict[str, list[dict]]:
    """Every table's rows, in primary-key order."""
    schema = await columns(engine)
    stored = {}
    async with engine.connect() as connection:
        for name, column_names in schema.items():
            table = _table(name, column_names)
            key = Base.metadata.tables[name].primary_key.columns.keys()
            result = await connection.execute(select(table).order_by(*(table.c[k] for k in key)))
            stored[name] = [dict(row._mapping) for row in result]
    return stored


def _primary_key(name: str) -> Callable[[dict], tuple]:
    names = Base.metadata.tables[name].primary_key.columns.keys()
    return lambda row: tuple(row[k] for k in names)


# --- what the bot shows of it -------------------------------------------------------------


def _seen(card: dict) -> str:
    return texts(card).replace("\xa0", " ")


async def the_bot_shows_it_and_goes_on(forum, tables: Mapping[str, Collection[str]]) -> None:
    """The forum's people see their history in Teams, as much of it as
    ``tables`` could hold, and the bot adds to it."""
    sf = forum.statsforvalter
    roster = _seen(only_card(await forum.say(sf, "medlemmer")))
    assert "Østfold VO-nettverk" in roster and "Arne Oppdiktetsen" in roster and "Kari Tidligere" not in roster

    if "needs_reports" in tables:
        reports = _seen(only_card(await forum.say(sf, "mine behovsmeldinger")))
        for line in (
            f"BM-2026-001: {VURDERING['title']} (Østfold VO-nettverk)\n2026 · tildelt · 300 000 kr",
            f"BM-2026-002: {LEDERE['title']} (Nettverket for Follo-regionen)\n2026 · innsendt · 180 000 kr",
            f"BM-2026-003: {DIGITAL['title']} (Viken Vest (Buskerud, samt Asker og Bærum))\n2026 · trukket",
            f"BM-2025-007: {LESING['title']} (Nettverket for Follo-regionen)\n2025 · rapportert · 200 000 kr",
            "utkast: Norsk på arbeidsplassen (Vopro-nettverket (Romerike))",
        ):
            assert line in reports, reports
        overview = _seen(only_card(await forum.say(sf, "oversikt 2026")))
        assert "Behovsmeldinger\n2\nSøkt\n480 000 kr\nTildelt\n250 000 kr" in overview, overview
        assert "Nettverket for Follo-regionen\n1\n180 000\n0\n1\n200 000\n150 000" in overview  # 2026 beside 2025
        async with forum.app[UOW]() as uow:  # numbers go on from the highest given
            assert [await uow.needs_reports.next_number(FORUM_ID, y) for y in (2025, 2026, 2027)] == [8, 4, 1]

    if "reminders" in tables:
        wheel = _seen(only_card(await forum.say(sf, "årshjul 2027")))
        assert "Frist for behovsmeldinger 2027" in wheel and "Påminnelser: 14 dager, 7 dager og 1 dag før" in wheel
        body, _ = await forum.press(sf, "wheel.report", {"event_id": 1, "view": "2026"})
        report = _seen(body["value"])
        assert "Ragnhild Eksempelrud\nsendt · 1 forsøk" in report and "Hanne Testdal\nikke nåbar" in report, report
        assert "usikker · 1 forsøk" in report and "feilet · 4 forsøk" in report

    if "votes" in tables:
        log = _seen(only_card(await forum.say(sf, "vedtak")))
        assert f"Avgjort av Stine Eksempeldatter lørdag 6. juni 2026 kl. 10:00. Begrunnelse: {DECISION_REASON}" in log
        assert f"Østfold VO-nettverk: «{VURDERING['title']}» – Arne Oppdiktetsen, fredag 22. mai 2026" in log
        assert "Lise Fiktivsen" not in log  # her ballot was replaced by her deputy's
        if "kind" in tables["votes"]:  # a points vote keeps each ballot's points
            assert "«Norsk på arbeidsplassen» (60 poeng), «Lesekurs» (30 poeng), «Digital kompetanse» (10 poeng)" in log
        else:  # stored before there were points votes: a vote of up to three
            assert "«Norsk på arbeidsplassen», «Lesekurs», «Digital kompetanse» – Hanne Testdal" in log
        hanne = forum.representative("viken-vest")
        body, _ = await forum.press(hanne, "vote.cast", {"vote": 2, "choices": "1,2"})
        assert "Du stemte" in _seen(body["value"]), body
        listed = _seen(only_card(await forum.say(sf, "avstemninger")))
        assert f"{QUESTION_OPEN}\nåpen, stenger" in listed and "3 av 12 har stemt" in listed, listed
        async with forum.app[UOW]() as uow:
            assert [c.cast_by for c in await uow.votes.casts(2)] == [MARTE, LISE, hanne.aad_object_id]

    if "allocation_proposals" in tables:
        follo = forum.representative("follo")
        proposal = _seen(only_card(await forum.say(follo, "tildeling 2026")))
        assert "Tildeling 2026: forslag" in proposal and f"BM-2026-002 {LEDERE['title']}" in proposal, proposal
        assert "Søkt 180 000 kr · foreslått 150 000 kr" in proposal, proposal
        assert "Lagt fram i forumets kanal 08.06.2026 09:05." in proposal
        assert "BM-2026-003" not in proposal  # withdrawn since

    if "award_letters" in tables:
        letters = _seen(only_card(await forum.say(sf, "tildelingsbrev 2025")))
        assert "Sendt 22.10.2025 09:00 av Stine Eksempeldatter." in letters, letters
        assert "Nettverket for Follo-regionen – 150 000 kr\nMarte Eksempelstad\nsendt · 1 forsøk" in letters, letters

    if "grant_reports" in tables:
        follo = forum.representative("follo")
        listing = only_card(await forum.say(follo, "rapportering"))
        assert (
            f"BM-2025-007 {LESING['title']} (Nettverket for Follo-regionen)\nTildelt 150 000 kr · sendt 01.02.2026 12:00"
            in _seen(listing)
        ), _seen(listing)
        (report_id,) = [e["data"]["report_id"] for e in elements(listing) if e.get("verb") == "grant.open"]
        body, _ = await forum.press(follo, "grant.open", {"report_id": report_id})
        assert "Ubrukt beløp (kr)\n10 000 kr" in _seen(body["value"]), body

    if "meetings" in tables:
        body, _ = await forum.press(sf, "meeting.attendance", {"meeting": 1})
        attendance = _seen(body["value"])
        assert "Østfold VO-nettverk\nSete 1\nvara Arne Oppdiktetsen kommer" in attendance, attendance
        assert "Hanne Testdal har ikke svart" in attendance

    if "meeting_minutes" in tables:
        body, _ = await forum.press(forum.representative("follo"), "minutes.show", {"meeting": 1})
        minutes = _seen(body["value"])
        assert "Østfold VO-nettverk, sete 1\nArne Oppdiktetsen (vara)" in minutes, minutes
        assert f"{QUESTION_DECIDED}: «Vurdering i moduler» (21.10.2026 10:30)" in minutes

    if "announcements" in tables:
        body, _ = await forum.press(sf, "announcement.report", {"id": 1})
        report = _seen(body["value"])
        assert (
            "Kunngjøring: Ny utlysning fra HK-dir" in report and "Ragnhild Eksempelrud\nfeilet · 4 forsøk" in report
        ), report

    if "language_choices" in tables:
        ragnhild = forum.representative("vopro-romerike")
        assert ragnhild.aad_object_id == RAGNHILD
        assert "Vis kva eg kan gjere" in _seen(only_card(await forum.say(ragnhild, "hjelp")))

    if "app_secrets" in tables:
        # Download links and calendar addresses given out before still work.
        async with forum.app[UOW]() as uow:
            for secret in SECRETS:
                assert await uow.secrets.get_or_create(secret["name"], secret["created_at"]) == secret["value"]

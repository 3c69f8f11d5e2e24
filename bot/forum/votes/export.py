"""A year's priority votes as an Excel workbook: the decisions log
(vedtaksprotokoll). One row per closed vote with its result and decision,
every seat's final ballot, and every ballot as it was cast, replaced ones
included.

Everything typed by people (questions, options, reasons, names) goes in as
text, never as a formula, the same way as in the needs-report export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.forum.allocation.decision import decided_allocations
from bot.forum.roster import Forum
from bot.forum.spreadsheet import CONTENT_TYPE, MOMENT, Cells, in_zone, new_workbook, table, to_bytes
from bot.forum.votes.service import VoteState, vote_state
from bot.forum.votes.vote import Escalation, Vote, VoteKind, VoteStatus
from bot.i18n import text

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["CONTENT_TYPE", "DecisionsExport", "filename", "gather", "workbook"]

VOTES_SHEET = "Vedtak"
BALLOTS_SHEET = "Stemmer"
LOG_SHEET = "Logg"
ALLOCATION_SHEET = "Tildeling"
CLOSED = (VoteStatus.AWAITING_DECISION, VoteStatus.DECIDED)


def filename(year: int) -> str:
    return f"vedtaksprotokoll-{year}.xlsx"


@dataclass(frozen=True)
class CastEntry:
    """One ballot as it was cast (a row of the ballot log)."""

    seat_id: int
    choices: tuple[int, ...]
    points: tuple[int, ...]
    cast_by: str
    cast_at: datetime


@dataclass(frozen=True)
class VoteRecord:
    state: VoteState
    casts: tuple[CastEntry, ...]  # in the order they were cast

    @property
    def vote(self) -> Vote:
        return self.state.vote


@dataclass(frozen=True)
class DecisionsExport:
    forum: Forum
    year: int
    votes: tuple[VoteRecord, ...]  # oldest first
    names: dict[str, str]  # Entra object id (lower case, as the roster keeps it) -> the person's name
    # For a vote that decided an allocation: the table as decided (DecidedLine).
    allocations: dict[int, tuple] = field(default_factory=dict)

    def name(self, aad_object_id: str | None) -> str | None:
        if not aad_object_id:
            return None
        # Someone no longer in the roster: the id, which still says who it was.
        return self.names.get(aad_object_id.lower(), aad_object_id)


async def gather(uow, forum: Forum, year: int) -> DecisionsExport:
    """The forum's closed votes opened in ``year`` (in the forum's time
    zone), read in one unit of work."""
    zone = ZoneInfo(forum.timezone)
    roster = await uow.roster.roster(forum)
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    records = []
    for vote in await uow.votes.opened_between(forum.id, start, end, CLOSED):
        state = await vote_state(uow, forum, vote.id, roster)
        casts = tuple(
            CastEntry(c.seat_id, tuple(c.choices), tuple(c.points or ()), c.cast_by, c.cast_at)
            for c in await uow.votes.casts(vote.id)
        )
        records.append(VoteRecord(state, casts))
    allocations = await decided_allocations(uow, forum.id, [r.vote for r in records])
    return DecisionsExport(forum, year, tuple(records), roster.names(), allocations)


def workbook(export: DecisionsExport, made_at: datetime, lang: str = "nb") -> bytes:
    """The .xlsx file. Plain CPU work: run it off the event loop."""
    book = new_workbook()
    _votes_sheet(book, export, made_at, lang)
    _ballots_sheet(book, export, lang)
    _log_sheet(book, export, lang)
    _allocation_sheet(book, export, lang)
    return to_bytes(book)


# --- the sheets -----------------------------------------------------------


def _labels(vote: Vote, options: tuple[int, ...] | list[int]) -> str:
    return "; ".join(vote.label(o) for o in options)


def _ballot(vote: Vote, choices: tuple[int, ...], points: tuple[int, ...], lang: str) -> str:
    """A seat's ballot: its choices, by place in a ranked vote and with
    their points in a points vote."""
    if vote.kind is VoteKind.RANKING:
        return "; ".join(f"{place}. {vote.label(o)}" for place, o in enumerate(choices, start=1))
    if vote.kind is VoteKind.POINTS:
        return "; ".join(
            text(lang, "decisions_points_given", label=vote.label(o), points=p) for o, p in zip(choices, points)
        )
    return _labels(vote, choices)


def _votes_sheet(book: Workbook, export: DecisionsExport, made_at: datetime, lang: str) -> None:
    forum = export.forum
    zone = ZoneInfo(forum.timezone)

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    headings = [
        t("decisions_xlsx_number"),
        t("decisions_xlsx_question"),
        t("decisions_xlsx_status"),
        t("decisions_xlsx_opened", timezone=forum.timezone),
        t("decisions_xlsx_closed", timezone=forum.timezone),
        t("decisions_xlsx_closed_by"),
        t("decisions_xlsx_mode"),
        t("decisions_xlsx_quorum"),
        t("decisions_xlsx_participation"),
        t("decisions_xlsx_result"),
        t("decisions_xlsx_escalation"),
        t("decisions_xlsx_chosen"),
        t("decisions_xlsx_decided_by"),
        t("decisions_xlsx_decided_at", timezone=forum.timezone),
        t("decisions_xlsx_reason"),
    ]
    cells = table(
        book, VOTES_SHEET, headings, [6, 40, 16, 17, 17, 24, 12, 12, 12, 50, 18, 40, 24, 17, 60], len(export.votes)
    )
    sheet = cells.sheet

    for record in export.votes:
        vote, result = record.vote, record.state.result()
        decided = vote.status is VoteStatus.DECIDED
        mode = {
            VoteKind.ONE: t("decisions_mode_one"),
            VoteKind.UP_TO: t("decisions_mode_up_to", count=vote.max_choices),
            VoteKind.RANKING: t("decisions_mode_ranking", count=vote.max_choices, places=vote.places),
            VoteKind.POINTS: t("decisions_mode_points", count=vote.points, places=vote.places),
        }[vote.kind]
        quorum = (
            t("decisions_quorum", percent=vote.quorum_percent) if vote.quorum_percent else t("decisions_quorum_none")
        )
        ranking = "; ".join(
            t("decisions_result_option", label=vote.label(option), votes=place.votes)
            for place in result.places
            for option in place.options
        )
        escalation = {
            Escalation.TIE: t("decisions_escalation_tie"),
            Escalation.QUORUM: t("decisions_escalation_quorum"),
            Escalation.DISAGREEMENT: t("decisions_escalation_disagreement"),
        }.get(vote.escalation, t("decisions_escalation_none"))
        if not decided:
            decided_by = None
        elif vote.decided_by:
            decided_by = export.name(vote.decided_by)
        else:
            decided_by = t("decisions_by_the_forum")
        sheet.append(
            [
                cells.number(vote.id, "0"),
                cells.text(vote.question),
                cells.text(t(f"decisions_status_{vote.status.value}")),
                cells.moment(in_zone(vote.created_at, zone), MOMENT),
                cells.moment(in_zone(vote.closed_at or vote.closes_at, zone), MOMENT),
                cells.text(export.name(vote.closed_by) or t("decisions_by_the_clock")),
                cells.text(mode),
                cells.text(quorum),
                cells.text(t("decisions_participation", voted=result.ballots, seats=result.seats)),
                cells.text(ranking),
                cells.text(escalation),
                cells.text(_labels(vote, vote.chosen)),
                cells.text(decided_by),
                cells.moment(in_zone(vote.decided_at, zone), MOMENT),
                cells.text(vote.reason),
            ]
        )

    made = made_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    sheet.append([])
    sheet.append([None, cells.text(t("decisions_title", year=export.year, forum=forum.name), bold=True)])
    sheet.append([None, cells.text(t("decisions_made", when=made, timezone=forum.timezone))])


def _seat_table(book: Workbook, name: str, export: DecisionsExport, lang: str, choices_key: str, rows: int) -> Cells:
    """The layout the ballots and the log share: a row per seat's ballot."""
    timezone = export.forum.timezone
    headings = [
        text(lang, "decisions_xlsx_number"),
        text(lang, "decisions_xlsx_vote"),
        text(lang, "decisions_xlsx_organisation"),
        text(lang, choices_key),
        text(lang, "decisions_xlsx_cast_by"),
        text(lang, "decisions_xlsx_cast_at", timezone=timezone),
    ]
    return table(book, name, headings, [6, 40, 40, 40, 24, 17], rows)


def _ballots_sheet(book: Workbook, export: DecisionsExport, lang: str) -> None:
    rows = sum(len(r.state.seats) for r in export.votes)
    cells = _seat_table(book, BALLOTS_SHEET, export, lang, "decisions_xlsx_ballot", rows)
    zone = ZoneInfo(export.forum.timezone)
    for record in export.votes:
        vote = record.vote
        for seat in record.state.seats:
            cells.sheet.append(
                [
                    cells.number(vote.id, "0"),
                    cells.text(vote.question),
                    cells.text(seat.organisation),
                    cells.text(
                        _ballot(vote, seat.choices, seat.points, lang)
                        if seat.choices
                        else text(lang, "decisions_not_voted")
                    ),
                    cells.text(export.name(seat.cast_by)),
                    cells.moment(in_zone(seat.cast_at, zone), MOMENT),
                ]
            )


def _log_sheet(book: Workbook, export: DecisionsExport, lang: str) -> None:
    rows = sum(len(r.casts) for r in export.votes)
    cells = _seat_table(book, LOG_SHEET, export, lang, "decisions_xlsx_choices", rows)
    zone = ZoneInfo(export.forum.timezone)
    for record in export.votes:
        vote = record.vote
        seats = {s.seat_id: s.organisation for s in record.state.seats}
        for cast in record.casts:
            cells.sheet.append(
                [
                    cells.number(vote.id, "0"),
                    cells.text(vote.question),
                    cells.text(seats.get(cast.seat_id, str(cast.seat_id))),  # a seat since removed: its number
                    cells.text(_ballot(vote, cast.choices, cast.points, lang)),
                    cells.text(export.name(cast.cast_by)),
                    cells.moment(in_zone(cast.cast_at, zone), MOMENT),
                ]
            )


def _allocation_sheet(book: Workbook, export: DecisionsExport, lang: str) -> None:
    """Each allocation the year's votes decided, report by report."""
    headings = [
        text(lang, "decisions_xlsx_decided_vote"),
        text(lang, "decisions_xlsx_reference"),
        text(lang, "decisions_xlsx_organisation"),
        text(lang, "decisions_xlsx_title"),
        text(lang, "decisions_xlsx_applied"),
        text(lang, "decisions_xlsx_granted"),
    ]
    rows = sum(len(lines) for lines in export.allocations.values())
    cells = table(book, ALLOCATION_SHEET, headings, [10, 14, 40, 50, 16, 16], rows)
    for vote_id, lines in export.allocations.items():
        for line in lines:
            cells.sheet.append(
                [
                    cells.number(vote_id, "0"),
                    cells.text(line.reference),
                    cells.text(line.organisation),
                    cells.text(line.title),
                    cells.number(line.applied),
                    cells.number(line.granted),
                ]
            )

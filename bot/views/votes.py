"""The cards of priority votes: the form, the vote card everyone shares and
each voter's own view of it, the lists, and the channel's notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.forum.needs.form import Invalid
from bot.forum.privacy import ERASED
from bot.forum.roster import Forum
from bot.forum.votes.service import (
    OPTION_LIMIT,
    QUESTION_LIMIT,
    REASON_LIMIT,
    SeatBallot,
    Standing,
    VotableReport,
    VoteState,
)
from bot.forum.votes.vote import SCORED, Escalation, Vote, VoteKind, VoteStatus
from bot.i18n import EN, text
from bot.views.common import form_errors, form_field, invalid_text
from bot.views.moments import long_moment
from bot.views.needs import nok
from cards import render
from cards.markdown import escape_markdown as md

FORM_INPUTS = (
    "question",
    "options",
    "reports",
    "mode",
    "up_to",
    "places",
    "close_date",
    "close_time",
    "live",
    "quorum",
)
# A ranked or points ballot: one input per option, named by its id.
MARK_INPUT = "option_"
# The form's fields, and the checked value each error is reported under.
_ERROR_AT = {"closes_at": "close_time", "quorum_percent": "quorum"}
_LABEL_OF_ERROR = {"closes_at": "vote_field_close_time", "quorum_percent": "vote_field_quorum"}
LOG_LIMIT = 20  # votes on the `vedtak` card; the export has them all


@dataclass(frozen=True)
class Viewer:
    """Who a personal view of the vote card is for."""

    aad_object_id: str | None
    seat_id: int | None  # the seat they vote for, if any
    statsforvalter: bool


class VoteViews:
    def __init__(self, lang: str, forum: Forum, now: datetime) -> None:
        self.lang = lang
        self.forum = forum
        self.now = now

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def when(self, moment: datetime) -> str:
        return long_moment(moment, self.forum.timezone, self.lang)

    def person(self, names: Mapping[str, str], aad_object_id: str | None) -> str:
        """Who cast or decided: by name from the roster; someone who has
        left it, or whose data was erased, as such."""
        if aad_object_id == ERASED:
            return self.t("erased_person")
        return md(names.get(aad_object_id or "") or self.t("former_member"))

    def choices(self, vote: Vote, option_ids: Sequence[int]) -> str:
        return ", ".join(
            f"«{md(vote.label(o))}»" if self.lang != EN else f'"{md(vote.label(o))}"' for o in option_ids
        ) or self.t("nobody")

    def votes(self, vote: Vote, n: int) -> str:
        """An option's count: votes, or points in a ranked or points vote."""
        if vote.kind in SCORED:
            return self.t("vote_points_one") if n == 1 else self.t("vote_points", n=n)
        return self.t("vote_count_one") if n == 1 else self.t("vote_count", n=n)

    def ballot(self, vote: Vote, seat: SeatBallot) -> str:
        """A seat's ballot: by place in a ranked vote, with the points in a
        points vote."""
        if vote.kind is VoteKind.RANKING:
            return ", ".join(f"{place}. {self.choices(vote, [o])}" for place, o in enumerate(seat.choices, start=1))
        if vote.kind is VoteKind.POINTS:
            return ", ".join(
                self.t("vote_points_given", label=self.choices(vote, [o]), n=n)
                for o, n in zip(seat.choices, seat.points)
            )
        return self.choices(vote, seat.choices)

    # --- the form -------------------------------------------------------------

    def form(
        self,
        values: Mapping[str, str],
        reports: Sequence[VotableReport],
        year: int,
        errors: Mapping[str, Invalid] | None = None,
    ) -> dict:
        problems, shown = form_errors(
            errors or {},
            lambda name: self.t(_LABEL_OF_ERROR.get(name, f"vote_field_{name}")),
            lambda error: invalid_text(self.lang, error),
            _ERROR_AT,
        )

        def field(name: str, **extra: object) -> dict:
            return form_field(
                self.lang, self.t(f"vote_field_{name}"), shown.get(name, ""), **{"value": values.get(name, ""), **extra}
            )

        return render(
            "vote_form",
            {
                "title": self.t("vote_form_title"),
                "note": self.t("vote_form_note", timezone=self.forum.timezone),
                "problems_title": self.t("vote_errors_title"),
                "problems": problems,
                "fields": {
                    "question": field("question", max_length=QUESTION_LIMIT),
                    "options": field("options", max_length=25 * (OPTION_LIMIT + 2)),
                    "reports": field(
                        "reports",
                        choices=[{"title": md(r.label), "value": str(r.id)} for r in reports],
                        empty=self.t("vote_no_reports", year=year) if not reports else "",
                    ),
                    "mode": field(
                        "mode",
                        value=values.get("mode") or "one",
                        choices=[
                            {"title": self.t(f"vote_mode_{kind.value}"), "value": kind.value} for kind in VoteKind
                        ],
                    ),
                    "up_to": field("up_to", number=f"{self.t('vote_field_up_to')}: {self.t('invalid_not_a_number')}"),
                    "places": field(
                        "places", number=f"{self.t('vote_field_places')}: {self.t('invalid_not_a_number')}"
                    ),
                    "close_date": field("close_date"),
                    "close_time": field("close_time"),
                    "live": field("live", value=values.get("live") or "false"),
                    "quorum": field(
                        "quorum", number=f"{self.t('vote_field_quorum')}: {self.t('invalid_not_a_number')}"
                    ),
                },
                "labels": {"save": self.t("vote_open_button"), "cancel": self.t("vote_cancel")},
            },
        )

    def proposed_close(self) -> dict[str, str]:
        """A week from now at noon: what a new form proposes."""
        day = (self.now.astimezone(ZoneInfo(self.forum.timezone)) + timedelta(days=7)).date()
        return {"close_date": day.isoformat(), "close_time": "12:00"}

    # --- the vote card ------------------------------------------------------------

    def _meta(self, vote: Vote) -> str:
        n = vote.points if vote.kind is VoteKind.POINTS else vote.max_choices
        parts = [
            self.t(f"vote_mode_line_{vote.kind.value}", n=n, places=vote.places),
            self.t("vote_closes_line", when=self.when(vote.closes_at))
            if vote.status is VoteStatus.OPEN
            else self.t("vote_closed_line", when=self.when(vote.closed_at or vote.closes_at)),
        ]
        if vote.status is VoteStatus.OPEN:
            parts.append(self.t("vote_live_line" if vote.live else "vote_hidden_line"))
        if vote.quorum_percent:
            parts.append(self.t("vote_quorum_line", percent=vote.quorum_percent))
        return " · ".join(parts)

    def _rows(self, state: VoteState | Standing) -> list[dict]:
        vote = state.vote
        result = state.result()
        chosen = set(vote.chosen)
        rows = []
        for place in result.places:
            for option in place.options:
                label = md(vote.label(option))
                rows.append(
                    {
                        "rank": f"{place.rank}",
                        "label": self.t("vote_chosen_mark", label=label) if option in chosen else label,
                        "count": self.votes(vote, place.votes),
                        "weight": "Bolder" if option in chosen else "Default",
                    }
                )
        return rows

    def _status(self, state: VoteState | Standing, names: Mapping[str, str]) -> dict:
        vote = state.vote
        none = {"title": "", "text": "", "style": "default"}
        if vote.status is VoteStatus.OPEN:
            return none
        if vote.status is VoteStatus.AWAITING_DECISION:
            return {**self.escalation(state), "style": "warning"}
        chosen = self.choices(vote, vote.chosen)
        if vote.decided_by:
            return {
                "title": self.t("vote_status_decided_title", chosen=chosen),
                "text": self.t(
                    "vote_status_decided_text",
                    name=self.person(names, vote.decided_by),
                    when=self.when(vote.decided_at),
                    reason=md(vote.reason or ""),
                ),
                "style": "good",
            }
        return {
            "title": self.t("vote_status_chosen_title", chosen=chosen),
            "text": self.t("vote_status_chosen_text"),
            "style": "good",
        }

    def escalation(self, state: VoteState) -> dict:
        vote = state.vote
        if vote.escalation is Escalation.TIE:
            return {
                "title": self.t("vote_status_tie_title"),
                "text": self.t("vote_status_tie_text", options=self.choices(vote, vote.result.tie)),
            }
        if vote.escalation is Escalation.DISAGREEMENT:
            return {"title": self.t("vote_status_disagreement_title"), "text": self.t("vote_status_disagreement_text")}
        result = vote.result
        why = (
            self.t("vote_status_quorum_text", voted=result.ballots, seats=result.seats, percent=vote.quorum_percent)
            if vote.quorum_percent and result.ballots
            else self.t("vote_status_nobody_text")
        )
        return {"title": self.t("vote_status_quorum_title"), "text": why}

    def _mine(
        self, state: VoteState | Standing, seat: SeatBallot | None, viewer: Viewer, names: Mapping[str, str]
    ) -> str:
        if seat is None:
            return ""
        vote = state.vote
        if not seat.choices:
            return self.t("vote_not_voted", seat=md(seat.organisation)) if vote.status is VoteStatus.OPEN else ""
        choices = self.ballot(vote, seat)
        if seat.cast_by == viewer.aad_object_id:
            line = self.t("vote_mine", choices=choices, seat=md(seat.organisation))
        else:
            line = self.t(
                "vote_mine_other",
                name=self.person(names, seat.cast_by),
                choices=choices,
                seat=md(seat.organisation),
                when=self.when(seat.cast_at),
            )
        if vote.is_open(self.now):
            line += " " + self.t("vote_mine_change")
        return line

    @staticmethod
    def shows_count(vote: Vote, viewer: Viewer | None) -> bool:
        """The count is on the card: after the close, in a live vote, and to the Statsforvalter."""
        return vote.status is not VoteStatus.OPEN or vote.live or bool(viewer and viewer.statsforvalter)

    def card(
        self,
        state: VoteState | Standing,
        viewer: Viewer | None = None,
        refresh_ids: Sequence[str] = (),
        names: Mapping[str, str] | None = None,
        heading: tuple[str, str] = ("", ""),
    ) -> dict:
        """The shared card (``viewer`` None), or one person's view of it.
        ``refresh_ids``: the Teams ids that get their own view by refresh;
        ``heading``: why it was sent to them, when it is (title, text)."""
        names = names or {}
        vote = state.vote
        is_open = vote.is_open(self.now)
        ref = {"vote": vote.id}
        seat = state.seat(viewer.seat_id) if viewer else None
        show_rows = self.shows_count(vote, viewer)
        voting = is_open and (viewer is None or seat is not None)
        data = {
            "refresh": {"title": self.t("vote_refresh"), "vote": vote.id, "user_ids": list(refresh_ids)[:60]},
            "heading": {"title": heading[0], "text": heading[1]},
            "header": {
                "badge": self.t("vote_badge_open" if vote.status is VoteStatus.OPEN else "vote_badge_closed"),
                "style": "accent" if vote.status is VoteStatus.OPEN else "emphasis",
            },
            "question": md(vote.question),
            "meta": self._meta(vote),
            "participation": self.t("vote_participation", voted=state.voted, seats=state.seat_count),
            "rows_title": self.t("vote_rows_final" if vote.status is not VoteStatus.OPEN else "vote_rows_live"),
            "rows": self._rows(state) if show_rows else [],
            "status": self._status(state, names),
            "mine": self._mine(state, seat, viewer, names) if viewer else "",
            "ballot": [
                {
                    "label": self.t("vote_choose_one")
                    if vote.max_choices == 1
                    else self.t("vote_choose_label", n=vote.max_choices),
                    "multi_select": vote.max_choices > 1,
                    "value": ",".join(str(c) for c in seat.choices) if seat else "",
                    "required": self.t("vote_no_choice"),
                    "choices": [{"title": md(o.label), "value": str(o.id)} for o in vote.options],
                    "button": self.t("vote_cast_button"),
                    "data": ref,
                }
            ]
            if voting and vote.kind not in SCORED
            else [],
            "marks": [self._marks(vote, seat)] if voting and vote.kind in SCORED else [],
            "decision": [self._decision(vote)]
            if viewer and viewer.statsforvalter and vote.status is VoteStatus.AWAITING_DECISION
            else [],
            "actions": self._actions(vote, viewer),
        }
        return render("vote", data)

    def _marks(self, vote: Vote, seat: SeatBallot | None) -> dict:
        """A ranked or points ballot: a number by each option, filled in
        with the seat's ballot so far."""
        ranking = vote.kind is VoteKind.RANKING
        given = (
            (
                {o: str(place) for place, o in enumerate(seat.choices, start=1)}
                if ranking
                else dict(zip(seat.choices, map(str, seat.points)))
            )
            if seat
            else {}
        )
        heading = self.t("vote_place_input" if ranking else "vote_points_input")
        return {
            "label": self.t("vote_rank_label", n=vote.max_choices, second=vote.max_choices - 1)
            if ranking
            else self.t("vote_points_label", n=vote.points),
            "options": [
                {"label": md(o.label), "heading": heading, "input": f"{MARK_INPUT}{o.id}", "value": given.get(o.id, "")}
                for o in vote.options
            ],
            "button": self.t("vote_cast_button"),
            "data": {"vote": vote.id},
        }

    def _decision(self, vote: Vote) -> dict:
        among, count = vote.decision_options()
        key = f"vote_decision_{vote.escalation.value}"
        return {
            "title": self.t("vote_decision_title"),
            "text": self.t(key, count=count),
            "choices_label": self.t("vote_decision_choices"),
            "choices_required": f"{self.t('vote_decision_choices')}: {self.t('invalid_required')}",
            "multi_select": count > 1,
            "choices": [{"title": md(vote.label(o)), "value": str(o)} for o in among],
            "reason_label": self.t("vote_decision_reason"),
            "reason_max": REASON_LIMIT,
            "reason_required": self.t("vote_reason_required"),
            "button": self.t("vote_decide_button"),
            "data": {"vote": vote.id},
        }

    def _actions(self, vote: Vote, viewer: Viewer | None) -> list[dict]:
        ref = {"vote": vote.id}
        # Teams refreshes only the listed people's cards by itself: the button
        # gives anyone else (and the Statsforvalter, the decision form) theirs.
        actions = [{"title": self.t("vote_refresh"), "verb": "vote.refresh", "data": ref}]
        if viewer and viewer.statsforvalter and vote.status is VoteStatus.OPEN:
            actions.append({"title": self.t("vote_close_button"), "verb": "vote.close", "data": ref})
        return actions

    def close_confirm(self, state: VoteState) -> dict:
        vote = state.vote
        ref = {"vote": vote.id}
        return render(
            "confirm",
            {
                "question": self.t(
                    "vote_close_confirm", question=md(vote.question), voted=state.voted, seats=state.seat_count
                ),
                "yes": {"title": self.t("vote_close_yes"), "verb": "vote.close.confirmed", "data": ref},
                "no": {"title": self.t("vote_close_no"), "verb": "vote.refresh", "data": ref},
            },
        )

    # --- notices in the channel and in 1:1 ------------------------------------------

    def closed_notice(self, state: VoteState) -> dict:
        vote = state.vote
        result = vote.result
        if vote.status is VoteStatus.DECIDED:
            body = self.t(
                "vote_result_chosen", chosen=self.choices(vote, vote.chosen), voted=result.ballots, seats=result.seats
            )
            style = "good"
        else:
            body = self.t("vote_result_escalated", why=self.escalation(state)["text"])
            style = "warning"
        return render(
            "notice", {"title": self.t("vote_result_title", question=md(vote.question)), "text": body, "style": style}
        )

    def decided_notice(self, vote: Vote) -> dict:
        return render(
            "notice",
            {
                "title": self.t("vote_result_decided_title"),
                "text": self.t(
                    "vote_result_decided",
                    question=md(vote.question),
                    chosen=self.choices(vote, vote.chosen),
                    reason=md(vote.reason or ""),
                ),
                "style": "good",
            },
        )

    # --- lists ------------------------------------------------------------------------

    def state_line(self, state: VoteState) -> str:
        vote = state.vote
        if vote.status is VoteStatus.OPEN:
            return self.t("vote_state_open", when=self.when(vote.closes_at), voted=state.voted, seats=state.seat_count)
        if vote.status is VoteStatus.AWAITING_DECISION:
            return self.t("vote_state_awaiting_decision")
        return self.t(
            "vote_state_decided",
            when=self.when(vote.decided_at or vote.closed_at),
            chosen=self.choices(vote, vote.chosen),
        )

    def votes_list(self, states: Sequence[VoteState], may_open: bool) -> dict:
        def item(state: VoteState) -> dict:
            return {
                "question": md(state.vote.question),
                "line": self.state_line(state),
                "show": {"title": self.t("votes_show"), "data": {"vote": state.vote.id}},
            }

        open_ = [item(s) for s in states if s.vote.status is VoteStatus.OPEN]
        closed = [item(s) for s in states if s.vote.status is not VoteStatus.OPEN]
        groups = [
            g
            for g in (
                {"title": self.t("votes_open"), "items": open_},
                {"title": self.t("votes_recent"), "items": closed},
            )
            if g["items"]
        ]
        return render(
            "votes_list",
            {
                "title": self.t("votes_title", forum=md(self.forum.name)),
                "empty": "" if groups else self.t("votes_empty"),
                "groups": groups,
                "actions": [{"title": self.t("votes_new"), "verb": "command", "data": {"command": "ny avstemning"}}]
                if may_open
                else [],
            },
        )

    def log(
        self,
        states: Sequence[VoteState],
        names: Mapping[str, str],
        years: Sequence[int],
        older: int,
        allocations: Mapping[int, Sequence] | None = None,
    ) -> dict:
        """The decisions log; ``allocations``: for a vote that decided an
        allocation, its table (bot.forum.allocation.proposal.DecidedLine)."""
        allocations = allocations or {}

        def allocation_line(line) -> str:
            return self.t(
                "log_allocation_line",
                reference=line.reference,
                organisation=md(line.organisation),
                granted=nok(self.lang, line.granted),
                applied=nok(self.lang, line.applied),
            )

        def ballot(seat: SeatBallot, vote: Vote) -> str:
            if not seat.choices:
                return self.t("log_no_ballot", seat=md(seat.organisation))
            return self.t(
                "log_ballot",
                seat=md(seat.organisation),
                choices=self.ballot(vote, seat),
                name=self.person(names, seat.cast_by),
                when=self.when(seat.cast_at),
            )

        def entry(state: VoteState) -> dict:
            vote = state.vote
            escalation = self.t(f"log_escalation_{vote.escalation.value}") if vote.escalation else ""
            if vote.status is VoteStatus.AWAITING_DECISION:
                how = self.t("log_awaiting", escalation=escalation)
            elif vote.decided_by:
                how = self.t(
                    "log_by_statsforvalter",
                    escalation=escalation,
                    name=self.person(names, vote.decided_by),
                    when=self.when(vote.decided_at),
                    reason=md(vote.reason or ""),
                )
            else:
                how = self.t("log_by_forum", when=self.when(vote.decided_at or vote.closed_at))
            return {
                "question": md(vote.question),
                "line": self.state_line(state),
                "rows": self._rows(state),
                "how": how,
                "ballots_title": self.t("log_ballots"),
                "ballots": [ballot(seat, vote) for seat in state.seats],
                "allocation_title": self.t("log_allocation_title"),
                "allocation": [allocation_line(line) for line in allocations.get(vote.id, ())],
            }

        return render(
            "decisions",
            {
                "title": self.t("log_title", forum=md(self.forum.name)),
                "empty": "" if states else self.t("log_empty"),
                "entries": [entry(s) for s in states],
                "more": self.t("log_more", count=older) if older else "",
                "exports": [{"title": self.t("log_year", year=year), "data": {"year": year}} for year in years],
                "export_title": self.t("log_export"),
            },
        )

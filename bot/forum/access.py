"""Who may do what in a forum. The services refuse by these rules, and the
cards and the help card offer a button or a command by the same ones, so
what is offered is what would be allowed.

The roles are the roster's (bot.forum.roster): the Statsforvalter runs the
forum, a representative or deputy holds one of its seats for an
organisation, and anyone else in the forum's team is an observer."""

from __future__ import annotations

from datetime import datetime

from bot.forum.needs.report import OPEN_FOR_CHANGE, NeedsReport, Status
from bot.forum.roster import Actor


def in_forum(actor: Actor) -> bool:
    """In a forum's team, observers too: they read counts and sums."""
    return actor.forum is not None


def runs_forum(actor: Actor) -> bool:
    return actor.forum is not None and actor.is_statsforvalter


def on_roster(actor: Actor) -> bool:
    """The Statsforvalter and the seats' people, not observers."""
    return actor.forum is not None and (actor.is_statsforvalter or actor.holds_seat)


# --- the seats -----------------------------------------------------------------


def may_cast_ballot(actor: Actor) -> bool:
    """A seat votes through its representative or deputy, one ballot a seat."""
    return (
        actor.forum is not None and actor.holds_seat and actor.person is not None and actor.person.seat_id is not None
    )


def may_answer_notice(actor: Actor) -> bool:
    """Whether one comes to a meeting is answered for a seat, by its people."""
    return may_cast_ballot(actor)


# --- what names people -----------------------------------------------------------


def may_export(actor: Actor) -> bool:
    """The downloads (the overview's needs reports, the decisions log, the
    meetings and their minutes) name contact persons and who voted or came:
    for the roster, not for observers."""
    return on_roster(actor)


def may_read_report(actor: Actor) -> bool:
    """A sent needs report whole, with its contact person's e-mail and
    phone; the seats read each other's reports as they prioritise them."""
    return on_roster(actor)


def may_subscribe_calendar(actor: Actor) -> bool:
    """The calendar feed shows the wheel's places and texts to whoever holds
    its address."""
    return on_roster(actor)


def may_handle_personal_data(actor: Actor) -> bool:
    """The audit log, and finding, exporting and erasing a person's data."""
    return runs_forum(actor)


# --- needs reports and grants ------------------------------------------------------


def may_report_needs(actor: Actor) -> bool:
    """The Statsforvalter for any organisation, a seat for its own when the
    organisation reports needs."""
    organisation = actor.organisation
    return runs_forum(actor) or bool(
        actor.forum is not None and actor.holds_seat and organisation and organisation.submits_needs
    )


def speaks_for(actor: Actor, report) -> bool:
    """The Statsforvalter, and the representative and deputy of the report's
    own organisation (by their seat, found by Entra object id). ``report``
    is a needs report, or anything with its ``organisation_id``."""
    if runs_forum(actor):
        return True
    return actor.holds_seat and actor.organisation is not None and actor.organisation.id == report.organisation_id


def may_change_report(actor: Actor, report: NeedsReport, deadline: datetime | None, now: datetime) -> bool:
    """Edit, withdraw, or drop the draft of: the report's own seats while it
    is a draft or sent and not yet decided on, until the year's deadline
    unless the Statsforvalter reopened it; the Statsforvalter past the
    deadline too. Decided reports change by the Statsforvalter's decisions."""
    if not speaks_for(actor, report) or (report.status is not Status.DRAFT and report.status not in OPEN_FOR_CHANGE):
        return False
    return runs_forum(actor) or report.reopened or deadline is None or now <= deadline


def may_report_back(actor: Actor) -> bool:
    """How a grant was used: grants come from needs reports, so whoever
    reports an organisation's needs reports back on its grants."""
    return may_report_needs(actor)


# --- the Statsforvalter -------------------------------------------------------------


def may_decide(actor: Actor) -> bool:
    """Puts questions to the forum and decides them: opens, closes and
    decides votes (ties too), decides needs reports and reopens them after
    the deadline, and puts the allocation before the forum."""
    return runs_forum(actor)


def may_edit(actor: Actor) -> bool:
    """Keeps the forum's records: the roster, the annual wheel, the
    competence areas, the budget and the allocation proposal, meeting
    notices and minutes, announcements and award letters."""
    return runs_forum(actor)

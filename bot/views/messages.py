"""The cards the bot sends on its own, to the channel and to each seat: a
meeting's notice and its approved minutes, announcements, award letters
and the wheel's reminders. The caller picks the language: the forum's for
the channel, a person's own choice in their chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.forum.allocation.award import AwardLetter, OrganisationGrant
from bot.forum.announcements import Announcement
from bot.forum.meetings.export import attended, decided
from bot.forum.meetings.minutes import Minutes
from bot.forum.meetings.notice import Meeting
from bot.forum.roster import Forum
from bot.forum.wheel.events import EventKind
from bot.forum.wheel.scheduler import DueReminder
from bot.i18n import text
from bot.views.moments import long_moment, time_left
from bot.views.needs import nok, when
from cards import render
from cards.markdown import escape_markdown as md


def notice_card(forum: Forum, meeting: Meeting, lang: str, *, note: str = "", called: str = "") -> dict:
    """The notice as the channel and each seat see it; ``called`` says to
    whom it is addressed and why, ``note`` what the reader answered."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    facts = [{"title": t("meeting_when"), "value": long_moment(meeting.starts_at, forum.timezone, lang)}]
    if meeting.place:
        facts.append({"title": t("meeting_place"), "value": md(meeting.place)})
    return render(
        "meeting_notice",
        {
            "kicker": t("meeting_notice_kicker", forum=md(forum.name)),
            "title": t("meeting_notice_title", title=md(meeting.title)),
            "called": called,
            "note": note,
            "facts": facts,
            "agenda_title": t("meeting_agenda"),
            "agenda": [f"{number}. {md(item)}" for number, item in enumerate(meeting.agenda, 1)],
            "papers_title": t("meeting_papers") if meeting.papers else "",
            "papers": [{"title": p.title[:100], "url": p.url} for p in meeting.papers],
            "link": meeting.link,
            "join": t("meeting_join"),
            "coming": t("meeting_coming_button"),
            "absent": t("meeting_absent_button"),
            "meeting": meeting.id,
            "answer_hint": t("meeting_answer_hint"),
        },
    )


def minutes_card(forum: Forum, meeting: Meeting, minutes: Minutes, lang: str, note: str = "") -> dict:
    """Approved minutes, as the channel and the meetings list show them."""
    data = minutes_data(forum, meeting, minutes.attendance or (), minutes.decisions or (), lang)
    data.update(
        {
            "kicker": text(lang, "minutes_kicker", forum=md(forum.name)),
            "note": note,
            "problem": "",
            "text": md(minutes.text),
            "form": [],
            "actions": [],
            "footer": text(lang, "minutes_approved_footer", when=when(minutes.approved_at, forum.timezone)),
        }
    )
    return render("minutes", data)


def minutes_data(forum: Forum, meeting: Meeting, attendance, decisions, lang: str) -> dict:
    facts = [{"title": text(lang, "meeting_when"), "value": long_moment(meeting.starts_at, forum.timezone, lang)}]
    if meeting.place:
        facts.append({"title": text(lang, "meeting_place"), "value": md(meeting.place)})
    return {
        "title": text(lang, "minutes_title", title=md(meeting.title)),
        "facts": facts,
        "attendance_title": text(lang, "minutes_attendance"),
        "attendance": [
            {
                "title": text(lang, "minutes_seat", organisation=md(a.organisation), number=a.seat),
                "value": attended(a, lang, md),
            }
            for a in attendance
        ],
        "decisions_title": text(lang, "minutes_decisions"),
        "decisions": [decided(d, forum.timezone, lang, md) for d in decisions] or [text(lang, "minutes_no_decisions")],
    }


def announcement_card(forum: Forum, announcement: Announcement, lang: str) -> dict:
    return render(
        "announcement",
        {
            "kicker": text(lang, "announcement_kicker", forum=md(forum.name)),
            "title": md(announcement.title),
            "text": md(announcement.text),
            "footer": text(lang, "announcement_footer", when=when(announcement.sent_at, forum.timezone)),
            "link": announcement.link,
            "link_title": text(lang, "announcement_open_link"),
        },
    )


def letter_card(forum: Forum, letter: AwardLetter, grant: OrganisationGrant, lang: str) -> dict:
    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    return render(
        "award_letter",
        {
            "title": t("award_letter_title", year=letter.year),
            "forum": md(forum.name),
            "intro": t("award_letter_intro", organisation=md(grant.organisation), year=letter.year),
            "lines": [
                {
                    "heading": md(f"{line.reference} {line.title}"),
                    "money": t("award_letter_granted", applied=nok(lang, line.applied), granted=nok(lang, line.granted))
                    if line.granted
                    else t("award_letter_not_prioritised", applied=nok(lang, line.applied)),
                }
                for line in grant.lines
            ],
            "facts": [
                {"title": t("award_granted"), "value": nok(lang, grant.granted)},
                {"title": t("award_deadline"), "value": long_moment(letter.deadline_at, forum.timezone, lang)},
            ],
            "conditions_title": t("award_letter_conditions"),
            "conditions": md(letter.conditions),
            "report_button": t("grant_report_button") if grant.granted else "",
        },
    )


@dataclass(frozen=True)
class _Waiting:
    """The texts of a deadline that waits for organisations, and the
    command a nudge's button runs."""

    missing: str
    none_missing: str
    nudge: str
    button: str
    command: str


_WAITING = {
    EventKind.NEEDS_DEADLINE: _Waiting(
        "reminder_missing", "reminder_all_sent", "reminder_nudge_text", "reminder_needs_button", "behovsmelding"
    ),
    EventKind.REPORTING_DEADLINE: _Waiting(
        "reminder_unreported",
        "reminder_all_reported",
        "reminder_reporting_nudge_text",
        "reminder_reporting_button",
        "rapportering",
    ),
}


def reminder_card(
    reminder: DueReminder, timezone: str, now: datetime, lang: str, organisation: str | None = None
) -> dict:
    """The channel's card, or with ``organisation`` the 1:1 nudge to one of
    its seats (only a deadline that waits for organisations plans those)."""
    event = reminder.event
    left = time_left(event.starts_at - now, lang)
    personal = organisation is not None
    waiting = _WAITING.get(event.kind)
    facts = [{"title": text(lang, "reminder_what"), "value": text(lang, f"event_kind_{event.kind.value}")}]
    if personal:
        facts.insert(0, {"title": text(lang, "reminder_organisation"), "value": md(organisation)})
    if event.place:
        facts.append({"title": text(lang, "reminder_place"), "value": md(event.place)})
    missing = ""
    if waiting and not personal and reminder.missing_organisations is not None:
        missing = (
            text(lang, waiting.missing, organisations=", ".join(md(n) for n in reminder.missing_organisations))
            if reminder.missing_organisations
            else text(lang, waiting.none_missing)
        )
    return render(
        "reminder",
        {
            "style": "attention" if personal else "accent",
            "heading": text(lang, "reminder_personal_heading" if personal else "reminder_heading", left=left),
            "title": md(event.title),
            "when": long_moment(event.starts_at, timezone, lang),
            "facts": facts,
            "text": text(lang, waiting.nudge, year=event.starts_at.year) if personal else md(event.text),
            "missing": missing,
            "actions": [
                {"title": text(lang, waiting.button), "command": waiting.command}
                if personal
                else {"title": text(lang, "reminder_wheel_button"), "command": "årshjul"}
            ],
        },
    )

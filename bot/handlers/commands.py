"""The commands people type (or press as buttons): one function each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.forum import access
from bot.forum.identity import Identified
from bot.forum.roster import Actor, Refused
from bot.forum.setup import BindChannel, bind_forum_channel
from bot.handlers import (
    activity,
    allocation,
    announcements,
    award_letters,
    budget,
    meetings,
    minutes,
    needs,
    privacy,
    reporting,
    roster_edit,
    votes,
)
from bot.handlers.card_actions import RunCommand, read_data
from bot.handlers.forum_choice import FORUM_VERBS, show_choice
from bot.handlers.language import language
from bot.handlers.overview import OVERVIEW_VERBS, show_overview
from bot.handlers.turn import Turn
from bot.handlers.wheel import WHEEL_VERBS, new_calendar_link, show_wheel
from bot.views import common as views

log = logging.getLogger(__name__)
MEMBERS_PAGE = 500  # Teams' largest page of a team's members


async def show_help(turn: Turn) -> None:
    forum = turn.actor.forum
    in_use = turn.t("forum_in_use", forum=views.md(forum.name)) if turn.who.chooses_forum and forum else ""
    await turn.reply(views.help_card(turn.actor, turn.lang, commands_for(turn.who), in_use))


async def show_roster(turn: Turn) -> None:
    await turn.reply(await roster_edit.roster_card(turn))


async def set_up_channel(turn: Turn) -> None:
    incoming = turn.incoming
    channel = activity.channel_id(incoming)
    forum = await bind_forum_channel(
        turn.uow,
        turn.who,
        BindChannel(
            team_id=activity.team_id(incoming),
            channel_id=channel,
            reference=activity.reference(incoming, channel) if channel else {},
            forum_id=turn.args or None,
        ),
        now=turn.clock(),
    )
    await _learn_team_members(turn)
    await turn.reply(views.notice(turn.t("setup_done_title"), turn.t("setup_done", forum=views.md(forum.name)), "good"))


async def _learn_team_members(turn: Turn) -> None:
    """Remember the Teams ids of the team's members, so that personal
    reminders can reach people who have not written to the bot yet."""
    incoming = turn.incoming
    try:
        members = await turn.directory.team_members(MEMBERS_PAGE)
    except Exception:  # the roster is a help, not a need: setup stands without it
        log.warning("could not read the team's members", exc_info=True)
        return
    place = {
        "service_url": incoming.service_url,
        "channel_id": incoming.channel_id,
        "tenant_id": activity.tenant_id(incoming),
        "conversation_id": None,
        "bot_id": incoming.recipient.id,
    }
    for member in members:
        if member.aad_object_id and member.id:
            await turn.uow.conversations.remember_member(member.aad_object_id.lower(), member.id, place, turn.clock())
    await turn.uow.commit()


def _everyone(who: Identified) -> bool:
    return True


def _by(rule: Callable[[Actor], bool]) -> Callable[[Identified], bool]:
    """A command offered by the rule its service refuses by (bot.forum.access)."""
    return lambda who: rule(who.actor)


def _chooses_forum(who: Identified) -> bool:
    return who.chooses_forum


@dataclass(frozen=True)
class Command:
    key: str  # names its texts in bot.i18n
    typed: str  # what a Norwegian user types
    aliases: tuple[str, ...]
    run: Callable[[Turn], Awaitable[None]]
    offered_to: Callable[[Identified], bool] = _everyone
    # On the help card. A button would make a rare, drastic command one
    # slip away.
    shown: bool = True
    # In Teams' command menu too, which shows ten a scope.
    in_menu: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("hjelp", "hjelp", ("help",), show_help),
    Command(
        "behovsmelding",
        "behovsmelding",
        ("needs report",),
        needs.start_needs_report,
        offered_to=_by(access.may_report_needs),
    ),
    Command(
        "mine",
        "mine behovsmeldinger",
        ("mine behovsmeldingar", "my needs reports"),
        needs.list_needs_reports,
        offered_to=_by(access.may_report_needs),
    ),
    Command("oversikt", "oversikt", ("overview",), show_overview, offered_to=_by(access.in_forum)),
    Command("arshjul", "årshjul", ("annual wheel",), show_wheel, offered_to=_by(access.in_forum)),
    Command(
        "ny_avstemning",
        "ny avstemning",
        ("ny avrøysting", "new vote"),
        votes.start_new_vote,
        offered_to=_by(access.may_decide),
    ),
    Command(
        "avstemninger", "avstemninger", ("avrøystingar", "votes"), votes.list_votes, offered_to=_by(access.in_forum)
    ),
    Command("vedtak", "vedtak", ("decisions", "decisions log"), votes.show_log, offered_to=_by(access.in_forum)),
    Command("medlemmer", "medlemmer", ("members", "roster"), show_roster, offered_to=_by(access.in_forum)),
    Command(
        "kompetanseomrader",
        "kompetanseområder",
        ("kompetanseområde", "competence areas"),
        needs.show_competence_areas,
        offered_to=_by(access.in_forum),
    ),
    Command(
        "budsjett",
        "budsjett",
        ("budget",),
        budget.show_budget,
        offered_to=_by(access.in_forum),
        in_menu=False,
    ),
    Command(
        "tildeling",
        "tildeling",
        ("allocation",),
        allocation.show_allocation,
        offered_to=_by(access.in_forum),
        in_menu=False,
    ),
    Command(
        "tildelingsbrev",
        "tildelingsbrev",
        ("award letters",),
        award_letters.show_letters,
        offered_to=_by(access.may_edit),
        in_menu=False,
    ),
    Command(
        "rapportering",
        "rapportering",
        ("report back", "reporting"),
        reporting.show_grants,
        offered_to=_by(access.may_report_back),
        in_menu=False,
    ),
    Command(
        "innkalling",
        "innkalling",
        ("meeting notice", "notice"),
        meetings.show_meetings,
        offered_to=_by(access.may_edit),
        in_menu=False,
    ),
    Command(
        "moter",
        "møter",
        ("moter", "møte", "meetings"),
        minutes.show_meetings,
        offered_to=_by(access.in_forum),
        in_menu=False,
    ),
    Command(
        "referat",
        "referat",
        ("minutes",),
        minutes.write_minutes,
        offered_to=_by(access.may_edit),
        in_menu=False,
    ),
    Command(
        "kunngjoring",
        "kunngjøring",
        ("kunngjoring", "announcement"),
        announcements.show_form,
        offered_to=_by(access.may_edit),
        in_menu=False,
    ),
    Command("oppsett", "oppsett", ("setup",), set_up_channel, offered_to=_by(access.runs_forum)),
    Command(
        "forum",
        "bytt forum",
        ("forum", "switch forum", "byt forum"),
        show_choice,
        offered_to=_chooses_forum,
        in_menu=False,
    ),
    Command(
        "kalender_ny_lenke",
        "kalender ny lenke",
        ("calendar new link", "new calendar link"),
        new_calendar_link,
        offered_to=_by(access.may_edit),
        shown=False,
    ),
    Command(
        "logg",
        "logg",
        ("log", "audit log"),
        privacy.show_log,
        offered_to=_by(access.may_handle_personal_data),
        in_menu=False,
    ),
    Command(
        "personvern",
        "personvern",
        ("privacy", "personal data"),
        privacy.export_personal_data,
        offered_to=_by(access.may_handle_personal_data),
        in_menu=False,
    ),
    Command(
        "slett_personopplysninger",
        "slett personopplysninger",
        ("erase personal data",),
        privacy.ask_to_erase,
        offered_to=_by(access.may_handle_personal_data),
        shown=False,
    ),
    Command("sprak", "språk", ("sprak", "language", "målform"), language, in_menu=False),
)
HELP = COMMANDS[0]

_BY_WORDS = sorted(
    ((word, c) for c in COMMANDS for word in (c.typed, *c.aliases)),
    key=lambda pair: -len(pair[0]),
)


def commands_for(who: Identified) -> list[Command]:
    """The commands the help card offers this person as buttons."""
    return [c for c in COMMANDS if c.shown and c.offered_to(who)]


def parse(text: str) -> tuple[Command | None, str]:
    """Longest command first, so that a longer command is never read as a
    shorter one followed by arguments."""
    for word, command in _BY_WORDS:
        if text == word or text.startswith(word + " "):
            return command, text[len(word) :].strip()
    return None, ""


async def run(turn: Turn, command: Command) -> None:
    try:
        await command.run(turn)
    except Refused as refused:
        await turn.reply(views.refusal(turn.lang, refused))


async def press_command_button(turn: Turn, data: dict) -> str:
    """A button that runs a command, as if it had been typed."""
    request = read_data(RunCommand, data)
    command = next((c for c in COMMANDS if request and c.typed == request.command), None)
    if command is None or not command.offered_to(turn.who):
        raise Refused("bad_card_data")
    await run(turn, command)
    return turn.t("action_done")


# Card verbs (Action.Execute): each takes the turn and the card's data and
# returns the short message Teams shows the one who pressed.
VERBS = {
    "command": press_command_button,
    **needs.VERBS,
    **OVERVIEW_VERBS,
    **WHEEL_VERBS,
    **votes.VOTE_VERBS,
    **privacy.PRIVACY_VERBS,
    **budget.BUDGET_VERBS,
    **allocation.ALLOCATION_VERBS,
    **award_letters.AWARD_VERBS,
    **reporting.GRANT_VERBS,
    **announcements.ANNOUNCEMENT_VERBS,
    **meetings.MEETING_VERBS,
    **minutes.MINUTES_VERBS,
    **FORUM_VERBS,
    **roster_edit.ROSTER_VERBS,
}

"""The Statsforvalter's changes to the roster on the roster card
(`medlemmer`): a seat's representative or deputy with a people picker, an
organisation added or retired. The rules are in bot.forum.roster_changes."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field

from bot.forum import access, roster_changes
from bot.forum.roster import Refused
from bot.forum.roster_changes import KINDS, AddOrganisation, SetSeatPerson
from bot.handlers import activity
from bot.handlers.card_actions import CardData, card_data
from bot.handlers.turn import Turn
from bot.views import common as views
from bot.views.common import md
from cards import render

log = logging.getLogger(__name__)


class SeatPlace(CardData):
    organisation: str = Field(min_length=1, max_length=64)
    seat: int = Field(ge=1, le=100)
    role: Literal["representative", "deputy"]


class SeatPersonForm(SeatPlace):
    person: str = Field(default="", max_length=200)  # the picker's value: an Entra object id
    name: str = Field(default="", max_length=400)


class OrganisationRef(CardData):
    organisation: str = Field(min_length=1, max_length=64)


class OrganisationForm(CardData):
    id: str = Field(default="", max_length=400)
    name: str = Field(default="", max_length=400)
    kind: str = Field(default="vo-nettverk", max_length=64)
    submits_needs: Literal["true", "false"] = "true"


async def roster_card(turn: Turn, note: str = "") -> dict:
    """The roster; with the Statsforvalter's buttons in their personal chat
    (in a channel the card is everyone's)."""
    forum = turn.forum()
    roster = await turn.uow.roster.roster(forum)
    editable = access.may_edit(turn.actor) and activity.is_personal(turn.incoming)
    return views.roster_card(roster, turn.lang, editable=editable, note=note)


def _statsforvalter(turn: Turn) -> None:
    turn.forum()
    if not access.may_edit(turn.actor):
        raise Refused("statsforvalter_only")


async def press_show(turn: Turn, data: dict) -> dict:
    return await roster_card(turn)


# --- a seat's representative or deputy ---------------------------------------


async def press_person_form(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    return await _person_form(turn, card_data(SeatPlace, data))


async def _person_form(turn: Turn, place: SeatPlace, error: str = "", name: str = "") -> dict:
    roster = await turn.uow.roster.roster(turn.forum())
    organisation = next((o for o in roster.organisations if o.id == place.organisation), None)
    seat = next((s for s in organisation.seats if s.number == place.seat), None) if organisation else None
    if seat is None:
        raise Refused("roster_no_seat")
    current = getattr(seat, place.role)
    return render(
        "roster_person",
        {
            "title": turn.t(
                f"roster_person_title_{place.role}", organisation=md(organisation.name), number=seat.number
            ),
            "now": turn.t("roster_person_now", name=md(current.name) if current else turn.t("roster_vacant")),
            "error": error,
            "person_label": turn.t("roster_person_label"),
            "person_placeholder": turn.t("roster_person_placeholder"),
            "person_required": turn.t("roster_person_required"),
            "name_label": turn.t("roster_person_name_label"),
            "name": name,
            "name_help": turn.t("roster_person_name_help"),
            "save": turn.t("roster_save"),
            "cancel": turn.t("roster_cancel"),
            "data": {"organisation": organisation.id, "seat": seat.number, "role": place.role},
        },
    )


async def press_set_person(turn: Turn, data: dict) -> dict:
    form = card_data(SeatPersonForm, data)
    typed = form.name[: roster_changes.MAX_NAME]
    try:
        _statsforvalter(turn)
        name, email = await _teams_member(turn, form.person)
        await roster_changes.set_seat_person(
            turn.uow,
            turn.actor,
            SetSeatPerson(form.organisation, form.seat, form.role, form.person, name or typed, email),
            turn.clock(),
        )
    except Refused as refused:
        if refused.code in ("statsforvalter_only", "not_in_roster", "roster_no_seat"):
            raise
        return await _person_form(turn, form, turn.t(refused.code, **_md(refused.params)), typed)
    roster = await turn.uow.roster.roster(turn.forum())
    organisation = next(o for o in roster.organisations if o.id == form.organisation)
    holder = getattr(next(s for s in organisation.seats if s.number == form.seat), form.role)
    place = turn.t(f"roster_place_{form.role}", organisation=md(organisation.name), number=form.seat)
    return await roster_card(turn, turn.t("roster_person_saved", name=md(holder.name), place=place))


async def _teams_member(turn: Turn, aad_object_id: str) -> tuple[str, str | None]:
    """The picked person's name and e-mail, as the member list of the
    forum's team has them (Teams takes an Entra object id for a member's
    id). Someone outside the team, or a forum with no team yet, is not
    found: then the name is typed, and there is no e-mail."""
    aad = aad_object_id.strip().lower()
    if not roster_changes.GUID.fullmatch(aad):
        raise Refused("roster_bad_person")
    team = turn.forum().team_id
    try:
        if team:
            member = await turn.directory.team_member(team, aad)
        else:
            member = await turn.directory.member(aad)
    except Exception:  # not a member here, or no roster access
        log.info("no Teams member found for a picked person", exc_info=True)
        return "", None
    return member.name or "", member.email or member.user_principal_name


def _md(params: dict) -> dict:
    return {k: md(str(v)) if isinstance(v, str) else v for k, v in params.items()}


# --- organisations --------------------------------------------------------------


async def press_add_form(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    return _organisation_form(turn, OrganisationForm())


def _organisation_form(turn: Turn, form: OrganisationForm, error: str = "") -> dict:
    return render(
        "roster_organisation",
        {
            "title": turn.t("roster_add_title"),
            "intro": turn.t("roster_add_intro"),
            "error": error,
            "name_label": turn.t("roster_org_name_label"),
            "name_required": turn.t("roster_org_name_required"),
            "name": form.name,
            "id_label": turn.t("roster_org_id_label"),
            "id_placeholder": turn.t("roster_org_id_placeholder"),
            "id_required": turn.t("roster_org_id_required"),
            "id": form.id,
            "kind_label": turn.t("roster_org_kind_label"),
            "kind": form.kind if form.kind in KINDS else KINDS[0],
            "kinds": [{"title": turn.t(f"kind_{k}"), "value": k} for k in KINDS],
            "submits_label": turn.t("roster_org_submits_label"),
            "submits_title": turn.t("roster_org_submits_title"),
            "submits_needs": form.submits_needs,
            "save": turn.t("roster_add"),
            "cancel": turn.t("roster_cancel"),
        },
    )


async def press_add(turn: Turn, data: dict) -> dict:
    form = card_data(OrganisationForm, data)
    _statsforvalter(turn)
    change = AddOrganisation(form.id.strip(), form.name, form.kind, form.submits_needs == "true")
    try:
        await roster_changes.add_organisation(turn.uow, turn.actor, change, turn.clock())
    except Refused as refused:
        return _organisation_form(turn, form, turn.t(refused.code, **_md(refused.params)))
    roster = await turn.uow.roster.roster(turn.forum())
    added = next(o for o in roster.organisations if o.id == change.id)
    return await roster_card(turn, turn.t("roster_added", organisation=md(added.name)))


async def press_retire_ask(turn: Turn, data: dict) -> dict:
    _statsforvalter(turn)
    ref = card_data(OrganisationRef, data)
    roster = await turn.uow.roster.roster(turn.forum())
    organisation = next((o for o in roster.organisations if o.id == ref.organisation), None)
    if organisation is None:
        raise Refused("roster_no_organisation")
    return render(
        "confirm",
        {
            "question": turn.t("roster_confirm_retire", organisation=md(organisation.name)),
            "yes": {
                "title": turn.t("roster_yes_retire"),
                "verb": "roster.retire",
                "data": {"organisation": organisation.id},
            },
            "no": {"title": turn.t("roster_cancel"), "verb": "roster.show", "data": {}},
        },
    )


async def press_retire(turn: Turn, data: dict) -> dict:
    ref = card_data(OrganisationRef, data)
    name = await roster_changes.retire_organisation(turn.uow, turn.actor, ref.organisation, turn.clock())
    return await roster_card(turn, turn.t("roster_retired", organisation=md(name)))


ROSTER_VERBS = {
    "roster.show": press_show,
    "roster.person_form": press_person_form,
    "roster.set_person": press_set_person,
    "roster.add_form": press_add_form,
    "roster.add": press_add,
    "roster.retire_ask": press_retire_ask,
    "roster.retire": press_retire,
}

"""The Statsforvalter changes the roster from Teams: a seat's representative
or deputy with the people picker, organisations added and retired. Every
change is logged, and stands over the roster file at the next start."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.app import UOW, create_app
from bot.config import Settings
from bot.forum import privacy
from storage.models import AuditEntryRow, OrganisationRow, PersonRow, RosterChangeRow
from tests import teams
from tests.card_reading import actions, buttons, elements, input_named, only_card, texts
from tests.conftest import running_forum
from tests.needs_helpers import card_of, message_of
from tests.test_privacy import fetch, link_in
from tests.test_votes_in_teams import form as vote_form

SIRI = "11111111-1111-4111-8111-111111111111"
RITA = "22222222-2222-4222-8222-222222222222"
DAG = "33333333-3333-4333-8333-333333333333"
BERIT = "44444444-4444-4444-8444-444444444444"
NORA = "66666666-6666-4666-8666-666666666666"

ROSTER = f"""\
forum: {{id: testforum, name: Testforum, timezone: Europe/Oslo}}
statsforvalter:
  - {{name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: {SIRI}}}
organisations:
  - id: follo
    name: Nettverket for Follo-regionen
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {{name: Rita Rep, email: rita@follo.example.org, aad_object_id: {RITA}}}
        deputy: {{name: Dag Vara, email: dag@follo.example.org, aad_object_id: {DAG}}}
  - id: bergen
    name: Bergen VO
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {{name: Berit Bergen, email: berit@bergen.example.org, aad_object_id: {BERIT}}}
        deputy: {{name: Vidar Vest, email: vidar@bergen.example.org}}
"""


@pytest.fixture
def forum_config(tmp_path):
    path = tmp_path / "forum.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def user(forum, name: str, aad: str, email: str, in_teams: bool = True) -> teams.User:
    person = teams.User(name, aad, email)
    if in_teams:
        forum.connector.members[person.id] = person.member_record()
    return person


def siri(forum) -> teams.User:
    return user(forum, "Siri Sekretariat", SIRI, "siri@sf.example.org")


async def restart(database_url, forum_config) -> None:
    """Another start with the roster file as it is now."""
    app = await create_app(Settings(database_url=database_url, forum_config=forum_config, scheduler_interval_seconds=0))
    await app.cleanup()


async def stored(forum, model, *where) -> list:
    async with forum.app[UOW]() as uow:
        found = list(await uow.session.scalars(select(model).where(*where)))
        uow.session.expunge_all()
        return found


def edits(card: dict) -> list[tuple[str, dict]]:
    """Every button of the roster card, also those of the same title on
    several organisations."""
    return [(e["verb"], e["data"]) for e in elements(card) if e.get("type") == "Action.Execute"]


def seat_lines(card: dict) -> list[str]:
    return [f["value"] for e in elements(card) if e.get("type") == "FactSet" for f in e["facts"]]


def seat_button(card: dict, organisation: str, role: str) -> tuple[str, dict]:
    """The roster card's button for an organisation's seat place (each
    organisation has a *Ny vara* of its own)."""
    (found,) = [(v, d) for v, d in edits(card) if d.get("organisation") == organisation and d.get("role") == role]
    return found


async def pick(forum, sf, roster_card: dict, organisation: str, role: str, person: str, name: str = "") -> dict:
    """Press a seat's button, pick the person in the form and save."""
    verb, data = seat_button(roster_card, organisation, role)
    form = card_of((await forum.press(sf, verb, data))[0])
    verb, data = actions(form)["Lagre"]
    body, _ = await forum.press(sf, verb, {**data, "person": person, "name": name})
    return card_of(body)


async def test_the_statsforvalter_picks_a_new_deputy_and_it_is_logged(forum):
    sf = siri(forum)
    await forum.say(sf, "oppsett", kind="channel")  # names come from the forum team's member list
    nora = user(forum, "Nora Nyberg", NORA, "Nora.Nyberg@follo.example.org")
    card = only_card(await forum.say(sf, "medlemmer"))
    assert {"Ny representant", "Ny vara", "Avvikle Nettverket for Follo-regionen", "Legg til organisasjon"} <= set(
        buttons(card)
    )

    verb, data = seat_button(card, "follo", "deputy")
    form = card_of((await forum.press(sf, verb, data))[0])
    picker = input_named(form, "person")
    assert picker["type"] == "Input.ChoiceSet" and picker["choices.data"] == {
        "type": "Data.Query",
        "dataset": "graph.microsoft.com/users",
    }
    assert "Nå: Dag Vara" in texts(form)

    card = await pick(forum, sf, card, "follo", "deputy", NORA.upper())  # Teams may send the id in capitals
    assert "Nora Nyberg er nå vara for Nettverket for Follo-regionen (sete 1)" in texts(card)
    assert "Representant: Rita Rep · Vara: Nora Nyberg" in seat_lines(card)

    # Nora is the deputy now; Dag is no longer on the roster.
    assert "vara for Nettverket for Follo-regionen" in texts(only_card(await forum.say(nora, "hjelp")))
    dag = user(forum, "Dag Vara", DAG, "dag@follo.example.org")
    assert "observatør" in texts(only_card(await forum.say(dag, "hjelp")))
    (row,) = await stored(forum, PersonRow, PersonRow.aad_object_id == NORA)
    assert (row.name, row.email, row.role, row.active) == (
        "Nora Nyberg",
        "nora.nyberg@follo.example.org",
        "deputy",
        True,
    )

    (logged,) = await stored(forum, AuditEntryRow, AuditEntryRow.action == "roster.seat_set")
    assert logged.actor == SIRI and logged.subject == "seat:follo:1:deputy"
    assert logged.detail == {"before": DAG, "after": NORA}
    assert "Ny på plassen seat:follo:1:deputy" in texts(only_card(await forum.say(sf, "logg")))


async def test_someone_teams_does_not_name_is_kept_by_the_name_typed_and_without_an_e_mail(forum):
    sf = siri(forum)
    card = only_card(await forum.say(sf, "medlemmer"))
    form = await pick(forum, sf, card, "follo", "deputy", NORA)  # not in Teams' member list here
    assert "Teams oppga ikke navnet på personen" in texts(form)
    assert await stored(forum, PersonRow, PersonRow.aad_object_id == NORA) == []

    verb, data = actions(form)["Lagre"]
    body, _ = await forum.press(sf, verb, {**data, "person": NORA, "name": "  Nora   Nyberg "})
    assert "Vara: Nora Nyberg" in " ".join(seat_lines(card_of(body)))
    (row,) = await stored(forum, PersonRow, PersonRow.aad_object_id == NORA)
    assert row.name == "Nora Nyberg" and row.email == f"entra:{NORA}"


async def test_a_wrong_pick_changes_nothing_and_keeps_what_was_typed(forum):
    sf = siri(forum)
    card = only_card(await forum.say(sf, "medlemmer"))
    for person, message in (
        ("", "Velg en person i søkefeltet"),
        ("Nora Nyberg", "Velg en person i søkefeltet"),
        ("66666666-6666-4666-8666-66666666666", "Velg en person i søkefeltet"),
        (f"{NORA},{DAG}", "Velg en person i søkefeltet"),
        (SIRI, "er Statsforvalter i forumet"),
        (BERIT, "har allerede et sete for Bergen VO"),
        (DAG, "Dag Vara har allerede denne plassen"),
    ):
        form = await pick(forum, sf, card, "follo", "deputy", person, name="Noen Navn")
        assert message in texts(form), person
        assert input_named(form, "name")["value"] == "Noen Navn"
    assert await stored(forum, RosterChangeRow) == []
    assert await stored(forum, AuditEntryRow, AuditEntryRow.action == "roster.seat_set") == []

    # Forged places and data.
    for data in (
        {"organisation": "nord", "seat": 1, "role": "deputy"},
        {"organisation": "follo", "seat": 2, "role": "deputy"},
        {"organisation": "follo", "seat": 1, "role": "statsforvalter"},
        {"organisation": "follo"},
    ):
        body, _ = await forum.press(sf, "roster.set_person", {**data, "person": NORA, "name": "X"})
        assert body["type"] == "application/vnd.microsoft.activity.message"
    assert await stored(forum, RosterChangeRow) == []


async def test_only_the_statsforvalter_sees_the_buttons_and_may_press_them(forum):
    # In a channel the roster card is everyone's: no buttons, for the Statsforvalter either.
    assert buttons(only_card(await forum.say(siri(forum), "medlemmer", kind="channel"))) == []
    rita = user(forum, "Rita Rep", RITA, "rita@follo.example.org")
    card = only_card(await forum.say(rita, "medlemmer"))
    assert buttons(card) == [] and "Rita Rep" in texts(card)
    for verb, data in (
        ("roster.person_form", {"organisation": "follo", "seat": 1, "role": "deputy"}),
        ("roster.set_person", {"organisation": "follo", "seat": 1, "role": "deputy", "person": NORA, "name": "N"}),
        ("roster.add_form", {}),
        ("roster.add", {"id": "asker-vo", "name": "Asker VO", "kind": "vo-nettverk", "submits_needs": "true"}),
        ("roster.retire_ask", {"organisation": "bergen"}),
        ("roster.retire", {"organisation": "bergen"}),
    ):
        body, _ = await forum.press(rita, verb, data)
        shown = message_of(body) if body["type"].endswith("message") else texts(card_of(body))
        assert "Bare Statsforvalteren" in shown, verb
    assert await stored(forum, RosterChangeRow) == []
    assert len(await stored(forum, OrganisationRow, OrganisationRow.active.is_(True))) == 2


async def test_an_organisation_is_added_with_a_vacant_seat_and_retired(forum):
    sf = siri(forum)
    card = only_card(await forum.say(sf, "medlemmer"))
    verb, data = actions(card)["Legg til organisasjon"]
    form = card_of((await forum.press(sf, verb, data))[0])
    assert {e["id"] for e in elements(form) if str(e.get("type", "")).startswith("Input.")} == {
        "name",
        "id",
        "kind",
        "submits_needs",
    }
    verb, data = actions(form)["Legg til organisasjon"]
    typed = {"name": "Asker VO", "kind": "fylkeskommune", "submits_needs": "false"}
    for wrong, message in (
        ("Asker VO", "Kortnavnet kan bare ha"),
        ("follo", "allerede en organisasjon med kortnavnet «follo»"),
    ):
        again = card_of((await forum.press(sf, verb, {**data, **typed, "id": wrong}))[0])
        assert message in texts(again) and input_named(again, "name")["value"] == "Asker VO"
        assert input_named(again, "kind")["value"] == "fylkeskommune"

    card = card_of((await forum.press(sf, verb, {**data, **typed, "id": "asker-vo"}))[0])
    assert "Asker VO er lagt til med ett ledig sete" in texts(card)
    assert "Representant: (ikke besatt) · Vara: (ikke besatt)" in seat_lines(card)
    nora = user(forum, "Nora Nyberg", NORA, "nora@asker.example.org")
    verb, data = seat_button(card, "asker-vo", "representative")
    form = card_of((await forum.press(sf, verb, data))[0])
    verb, data = actions(form)["Lagre"]
    body, _ = await forum.press(sf, verb, {**data, "person": NORA})
    assert "Nora Nyberg er nå representant for Asker VO" in texts(card_of(body))
    assert "fast representant for Asker VO" in texts(only_card(await forum.say(nora, "hjelp")))

    # Retired, after a question; its people leave the roster with it.
    verb, data = actions(card_of(body))["Avvikle Bergen VO"]
    ask = card_of((await forum.press(sf, verb, data))[0])
    assert "Avvikle Bergen VO?" in texts(ask)
    card = card_of((await forum.press(sf, *actions(ask)["Avbryt"]))[0])
    assert "Bergen VO" in texts(card)
    card = card_of((await forum.press(sf, *actions(ask)["Avvikle"]))[0])
    assert "Bergen VO er avviklet" in texts(card) and "Berit Bergen" not in texts(card)
    berit = user(forum, "Berit Bergen", BERIT, "berit@bergen.example.org")
    assert "observatør" in texts(only_card(await forum.say(berit, "hjelp")))
    body, _ = await forum.press(sf, "roster.retire", {"organisation": "bergen"})
    assert "ikke (lenger) i medlemslisten" in message_of(body)
    logged = [
        e.action
        for e in await stored(
            forum, AuditEntryRow, AuditEntryRow.action.startswith("roster."), AuditEntryRow.actor.is_not(None)
        )
    ]
    assert logged == ["roster.organisation_added", "roster.seat_set", "roster.organisation_retired"]


async def test_changes_from_teams_stand_over_the_roster_file(forum, database_url, forum_config):
    sf = siri(forum)
    user(forum, "Nora Nyberg", NORA, "nora@follo.example.org")
    card = only_card(await forum.say(sf, "medlemmer"))
    await pick(forum, sf, card, "follo", "deputy", NORA)
    await forum.press(
        sf, "roster.add", {"id": "asker-vo", "name": "Asker VO", "kind": "vo-nettverk", "submits_needs": "true"}
    )
    await forum.press(sf, "roster.retire", {"organisation": "bergen"})

    # The next start reads the same file: Dag, Bergen and no Asker in it.
    # The file's other changes still count: Rita is renamed.
    forum_config.write_text(ROSTER.replace("name: Rita Rep", "name: Rita Reppe"), encoding="utf-8")
    await restart(database_url, forum_config)
    shown = only_card(await forum.say(sf, "medlemmer"))
    assert seat_lines(shown) == [
        "Representant: Rita Reppe · Vara: Nora Nyberg",
        "Representant: (ikke besatt) · Vara: (ikke besatt)",
    ]
    assert "Bergen VO" not in texts(shown) and "Asker VO" in texts(shown)
    dag = user(forum, "Dag Vara", DAG, "dag@follo.example.org")
    assert "observatør" in texts(only_card(await forum.say(dag, "hjelp")))
    # An unchanged start logs nothing more.
    synced = await stored(forum, AuditEntryRow, AuditEntryRow.action == "roster.synced")
    await restart(database_url, forum_config)
    assert len(await stored(forum, AuditEntryRow, AuditEntryRow.action == "roster.synced")) == len(synced)

    # Bergen back from Teams is as Teams made it, with one vacant seat,
    # though the file still gives it Berit.
    card = card_of(
        (
            await forum.press(
                sf, "roster.add", {"id": "bergen", "name": "Bergen VO", "kind": "vo-nettverk", "submits_needs": "true"}
            )
        )[0]
    )
    assert seat_lines(card)[-1] == "Representant: (ikke besatt) · Vara: (ikke besatt)"
    await restart(database_url, forum_config)
    assert (
        seat_lines(only_card(await forum.say(sf, "medlemmer")))[-1]
        == "Representant: (ikke besatt) · Vara: (ikke besatt)"
    )


async def test_a_change_from_teams_is_in_the_data_of_whom_it_placed_and_of_who_made_it(forum):
    sf = siri(forum)
    user(forum, "Nora Nyberg", NORA, "nora@follo.example.org")
    await pick(forum, sf, only_card(await forum.say(sf, "medlemmer")), "follo", "deputy", NORA)
    for query, entry in (
        (NORA, {"place": "seat:follo:1:deputy", "set": False, "placed": True}),
        (SIRI, {"place": "seat:follo:1:deputy", "set": True, "placed": False}),
    ):
        status, body = await fetch(forum, link_in(texts(only_card(await forum.say(sf, f"personvern {query}")))))
        assert status == 200
        (change,) = json.loads(body)["roster_changes"]
        assert {k: change[k] for k in entry} == entry


async def test_who_made_a_change_is_erased_with_the_rest_of_them(forum, database_url, forum_config):
    sf = siri(forum)
    user(forum, "Nora Nyberg", NORA, "nora@follo.example.org")
    await pick(forum, sf, only_card(await forum.say(sf, "medlemmer")), "follo", "deputy", NORA)
    # Siri hands over to Per and leaves the roster; Per erases her.
    per = user(forum, "Per Ny", "77777777-7777-4777-8777-777777777777", "per@sf.example.org")
    forum_config.write_text(
        ROSTER.replace(
            f"{{name: Siri Sekretariat, email: siri@sf.example.org, aad_object_id: {SIRI}}}",
            f"{{name: Per Ny, email: per@sf.example.org, aad_object_id: {per.aad_object_id}}}",
        ),
        encoding="utf-8",
    )
    await restart(database_url, forum_config)
    ask = only_card(await forum.say(per, "slett personopplysninger Siri Sekretariat"))
    body, _ = await forum.press(per, *actions(ask)["Slett"])
    assert "Opplysningene om personen er slettet" in texts(card_of(body))
    (change,) = await stored(forum, RosterChangeRow)
    assert change.set_by == privacy.ERASED and change.value["aad_object_id"] == NORA
    # What she set stands: Nora is still Follo's deputy after another start.
    await restart(database_url, forum_config)
    assert "Vara: Nora Nyberg" in " ".join(seat_lines(only_card(await forum.say(per, "medlemmer"))))


async def test_a_change_from_teams_on_one_replica_is_what_the_next_press_on_another_meets(
    forum, database_url, forum_config
):
    sf = siri(forum)
    await forum.say(sf, "oppsett", kind="channel")
    body, _ = await forum.press(sf, "vote.open", vote_form())
    assert "er lagt ut" in texts(body["value"])
    async with forum.app[UOW]() as uow:
        (vote,) = await uow.votes.of_forum("testforum")
    rita, dag = (
        user(forum, "Rita Rep", RITA, "rita@follo.example.org"),
        user(forum, "Dag Vara", DAG, "dag@follo.example.org"),
    )
    nora = user(forum, "Nora Nyberg", NORA, "nora@follo.example.org")
    berit = user(forum, "Berit Bergen", BERIT, "berit@bergen.example.org")

    async with running_forum(database_url, forum.connector, forum_config) as other:

        async def pressed(replica, who, verb: str, **data) -> str:
            body, _ = await replica.press(who, verb, {"vote": vote.id, **data}, kind="channel")
            return texts(body["value"]) if isinstance(body.get("value"), dict) else message_of(body)

        # The other replica has read the roster before the change.
        assert "0 av 2 seter har stemt" in await pressed(other, rita, "vote.refresh")
        assert "Du stemte «Lesekurs» for Nettverket for Follo-regionen" in await pressed(
            other, dag, "vote.cast", choices="1"
        )

        # Siri, on this replica, makes Nora Follo's deputy and retires Bergen VO.
        card = await pick(forum, sf, only_card(await forum.say(sf, "medlemmer")), "follo", "deputy", NORA)
        ask = card_of((await forum.press(sf, *actions(card)["Avvikle Bergen VO"]))[0])
        assert "Bergen VO er avviklet" in texts(card_of((await forum.press(sf, *actions(ask)["Avvikle"]))[0]))

        # The other replica's next presses meet the roster as changed.
        assert "Bare representanten eller varaen" in await pressed(other, dag, "vote.cast", choices="2")
        assert "Bare representanten eller varaen" in await pressed(other, berit, "vote.cast", choices="2")
        shown = await pressed(other, nora, "vote.cast", choices="3")
        assert "Du stemte «Norsk på arbeidsplassen» for Nettverket for Follo-regionen" in shown
        assert "1 av 1 seter har stemt" in shown
        # And so do this replica's.
        assert "1 av 1 seter har stemt" in await pressed(forum, rita, "vote.refresh")

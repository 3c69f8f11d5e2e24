"""The year's competence areas: the mandate's list by default, set from the
roster file or by the Statsforvalter in Teams."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.app import UOW, create_app
from bot.config import EXAMPLE_FORUM_CONFIG, Settings
from tests.card_reading import actions, input_named, only_card, texts
from tests.needs_helpers import STEP_1, begin, card_of, message_of, press

YEAR = datetime.now().year


def offered_areas(card: dict) -> list[str]:
    return [c["title"] for c in input_named(card, "competence_areas")["choices"]]


async def test_without_a_list_the_mandates_list_applies(forum):
    card = only_card(await forum.say(forum.representative("follo"), "kompetanseområder"))
    assert f"Kompetanseområder for {YEAR}" in texts(card)
    assert "listen fra mandatet (2023) gjelder" in texts(card)
    assert "Kompetanseheving for ledere i skolebasert utviklingsarbeid" in texts(card)
    assert actions(card) == {}  # only the Statsforvalter edits


async def test_the_statsforvalter_sets_the_years_list_and_the_form_offers_it(forum):
    stine = forum.statsforvalter
    card = only_card(await forum.say(stine, f"kompetanseområder {YEAR}"))
    saved = card_of(
        await press(
            forum,
            stine,
            card,
            f"Lagre listen for {YEAR}",
            {"areas": "Modulstrukturert opplæring\n\nVurdering for læring\n"},
        )
    )
    assert f"Listen for {YEAR} er lagret" in texts(saved)
    form = await begin(forum, forum.representative("ostfold-vo"))
    assert offered_areas(form) == ["Modulstrukturert opplæring", "Vurdering for læring"]


async def test_an_area_in_use_cannot_be_removed(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    form = await begin(forum, ada)
    card_of(await press(forum, ada, form, "Lagre og gå videre", STEP_1))  # chooses two areas
    card = only_card(await forum.say(stine, "kompetanseområder"))
    body = await press(forum, stine, card, f"Lagre listen for {YEAR}", {"areas": "Bare ett nytt område"})
    assert "kan ikke fjernes" in message_of(body)
    assert "Fullføringsreformen: modulstrukturert opplæring" in message_of(body)


async def test_only_the_statsforvalter_may_change_the_list_and_bad_input_is_refused(forum):
    ada, stine = forum.representative("ostfold-vo"), forum.statsforvalter
    body, _ = await forum.press(ada, "areas.save", {"year": YEAR, "areas": "Noe nytt"})
    assert "Bare Statsforvalteren" in message_of(body)
    for data, expected in [
        ({"year": YEAR, "areas": "A\na"}, "står to ganger"),
        ({"year": YEAR, "areas": "\n".join(f"Område {n}" for n in range(31))}, "fra 1 til 30"),
        ({"year": YEAR, "areas": "x" * 301}, "høyst 300 tegn"),
        ({"year": 1999, "areas": "A"}, "Kortet sendte data"),
        ({"year": YEAR, "areas": ["A"]}, "Kortet sendte data"),
    ]:
        body, _ = await forum.press(stine, "areas.save", data)
        assert expected in message_of(body), data
    card = only_card(await forum.say(stine, "kompetanseområder 99"))
    assert "Skriv et årstall mellom 2000 og 2100" in texts(card)
    async with forum.app[UOW]() as uow:
        assert await uow.needs_reports.competence_areas("oslo-viken", YEAR) is None


def roster_file(path, *names: str):
    """The example roster file with a list of competence areas for this year."""
    listed = "".join(f"\n    - {name}" for name in names)
    path.write_text(
        EXAMPLE_FORUM_CONFIG.read_text(encoding="utf-8") + f"\ncompetence_areas:\n  {YEAR}:{listed}\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def file_with_areas(tmp_path):
    return roster_file(tmp_path / "forum.yaml", "Fra fila", "Også fra fila")


async def restart(database_url, forum_config) -> None:
    app = await create_app(Settings(database_url=database_url, forum_config=forum_config))
    await app.cleanup()


async def test_the_roster_file_seeds_a_year_and_teams_edits_then_stand(forum, database_url, file_with_areas, tmp_path):
    await restart(database_url, file_with_areas)
    card = only_card(await forum.say(forum.representative("follo"), "kompetanseområder"))
    assert "Fra fila" in texts(card) and "mandatet" not in texts(card)

    stine = forum.statsforvalter
    card = only_card(await forum.say(stine, "kompetanseområder"))
    await press(forum, stine, card, f"Lagre listen for {YEAR}", {"areas": "Fra Teams"})
    await restart(database_url, roster_file(tmp_path / "corrected.yaml", "Fra fila", "Rettet i fila"))
    card = only_card(await forum.say(stine, "kompetanseområder"))
    assert "Fra Teams" in texts(card) and "fila" not in texts(card)


async def test_a_corrected_roster_file_corrects_a_list_that_was_not_set_in_teams(
    forum, database_url, file_with_areas, tmp_path
):
    await restart(database_url, file_with_areas)
    await restart(database_url, roster_file(tmp_path / "corrected.yaml", "Fra fila", "Rettet i fila"))
    form = await begin(forum, forum.representative("ostfold-vo"))
    assert offered_areas(form) == ["Fra fila", "Rettet i fila"]


async def test_the_roster_file_does_not_remove_an_area_a_report_has_chosen(
    forum, database_url, file_with_areas, tmp_path, caplog
):
    await restart(database_url, file_with_areas)
    ada = forum.representative("ostfold-vo")
    form = await begin(forum, ada)
    card_of(await press(forum, ada, form, "Lagre og gå videre", {**STEP_1, "competence_areas": "fra-fila"}))

    await restart(database_url, roster_file(tmp_path / "corrected.yaml", "Bare et nytt område"))
    card = only_card(await forum.say(ada, "kompetanseområder"))
    assert "Fra fila" in texts(card) and "Bare et nytt område" not in texts(card)
    assert "not taken from the file (areas_in_use): Fra fila" in caplog.text

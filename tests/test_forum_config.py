"""The forum configuration file: the shipped example loads, and an operator's
mistakes come back as ``file:line: path: reason`` pointing at the right line."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.forum.config_file import ForumConfigError, load_forum_config, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "bot" / "forum_example.yaml"

# A small valid roster. The expected line numbers below count in this text:
#   3 timezone, 5 statsforvalter[0], 9 organisations[0] (alpha), 14-15 its seat,
#   16 organisations[1] (beta), 18 its kind, 21 its representative, 22-24 its deputy.
VALID = """\
forum:
  name: Testforum
  timezone: Europe/Oslo
statsforvalter:
  - name: Siri Stat
    email: siri@sf.example.org
    aad_object_id: 00000000-0000-4000-8000-000000000001
organisations:
  - id: alpha
    name: Alpha VO
    kind: vo-nettverk
    submits_needs: true
    seats:
      - representative: {name: Ada Rep, email: ada@alpha.example.org, aad_object_id: 00000000-0000-4000-8000-00000000AB11}
        deputy: {name: Dag Dep, email: dag@alpha.example.org}
  - id: beta
    name: Beta FK
    kind: fylkeskommune
    submits_needs: true
    seats:
      - representative: {name: Bo Rep, email: bo@beta.example.org}
        deputy:
          name: Berit Dep
          email: berit@beta.example.org
"""

FORUMS = """\
forums:
  - forum: {id: oslo-viken, name: Forum for Oslo og Viken, timezone: Europe/Oslo}
    statsforvalter:
      - {name: Siri Stat, email: siri@sf.example.org}
    organisations:
      - id: alpha
        name: Alpha VO
        kind: vo-nettverk
        submits_needs: true
        seats:
          - representative: {name: Ada Rep, email: ada@alpha.example.org}
            deputy: {name: Dag Dep, email: dag@alpha.example.org}
  - forum: {id: innlandet, name: Forum for Innlandet, timezone: Europe/Oslo}
    statsforvalter:
      - {name: Siri Stat, email: siri@sf.example.org}
    organisations:
      - id: alpha
        name: Alpha Innlandet
        kind: uh
        submits_needs: false
        seats:
          - representative: {name: Ada Rep, email: ada@alpha.example.org}
            deputy: {name: Kari Dep, email: kari@innlandet.example.org}
"""


def write(tmp_path: Path, text: str, name: str = "forum.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(tmp_path: Path, old: str, new: str, base: str = VALID) -> Path:
    assert base.count(old) == 1, f"edit must be unambiguous: {old!r}"
    return write(tmp_path, base.replace(old, new))


def error_of(path: Path | str) -> str:
    with pytest.raises(ForumConfigError) as caught:
        load_forum_config(path)
    return str(caught.value)


# --- the shipped example -------------------------------------------------------


def test_example_roster_has_the_mandates_members():
    [forum] = load_forum_config(EXAMPLE)

    assert forum.id == "oslo-viken"
    assert forum.name == "Samarbeidsforum for kompetanseutvikling i voksenopplæringen i Oslo og Viken"
    assert forum.timezone == "Europe/Oslo" and forum.tzinfo.key == "Europe/Oslo"
    assert len(forum.statsforvalter) == 2
    assert [o.id for o in forum.organisations] == [
        "vopro-romerike",
        "viken-vest",
        "ostfold-vo",
        "follo",
        "oslo-vo-nsgv",
        "oslo-vo-ude",
        "akershus-fk",
        "buskerud-fk",
        "ostfold-fk",
        "utdanningsforbundet",
        "evu-ost",
    ]
    assert len(forum.organisations) == 11
    assert sum(len(o.seats) for o in forum.organisations) == 12
    assert Counter(o.kind for o in forum.organisations) == {
        "vo-nettverk": 6,
        "fylkeskommune": 3,
        "organisasjon": 1,
        "uh": 1,
    }
    for organisation in forum.organisations:
        assert organisation.submits_needs == (organisation.kind in ("vo-nettverk", "fylkeskommune"))

    university = forum.organisations[-1]
    assert (university.name, university.kind, len(university.seats)) == ("EVU region ØST", "uh", 2)
    assert len({seat.representative.email for seat in university.seats}) == 2
    assert len({seat.deputy.email for seat in university.seats}) == 2


def test_example_people_are_invented_distinct_and_ready_for_local_testing():
    [forum] = load_forum_config(EXAMPLE)
    seated = [p for o in forum.organisations for s in o.seats for p in (s.representative, s.deputy)]
    people = [*forum.statsforvalter, *seated]

    assert len(people) == 26
    assert all(p.email.endswith(".example.org") for p in people)
    ids = [p.aad_object_id for p in people if p.aad_object_id]
    assert len(set(ids)) == len(ids) >= 24
    # The Playground config is generated from roster people with an object id;
    # the first representative is the one to sign in as.
    assert forum.organisations[0].seats[0].representative.aad_object_id


# --- valid files ----------------------------------------------------------------


def test_single_forum_without_id_gets_a_slug_of_its_name(tmp_path):
    [forum] = load_forum_config(write(tmp_path, VALID))
    assert forum.id == "testforum"

    renamed = edited(tmp_path, "name: Testforum", "name: Forum for Østfold, Ærø og Åsgårdstrand")
    assert load_forum_config(renamed)[0].id == "forum-for-ostfold-aero-og-asgardstrand"


def test_values_are_normalised_and_the_models_frozen(tmp_path):
    [forum] = load_forum_config(edited(tmp_path, "name: Alpha VO", "name: '  Alpha VO  '"))
    alpha = forum.organisations[0]

    assert alpha.name == "Alpha VO"
    # Teams reports object ids in lower case.
    assert alpha.seats[0].representative.aad_object_id == "00000000-0000-4000-8000-00000000ab11"
    assert alpha.seats[0].deputy.aad_object_id is None
    with pytest.raises(ValidationError):
        alpha.name = "Other"


def test_a_file_may_hold_several_forums(tmp_path):
    first, second = load_forum_config(write(tmp_path, FORUMS))

    assert (first.id, second.id) == ("oslo-viken", "innlandet")
    assert second.organisations[0].name == "Alpha Innlandet"
    # One seat per person holds within a forum; the same people may serve in two forums.
    assert first.statsforvalter == second.statsforvalter
    assert first.organisations[0].seats[0].representative == second.organisations[0].seats[0].representative


# --- broken files ---------------------------------------------------------------

BROKEN = {
    "bad indentation": (
        "  - id: beta\n    name: Beta FK",
        "  - id: beta\n     name: Beta FK",
        "17: invalid YAML: mapping values are not allowed here; "
        "check the indentation, or quote a value that contains ': '",
    ),
    "key dedented out of its mapping": (
        "          email: berit",
        "         email: berit",
        "24: invalid YAML: while parsing a block mapping (line 21), "
        "expected <block end>, but found '<block mapping start>'; check the indentation",
    ),
    "tab indentation": (
        "    kind: fylkeskommune",
        "\tkind: fylkeskommune",
        "18: invalid YAML: while scanning for the next token, "
        "found character '\\t' that cannot start any token; indent with spaces, not tabs",
    ),
    "unclosed flow mapping": (
        "dag@alpha.example.org}",
        "dag@alpha.example.org",
        "16: invalid YAML: while parsing a flow mapping (line 15), expected ',' or '}', but got ':'",
    ),
    "unknown key": (
        "aad_object_id: 00000000-0000-4000-8000-00000000AB11",
        "aad_objectid: 00000000-0000-4000-8000-00000000AB11",
        "14: organisations[0].seats[0].representative.aad_objectid: "
        "unknown key 'aad_objectid', did you mean 'aad_object_id'?",
    ),
    "duplicate key": (
        "    kind: vo-nettverk\n",
        "    kind: vo-nettverk\n    kind: uh\n",
        "12: organisations[0].kind: duplicate key (first on line 11)",
    ),
    "bad kind": (
        "kind: fylkeskommune",
        "kind: fylkesommune",
        "18: organisations[1].kind: 'fylkesommune' is not one of "
        "'vo-nettverk', 'fylkeskommune', 'organisasjon' or 'uh'",
    ),
    "not a boolean": (
        "fylkeskommune\n    submits_needs: true",
        "fylkeskommune\n    submits_needs: ja",
        "19: organisations[1].submits_needs: expected true or false, got 'ja'",
    ),
    "name that YAML reads as a number": (
        "name: Beta FK",
        "name: 2024",
        "17: organisations[1].name: expected text, got 2024",
    ),
    "empty name": (
        "name: Alpha VO",
        "name: ''",
        "10: organisations[0].name: must not be empty",
    ),
    "missing deputy": (
        "        deputy: {name: Dag Dep, email: dag@alpha.example.org}\n",
        "",
        "14: organisations[0].seats[0].deputy: required key is missing",
    ),
    "organisation without seats": (
        "    seats:\n      - representative: {name: Bo Rep, email: bo@beta.example.org}\n"
        "        deputy:\n          name: Berit Dep\n          email: berit@beta.example.org\n",
        "    seats: []\n",
        "20: organisations[1].seats: must not be empty",
    ),
    "duplicate organisation id": (
        "  - id: beta",
        "  - id: alpha",
        "16: organisations[1].id: duplicate organisation id 'alpha' (first at organisations[0].id, line 9)",
    ),
    "organisation id not a slug": (
        "  - id: beta",
        "  - id: Beta FK",
        "16: organisations[1].id: not a slug 'Beta FK' (use a-z, 0-9 and single '-')",
    ),
    "person on two seats, by e-mail in another case": (
        "bo@beta.example.org",
        "ADA@Alpha.example.org",
        "21: organisations[1].seats[0].representative.email: 'ADA@Alpha.example.org' already holds a seat "
        "(at organisations[0].seats[0].representative, line 14); one seat per person",
    ),
    "person on two seats, by object id": (
        "          email: berit@beta.example.org\n",
        "          email: berit@beta.example.org\n          aad_object_id: 00000000-0000-4000-8000-00000000ab11\n",
        "25: organisations[1].seats[0].deputy.aad_object_id: '00000000-0000-4000-8000-00000000ab11' already holds "
        "a seat (at organisations[0].seats[0].representative, line 14); one seat per person",
    ),
    "representative is own deputy": (
        "{name: Dag Dep, email: dag@alpha.example.org}",
        "{name: Ada Rep, email: ada@alpha.example.org}",
        "15: organisations[0].seats[0].deputy.email: 'ada@alpha.example.org' already holds a seat "
        "(at organisations[0].seats[0].representative, line 14); one seat per person",
    ),
    "statsforvalter with a seat": (
        "bo@beta.example.org",
        "siri@sf.example.org",
        "21: organisations[1].seats[0].representative.email: 'siri@sf.example.org' is Statsforvalter "
        "(statsforvalter[0], line 5) and so holds no seat",
    ),
    "bad GUID": (
        "00000000-0000-4000-8000-00000000AB11",
        "00000000-0000-4000-8000-0000000AB11",
        "14: organisations[0].seats[0].representative.aad_object_id: "
        "not a GUID '00000000-0000-4000-8000-0000000AB11' (want 8-4-4-4-12 hex)",
    ),
    "bad e-mail": (
        "email: berit@beta.example.org",
        "email: x",
        "24: organisations[1].seats[0].deputy.email: not an e-mail address 'x'",
    ),
    "missing e-mail": (
        "email: berit@beta.example.org",
        "email:",
        "24: organisations[1].seats[0].deputy.email: expected text, got nothing",
    ),
    "bad timezone": (
        "timezone: Europe/Oslo",
        "timezone: Europe/Olso",
        "3: forum.timezone: unknown time zone 'Europe/Olso' (want an IANA name such as Europe/Oslo)",
    ),
}


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_file_names_file_line_and_reason(tmp_path, old, new, expected):
    path = edited(tmp_path, old, new)
    assert error_of(path) == f"{path}:{expected}"


def test_every_problem_is_reported_in_line_order(tmp_path):
    typo = "    seatz:\n      - representative: {name: Bo"
    path = edited(tmp_path, typo.replace("seatz", "seats"), typo)
    path.write_text(path.read_text().replace("timezone: Europe/Oslo", "timezone: Oslo"))

    with pytest.raises(ForumConfigError) as caught:
        load_forum_config(path)
    assert [(p.line, p.path) for p in caught.value.problems] == [
        (3, "forum.timezone"),
        (16, "organisations[1].seats"),
        (20, "organisations[1].seatz"),
    ]
    assert str(caught.value).splitlines() == [
        f"{path}:3: forum.timezone: unknown time zone 'Oslo' (want an IANA name such as Europe/Oslo)",
        f"{path}:16: organisations[1].seats: required key is missing",
        f"{path}:20: organisations[1].seatz: unknown key 'seatz', did you mean 'seats'?",
    ]


def test_forums_need_unique_ids(tmp_path):
    missing = edited(tmp_path, "{id: innlandet, name:", "{name:", FORUMS)
    assert error_of(missing) == (
        f"{missing}:13: forums[1].forum.id: required key is missing: each forum under forums: needs a stable id"
    )

    twice = edited(tmp_path, "{id: innlandet,", "{id: oslo-viken,", FORUMS)
    assert error_of(twice) == f"{twice}:13: forums[1].forum.id: duplicate forum id 'oslo-viken' (first on line 2)"


def test_problems_inside_forums_carry_the_forum_index(tmp_path):
    path = edited(tmp_path, "kari@innlandet.example.org", "Ada@alpha.example.org", FORUMS)
    assert error_of(path) == (
        f"{path}:23: forums[1].organisations[0].seats[0].deputy.email: 'Ada@alpha.example.org' already holds "
        "a seat (at forums[1].organisations[0].seats[0].representative, line 22); one seat per person"
    )

    path = edited(tmp_path, "kind: uh", "kind: university", FORUMS)
    assert error_of(path) == (
        f"{path}:19: forums[1].organisations[0].kind: "
        "'university' is not one of 'vo-nettverk', 'fylkeskommune', 'organisasjon' or 'uh'"
    )


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert error_of(path) == f"{path}: cannot read the file: No such file or directory"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"], ids=["empty", "blank", "comment"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    assert error_of(path) == (
        f"{path}:1: the file is empty; expected forum:, statsforvalter: and organisations: (or forums:)"
    )


def test_file_that_is_not_a_roster(tmp_path):
    listed = write(tmp_path, "- forum\n- organisations\n")
    assert error_of(listed) == (
        f"{listed}:1: expected forum:, statsforvalter: and organisations: (or forums:), got a list"
    )

    two_documents = write(tmp_path, VALID + "---\n" + VALID)
    assert error_of(two_documents) == (
        f"{two_documents}:25: invalid YAML: expected a single document in the stream (line 1), "
        "but found another document; list several forums under forums: instead"
    )


# --- the operator's check -------------------------------------------------------


def test_check_command_summarises_a_good_file(capsys):
    assert main([str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == (
        f"{EXAMPLE}: OK, 1 forum (oslo-viken: 11 organisations, 12 seats, 2 Statsforvalter)\n"
    )


def test_check_command_prints_the_error_and_fails(tmp_path):
    path = edited(tmp_path, "email: berit@beta.example.org", "email: x")
    run = subprocess.run(
        [sys.executable, "-m", "bot.forum.config_file", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == f"{path}:24: organisations[1].seats[0].deputy.email: not an e-mail address 'x'\n"

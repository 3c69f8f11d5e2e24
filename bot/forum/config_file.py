"""The forum configuration file (the roster) named by ``FORUM_CONFIG``.

``load_forum_config(path)`` returns one ``ForumConfig`` per forum, or raises
``ForumConfigError`` whose text reads ``file:line: path: reason``: operators
edit this file by hand, so every mistake must point at a line, never at a
traceback.

``python -m bot.forum.config_file PATH`` checks a file from the shell.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from datetime import date as _date
from datetime import time as _time
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]


def _matching(pattern: str, error: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError(error, message, {"value": repr(value)})
        return value

    return AfterValidator(check)


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "time_zone", "unknown time zone {value} (want an IANA name such as Europe/Oslo)", {"value": repr(value)}
        ) from None
    return value


def _non_empty(items: tuple) -> tuple:
    # An after-validator rather than min_length: that one also fires, confusingly,
    # when the only item is merely invalid.
    if not items:
        raise PydanticCustomError("empty", "must not be empty")
    return items


# Strict: YAML turns unquoted 123 or 2024-01-01 into numbers and dates; a name
# that silently became one is a typo worth reporting.
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[
    Text, _matching(r"[a-z0-9]+(?:-[a-z0-9]+)*", "slug", "not a slug {value} (use a-z, 0-9 and single '-')")
]
Email = Annotated[Text, _matching(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+", "email", "not an e-mail address {value}")]
# Lower-cased because Teams reports object ids in lower case and matching is by equality.
Guid = Annotated[
    Text,
    _matching(r"(?i)[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", "guid", "not a GUID {value} (want 8-4-4-4-12 hex)"),
    AfterValidator(str.lower),
]
TimeZone = Annotated[Text, AfterValidator(_time_zone)]
Kind = Literal["vo-nettverk", "fylkeskommune", "organisasjon", "uh"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonConfig(_Model):
    name: Text
    email: Email
    aad_object_id: Guid | None = None  # without it the person is matched by e-mail on first contact


class SeatConfig(_Model):
    representative: PersonConfig
    deputy: PersonConfig


class OrganisationConfig(_Model):
    id: Slug
    name: Text
    kind: Kind
    submits_needs: Annotated[bool, Strict()]
    seats: Annotated[tuple[SeatConfig, ...], AfterValidator(_non_empty)]


def _competence_areas(areas: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
    for year, names in areas.items():
        if not 2000 <= year <= 2100:
            raise PydanticCustomError("year", "not a year {value}", {"value": repr(year)})
        if not names or len(names) > 30:
            raise PydanticCustomError("areas", "a year needs 1 to 30 competence areas")
        if len({n.casefold() for n in names}) != len(names):
            raise PydanticCustomError("areas", "a competence area is listed twice for {value}", {"value": year})
    return areas


# Year -> the names of that year's competence areas (from the allocation letter).
CompetenceAreas = Annotated[dict[int, tuple[Text, ...]], AfterValidator(_competence_areas)]


def _calendar_date(value: str) -> str:
    try:
        # 2000 was a leap year: 02-29 is a real date there.
        _date.fromisoformat(value if len(value) == 10 else f"2000-{value}")
    except ValueError:
        raise PydanticCustomError("date", "no such date {value}", {"value": repr(value)}) from None
    return value


def _clock_time(value: str) -> str:
    try:
        _time.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("time", "no such time {value}", {"value": repr(value)}) from None
    return value


class WheelEventConfig(_Model):
    """An event of the annual wheel; ``date`` as ``MM-DD`` means this year."""

    kind: Literal["vaarmote", "hostmote", "ekstramote", "frist_behovsmeldinger", "frist_rapportering", "annet"]
    date: Annotated[
        Text,
        _matching(r"(\d{4}-)?\d{2}-\d{2}", "date", "not a date {value} (want MM-DD or YYYY-MM-DD)"),
        AfterValidator(_calendar_date),
    ]
    time: Annotated[
        Text, _matching(r"\d{2}:\d{2}", "time", "not a time {value} (want HH:MM)"), AfterValidator(_clock_time)
    ]
    title: Text
    place: str = ""
    text: str = ""
    reminders: str = ""  # like "14d, 7d, 1d"; empty: the kind's defaults


class ForumConfig(_Model):
    """One forum, flattened from the file's ``forum:`` header and its lists.

    Build it with ``load_forum_config``: the rules that span several entries
    (unique ids, one seat per person) are checked there."""

    id: Slug
    name: Text
    timezone: TimeZone
    statsforvalter: Annotated[tuple[PersonConfig, ...], AfterValidator(_non_empty)]
    organisations: Annotated[tuple[OrganisationConfig, ...], AfterValidator(_non_empty)]
    competence_areas: CompetenceAreas = {}
    wheel: tuple[WheelEventConfig, ...] = ()

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# The file's own shape, so that validation errors carry the file's paths.
class _Header(_Model):
    id: Slug | None = None
    name: Text
    timezone: TimeZone


class _ForumFile(_Model):
    forum: _Header
    statsforvalter: Annotated[tuple[PersonConfig, ...], AfterValidator(_non_empty)]
    organisations: Annotated[tuple[OrganisationConfig, ...], AfterValidator(_non_empty)]
    competence_areas: CompetenceAreas = {}
    wheel: tuple[WheelEventConfig, ...] = ()


class _ForumsFile(_Model):
    forums: Annotated[tuple[_ForumFile, ...], AfterValidator(_non_empty)]


# Which model a mapping under a given key is, to suggest the key meant.
_MODEL_UNDER: dict[str, type[BaseModel]] = {
    "forums": _ForumFile,
    "forum": _Header,
    "statsforvalter": PersonConfig,
    "organisations": OrganisationConfig,
    "seats": SeatConfig,
    "representative": PersonConfig,
    "deputy": PersonConfig,
    "wheel": WheelEventConfig,
}


class ConfigProblem(NamedTuple):
    line: int | None  # 1-based; None when the file could not be read at all
    path: str  # like organisations[2].seats[0].deputy.email; "" for the whole file
    reason: str


class ForumConfigError(Exception):
    """The configuration file is unusable. ``str()`` has one line per problem."""

    def __init__(self, file: str, problems: list[ConfigProblem]) -> None:
        self.file = file
        self.problems = tuple(sorted(problems, key=lambda p: p.line or 0))
        super().__init__("\n".join(self._format(p) for p in self.problems))

    def _format(self, p: ConfigProblem) -> str:
        where = f"{self.file}:{p.line}" if p.line else self.file
        return f"{where}: {p.path}: {p.reason}" if p.path else f"{where}: {p.reason}"


def load_forum_config(path: str | os.PathLike[str]) -> list[ForumConfig]:
    """Read and validate a forum configuration file: one forum, or a ``forums:`` list."""
    file = str(path)

    def fail(line: int | None, reason: str) -> ForumConfigError:
        return ForumConfigError(file, [ConfigProblem(line, "", reason)])

    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise fail(None, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise fail(None, f"not UTF-8 text (byte {error.start})") from None

    data, lines = _parse(file, text)
    if data is None:
        raise fail(1, "the file is empty; expected forum:, statsforvalter: and organisations: (or forums:)")
    if not isinstance(data, dict):
        expected = "expected forum:, statsforvalter: and organisations: (or forums:)"
        raise fail(lines[()], f"{expected}, got {_describe(data)}")

    several = "forums" in data
    shape = _ForumsFile if several else _ForumFile
    try:
        parsed = shape.model_validate(data)
    except ValidationError as error:
        raise ForumConfigError(file, [_problem(e, lines, shape) for e in error.errors(include_url=False)]) from None

    files = parsed.forums if several else (parsed,)
    problems: list[ConfigProblem] = []
    forums: list[ForumConfig] = []
    first_with_id: dict[str, Loc] = {}
    for i, forum_file in enumerate(files):
        base: Loc = ("forums", i) if several else ()
        problems += _check_forum(forum_file, base, lines)
        header = forum_file.forum
        forum_id = header.id or ("" if several else _slug(header.name))
        id_loc = (*base, "forum", "id")
        if not forum_id:
            reason = "each forum under forums: needs a stable id" if several else "no id can be made from forum.name"
            reason = f"required key is missing: {reason}"
            problems.append(ConfigProblem(_line(lines, id_loc), _path(id_loc), reason))
            continue
        if forum_id in first_with_id:
            first = first_with_id[forum_id]
            problems.append(
                ConfigProblem(
                    _line(lines, id_loc),
                    _path(id_loc),
                    f"duplicate forum id {forum_id!r} (first on line {_line(lines, first)})",
                )
            )
        first_with_id.setdefault(forum_id, id_loc)
        forums.append(
            ForumConfig(
                id=forum_id,
                name=header.name,
                timezone=header.timezone,
                statsforvalter=forum_file.statsforvalter,
                organisations=forum_file.organisations,
                competence_areas=forum_file.competence_areas,
                wheel=forum_file.wheel,
            )
        )
    if problems:
        raise ForumConfigError(file, problems)
    return forums


def _compose(text: str) -> yaml.Node | None:
    """The YAML's node tree, by libyaml where PyYAML was built with it: the
    roster of 30 forums took 0.56 s to compose in pure Python and 0.16 s
    with libyaml, at every start. A file it refuses is read again by the
    pure-Python parser, whose messages the hints below are written for."""
    if fast := getattr(yaml, "CSafeLoader", None):
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _parse(file: str, text: str) -> tuple[Any, dict[Loc, int]]:
    """The YAML as plain data, and the line of every value in it.

    A mapping entry's line is its value's when that is a scalar (so a bad
    value is found where it is written) and its key's otherwise."""
    lines: dict[Loc, int] = {(): 1}
    constructor = yaml.constructor.SafeConstructor()

    def fail(node: yaml.Node, loc: Loc, reason: str) -> ForumConfigError:
        return ForumConfigError(file, [ConfigProblem(node.start_mark.line + 1, _path(loc), reason)])

    def build(node: yaml.Node, loc: Loc, active: frozenset[int]) -> Any:
        if id(node) in active:
            raise fail(node, loc, "a YAML alias refers to itself")
        active |= {id(node)}
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise fail(key_node, loc, "keys must be plain words")
                key = key_node.value
                child = (*loc, key)
                if key in result:
                    raise fail(key_node, child, f"duplicate key (first on line {lines[child]})")
                line_node = value_node if isinstance(value_node, yaml.ScalarNode) else key_node
                lines[child] = line_node.start_mark.line + 1
                result[key] = build(value_node, child, active)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + 1
                items.append(build(item, (*loc, i), active))
            return items
        return constructor.construct_object(node)

    try:
        root = _compose(text)
        if root is None:
            return None, lines
        lines[()] = root.start_mark.line + 1
        return build(root, (), frozenset()), lines
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # PyYAML's own order: the context ("while parsing ...") leads to the problem.
        context = error.context or ""
        if context and error.problem and error.context_mark:
            context += f" (line {error.context_mark.line + 1})"
        reason = "invalid YAML: " + ", ".join(filter(None, (context, error.problem)))
        hint = next((hint for words, hint in _YAML_HINTS.items() if words in reason), None)
        reason += f"; {hint}" if hint else ""
        raise ForumConfigError(file, [ConfigProblem(mark.line + 1 if mark else None, "", reason)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        reason = f"invalid YAML: control character U+{error.character:04X} is not allowed"
        raise ForumConfigError(file, [ConfigProblem(line, "", reason)]) from None


# PyYAML's wording for the commonest hand-editing slips.
_YAML_HINTS = {
    "'\\t'": "indent with spaces, not tabs",
    "mapping values are not allowed here": "check the indentation, or quote a value that contains ': '",
    "expected <block end>": "check the indentation",
    "could not find expected ':'": "check the indentation, or a missing ':' after a key",
    "found another document": "list several forums under forums: instead",
}


def _check_forum(forum: _ForumFile, base: Loc, lines: dict[Loc, int]) -> Iterator[ConfigProblem]:
    """The rules that span entries: unique organisation ids, one seat per person,
    no seat for the Statsforvalter."""

    def problem(loc: Loc, reason: str) -> ConfigProblem:
        return ConfigProblem(_line(lines, (*base, *loc)), _path((*base, *loc)), reason)

    def where(loc: Loc) -> str:
        return f"{_path((*base, *loc))}, line {_line(lines, (*base, *loc))}"

    organisation_at: dict[str, Loc] = {}
    for i, organisation in enumerate(forum.organisations):
        loc = ("organisations", i, "id")
        if organisation.id in organisation_at:
            first = organisation_at[organisation.id]
            yield problem(loc, f"duplicate organisation id {organisation.id!r} (first at {where(first)})")
        organisation_at.setdefault(organisation.id, loc)

    people: list[tuple[Loc, PersonConfig]] = [
        (("statsforvalter", i), person) for i, person in enumerate(forum.statsforvalter)
    ]
    people += [
        (("organisations", i, "seats", j, role), getattr(seat, role))
        for i, organisation in enumerate(forum.organisations)
        for j, seat in enumerate(organisation.seats)
        for role in ("representative", "deputy")
    ]
    # A person is the same person by object id or by e-mail, whichever matches.
    seen: dict[tuple[str, str], Loc] = {}
    for loc, person in people:
        keys = [("email", person.email.casefold())]
        if person.aad_object_id:
            keys.append(("aad_object_id", person.aad_object_id))
        clash = next(((field, seen[(field, value)]) for field, value in keys if (field, value) in seen), None)
        if clash is None:
            seen.update(dict.fromkeys(keys, loc))
            continue
        field, first = clash
        value = getattr(person, field)
        if first[0] == "statsforvalter" and loc[0] == "statsforvalter":
            reason = f"{value!r} is listed twice (first at {where(first)})"
        elif first[0] == "statsforvalter":
            reason = f"{value!r} is Statsforvalter ({where(first)}) and so holds no seat"
        else:
            reason = f"{value!r} already holds a seat (at {where(first)}); one seat per person"
        yield problem((*loc, field), reason)


def _problem(error: Any, lines: dict[Loc, int], shape: type[BaseModel]) -> ConfigProblem:
    loc = tuple(error["loc"])
    return ConfigProblem(_line(lines, loc), _path(loc), _reason(error, loc, shape))


_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "model_type": "a mapping of keys and values",
    "tuple_type": "a list",
}
_OWN_ERRORS = {"slug", "email", "guid", "time_zone", "empty"}  # their messages already show the value


def _reason(error: Any, loc: Loc, shape: type[BaseModel]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        parent = next((part for part in reversed(loc[:-1]) if isinstance(part, str)), None)
        allowed = list(_MODEL_UNDER.get(parent, shape).model_fields)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
        return f"unknown key {loc[-1]!r}, {hint}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"{value!r} is not one of {error['ctx']['expected']}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind in _OWN_ERRORS:
        return error["msg"]
    return f"{error['msg']}: {_describe(value)}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _line(lines: dict[Loc, int], loc: Loc) -> int:
    # A missing key has no line of its own; the mapping that lacks it does.
    while loc not in lines:
        loc = loc[:-1]
    return lines[loc]


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def _slug(name: str) -> str:
    # ø and æ do not decompose under NFKD, so spell them out first.
    ascii_name = unicodedata.normalize("NFKD", name.lower().replace("æ", "ae").replace("ø", "o"))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode()).strip("-")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.forum.config_file PATH", file=sys.stderr)
        return 2
    try:
        forums = load_forum_config(args[0])
    except ForumConfigError as error:
        print(error, file=sys.stderr)
        return 1
    summary = "; ".join(
        f"{f.id}: {len(f.organisations)} organisations, {sum(len(o.seats) for o in f.organisations)} seats, "
        f"{len(f.statsforvalter)} Statsforvalter"
        for f in forums
    )
    print(f"{args[0]}: OK, {len(forums)} forum{'s' if len(forums) != 1 else ''} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The competence areas a year's measures must fall within.

They come from the allocation letter (tildelingsbrev) and change from year
to year, so they are data kept per year. Until the Statsforvalter sets a
year's list, the mandate's 2023 list applies."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CompetenceArea:
    code: str
    name: str


MANDATE_2023: tuple[CompetenceArea, ...] = (
    CompetenceArea(
        "laereplaner-norsk",
        "Videre implementering av reviderte læreplaner i norsk og samfunnskunnskap for voksne innvandrere",
    ),
    CompetenceArea("modulstruktur", "Fullføringsreformen: modulstrukturert opplæring"),
    CompetenceArea(
        "fag-og-sprak",
        "Fullføringsreformen: parallell og integrert opplæring i fag og språk, og språkopplæring knyttet til en yrkeskontekst",
    ),
    CompetenceArea(
        "vurdering-for-laering", "Fullføringsreformen: vurdering for læring i et modulstrukturert opplæringsløp"
    ),
    CompetenceArea("ledere", "Kompetanseheving for ledere i skolebasert utviklingsarbeid"),
    CompetenceArea(
        "laeringsmiljo",
        "Godt læringsmiljø: forebygging av mobbing og trakassering, inkludert negativ sosial kontroll",
    ),
    CompetenceArea(
        "kartlegging-vurdering",
        "Kartlegging og vurdering, herunder realkompetansevurdering og fastsettelse av norskmål etter integreringsloven",
    ),
)


MAX_AREAS = 30
MAX_NAME = 300
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o", "ä": "a"})


def _code(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower().translate(_ASCII)).strip("-")[:60].strip("-") or "omrade"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def from_names(names: list[str], existing: tuple[CompetenceArea, ...] = ()) -> tuple[CompetenceArea, ...]:
    """A year's list from its names. An area keeps its code while its name
    stays, so reports that chose it still point at it."""
    names = [" ".join(n.split()) for n in names if n.strip()]
    if not 1 <= len(names) <= MAX_AREAS:
        raise ValueError("areas_count")
    if any(len(n) > MAX_NAME for n in names):
        raise ValueError("areas_too_long")
    if len({n.casefold() for n in names}) != len(names):
        raise ValueError("areas_duplicate")
    known = {a.name.casefold(): a.code for a in existing}
    taken = set(known.values())
    areas = []
    for name in names:
        code = known.get(name.casefold()) or _code(name, taken)
        taken.add(code)
        areas.append(CompetenceArea(code, name))
    return tuple(areas)

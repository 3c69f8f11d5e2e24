"""The competence areas a year's measures must fall within.

They come from the allocation letter (tildelingsbrev) and change from year
to year, so they are data kept per year. Until the Statsforvalter sets a
year's list, the mandate's 2023 list applies."""

from __future__ import annotations

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
    CompetenceArea("vurdering-for-laering", "Fullføringsreformen: vurdering for læring i et modulstrukturert opplæringsløp"),
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

"""The overview card: counts and sums of a year's needs reports, on pages
that fit in a card."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.forum.needs.overview import Figures, Overview, ReportLine
from bot.i18n import text
from bot.views.common import PAGE_BUDGET, card_size, paging, text_size
from bot.views.needs import status_name
from bot.views.numbers import whole
from cards import render
from cards.markdown import escape_markdown as md

# Long lists go on pages. A page holds what fits in PAGE_BUDGET bytes of
# card JSON (Teams refuses cards of about 28 KB), at most twelve
# organisations and at most 25 reports: first the organisations that have
# not sent anything, then the competence areas, then the organisations'
# figures, then the reports one by one. The sizes are
# reckoned from the texts and what the template adds around them, measured
# once by rendering it; the pages do not depend on whether the card offers
# the export or shows a download link, so page 2 stays page 2.

_RESERVE = 1536  # the download notice, and another reader's language
PAGE_SIZE = 12  # organisations per page at most
REPORTS_PER_PAGE = 25
_MOST = {"organisations": PAGE_SIZE, "reports": REPORTS_PER_PAGE}


@dataclass(frozen=True)
class _Page:
    missing: tuple[int, int] = (0, 0)
    areas: tuple[int, int] = (0, 0)
    organisations: tuple[int, int] = (0, 0)
    reports: tuple[int, int] = (0, 0)


@dataclass
class _Parts:
    """Everything the card shows, in the reader's words, before paging."""

    year: int
    header: dict
    missing: list[str]
    areas: list[dict]
    organisations: list[dict]
    reports: list[dict]

    def data(self, page: _Page, number: int, pages: int, can_export: bool, download: dict | None) -> dict:
        data = {
            **self.header,
            "missing": ", ".join(self.missing[slice(*page.missing)]),
            "areas": self.areas[slice(*page.areas)],
            "organisations": self.organisations[slice(*page.organisations)],
            "reports": self.reports[slice(*page.reports)],
            "actions": [],
        }
        label = self.header["page"].format(page=number, pages=pages)
        row = paging(
            number,
            pages,
            label,
            self.header["previous"],
            self.header["next"],
            lambda n: {"data": {"year": self.year, "page": n}},
        )
        if row:
            data["paging"] = row
        if can_export:
            data["actions"].append(
                {"title": self.header["export"], "verb": "overview.export", "data": {"year": self.year, "page": number}}
            )
        if download:
            data["download"] = download
        return data


def _parts(summary: Overview, lang: str) -> _Parts:
    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    def cell(f: Figures) -> dict:
        return {"count": str(f.count), "applied": whole(lang, f.applied), "granted": whole(lang, f.granted)}

    area_names = {a.code: a.name for a in summary.areas}

    def report(line: ReportLine) -> dict:
        return {
            "heading": md(f"{line.reference} {line.title}"),
            "status": status_name(lang, line.status).capitalize(),
            "organisation": md(line.organisation),
            "areas": ", ".join(md(area_names.get(code, code)) for code in line.areas),
            "money": t(
                "overview_report_money",
                applied=_nok(lang, line.applied),
                own=_nok(lang, line.own_contribution),
                granted=_nok(lang, line.granted),
            ),
        }

    year = summary.year
    header = {
        "title": t("overview_title", year=year),
        "forum": md(summary.forum.name),
        "totals": [
            {"label": t("overview_reports"), "value": str(summary.total.count)},
            {"label": t("overview_applied"), "value": t("overview_nok", amount=whole(lang, summary.total.applied))},
            {"label": t("overview_granted"), "value": t("overview_nok", amount=whole(lang, summary.total.granted))},
        ],
        "nothing_sent": t("overview_nothing_sent", year=year) if summary.total.count == 0 else "",
        **_rounds(summary, lang),
        "counted": t("overview_counted"),
        "missing_title": t("overview_missing_title", year=year),
        "areas_title": t("overview_areas_title"),
        "areas_note": t("overview_areas_note", count=summary.in_several_areas),
        "organisations_title": t("overview_organisations_title"),
        "reports_title": t("overview_reports_title"),
        "reports_note": t("overview_reports_note"),
        # for both tables: a column per year, each with count, applied and granted
        "legend": t(
            "overview_organisations_legend" if summary.earlier_years else "overview_organisations_legend_one_year"
        ),
        "organisation_heading": t("overview_organisation"),
        "year_heading": str(year),
        "earlier_headings": [{"year": str(y)} for y in summary.earlier_years],
        "sum": {
            "name": t("overview_sum"),
            "current": cell(summary.total),
            "earlier": [cell(f) for f in summary.earlier_totals],
        },
        # for the buttons, not shown as such
        "page": t("overview_page", page="{page}", pages="{pages}"),
        "previous": t("overview_previous"),
        "next": t("overview_next"),
        "export": t("overview_export"),
    }
    return _Parts(
        year=year,
        header=header,
        missing=[md(o.name) for o in summary.missing] or [t("overview_missing_none")],
        areas=[
            {
                "name": md(a.name) if a.listed else md(t("overview_area_unlisted", code=a.name, year=year)),
                "current": cell(a.figures),
                "earlier": [cell(f) for f in a.earlier],
            }
            for a in summary.areas
        ],
        organisations=[
            {"name": md(o.name), "current": cell(o.figures), "earlier": [cell(f) for f in o.earlier]}
            for o in summary.organisations
        ],
        reports=[report(line) for line in summary.reports],
    )


def _nok(lang: str, value: int | None) -> str:
    """Whole kroner with the currency, or a dash for none."""
    return "–" if value is None else text(lang, "overview_nok", amount=whole(lang, value))


def _rounds(summary: Overview, lang: str) -> dict:
    """Frame, granted and reported back of each year side by side; left
    out while no year shown has a budget or a grant."""

    def t(key: str, **params: object) -> str:
        return text(lang, key, **params)

    shown = summary.rounds if any(r.anything for r in summary.rounds) else ()
    return {
        "rounds_title": t("overview_rounds_title"),
        "round_labels": [t(f"overview_round_{key}") for key in ("frame", "granted", "reported", "used", "unused")],
        "rounds": [
            {
                "year": str(r.year),
                "values": [
                    _nok(lang, r.frame),
                    _nok(lang, r.granted),
                    t("overview_round_reported_count", reported=r.reported, grants=r.grants),
                    _nok(lang, r.used),
                    _nok(lang, r.unused),
                ],
            }
            for r in shown
        ],
    }


@dataclass(frozen=True)
class _Costs:
    missing_section: int
    missing_item: int
    area_section: int
    area_row: int
    organisation_section: int
    organisation_row: int
    report_section: int
    report_row: int


@lru_cache(maxsize=None)
def _template_costs(earlier: int) -> _Costs:
    """What the template adds around each section and row, without the
    texts: measured by rendering it with empty texts."""
    blank_cell = {"count": "", "applied": "", "granted": ""}
    blank_row = {"name": "", "current": blank_cell, "earlier": [blank_cell] * earlier}
    blank_report = {"heading": "", "status": "", "organisation": "", "areas": "", "money": ""}
    blank = _Parts(
        year=0,
        header={
            "title": "",
            "forum": "",
            "totals": [],
            "nothing_sent": "",
            "counted": "",
            "missing_title": "",
            "rounds_title": "",
            "round_labels": [],
            "rounds": [],
            "areas_title": "",
            "areas_note": "",
            "organisations_title": "",
            "reports_title": "",
            "reports_note": "",
            "legend": "",
            "organisation_heading": "",
            "year_heading": "",
            "earlier_headings": [{"year": ""}] * earlier,
            "sum": blank_row,
            "page": "",
            "previous": "",
            "next": "",
            "export": "",
        },
        missing=["x", "x"],
        areas=[blank_row] * 2,
        organisations=[blank_row] * 2,
        reports=[blank_report] * 2,
    )

    def size(missing: int = 0, areas: int = 0, organisations: int = 0, reports: int = 0) -> int:
        page = _Page((0, missing), (0, areas), (0, organisations), (0, reports))
        return card_size(render("overview", blank.data(page, 1, 1, False, None)))

    base = size()
    missing_item = size(missing=2) - size(missing=1) - 1
    area_row = size(areas=2) - size(areas=1)
    organisation_row = size(organisations=2) - size(organisations=1)
    report_row = size(reports=2) - size(reports=1)
    return _Costs(
        missing_section=size(missing=1) - base - 1,
        missing_item=missing_item,
        area_section=size(areas=1) - base - area_row,
        area_row=area_row,
        organisation_section=size(organisations=1) - base - organisation_row,
        organisation_row=organisation_row,
        report_section=size(reports=1) - base - report_row,
        report_row=report_row,
    )


def _paginate(parts: _Parts) -> list[_Page]:
    costs = _template_costs(len(parts.header["earlier_headings"]))
    h = parts.header
    # The card around the lists, with both paging buttons and the export button.
    frame = card_size(render("overview", parts.data(_Page(), 2, 3, True, None)))
    budget = PAGE_BUDGET - _RESERVE - frame
    sections = {
        "missing": costs.missing_section + text_size(h["missing_title"]),
        "areas": costs.area_section
        + text_size([h["areas_title"], h["areas_note"], h["legend"], h["year_heading"], h["earlier_headings"]]),
        "organisations": costs.organisation_section
        + text_size([h["organisations_title"], h["legend"], h["organisation_heading"], h["year_heading"]])
        + text_size([h["earlier_headings"], h["sum"]]),
        "reports": costs.report_section + text_size([h["reports_title"], h["reports_note"]]),
    }
    items = (
        [("missing", costs.missing_item + text_size(name)) for name in parts.missing]
        + [("areas", costs.area_row + text_size(row)) for row in parts.areas]
        + [("organisations", costs.organisation_row + text_size(row)) for row in parts.organisations]
        + [("reports", costs.report_row + text_size(row)) for row in parts.reports]
    )

    pages: list[dict[str, list[int]]] = []
    used, index = budget + 1, {"missing": 0, "areas": 0, "organisations": 0, "reports": 0}
    for kind, cost in items:
        page = pages[-1] if pages else None
        extra = cost + (0 if page and kind in page else sections[kind])
        full = page is not None and len(page.get(kind, ())) >= _MOST.get(kind, len(items))
        if page is None or used + extra > budget or full:
            page, used = {}, 0
            pages.append(page)
            extra = cost + sections[kind]
        page.setdefault(kind, []).append(index[kind])
        index[kind] += 1
        used += extra

    def span(page: dict, kind: str) -> tuple[int, int]:
        taken = page.get(kind)
        return (taken[0], taken[-1] + 1) if taken else (0, 0)

    kinds = ("missing", "areas", "organisations", "reports")
    return [_Page(*(span(p, kind) for kind in kinds)) for p in pages] or [_Page()]


def overview_card(summary: Overview, lang: str, page: int, can_export: bool, download: dict | None = None) -> dict:
    return render("overview", overview_data(summary, lang, page, can_export, download))


def overview_data(summary: Overview, lang: str, page: int, can_export: bool, download: dict | None = None) -> dict:
    """The card's data for page ``page`` (kept within the pages there are)."""
    parts = _parts(summary, lang)
    pages = _paginate(parts)
    number = min(max(page, 1), len(pages))
    return parts.data(pages[number - 1], number, len(pages), can_export, download)

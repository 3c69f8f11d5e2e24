"""The annual wheel as cards: the wheel grouped by month, the event form,
and the delivery report of an event's reminders. Times are shown in the
forum's time zone with Norwegian (or English) names of days and months;
user text is escaped.

Long wheels and reports go over several pages, so that each card stays
under the size Teams accepts (about 28 KB): a page takes items as long as
the rendered card stays within PAGE_BUDGET, with room kept for a note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.forum.needs.form import Invalid
from bot.forum.roster import Forum
from bot.forum.wheel.events import DEFAULT_OFFSETS, MAX_OFFSETS, EventKind, WheelEvent, format_offsets
from bot.forum.wheel.service import LAST_YEAR, LIMITS
from bot.i18n import text
from bot.views.common import PAGE_BUDGET, card_size, form_errors, form_field, invalid_text, paging
from bot.views.moments import long_moment, month_name
from cards import render
from cards.markdown import escape_markdown as md

_RESERVE = 2048  # a note above the list (saved, deleted, copied)
UPCOMING = 0  # the view of the next 12 months; any other view is a year

# The form's inputs, as the service reads them.
INPUTS = ("kind", "date", "time", "title", "place", "text", "offsets")
# Where the service's error for a checked value is shown on the form.
_ERROR_AT = {
    "kind": "kind",
    "day": "date",
    "clock": "time",
    "date": "date",
    "title": "title",
    "place": "place",
    "text": "text",
    "offsets": "offsets",
}
_LABEL_OF_ERROR = {"date": "wheel_field_moment", "day": "wheel_field_date", "clock": "wheel_field_time"}


def paginate(
    items: Sequence, page_card: Callable[[list, int, int], dict], budget: int = PAGE_BUDGET - _RESERVE
) -> list[list]:
    """Items in pages: each page as many as fit in ``budget`` bytes when
    rendered as a middle page (with both paging buttons). A single item
    too large for a page still gets a page of its own."""
    pages: list[list] = [[]]
    for item in items:
        trial = pages[-1] + [item]
        if pages[-1] and card_size(page_card(trial, 2, 3)) > budget:
            pages.append([item])
        else:
            pages[-1] = trial
    return pages


@dataclass(frozen=True)
class Note:
    title: str
    lines: tuple[str, ...]


def delivered(lang: str, status: str, attempts: int) -> str:
    """A delivery's state and its attempts ("sendt · 2 forsøk"), as the
    reminders' and the award letters' reports show it."""
    shown = text(lang, f"wheel_status_{status}")
    if attempts:
        tries = (
            text(lang, "wheel_report_attempts_one")
            if attempts == 1
            else text(lang, "wheel_report_attempts", count=attempts)
        )
        shown += f" · {tries}"
    return shown


class WheelViews:
    """Card builders for one reader of one forum."""

    def __init__(self, lang: str, forum: Forum, may_manage: bool, now: datetime, may_subscribe: bool = False) -> None:
        self.may_subscribe = may_subscribe  # roster members get the calendar address
        self.lang = lang
        self.forum = forum
        self.may_manage = may_manage
        self.now = now
        self.zone = ZoneInfo(forum.timezone)

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    # --- words ------------------------------------------------------------

    def when(self, moment: datetime) -> str:
        return long_moment(moment, self.forum.timezone, self.lang)

    def short_when(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%d.%m.%Y %H:%M")

    def kind(self, kind: EventKind) -> str:
        return self.t(f"event_kind_{kind.value}")

    def offset(self, minutes: int) -> str:
        for unit, size_ in (("days", 1440), ("hours", 60), ("minutes", 1)):
            if minutes % size_ == 0:
                n = minutes // size_
                return self.t(f"wheel_{unit}_one" if n == 1 else f"wheel_{unit}", n=n)
        raise AssertionError(minutes)

    def offsets(self, offsets: Sequence[int]) -> str:
        words = [self.offset(m) for m in offsets]
        if len(words) <= 1:
            return "".join(words)
        return f"{', '.join(words[:-1])} {self.t('wheel_and')} {words[-1]}"

    def reminders(self, offsets: Sequence[int]) -> str:
        key = "wheel_reminders_one" if len(offsets) == 1 else "wheel_reminders"
        return self.t(key, offsets=self.offsets(offsets))

    def month(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        name = month_name(local.month, self.lang)
        return self.t("wheel_month", month=name[:1].upper() + name[1:], year=local.year)

    def invalid(self, error: Invalid) -> str:
        if error.code == "bad_offsets" and error.params.get("part") == "too many":
            return self.t("invalid_too_many_offsets", limit=MAX_OFFSETS)
        return invalid_text(self.lang, error)

    def paging(self, page: int, pages: int, to: Callable[[int], dict]) -> dict | None:
        label = self.t("wheel_page", page=page, pages=pages)
        return paging(page, pages, label, self.t("wheel_previous"), self.t("wheel_next"), to)

    # --- the wheel ------------------------------------------------------

    def _event_item(self, event: WheelEvent, view: int) -> dict:
        line = f"{self.kind(event.kind)} · {self.when(event.starts_at)}"
        past = event.starts_at <= self.now
        if past:
            line += f" · {self.t('wheel_past')}"
        details = [self.t("wheel_place", place=md(event.place))] if event.place else []
        details.append(self.reminders(event.offsets))
        actions = []
        if self.may_manage:
            ref = {"event_id": event.id, "view": view}
            if not past:
                actions.append({"title": self.t("wheel_edit"), "verb": "wheel.edit", "data": ref})
            actions += [
                {"title": self.t("wheel_delete"), "verb": "wheel.delete", "data": ref},
                {"title": self.t("wheel_report"), "verb": "wheel.report", "data": ref},
            ]
        return {
            "id": event.id,
            "month": self.month(event.starts_at),
            "title": md(event.title),
            "line": line,
            "details": details,
            "text": md(event.text),
            "actions": actions,
        }

    def _wheel_data(self, view: int, items: list[dict], page: int, pages: int, note: Note | None) -> dict:
        months: list[dict] = []
        for item in items:
            if not months or months[-1]["name"] != item["month"]:
                months.append({"name": item["month"], "events": []})
            months[-1]["events"].append({k: v for k, v in item.items() if k not in ("id", "month")})
        if view == UPCOMING:
            subtitle = self.t("wheel_subtitle_upcoming", timezone=self.forum.timezone)
            empty = self.t("wheel_empty_upcoming")
            year = self.now.astimezone(self.zone).year
        else:
            subtitle = self.t("wheel_subtitle_year", year=view, timezone=self.forum.timezone)
            empty = self.t("wheel_empty_year", year=view)
            year = view
        if self.may_manage:
            empty += " " + self.t("wheel_empty_statsforvalter")
        data = {
            "title": self.t("wheel_title", forum=md(self.forum.name)),
            "subtitle": subtitle,
            "empty": "" if items else empty,
            "months": months,
            "actions": [],
        }
        if note:
            data["note"] = {"title": note.title, "lines": list(note.lines)}
        if row := self.paging(page, pages, lambda n: {"verb": "wheel.page", "data": {"view": view, "page": n}}):
            data["paging"] = row
        if self.may_manage:
            data["actions"] = [{"title": self.t("wheel_new"), "verb": "wheel.new", "data": {"view": view}}]
            if year < LAST_YEAR:
                data["actions"].append(
                    {
                        "title": self.t("wheel_copy", year=year, next=year + 1),
                        "verb": "wheel.copy",
                        "data": {"year": year, "view": view},
                    }
                )
        if self.may_subscribe:
            data["actions"].append(
                {"title": self.t("wheel_subscribe"), "verb": "wheel.calendar", "data": {"view": view}}
            )
        return data

    def wheel(
        self, events: list[WheelEvent], view: int, page: int = 1, note: Note | None = None, showing: int | None = None
    ) -> dict:
        """The wheel's page ``page`` (kept within the pages there are), or
        the page that shows the event ``showing``."""
        items = [self._event_item(e, view) for e in events]
        pages = paginate(items, lambda part, p, n: render("wheel", self._wheel_data(view, part, p, n, None)))
        if showing is not None:
            page = next((n for n, part in enumerate(pages, 1) if any(i["id"] == showing for i in part)), page)
        number = min(max(page, 1), len(pages))
        return render("wheel", self._wheel_data(view, pages[number - 1], number, len(pages), note))

    # --- the form ---------------------------------------------------------

    def form(
        self,
        values: dict[str, str],
        view: int,
        event: WheelEvent | None = None,
        errors: dict[str, Invalid] | None = None,
    ) -> dict:
        """The form for a new event (``event`` None) or for changing one,
        showing ``values`` as the inputs' values."""
        problems, shown = form_errors(
            errors or {}, lambda name: self.t(_LABEL_OF_ERROR.get(name, f"wheel_field_{name}")), self.invalid, _ERROR_AT
        )

        def field(name: str, **extra: object) -> dict:
            return form_field(
                self.lang,
                self.t(f"wheel_field_{name}"),
                shown.get(name, ""),
                **{"value": values.get(name, ""), "max_length": LIMITS.get(name, 20), **extra},
            )

        defaults = " · ".join(f"{self.kind(k)} {format_offsets(DEFAULT_OFFSETS[k])}" for k in EventKind)
        save = {"view": view} if event is None else {"event_id": event.id, "view": view}
        return render(
            "wheel_event_form",
            {
                "title": self.t("wheel_form_edit_title", title=md(event.title))
                if event
                else self.t("wheel_form_new_title"),
                "note": self.t("wheel_form_note", timezone=self.forum.timezone),
                "problems_title": self.t("wheel_errors_title"),
                "problems": problems,
                "fields": {
                    "kind": field(
                        "kind",
                        placeholder=self.t("wheel_kind_placeholder"),
                        choices=[{"title": self.kind(k), "value": k.value} for k in EventKind],
                    ),
                    "date": field("date"),
                    "time": field("time"),
                    "title": field("title"),
                    "place": field("place"),
                    "text": field("text"),
                    "offsets": field(
                        "offsets",
                        placeholder=self.t("wheel_offsets_placeholder"),
                        hint=self.t("wheel_offsets_hint", defaults=defaults),
                    ),
                },
                "labels": {"save": self.t("wheel_save"), "cancel": self.t("wheel_cancel")},
                "save": save,
                "cancel": {"view": view, "page": 1},
            },
        )

    def values_of(self, event: WheelEvent) -> dict[str, str]:
        """A stored event as the form's input values."""
        local = event.starts_at.astimezone(self.zone)
        return {
            "kind": event.kind.value,
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "title": event.title,
            "place": event.place,
            "text": event.text,
            "offsets": format_offsets(event.offsets),
        }

    # --- deleting ----------------------------------------------------------

    def confirm_delete(self, event: WheelEvent, view: int) -> dict:
        ref = {"event_id": event.id, "view": view}
        return render(
            "confirm",
            {
                "question": self.t("wheel_confirm_delete", title=md(event.title), when=self.when(event.starts_at)),
                "yes": {"title": self.t("wheel_yes_delete"), "verb": "wheel.delete.confirm", "data": ref},
                "no": {"title": self.t("wheel_no_keep"), "verb": "wheel.page", "data": {"view": view, "page": 1}},
            },
        )

    # --- the delivery report ------------------------------------------------

    def status(self, row) -> str:
        parts = [delivered(self.lang, row.status, row.attempts)]
        if row.finished_at:
            parts.append(self.t("wheel_report_finished", when=self.short_when(row.finished_at)))
        if row.detail:
            parts.append(md(row.detail))
        return " · ".join(parts)

    def _report_data(self, event: WheelEvent, view: int, rows: list[dict], page: int, pages: int, empty: bool) -> dict:
        groups: list[dict] = []
        for row in rows:
            if not groups or groups[-1]["heading"] != row["heading"]:
                groups.append({"heading": row["heading"], "rows": []})
            groups[-1]["rows"].append({"to": row["to"], "status": row["status"]})
        ref = {"event_id": event.id, "view": view}
        data = {
            "title": self.t("wheel_report_title", title=md(event.title)),
            "subtitle": f"{self.kind(event.kind)} · {self.when(event.starts_at)}",
            "intro": self.t("wheel_report_empty" if empty else "wheel_report_intro"),
            "groups": groups,
            "actions": [
                {"title": self.t("wheel_report_refresh"), "verb": "wheel.report", "data": {**ref, "page": page}},
                {"title": self.t("wheel_show"), "verb": "wheel.page", "data": {"view": view, "page": 1}},
            ],
        }
        if row := self.paging(page, pages, lambda n: {"verb": "wheel.report", "data": {**ref, "page": n}}):
            data["paging"] = row
        return data

    def report(self, event: WheelEvent, view: int, deliveries: list, names: dict[str, str], page: int = 1) -> dict:
        """``names``: the target of each person's reminder → their name."""
        rows = []
        for row in deliveries:
            to = (
                self.t("wheel_report_channel")
                if row.target == "channel"
                else names.get(row.target) or self.t("wheel_report_someone")
            )
            rows.append(
                {
                    "heading": self.t(
                        "wheel_report_offset", offset=self.offset(row.offset_minutes), when=self.when(row.due_at)
                    ),
                    "to": to,
                    "status": self.status(row),
                }
            )
        pages = paginate(
            rows, lambda part, p, n: render("wheel_report", self._report_data(event, view, part, p, n, False))
        )
        number = min(max(page, 1), len(pages))
        return render("wheel_report", self._report_data(event, view, pages[number - 1], number, len(pages), not rows))

"""Needs reports as cards: the form's steps, the summary, the receipt, the
report itself and the list. Values are shown as the reader expects them
(names, kroner, dates); user text is escaped."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.forum.needs.form import FIELDS, STEPS, Invalid
from bot.forum.needs.report import DECISIONS, NeedsReport, Status
from bot.forum.needs.service import SUMMARY_STEP, StepOutcome, still_wrong, typed_errors
from bot.i18n import text
from bot.views.common import invalid_text, paging
from bot.views.numbers import whole
from cards import render
from cards.markdown import escape_markdown as md

# How each kind of field is asked for on the card.
_INPUT = {"whole": ("text", "tel"), "email": ("text", "email")}


def nok(lang: str, amount: int | None) -> str:
    if amount is None:
        return "–"
    return text(lang, "nok", amount=whole(lang, amount))


def when(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M") if moment else "–"


def status_name(lang: str, status: Status) -> str:
    return text(lang, f"status_{status.value}")


class NeedsViews:
    """Card builders for one reader: their language and the year's choices."""

    def __init__(
        self, lang: str, organisations: dict[str, str], offered: dict[str, str], areas: dict[str, str]
    ) -> None:
        self.lang = lang
        self.organisations = organisations  # id -> name, the whole roster
        self.offered = offered  # id -> name, those the reader may report for
        self.areas = areas  # code -> name, the report year's competence areas

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    # --- reading values ---------------------------------------------------

    def _choices(self, name: str) -> list[dict]:
        options = {
            "organisation_id": self.offered,
            "education": {c: self.t(f"education_{c}") for c in ("norskopplaering", "grunnskole", "videregaende")},
            "competence_areas": self.areas,
            "target_groups": {c: self.t(f"target_{c}") for c in ("laerere", "ledere")},
        }.get(name, {})
        return [{"title": md(title), "value": value} for value, title in options.items()]

    def shown_value(self, name: str, value: object) -> str:
        """A stored value as the reader sees it in the summary."""
        if value in (None, "", []):
            return "–"
        kind = FIELDS[name].kind
        if kind in ("choice", "choices"):
            names = {c["value"]: c["title"] for c in self._choices(name)}
            picked = value if isinstance(value, list) else [value]
            return ", ".join(names.get(v, md(str(v))) for v in picked)
        if kind == "toggle":
            return self.t("yes" if value else "no")
        if kind == "date":
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        if name in ("amount_applied", "own_contribution"):
            return nok(self.lang, value)
        return md(str(value))

    @staticmethod
    def input_value(value: object) -> str:
        """A stored value as an input's value."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ",".join(value)
        return str(value)

    # --- the form ------------------------------------------------------------

    def form(self, report: NeedsReport, outcome: StepOutcome | None = None, step: int = 1) -> dict:
        step = outcome.step if outcome else step
        if step == SUMMARY_STEP:
            return self.summary(report)
        values = report.working_values
        # What was typed and failed its check comes back with its error,
        # also when the step is shown again later.
        here = {f.name for f in STEPS[step - 1]}
        typed = {name: t for name, t in typed_errors(report).items() if name in here}
        entered = {**{name: raw for name, (raw, _) in typed.items()}, **(outcome.entered if outcome else {})}
        errors: dict[str, Invalid] = {
            **{name: error for name, (_, error) in typed.items()},
            **(outcome.errors if outcome else {}),
        }
        problems = [f"{self.t('field_' + name)}: {invalid_text(self.lang, error)}" for name, error in errors.items()]
        for name, (theirs, who) in (outcome.conflicts if outcome else {}).items():
            problems.append(
                self.t("needs_conflict", who=who, field=self.t("field_" + name), theirs=self.shown_value(name, theirs))
            )
        fields = []
        for f in STEPS[step - 1]:
            label = self.t("field_" + f.name)
            kind, style = _INPUT.get(f.kind, (f.kind, "text"))
            raw = entered.get(f.name) if f.name in entered else self.input_value(values.get(f.name))
            error = errors.get(f.name)
            fields.append(
                {
                    "id": f.name,
                    "kind": kind,
                    "style": style,
                    "label": label,
                    "value": raw if isinstance(raw, str) else self.input_value(raw),
                    "required": f.required,
                    "max_length": f.max_length,
                    "required_message": f"{label}: {self.t('invalid_required')}",
                    "toggle_title": self.t("yes"),
                    "choices": self._choices(f.name),
                    "error": f"{label}: {invalid_text(self.lang, error)}" if error else "",
                }
            )
        shown = {f.name: values.get(f.name) for f in STEPS[step - 1]}
        # After a conflict, the card shows the saved values as its starting
        # point, so that saving again deliberately replaces them.
        action = {"report_id": report.id, "step": step, "version": report.version, "shown": shown}
        return render(
            "needs_form",
            {
                "title": self._title(report),
                "step": step,
                "step_title": self._step_title(step),
                "note": self.t("needs_saved_note"),
                "problems_title": self.t("needs_errors_title"),
                "problems": problems,
                "fields": fields,
                "labels": {
                    "next": self.t("needs_next"),
                    "back": self.t("needs_back"),
                    "cancel": self.t("needs_cancel"),
                },
                "next": {**action, "forward": True},
                "back": {**action, "forward": False},
                "cancel": {"report_id": report.id},
            },
        )

    def _title(self, report: NeedsReport) -> str:
        if report.reference:
            return self.t("needs_edit_title", reference=report.reference)
        return self.t("needs_new_title")

    def _step_title(self, step: int) -> str:
        return self.t("needs_step", step=step, steps=SUMMARY_STEP, name=self.t(f"needs_step_{step}"))

    def _sections(self, values: dict, report_id: int | None = None, typed: dict | None = None) -> list[dict]:
        """The values step by step; in a draft, text typed that is still
        wrong stands in place of its field's value, with what is wrong."""
        typed = typed or {}

        def fact(name: str) -> str:
            if name in typed:
                raw, error = typed[name]
                return f"{md(raw)} ({invalid_text(self.lang, error)})"
            return self.shown_value(name, values.get(name))

        sections = []
        for number, step in enumerate(STEPS, start=1):
            section = {
                "title": self.t(f"needs_step_{number}"),
                "facts": [{"title": self.t("field_" + f.name), "value": fact(f.name)} for f in step],
            }
            if report_id is not None:
                section["edit_title"] = self.t("needs_edit_step", step=number)
                section["edit"] = {"report_id": report_id, "step": number}
            sections.append(section)
        return sections

    def summary(self, report: NeedsReport) -> dict:
        missing = still_wrong(report)
        return render(
            "needs_summary",
            {
                "title": self._title(report),
                "step_title": self._step_title(SUMMARY_STEP),
                "sections": self._sections(report.working_values, report.id, typed_errors(report)),
                "missing": (
                    self.t("needs_missing", fields=", ".join(self.t("field_" + m) for m in missing)) if missing else ""
                ),
                "labels": {
                    "send": self.t("needs_send_changes" if report.reference else "needs_send"),
                    "cancel": self.t("needs_cancel"),
                },
                "send": {"report_id": report.id, "version": report.version},
                "cancel": {"report_id": report.id},
            },
        )

    # --- a sent report -------------------------------------------------------

    def report(
        self,
        report: NeedsReport,
        organisation: str,
        *,
        title: str | None = None,
        note: str = "",
        history: list[str] = (),
        decide: bool = False,
        actions: list[dict] = (),
    ) -> dict:
        decisions = DECISIONS.get(report.status, ()) if decide else ()
        return render(
            "needs_report",
            {
                "title": title
                or self.t(
                    "needs_report_title",
                    reference=report.reference or self.t("needs_draft_label"),
                    title=md(report.fields.get("title") or self.t("needs_untitled")),
                ),
                "subtitle": f"{md(organisation)} · {status_name(self.lang, report.status)}"
                + (f" · {nok(self.lang, report.granted_amount)}" if report.granted_amount is not None else ""),
                "text": note,
                "sections": self._sections(report.fields),
                "history_title": self.t("needs_history"),
                "history": list(history),
                "decide_title": self.t("needs_decide_title"),
                "ask_amount": Status.GRANTED in decisions,
                "granted_label": self.t("needs_granted_label"),
                "decisions": [
                    {
                        "title": self.t("needs_decide_to", status=status_name(self.lang, to)),
                        "data": {"report_id": report.id, "status": to.value},
                    }
                    for to in decisions
                ],
                "actions": list(actions) or [self.command_button("cmd_mine", "mine behovsmeldinger")],
            },
        )

    def command_button(self, title_key: str, command: str) -> dict:
        return {"title": self.t(title_key), "verb": "command", "data": {"command": command}}

    def report_list(
        self,
        reports: list[NeedsReport],
        heading: str,
        may_change,
        page: tuple[int, int] = (1, 1),
        intro: str = "",
    ) -> dict:
        """A page of reports; ``page`` is (this page, pages)."""
        items = []
        for r in reports:
            if r.status is Status.DRAFT:
                actions = [{"title": self.t("needs_continue"), "verb": "needs.resume", "data": {"report_id": r.id}}]
            else:
                actions = [{"title": self.t("needs_view"), "verb": "needs.view", "data": {"report_id": r.id}}]
                if may_change(r):
                    actions += [
                        {"title": self.t("needs_edit"), "verb": "needs.edit", "data": {"report_id": r.id}},
                        {"title": self.t("needs_withdraw"), "verb": "needs.withdraw", "data": {"report_id": r.id}},
                    ]
            values = r.working_values if r.status is Status.DRAFT else r.fields
            details = [str(r.year), status_name(self.lang, r.status)]
            if values.get("amount_applied") is not None:
                details.append(nok(self.lang, values["amount_applied"]))
            items.append(
                {
                    "heading": f"{r.reference or self.t('needs_draft_label')}: "
                    f"{md(values.get('title') or self.t('needs_untitled'))} ({md(self.organisations.get(r.organisation_id, r.organisation_id))})",
                    "details": " · ".join(details),
                    "actions": actions,
                }
            )
        data = {
            "title": heading,
            "intro": intro if reports else self.t("needs_list_empty"),
            "reports": items,
            "actions": [{"title": self.t("needs_start_new"), "verb": "needs.new", "data": {}}],
        }
        number, pages = page
        label = self.t("overview_page", page=number, pages=pages)
        row = paging(
            number, pages, label, self.t("overview_previous"), self.t("overview_next"), lambda n: {"data": {"page": n}}
        )
        if row:
            data["paging"] = row
        return render("needs_list", data)

    def confirm(self, question: str, yes: tuple[str, str], no: tuple[str, str], report_id: int) -> dict:
        data = {"report_id": report_id}
        return render(
            "confirm",
            {
                "question": question,
                "yes": {"title": self.t(yes[0]), "verb": yes[1], "data": data},
                "no": {"title": self.t(no[0]), "verb": no[1], "data": data},
            },
        )

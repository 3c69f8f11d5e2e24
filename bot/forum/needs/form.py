"""The needs-report form: its fields, its steps, and the checks every
submitted value passes. Card inputs are client-controlled, so every value
is checked here again, whatever the card promised."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

EDUCATIONS = ("norskopplaering", "grunnskole", "videregaende")
TARGET_GROUPS = ("laerere", "ledere")
MAX_NOK = 100_000_000
RAW_LIMIT = 10_000  # no input of ours is longer; more is a forged or pasted flood
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Invalid(ValueError):
    """One field's value is wrong; ``code`` names the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | longtext | choice | choices | whole | date | toggle | email
    required: bool = True
    max_length: int = 200
    low: int | None = None  # a whole number's range: both are set for one
    high: int | None = None

    def clean(self, raw: object, options: Iterable[str] = ()) -> object:
        if isinstance(raw, bool) or raw is None:
            raw = "" if raw is None else ("true" if raw else "false")
        if isinstance(raw, int | float):
            raw = str(raw)
        if not isinstance(raw, str):
            raise Invalid("invalid_value")
        text = raw.strip()
        if len(text) > RAW_LIMIT:
            raise Invalid("too_long", limit=self.max_length)
        if not text:
            if self.required:
                raise Invalid("required")
            return [] if self.kind == "choices" else None
        return _CLEANERS[self.kind](self, text, tuple(options))


def _text(f: Field, text: str, _) -> str:
    if len(text) > f.max_length:
        raise Invalid("too_long", limit=f.max_length)
    return text


def _choice(f: Field, text: str, options: tuple[str, ...]) -> str:
    if text not in options:
        raise Invalid("not_offered")
    return text


def _choices(f: Field, text: str, options: tuple[str, ...]) -> list[str]:
    # Teams sends a multi-select ChoiceSet as one comma-separated string.
    picked = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if any(p not in options for p in picked):
        raise Invalid("not_offered")
    if f.required and not picked:
        raise Invalid("required")
    return picked


def _whole(f: Field, text: str, _) -> int:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    # ASCII digits only: \d and int() also read other scripts' digits.
    if not re.fullmatch(r"[0-9]+", cleaned):
        raise Invalid("whole_number")
    # More digits than the highest allowed value is out of range before
    # int() sees them: Python refuses to convert thousands of digits.
    digits = cleaned.lstrip("0") or "0"
    if len(digits) > len(str(f.high)) or not f.low <= int(digits) <= f.high:
        raise Invalid("out_of_range", low=f.low, high=f.high)
    return int(digits)


def _date(f: Field, text: str, _) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Invalid("not_a_date") from None


def _toggle(f: Field, text: str, _) -> bool:
    if text not in ("true", "false"):
        raise Invalid("not_offered")
    return text == "true"


def _email(f: Field, text: str, _) -> str:
    if not _EMAIL.fullmatch(text) or len(text) > f.max_length:
        raise Invalid("not_an_email")
    return text.lower()


_CLEANERS: dict[str, Callable] = {
    "text": _text,
    "longtext": _text,
    "choice": _choice,
    "choices": _choices,
    "whole": _whole,
    "date": _date,
    "toggle": _toggle,
    "email": _email,
}

STEPS: tuple[tuple[Field, ...], ...] = (
    (
        Field("organisation_id", "choice"),
        Field("title", "text", max_length=200),
        Field("education", "choices"),
        Field("competence_areas", "choices"),
        Field("target_groups", "choices"),
    ),
    (
        Field("local_need", "longtext", max_length=4000),
        Field("mapping", "longtext", max_length=2000),
        Field("anchored", "toggle"),
        Field("anchoring", "longtext", max_length=2000),
        Field("partner", "text", max_length=200),
        Field("lecturers", "text", required=False, max_length=500),
    ),
    (
        Field("municipalities", "text", max_length=500),
        Field("participants", "whole", low=1, high=10_000),
        Field("period_start", "date"),
        Field("period_end", "date"),
        Field("amount_applied", "whole", low=0, high=MAX_NOK),
        Field("own_contribution", "whole", low=0, high=MAX_NOK),
        Field("contact_name", "text", max_length=200),
        Field("contact_email", "email", max_length=320),
        Field("contact_phone", "text", required=False, max_length=40),
    ),
)
FIELDS: dict[str, Field] = {f.name: f for step in STEPS for f in step}
LAST_STEP = len(STEPS)  # the summary comes after it


@dataclass
class StepCheck:
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, Invalid] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_step(step: int, raw: Mapping[str, object], options: Mapping[str, Iterable[str]]) -> StepCheck:
    """Check one step's inputs. Fields the client left out count as empty;
    fields that belong to other steps are ignored."""
    result = StepCheck()
    for f in STEPS[step - 1]:
        try:
            result.values[f.name] = f.clean(raw.get(f.name), options.get(f.name, ()))
        except Invalid as error:
            result.errors[f.name] = error
    start, end = result.values.get("period_start"), result.values.get("period_end")
    if start and end and start > end:
        result.errors["period_end"] = Invalid("end_before_start")
    return result


def missing_fields(values: Mapping[str, object]) -> list[str]:
    """Required fields not yet filled in: what stands between a draft and Send."""
    return [f.name for f in FIELDS.values() if f.required and values.get(f.name) in (None, "", [])]

"""A needs report and the life it goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "utkast"
    SUBMITTED = "innsendt"
    PRIORITISED = "prioritert"
    NOT_PRIORITISED = "ikke_prioritert"
    GRANTED = "tildelt"
    REPORTED = "rapportert"
    WITHDRAWN = "trukket"


# What the Statsforvalter may move a report to, from each status.
DECISIONS: dict[Status, tuple[Status, ...]] = {
    Status.SUBMITTED: (Status.PRIORITISED, Status.NOT_PRIORITISED),
    Status.PRIORITISED: (Status.GRANTED, Status.NOT_PRIORITISED),
    Status.NOT_PRIORITISED: (Status.PRIORITISED,),
    Status.GRANTED: (Status.REPORTED,),
}
# Statuses in which the organisation may still edit or withdraw (before the deadline).
OPEN_FOR_CHANGE = (Status.SUBMITTED,)
# The draft's key for text a person typed that did not pass the checks:
# field -> {"text", "code", "params"}, kept so that it is shown again.
TYPED = "typed"


class Drafted:
    """Values as last sent, with a draft of work in progress over them."""

    fields: dict
    draft: dict | None

    @property
    def working_values(self) -> dict:
        """What the form shows: the draft over the sent values."""
        return {**self.fields, **{k: v for k, v in (self.draft or {}).items() if k != TYPED}}

    @property
    def typed(self) -> dict[str, dict]:
        """Text typed into the draft's fields that is still wrong."""
        return dict((self.draft or {}).get(TYPED) or {})


@dataclass(frozen=True)
class NeedsReport(Drafted):
    id: int
    forum_id: str
    organisation_id: str
    year: int
    status: Status
    # The values as last sent in; empty until the first submission.
    fields: dict
    # Work in progress: a new report's values, or changes to a sent one.
    draft: dict | None
    version: int
    number: int | None = None
    granted_amount: int | None = None
    created_by: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    reopened: bool = False  # by the Statsforvalter, after the deadline

    def amount(self, name: str) -> int | None:
        """A whole-kroner field of the sent values; None when it has none."""
        value = self.fields.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def reference(self) -> str | None:
        return f"BM-{self.year}-{self.number:03d}" if self.number else None

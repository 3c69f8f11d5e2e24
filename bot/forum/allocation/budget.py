"""The year's budget: the frame the allocation letter gives the forum, and
amounts the Statsforvalter sets aside for competence areas. Everyone on the
roster sees it beside what was applied for and granted; only the
Statsforvalter sets it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.forum import access, audit
from bot.forum.audit import Action
from bot.forum.needs.overview import SENT
from bot.forum.needs.report import Status
from bot.forum.roster import Actor, Refused

MAX_FRAME = 10_000_000_000  # kroner: far above any year's competence funds
GRANTED = (Status.GRANTED, Status.REPORTED)


@dataclass(frozen=True)
class Budget:
    forum_id: str
    year: int
    frame: int
    reserved: Mapping[str, int] = field(default_factory=dict)  # competence area code -> kroner
    version: int = 0  # 0: not set yet
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def is_set(self) -> bool:
        return self.version > 0


@dataclass(frozen=True)
class BudgetFigures:
    budget: Budget
    applied: int  # by the year's sent reports
    granted: int  # to the year's granted (and reported) reports

    @property
    def remaining(self) -> int:
        return self.budget.frame - self.granted


@dataclass(frozen=True)
class SetBudget:
    year: int
    frame: int
    reserved: Mapping[str, int]
    version: int  # of the budget the form was made from


def unset(forum_id: str, year: int) -> Budget:
    return Budget(forum_id, year, 0)


async def budget_of(uow, forum_id: str, year: int) -> Budget:
    return await uow.budgets.get(forum_id, year) or unset(forum_id, year)


async def figures(uow, forum_id: str, year: int) -> BudgetFigures:
    budget = await budget_of(uow, forum_id, year)
    sent = await uow.needs_reports.figures_by_organisation(forum_id, [year], SENT)
    granted = await uow.needs_reports.figures_by_organisation(forum_id, [year], GRANTED)
    return BudgetFigures(budget, sum(row[4] for row in sent), sum(row[5] for row in granted))


async def set_budget(uow, actor: Actor, command: SetBudget, area_codes: set[str], now: datetime) -> Budget:
    """Store the year's budget. Refused, and nothing stored, when the
    amounts set aside pass the frame, name an area the year does not have,
    or when someone saved the budget since the form was shown."""
    if not access.may_edit(actor):
        raise Refused("statsforvalter_only")
    if not 2000 <= command.year <= 2100 or not 0 <= command.frame <= MAX_FRAME:
        raise Refused("bad_card_data")
    reserved = {code: amount for code, amount in command.reserved.items() if amount}
    if set(reserved) - area_codes or any(not 0 < amount <= MAX_FRAME for amount in reserved.values()):
        raise Refused("bad_card_data")
    if sum(reserved.values()) > command.frame:
        raise Refused("budget_reserved_over_frame", reserved=sum(reserved.values()), frame=command.frame)
    budget = Budget(
        actor.forum.id, command.year, command.frame, reserved, command.version + 1, actor.aad_object_id, now
    )
    if not await uow.budgets.put(budget, expected_version=command.version):
        raise Refused("budget_changed_meanwhile")
    await audit.record(
        uow,
        actor.forum.id,
        actor.aad_object_id,
        Action.BUDGET_SET,
        command.year,
        now,
        frame=command.frame,
        reserved=reserved,
    )
    await uow.commit()
    return budget

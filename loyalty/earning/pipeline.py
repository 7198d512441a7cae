"""The earning pipeline: pure functions from the facts of a purchase to the points it earns.

Each step takes the program, the facts and the award so far, and returns the award with
its own contribution and a reason the member can read. The total is rounded once, at the
end, by the program's `points_rounding` (down by default: 12.99 EUR at 1 point per euro
earns 12 points).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from loyalty.program.spec import Program


@dataclass(frozen=True)
class PurchaseFacts:
    eligible_minor: int  # the part of the order that earns: the amount less what points paid
    brand: str | None
    categories: tuple[str, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class Reason:
    """A line of the explanation: what step, and the points it added (before rounding)."""

    step: str
    points: Decimal
    detail: str = ""


@dataclass(frozen=True)
class Award:
    points: Decimal = Decimal(0)
    reasons: tuple[Reason, ...] = ()

    def plus(self, reason: Reason) -> Award:
        return replace(self, points=self.points + reason.points, reasons=(*self.reasons, reason))


Step = Callable[[Program, PurchaseFacts, Award], Award]


def base_points(program: Program, facts: PurchaseFacts, award: Award) -> Award:
    settings = program.program
    spent = Decimal(facts.eligible_minor).scaleb(-settings.minor_units)
    return award.plus(Reason("base", spent * settings.points_per_currency_unit, str(settings.points_per_currency_unit)))


PURCHASE_STEPS: tuple[Step, ...] = (base_points,)


def purchase_points(program: Program, facts: PurchaseFacts, steps: tuple[Step, ...] = PURCHASE_STEPS) -> tuple[int, Award]:
    award = Award()
    for step in steps:
        award = step(program, facts, award)
    return max(0, program.program.round_points(award.points)), award

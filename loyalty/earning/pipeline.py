"""The earning pipeline: pure functions from the facts of a purchase to the points it earns.

Each step takes the program, the facts and the award so far, and returns the award with
its own contribution and a reason the member can read. The total is rounded once, at the
end, by the program's `points_rounding` (down by default: 12.99 EUR at 1 point per euro
earns 12 points).

The steps, in order:
1. base: `points_per_currency_unit` per unit of eligible spend (the amount less what
   points and store credit paid).
2. multipliers: the tier's `points_multiplier`, the paid plan's `points_multiplier` (while
   its membership is ACTIVE), the new-member multiplier (purchases in
   the first `new_member_days` days after joining), the tier's bonus-day multiplier (on the
   date the member chose), and each promotion's `multiplier` for the lines it covers
   (date range, brand, item categories). They are combined by `bonuses.multipliers_combine`
   (see `combine`) and applied to the base points; a multiplier of 1 does nothing.
3. promotion points: the flat `bonus_points` of each promotion the purchase qualifies for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from loyalty.program.spec import MultipliersCombine, Plan, Program, Promotion, TierLevel


@dataclass(frozen=True)
class Line:
    category: str | None
    amount_minor: int


@dataclass(frozen=True)
class PurchaseFacts:
    eligible_minor: int  # the part of the order that earns: the amount less what points paid
    brand: str | None
    categories: tuple[str, ...]
    occurred_at: datetime
    lines: tuple[Line, ...] = ()  # the order's lines, for promotions narrowed to categories
    tier: TierLevel | None = None  # the level the member holds at occurred_at
    joined_at: datetime | None = None
    bonus_day: date | None = None  # the bonus day the member chose for the period, if any
    plan: Plan | None = None  # the paid plan whose perks the member has at occurred_at
    segment: str | None = None  # the member's segment (read only when a promotion names segments)


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


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def base_of(program: Program, minor: int) -> Decimal:
    settings = program.program
    return Decimal(minor).scaleb(-settings.minor_units) * settings.points_per_currency_unit


def base_points(program: Program, facts: PurchaseFacts, award: Award) -> Award:
    settings = program.program
    return award.plus(Reason("base", base_of(program, facts.eligible_minor), str(settings.points_per_currency_unit)))


# --- multipliers -----------------------------------------------------------------


def combine(rule: MultipliersCombine, multipliers: list[Decimal]) -> Decimal:
    """The one multiplier that `multipliers` make together, by the program's rule. With 2
    and 3: multiply gives 6, add_extra gives 1 + 1 + 2 = 4, highest gives 3. No
    multiplier at all gives 1."""
    if not multipliers:
        return Decimal(1)
    if rule is MultipliersCombine.MULTIPLY:
        result = Decimal(1)
        for m in multipliers:
            result *= m
        return result
    if rule is MultipliersCombine.HIGHEST:
        return max(Decimal(1), *multipliers)
    return Decimal(1) + sum((m - 1 for m in multipliers), Decimal(0))


def _extras(rule: MultipliersCombine, base: Decimal, steps: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal, Decimal]]:
    """What each multiplier adds to `base`, so that base plus the extras is base times
    combine(rule, ...): (step, multiplier, points added)."""
    if rule is MultipliersCombine.HIGHEST:
        best = max(steps, key=lambda s: s[1])  # the first of equal ones
        return [(best[0], best[1], base * (best[1] - 1))]
    if rule is MultipliersCombine.MULTIPLY:
        out, running = [], base
        for step, m in steps:
            out.append((step, m, running * (m - 1)))
            running *= m
        return out
    return [(step, m, base * (m - 1)) for step, m in steps]


def new_member_applies(program: Program, facts: PurchaseFacts) -> bool:
    bonuses, joined_at = program.bonuses, facts.joined_at
    # The program's validation sets new_member_multiplier and new_member_days together.
    if bonuses.new_member_multiplier is None or bonuses.new_member_days is None or joined_at is None:
        return False
    return joined_at <= facts.occurred_at < joined_at + timedelta(days=bonuses.new_member_days)


def local_date(program: Program, moment: datetime) -> date:
    return moment.astimezone(program.program.zone).date()


def promotion_applies(program: Program, promotion: Promotion, facts: PurchaseFacts) -> bool:
    """The promotion runs on the purchase's date, covers its brand (categories are per line)
    and, when it names segments, the member's segment."""
    day = local_date(program, facts.occurred_at)
    if not promotion.starts_on <= day <= promotion.ends_on:
        return False
    if promotion.segments and facts.segment not in promotion.segments:
        return False
    return not promotion.brands or facts.brand in promotion.brands


def covered_minor(promotion: Promotion, facts: PurchaseFacts) -> int:
    """The part of the eligible spend a promotion covers: all of it, or, for a promotion
    narrowed to categories, the eligible spend in proportion to the lines in those
    categories (rounded down)."""
    if not promotion.categories:
        return facts.eligible_minor
    total = sum(line.amount_minor for line in facts.lines)
    if total <= 0:
        return 0
    matching = sum(line.amount_minor for line in facts.lines if line.category in promotion.categories)
    return facts.eligible_minor * matching // total


def _common_multipliers(program: Program, facts: PurchaseFacts) -> list[tuple[str, Decimal]]:
    steps: list[tuple[str, Decimal]] = []
    if facts.tier is not None and facts.tier.points_multiplier != 1:
        steps.append(("tier", facts.tier.points_multiplier))
    if facts.plan is not None and facts.plan.points_multiplier != 1:
        steps.append(("plan", facts.plan.points_multiplier))
    new_member = program.bonuses.new_member_multiplier
    if new_member is not None and new_member != 1 and new_member_applies(program, facts):
        steps.append(("new_member", new_member))
    if (
        facts.bonus_day is not None and facts.tier is not None and facts.tier.bonus_day_multiplier is not None
        and local_date(program, facts.occurred_at) == facts.bonus_day
    ):
        steps.append(("bonus_day", facts.tier.bonus_day_multiplier))
    return steps


def _portions(program: Program, facts: PurchaseFacts) -> list[tuple[int, list[Promotion]]]:
    """The eligible spend split by the multiplier promotions that cover it: lines covered by
    the same promotions form one portion, in proportion to their amounts (rounded down, the
    last portion taking the remainder, so the portions add up to the eligible spend)."""
    promotions = [
        p for p in program.bonuses.promotions if p.multiplier is not None and promotion_applies(program, p, facts)
    ]
    total = sum(line.amount_minor for line in facts.lines)
    if total <= 0:  # no lines to go by: only promotions for every category apply
        return [(facts.eligible_minor, [p for p in promotions if not p.categories])]
    groups: dict[tuple[int, ...], int] = {}
    for line in facts.lines:
        key = tuple(i for i, p in enumerate(promotions) if not p.categories or line.category in p.categories)
        groups[key] = groups.get(key, 0) + line.amount_minor
    portions, left = [], facts.eligible_minor
    for n, (key, minor) in enumerate(groups.items()):
        share = left if n == len(groups) - 1 else facts.eligible_minor * minor // total
        left -= share
        portions.append((share, [promotions[i] for i in key]))
    return portions


def multipliers(program: Program, facts: PurchaseFacts, award: Award) -> Award:
    """The combined multipliers on the base points. A promotion narrowed to categories
    multiplies only its lines: those lines combine their promotions with the multipliers
    of the whole purchase, the rest of the order combines those alone."""
    rule = program.bonuses.multipliers_combine
    common = _common_multipliers(program, facts)
    added: dict[tuple[str, Decimal], Decimal] = {}
    for minor, promotions in _portions(program, facts):
        steps = [*common, *(("promotion", p.multiplier) for p in promotions if p.multiplier is not None)]
        if minor <= 0 or not steps:
            continue
        for step, m, points in _extras(rule, base_of(program, minor), steps):
            added[(step, m)] = added.get((step, m), Decimal(0)) + points
    for (step, m), points in added.items():
        if points:
            award = award.plus(Reason(step, points, _plain(m)))
    return award


def promotion_points(program: Program, facts: PurchaseFacts, award: Award) -> Award:
    for promotion in program.bonuses.promotions:
        if promotion.bonus_points is None or not promotion_applies(program, promotion, facts):
            continue
        if promotion.categories and covered_minor(promotion, facts) <= 0:
            continue
        award = award.plus(Reason("promotion_points", Decimal(promotion.bonus_points), str(promotion.bonus_points)))
    return award


PURCHASE_STEPS: tuple[Step, ...] = (base_points, multipliers, promotion_points)


def purchase_points(program: Program, facts: PurchaseFacts, steps: tuple[Step, ...] = PURCHASE_STEPS) -> tuple[int, Award]:
    award = Award()
    for step in steps:
        award = step(program, facts, award)
    return max(0, program.program.round_points(award.points)), award

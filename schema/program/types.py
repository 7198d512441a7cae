from __future__ import annotations

from decimal import Decimal

import strawberry

from loyalty.program import spec
from schema.money import Money, money
from schema.relay import Node, to_global_id

TierMetric = strawberry.enum(spec.TierMetric, name="TierMetric")
ActionKind = strawberry.enum(spec.ActionKind, name="ActionKind")
PlanInterval = strawberry.enum(spec.PlanInterval, name="PlanInterval")
PassKind = strawberry.enum(spec.PassKind, name="PassKind")


def _money(program: spec.Program, amount: Decimal) -> Money:
    return money(amount, program.program.currency, program.program.minor_units)


@strawberry.type
class Brand:
    code: str
    name: str


@strawberry.type
class Tier(Node):
    name: str
    rank: int = strawberry.field(description="0 for the entry tier, ascending.")
    metric: TierMetric
    threshold: Decimal = strawberry.field(
        description="Qualifying amount needed within one qualification period (money for SPEND, a count otherwise)."
    )
    points_multiplier: Decimal
    cashback_percent: Decimal = strawberry.field(
        description="Percentage of eligible spend returned as store credit; 0 when the tier has no cashback."
    )
    benefits: list[str]

    @classmethod
    def from_spec(cls, program: spec.Program, rank: int) -> Tier:
        level = program.tiers.levels[rank]
        return cls(
            id=to_global_id("Tier", level.code), name=level.name, rank=rank, metric=program.tiers.metric,
            threshold=level.threshold, points_multiplier=level.points_multiplier,
            cashback_percent=level.cashback_percent, benefits=list(level.benefits),
        )


@strawberry.type
class EarningRule:
    action: ActionKind
    points: int
    limit: str | None = strawberry.field(
        description='How often one member can earn it, e.g. "once", "1 per day"; null when unlimited.'
    )
    description: str

    @classmethod
    def from_spec(cls, rule: spec.EarningRule) -> EarningRule:
        return cls(action=rule.action, points=rule.points, limit=rule.limit_text(), description=rule.description)


@strawberry.type
class Plan(Node):
    name: str
    price: Money
    interval: PlanInterval
    points_multiplier: Decimal
    benefits: list[str]

    @classmethod
    def from_spec(cls, program: spec.Program, plan: spec.Plan) -> Plan:
        return cls(
            id=to_global_id("Plan", plan.code), name=plan.name, price=_money(program, plan.price),
            interval=plan.interval, points_multiplier=plan.points_multiplier, benefits=list(plan.benefits),
        )


@strawberry.type
class PassProduct(Node):
    name: str
    kind: PassKind
    price: Money | None = strawberry.field(description="null for PUNCH_CARD, which is free.")
    visits: int | None = strawberry.field(description="PUNCH_CARD: stamps to a reward; VISIT_PACK: paid visits.")
    bonus_visits: int | None = strawberry.field(description="VISIT_PACK: extra free visits.")
    months: int | None = strawberry.field(description="TIME_PASS: paid months and extra free months.")
    bonus_months: int | None
    bonus_credit: Money | None = strawberry.field(description="CREDIT_PASS: extra credit on top of the price.")
    description: str

    @classmethod
    def from_spec(cls, program: spec.Program, product: spec.PassProduct) -> PassProduct:
        return cls(
            id=to_global_id("PassProduct", product.code), name=product.name, kind=product.kind,
            price=None if product.price is None else _money(program, product.price),
            visits=product.visits, bonus_visits=product.bonus_visits, months=product.months,
            bonus_months=product.bonus_months,
            bonus_credit=None if product.bonus_credit is None else _money(program, product.bonus_credit),
            description=product.description,
        )


@strawberry.type
class Program:
    name: str
    points_name: str = strawberry.field(description='What the program calls its points, e.g. "ScoreRewards points".')
    currency_code: str
    points_per_currency_unit: Decimal = strawberry.field(
        description="How many points one unit of currency spent earns at the base tier."
    )
    point_value: Money = strawberry.field(description="What one point is worth when redeemed as credit or donated.")
    pending_days: int = strawberry.field(
        description="Days a purchase's points stay pending before they can be spent (the return window)."
    )
    tiers: list[Tier]
    earning_rules: list[EarningRule]
    plans: list[Plan]
    pass_products: list[PassProduct]
    brands: list[Brand]

    @classmethod
    def from_spec(cls, program: spec.Program) -> Program:
        settings = program.program
        return cls(
            name=settings.name, points_name=settings.points_name, currency_code=settings.currency,
            points_per_currency_unit=settings.points_per_currency_unit,
            # A point is worth a fraction of a cent: keep the value exact, not rounded to cents.
            point_value=Money(amount=settings.point_value, currency_code=settings.currency),
            pending_days=settings.pending_days,
            tiers=[Tier.from_spec(program, rank) for rank in range(len(program.tiers.levels))],
            earning_rules=[EarningRule.from_spec(rule) for rule in program.earning_rules],
            plans=[Plan.from_spec(program, plan) for plan in program.plans],
            pass_products=[PassProduct.from_spec(program, p) for p in program.pass_products],
            brands=[Brand(code=b.code, name=b.name) for b in program.brands],
        )


PROGRAM_NODE_TYPES = [Tier, Plan, PassProduct]

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from loyalty.program.spec import Program
from loyalty.reports.figures import ProgramReport as Figures
from schema.charity.types import Charity
from schema.money import Money, from_minor
from schema.program.types import PassKind, PassProduct, Tier


@strawberry.type(description="Points held at the end of the period that expire in one month of the program's time zone.")
class PointsLiabilityMonth:
    month: str | None = strawberry.field(description='"2027-05"; null for points without an expiry date.')
    points: int
    value: Money


@strawberry.type
class TierCount:
    tier: Tier
    members: int


@strawberry.type(description="Tier changes announced in the period, by the level reached.")
class TierMovement:
    tier: Tier
    upgrades: int
    downgrades: int


@strawberry.type(description="What one charity received in the period.")
class CharityDonations:
    charity: Charity
    points: int = strawberry.field(description="From members and from the program.")
    member_points: int = strawberry.field(description="Given by members, one-off and automatic.")
    value: Money = strawberry.field(description="At the point value of each donation's day.")


@strawberry.type(description="One pass product's payments in the period (punch cards are free: never sold).")
class PassSales:
    product_code: str
    product: PassProduct | None = strawberry.field(description="null when the program no longer has the product.")
    kind: PassKind
    sold: int = strawberry.field(description="Payments in the period.")
    refunded: int = strawberry.field(description="Payments refunded in the period.")
    revenue: Money = strawberry.field(description="The payments less the refunds.")


@strawberry.type(description="Visits in the period that used one kind of pass.")
class VisitsByKind:
    kind: PassKind | None = strawberry.field(description="null for visits that used no pass.")
    visits: int


@strawberry.type(description="Visits in the period at one location.")
class VisitsByLocation:
    location: str | None = strawberry.field(description="null for visits reported without a location.")
    visits: int


@strawberry.type(description=(
    "The program's figures over [from, to), computed from the ledger: balances as they stood at `to`, "
    "flows posted within the period. A brand narrows the flows to its purchases and activeMembers to its "
    "buyers; balances, tiers, referrals, donations, memberships and passes are the whole program's."
))
class ProgramReport:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    brand: str | None
    points_liability: int = strawberry.field(
        description="Spendable and pending points held by members at the end of the period.")
    points_liability_value: Money = strawberry.field(description="pointsLiability valued at the program's point value.")
    credit_liability: Money = strawberry.field(description="Store credit held by members at the end of the period.")
    points_issued: int = strawberry.field(
        description="Points earned in the period: purchases, actions, bonuses, tier rewards, referrals.")
    points_redeemed: int = strawberry.field(description="Points spent on orders and rewards in the period.")
    points_expired: int
    points_donated: int = strawberry.field(description="Points members gave to charities in the period.")
    breakage_rate: Decimal = strawberry.field(description="pointsExpired / pointsIssued over the period.")
    active_members: int = strawberry.field(description=(
        "Members who bought, or earned, spent or donated, in the period (with a brand: who bought at it)."))
    points_posted: int = strawberry.field(description="The spendable part of pointsLiability.")
    points_pending: int = strawberry.field(description="The pending part of pointsLiability (inside the return window).")
    points_owed: int = strawberry.field(description="Points members owe after refunds took back points already spent.")
    points_liability_by_expiry_month: list[PointsLiabilityMonth] = strawberry.field(
        description="pointsLiability by the month the points expire, soonest first.")
    points_clawed_back: int = strawberry.field(description="Earned points refunds took back in the period.")
    points_restored: int = strawberry.field(
        description="Spent points given back in the period by refunds and canceled rewards.")
    points_adjusted: int = strawberry.field(description="Staff adjustments in the period, credits less debits.")
    redemption_rate: Decimal = strawberry.field(description="pointsRedeemed / pointsIssued over the period.")
    tier_distribution: list[TierCount] = strawberry.field(description="Members by the tier they held at the end.")
    tier_movements: list[TierMovement]
    referrals_completed: int
    referral_points: int = strawberry.field(description="Points the referrers received for them.")
    referral_cost: Money = strawberry.field(description="referralPoints at the point value.")
    donations: list[CharityDonations]
    membership_revenue: Money = strawberry.field(
        description="Paid-plan payments in the period less the payments refunded in it.")
    membership_payments: int
    membership_refunds: int
    paid_members_active: int = strawberry.field(description="Paid memberships ACTIVE at the end of the period.")
    paid_members_started: int = strawberry.field(description="Paid memberships first paid in the period.")
    paid_members_churned: int = strawberry.field(
        description="Paid memberships canceled or expired in the period (not those replaced by another plan).")
    pass_revenue: Money = strawberry.field(description="Pass payments in the period less the payments refunded in it.")
    passes_sold: int = strawberry.field(description="Paid passes whose payment was made in the period.")
    pass_refunds: int = strawberry.field(description="Pass payments refunded in the period.")
    pass_sales: list[PassSales] = strawberry.field(description="passRevenue, passesSold and passRefunds by product.")
    visits: int = strawberry.field(description="Visits that happened in the period.")
    visits_by_kind: list[VisitsByKind] = strawberry.field(description="visits by the kind of pass they used.")
    visits_by_location: list[VisitsByLocation] = strawberry.field(description="visits by location.")
    pass_credit_liability: Money = strawberry.field(
        description="Credit left on credit passes at the end of the period.")
    pass_credit_issued: Money = strawberry.field(
        description="Credit posted by credit pass payments in the period, price and bonus.")
    pass_credit_spent: Money = strawberry.field(
        description="Pass credit paid on orders in the period, less what refunds gave back.")
    pass_credit_expired: Money = strawberry.field(
        description="Credit left on credit passes when they expired in the period: breakage.")
    pass_credit_canceled: Money = strawberry.field(
        description="Credit taken back in the period when a credit pass's payment was refunded.")
    pass_credit_breakage_rate: Decimal = strawberry.field(description="passCreditExpired / passCreditIssued.")

    @classmethod
    def from_figures(cls, program: Program, r: Figures) -> ProgramReport:
        def money(minor: int) -> Money:
            return from_minor(minor, r.currency, r.minor_units)

        def tier(code: str) -> Tier:
            return Tier.from_spec(program, program.tiers.rank(code))

        held, flows, plans, passes = r.liability, r.flows, r.memberships, r.passes

        def product(code: str) -> PassProduct | None:
            found = program.pass_product(code)
            return None if found is None else PassProduct.from_spec(program, found)
        return cls(
            from_=r.starts_at, to=r.ends_at, brand=r.brand,
            points_liability=r.points_liability, points_liability_value=money(r.points_liability_value_minor),
            credit_liability=money(held.credit_minor), points_issued=flows.issued, points_redeemed=flows.redeemed,
            points_expired=flows.expired, points_donated=flows.donated, breakage_rate=r.breakage_rate,
            active_members=r.active_members, points_posted=held.points_posted, points_pending=held.points_pending,
            points_owed=held.points_owed,
            points_liability_by_expiry_month=[
                PointsLiabilityMonth(month=m.month, points=m.points, value=money(m.value_minor))
                for m in held.by_expiry_month
            ],
            points_clawed_back=flows.clawed_back, points_restored=flows.restored, points_adjusted=flows.adjusted,
            redemption_rate=r.redemption_rate,
            tier_distribution=[TierCount(tier=tier(t.tier), members=t.members) for t in r.tier_distribution],
            tier_movements=[TierMovement(tier=tier(m.tier), upgrades=m.upgrades, downgrades=m.downgrades)
                            for m in r.tier_movements],
            referrals_completed=r.referrals_completed, referral_points=r.referral_points,
            referral_cost=money(r.referral_cost_minor),
            donations=[CharityDonations(charity=Charity.by_code(program, d.charity), points=d.points,
                                        member_points=d.member_points, value=money(d.value_minor))
                       for d in r.donations],
            membership_revenue=money(plans.revenue_minor), membership_payments=plans.payments,
            membership_refunds=plans.refunds, paid_members_active=plans.active,
            paid_members_started=plans.started, paid_members_churned=plans.churned,
            pass_revenue=money(passes.revenue_minor), passes_sold=passes.sold, pass_refunds=passes.refunds,
            pass_sales=[PassSales(product_code=s.product, product=product(s.product), kind=PassKind(s.kind),
                                  sold=s.sold, refunded=s.refunded, revenue=money(s.revenue_minor))
                        for s in passes.sales],
            visits=passes.visits,
            visits_by_kind=[VisitsByKind(kind=PassKind(v.item) if v.item else None, visits=v.visits)
                            for v in passes.visits_by_kind],
            visits_by_location=[VisitsByLocation(location=v.item, visits=v.visits) for v in passes.visits_by_location],
            pass_credit_liability=money(passes.credit_liability_minor),
            pass_credit_issued=money(passes.credit_issued_minor), pass_credit_spent=money(passes.credit_spent_minor),
            pass_credit_expired=money(passes.credit_expired_minor),
            pass_credit_canceled=money(passes.credit_canceled_minor),
            pass_credit_breakage_rate=passes.credit_breakage_rate,
        )

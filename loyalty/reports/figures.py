"""What a program report holds: plain values, money in minor units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class ExpiryMonth:
    """Points held at the end of the period that expire in one month of the program's time
    zone; `month` is None for points without a date (the inactivity and never policies)."""

    month: str | None  # "2027-05"
    points: int
    value_minor: int


@dataclass(frozen=True)
class TierCount:
    tier: str  # a tier level code
    members: int


@dataclass(frozen=True)
class TierMovement:
    tier: str  # the level reached
    upgrades: int
    downgrades: int


@dataclass(frozen=True)
class CharityTotal:
    charity: str  # a charity code
    points: int  # from members and from the program
    member_points: int  # given by members (one-off and automatic donations)
    value_minor: int  # valued at the point value of each donation's day


@dataclass(frozen=True)
class Liability:
    points_posted: int
    points_pending: int
    points_owed: int
    credit_minor: int
    by_expiry_month: tuple[ExpiryMonth, ...]


@dataclass(frozen=True)
class PointsFlows:
    """Points that moved into and out of member accounts in the period, by what moved them."""

    issued: int  # earned: purchases, actions, bonuses, tier rewards, referrals
    clawed_back: int  # taken back by refunds, including what members came to owe
    redeemed: int  # spent on orders and rewards
    restored: int  # spent points given back by refunds and canceled rewards
    expired: int
    donated: int  # given by members to charities
    adjusted: int  # staff adjustments, credits less debits


@dataclass(frozen=True)
class Memberships:
    revenue_minor: int  # plan payments in the period less the payments refunded in it
    payments: int
    refunds: int
    active: int  # ACTIVE at the end of the period
    started: int  # first paid in the period
    churned: int  # canceled or expired in the period (a plan replaced by another does not count)


@dataclass(frozen=True)
class PassSales:
    """One pass product's payments in the period (punch cards are free: never sold)."""

    product: str  # a pass product code
    kind: str  # VISIT_PACK, TIME_PASS or CREDIT_PASS
    sold: int  # payments in the period
    refunded: int  # payments refunded in the period
    revenue_minor: int  # the payments less the refunds


@dataclass(frozen=True)
class VisitCount:
    """Visits that happened in the period, by the kind of pass they used or by location."""

    item: str | None  # the pass kind (PUNCH_CARD, VISIT_PACK, TIME_PASS) or the location; None: none
    visits: int


@dataclass(frozen=True)
class Passes:
    sales: tuple[PassSales, ...]
    visits: int
    visits_by_kind: tuple[VisitCount, ...]
    visits_by_location: tuple[VisitCount, ...]
    credit_liability_minor: int  # credit passes' credit held at the end of the period
    credit_issued_minor: int  # posted by credit pass payments in the period (price and bonus)
    credit_spent_minor: int  # paid on orders, less what refunds gave back
    credit_expired_minor: int  # left on credit passes when they expired: breakage
    credit_canceled_minor: int  # taken back when a credit pass's payment was refunded

    @property
    def revenue_minor(self) -> int:
        return sum(s.revenue_minor for s in self.sales)

    @property
    def sold(self) -> int:
        return sum(s.sold for s in self.sales)

    @property
    def refunds(self) -> int:
        return sum(s.refunded for s in self.sales)

    @property
    def credit_breakage_rate(self) -> Decimal:
        return rate(self.credit_expired_minor, self.credit_issued_minor)


@dataclass(frozen=True)
class ProgramReport:
    starts_at: datetime
    ends_at: datetime
    brand: str | None
    currency: str
    minor_units: int
    liability: Liability
    flows: PointsFlows
    active_members: int
    tier_distribution: tuple[TierCount, ...]
    tier_movements: tuple[TierMovement, ...]
    referrals_completed: int
    referral_points: int
    donations: tuple[CharityTotal, ...]
    memberships: Memberships
    passes: Passes

    points_liability_value_minor: int  # the liability at the point value, rounded down
    referral_cost_minor: int  # the referral points at the point value

    @property
    def points_liability(self) -> int:
        return self.liability.points_posted + self.liability.points_pending

    @property
    def breakage_rate(self) -> Decimal:
        return rate(self.flows.expired, self.flows.issued)

    @property
    def redemption_rate(self) -> Decimal:
        return rate(self.flows.redeemed, self.flows.issued)


def rate(part: int, whole: int) -> Decimal:
    """part / whole to four decimals; 0 when nothing was issued."""
    if whole <= 0:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from loyalty.ledger.descriptions import describe
from loyalty.program.spec import Program
from loyalty.wallet import ActivityItem
from loyalty.wallet import Wallet as WalletView
from schema.money import Money, from_minor
from schema.connection import Connection
from schema.relay import Node, PageInfo, to_global_id
from schema.scalars import Long

MAX_INT = 2**31 - 1  # GraphQL's Int is 32 bits


@strawberry.enum
class ActivityKind(Enum):
    PURCHASE = "PURCHASE"
    ACTION = "ACTION"
    BONUS = "BONUS"
    REFERRAL = "REFERRAL"
    REDEMPTION = "REDEMPTION"
    DONATION = "DONATION"
    CASHBACK = "CASHBACK"
    PLAN_PERK = "PLAN_PERK"
    PASS = "PASS"
    VISIT = "VISIT"
    REFUND = "REFUND"
    EXPIRY = "EXPIRY"
    ADJUSTMENT = "ADJUSTMENT"
    REVERSAL = "REVERSAL"


@strawberry.enum
class EntryStatus(Enum):
    PENDING = "PENDING"
    POSTED = "POSTED"
    VOIDED = "VOIDED"


@strawberry.type
class PointsExpiry:
    points: int
    expires_at: datetime


@strawberry.type
class Wallet:
    points: int = strawberry.field(description="Points the member can spend now.")
    pending_points: int = strawberry.field(
        description="Points earned but not spendable yet (inside the return window)."
    )
    lifetime_points: int = strawberry.field(description=(
        "Points earned (purchases, actions, bonuses, birthday and yearly rewards, referrals) once spendable, "
        "net of refunds that took them back; spending, donating and expiry do not lower it. An Int: capped at "
        "2147483647, past which lifetimePointsTotal carries the exact figure."
    ))
    lifetime_points_total: Long = strawberry.field(
        description="lifetimePoints without the cap of Int: the exact figure, a Long."
    )
    expiring_points: list[PointsExpiry] = strawberry.field(
        description="Upcoming expiries of spendable points, soonest first."
    )
    credit: Money = strawberry.field(description="Store credit from cashback, credit passes and plan perks.")
    points_owed: int = strawberry.field(
        description="Points a refund took back after they were spent; paid from the next points credited."
    )
    pending_credit: Money = strawberry.field(
        description="Cashback earned but not spendable yet (inside the return window)."
    )
    credit_owed: Money = strawberry.field(
        description="Cashback a refund took back after it was spent; paid from the next credit."
    )

    @classmethod
    def from_view(cls, view: WalletView, program: Program) -> Wallet:
        settings = program.program
        return cls(
            points=view.points, pending_points=view.pending_points, lifetime_points=min(view.lifetime_points, MAX_INT),
            lifetime_points_total=Long(view.lifetime_points),
            expiring_points=[PointsExpiry(points=e.points, expires_at=e.expires_at) for e in view.expiring],
            credit=from_minor(view.credit_minor, settings.currency, settings.minor_units),
            points_owed=view.points_owed,
            pending_credit=from_minor(view.credit_pending_minor, settings.currency, settings.minor_units),
            credit_owed=from_minor(view.credit_owed_minor, settings.currency, settings.minor_units),
        )


@strawberry.type
class ActivityEntry(Node):
    occurred_at: datetime
    kind: ActivityKind
    status: EntryStatus
    points: int = strawberry.field(
        description="Signed change to spendable points (or to pending points while PENDING)."
    )
    credit: Money | None = strawberry.field(description="Signed change to store credit, if any.")
    available_at: datetime | None = strawberry.field(description="When a PENDING entry becomes spendable.")
    description: str = strawberry.field(description="Human-readable, in the member's locale.")
    reference: str | None = strawberry.field(description="The external id behind it (an order id, a refund id), if any.")

    @classmethod
    def from_item(cls, item: ActivityItem, program: Program, locale: str) -> ActivityEntry:
        settings = program.program
        return cls(
            id=to_global_id("ActivityEntry", item.key), occurred_at=item.occurred_at,
            kind=ActivityKind(item.kind), status=EntryStatus(item.status.upper()), points=item.points,
            credit=None if item.credit_minor is None else from_minor(item.credit_minor, settings.currency,
                                                                     settings.minor_units),
            available_at=item.available_at,
            description=describe(item.code, item.memo, item.amount, locale),
            reference=item.reference,
        )


@strawberry.type
class ActivityEdge:
    cursor: str
    node: ActivityEntry


@strawberry.type
class ActivityConnection(Connection):
    edges: list[ActivityEdge]
    page_info: PageInfo
    edge = ActivityEdge

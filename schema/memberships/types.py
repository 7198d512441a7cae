from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from loyalty.memberships.benefits import Benefit as BenefitView
from loyalty.memberships.benefits import BenefitKind as DomainBenefitKind
from loyalty.memberships.models import Membership
from loyalty.program.spec import Program
from schema.errors import UserError
from schema.program.types import Plan
from schema.relay import Node, to_global_id


@strawberry.enum
class MembershipStatus(Enum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


@strawberry.type
class PaidMembership(Node):
    plan: Plan
    status: MembershipStatus
    started_at: datetime
    current_period_end: datetime | None = strawberry.field(description="null for LIFETIME.")
    cancel_at_period_end: bool

    @classmethod
    def from_row(cls, row: Membership, program: Program) -> PaidMembership | None:
        plan = program.plan(row.plan_code)
        if plan is None:  # a plan no longer in the program file
            return None
        return cls(
            id=to_global_id("PaidMembership", row.id), plan=Plan.from_spec(program, plan),
            status=MembershipStatus(row.status), started_at=row.started_at,
            current_period_end=row.current_period_end, cancel_at_period_end=row.cancel_at_period_end,
        )


BenefitKind = strawberry.enum(DomainBenefitKind, name="BenefitKind")


@strawberry.type(description="Something the shop applies at checkout (or shows), from the tier or the plan.")
class Benefit:
    kind: BenefitKind
    source: str = strawberry.field(description='"tier:<code>" or "plan:<code>".')
    description: str
    percent: Decimal | None = strawberry.field(description="DISCOUNT_PERCENT: percent off the order.")

    @classmethod
    def from_view(cls, view: BenefitView) -> Benefit:
        return cls(kind=view.kind, source=view.source, description=view.description, percent=view.percent)


@strawberry.input
class SubscribeToPlanInput:
    plan_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class CancelMembershipInput:
    at_period_end: bool = strawberry.field(description="true: stays active until the period ends; false: ends now.")


@strawberry.input
class RecordPlanPaymentInput:
    membership_id: strawberry.ID
    payment_id: str = strawberry.field(description="The payment provider's id: the payment's idempotency key.")
    amount: Decimal
    currency_code: str


@strawberry.input
class RefundPlanPaymentInput:
    payment_id: str = strawberry.field(description="The payment provider's id of the refunded payment.")
    refund_id: str = strawberry.field(description="The provider's refund id: the refund's idempotency key.")


@strawberry.type
class MembershipPayload:
    membership: PaidMembership | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

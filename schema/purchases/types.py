from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from loyalty.program.spec import Program
from loyalty.purchases.fast import PurchaseRecord
from loyalty.purchases.models import Purchase as PurchaseRow
from schema.connection import Connection
from schema.errors import UserError
from schema.members.types import Member
from schema.money import Money, from_minor
from schema.permissions import readable_member
from schema.relay import Node, PageInfo, to_global_id


@strawberry.enum
class PurchaseStatus(Enum):
    COMPLETED = "COMPLETED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


@strawberry.type
class Purchase(Node):
    order_id: str
    amount: Money
    refunded_amount: Money
    status: PurchaseStatus
    points_awarded: int
    points_spent: int
    cashback: Money
    occurred_at: datetime
    points_taken_back: int = strawberry.field(description="Points earned on the order that refunds took back.")
    points_returned: int = strawberry.field(description="Points spent on the order that refunds gave back.")
    credit_spent: Money = strawberry.field(description="Store credit spent on the order as payment.")
    cashback_taken_back: Money = strawberry.field(description="Cashback earned on the order that refunds took back.")
    credit_returned: Money = strawberry.field(description="Store credit spent on the order that refunds gave back.")
    row: strawberry.Private[PurchaseRow | PurchaseRecord]

    @strawberry.field
    async def member(self, info: Info) -> Member:
        return Member.from_row(await readable_member(info, self.row.member_id))

    @classmethod
    def from_row(cls, row: PurchaseRow | PurchaseRecord, program: Program) -> Purchase:
        units, currency = program.program.minor_units, row.currency
        status = (
            PurchaseStatus.COMPLETED if row.refunded_minor == 0
            else PurchaseStatus.REFUNDED if row.refunded_minor >= row.amount_minor
            else PurchaseStatus.PARTIALLY_REFUNDED
        )
        return cls(
            id=to_global_id("Purchase", row.id), order_id=row.order_id,
            amount=from_minor(row.amount_minor, currency, units),
            refunded_amount=from_minor(row.refunded_minor, currency, units), status=status,
            points_awarded=row.points_awarded, points_spent=row.points_spent,
            cashback=from_minor(row.cashback_minor, currency, units), occurred_at=row.occurred_at,
            points_taken_back=row.points_clawed_back, points_returned=row.points_restored,
            credit_spent=from_minor(row.credit_spent_minor, currency, units),
            cashback_taken_back=from_minor(row.cashback_clawed_back_minor, currency, units),
            credit_returned=from_minor(row.credit_restored_minor, currency, units), row=row,
        )


@strawberry.type
class PurchasePayload:
    purchase: Purchase | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PurchaseItemInput:
    sku: str
    category: str | None = None
    quantity: int
    amount: Decimal


@strawberry.input
class RecordPurchaseInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Either memberId or memberNumber.")
    member_number: str | None = None
    order_id: str = strawberry.field(
        description="The shop's order id: unique per program, and the purchase's idempotency key."
    )
    amount: Decimal
    currency_code: str
    brand: str | None = None
    occurred_at: datetime | None = None
    items: list[PurchaseItemInput] | None = None
    points_to_spend: int | None = strawberry.field(
        default=None, description="Points to spend on this order as payment (pay with points); all or nothing."
    )
    credit_to_spend: Decimal | None = strawberry.field(
        default=None,
        description="Store credit to spend on this order as payment, in the program's currency; all or nothing.",
    )
    pass_id: strawberry.ID | None = strawberry.field(
        default=None, description="A credit pass of the member's to pay with (with passCreditToSpend)."
    )
    pass_credit_to_spend: Decimal | None = strawberry.field(
        default=None, description="Credit of that pass to spend on this order; all or nothing."
    )


@strawberry.input
class RefundPurchaseInput:
    order_id: str
    refund_id: str = strawberry.field(description="The shop's refund id: the refund's idempotency key.")
    amount: Decimal
    items: list[PurchaseItemInput] | None = None


@strawberry.type
class PurchaseEdge:
    cursor: str
    node: Purchase


@strawberry.type
class PurchaseConnection(Connection):
    edges: list[PurchaseEdge]
    page_info: PageInfo
    edge = PurchaseEdge

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from loyalty.passes import credit
from loyalty.passes.models import Pass as PassRow
from loyalty.passes.models import PassStatus as DomainPassStatus
from loyalty.program.spec import Program
from schema.errors import UserError
from schema.money import Money, from_minor
from schema.program.types import PassProduct
from schema.relay import Node, to_global_id

PassStatus = strawberry.enum(DomainPassStatus, name="PassStatus")


@strawberry.type
class Pass(Node):
    product: PassProduct
    status: PassStatus
    visits_used: int = strawberry.field(
        description="PUNCH_CARD: stamps so far on the current card; VISIT_PACK: visits used."
    )
    visits_total: int | None = strawberry.field(
        description="PUNCH_CARD: stamps per reward; VISIT_PACK: visits + bonus visits."
    )
    valid_from: datetime
    valid_until: datetime | None
    credit_balance: Money | None = strawberry.field(description="CREDIT_PASS: credit left to spend; null for other kinds.")

    @classmethod
    async def from_row(cls, row: PassRow | None, program: Program) -> Pass | None:
        product = program.pass_product(row.product_code) if row is not None else None
        if row is None or product is None:  # a product no longer in the program file
            return None
        balance = await credit.balance_minor(row)
        settings = program.program
        return cls(
            id=to_global_id("Pass", row.id), product=PassProduct.from_spec(program, product),
            status=DomainPassStatus(row.status), visits_used=row.visits_used, visits_total=row.visits_total,
            valid_from=row.valid_from, valid_until=row.valid_until,
            credit_balance=None if balance is None else from_minor(balance, settings.currency, settings.minor_units),
        )


@strawberry.input
class BuyPassInput:
    pass_product_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class RecordPassPaymentInput:
    pass_id: strawberry.ID
    payment_id: str = strawberry.field(description="The payment provider's id: the payment's idempotency key.")
    amount: Decimal
    currency_code: str


@strawberry.input
class RefundPassPaymentInput:
    payment_id: str = strawberry.field(description="The payment provider's id of the refunded payment.")
    refund_id: str = strawberry.field(description="The provider's refund id: the refund's idempotency key.")


@strawberry.type
class PassPayload:
    pass_: Pass | None = strawberry.field(default=None, name="pass")
    errors: list[UserError] = strawberry.field(default_factory=list)

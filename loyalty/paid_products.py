"""The rules every paid product's payments follow (a pass, a plan), confirmed by the brand's
payment system and never taken from the member here:

- the amount must be the product's price in the program's currency (AMOUNT_MISMATCH);
- the provider's payment id is the idempotency key: the same id again answers the first
  payment, with another target, amount or currency it is IDEMPOTENCY_CONFLICT;
- a refund is made once per refund id: the same refund id again answers the first refund,
  another refund of the same payment or the refund id used for another payment is
  IDEMPOTENCY_CONFLICT.

A payment row (PassPayment, PlanPayment) has `payment_id`, `amount_minor`, `currency` and
`refund_id`; its target is the column that names what it paid for (`pass_id`,
`membership_id`)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from tortoise.models import Model

from loyalty.errors import ErrorCode, IdempotencyConflict, LoyaltyError, NotFound
from loyalty.money import to_minor
from loyalty.program.spec import Program

Row = TypeVar("Row", bound=Model)


def amount_minor(program: Program, amount: Decimal) -> int | None:
    """The amount in minor units; None when it is not a valid amount (then it is the price of
    nothing: check_amount refuses it, and a replay compares it as given)."""
    try:
        return to_minor(amount, program.program.minor_units, field="amount")
    except LoyaltyError:
        return None


def check_amount(program: Program, product: str, price: Decimal | None, currency: str,
                 amount: int | None) -> None:
    """AMOUNT_MISMATCH unless `amount` (minor units) in `currency` is the price of the `product`
    ("pass", "plan") in the program's currency."""
    settings = program.program
    if currency != settings.currency:
        raise LoyaltyError(f"The {product} is paid in {settings.currency}, not {currency}.",
                           field="currency", code=ErrorCode.AMOUNT_MISMATCH)
    if price is None or amount != to_minor(price, settings.minor_units):
        raise LoyaltyError(f"The {product} costs {price} {settings.currency}.", field="amount",
                           code=ErrorCode.AMOUNT_MISMATCH)


async def replayed_payment(model: type[Row], payment_id: str, target: str, target_id: int, amount: int | None,
                           currency: str) -> Row | None:
    """The payment already recorded with this id, or None; IDEMPOTENCY_CONFLICT when it was
    for another target, amount or currency."""
    existing = await model.get_or_none(payment_id=payment_id)
    if existing is None:
        return None
    row: Any = existing
    if getattr(row, target) != target_id or row.amount_minor != amount or row.currency != currency:
        raise IdempotencyConflict("This payment was already recorded with other details.", field="payment_id")
    return existing


async def refunded_payment(model: type[Row], payment_id: str, refund_id: str, product: str) -> tuple[Row, bool]:
    """The payment a refund is for, and whether this refund id has refunded it already (a
    replay). NOT_FOUND for an unknown payment; IDEMPOTENCY_CONFLICT when the payment was
    refunded by another refund id or this refund id refunded another payment."""
    found = await model.get_or_none(payment_id=payment_id)
    if found is None:
        raise NotFound(f"No {product} payment with that id.", field="payment_id")
    row: Any = found
    if row.refund_id == refund_id:
        return found, True
    if row.refund_id is not None or await model.exists(refund_id=refund_id):
        raise IdempotencyConflict("This refund id or payment was already used for another refund.", field="refund_id")
    return found, False


def refuse_refunded(row: Any) -> None:
    """Inside the refund's transaction, the payment row read again under the lock: a refund
    committed meanwhile is IDEMPOTENCY_CONFLICT."""
    if row.refund_id is not None:
        raise IdempotencyConflict("This payment was already refunded.", field="refund_id")


async def refund_replayed(model: type[Row], payment_id: str, refund_id: str) -> Row | None:
    """After a unique-key clash: the payment when a concurrent request made this very refund."""
    again: Any = await model.get_or_none(payment_id=payment_id)
    return again if again is not None and again.refund_id == refund_id else None

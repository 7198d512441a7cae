"""Spending a credit pass's credit at checkout (recordPurchase's passId and
passCreditToSpend) and giving it back when the order is refunded.

Pass credit is its own asset (PASS_CREDIT) in the pass's own account: it never mixes with
the member's store credit. It pays only while the pass is ACTIVE and inside its validity,
only at the product's brand when it names one, never for more than what points and store
credit left of the order, and all or nothing: the debit is guarded (the balance never goes
below zero; too little is INSUFFICIENT_CREDIT). What pass credit paid for earns no points
and no cashback, like store credit. A refund gives back the refunded share of what the
order drew, to the same pass (swept by expire-passes if the pass has expired since).
Called inside the purchase's transaction, which holds the member's lock.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from loyalty import clock, events, outbox, sql
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.ledger import book
from loyalty.ledger.codes import CREDIT_REDEMPTION, TransferCode
from loyalty.ledger.models import Account, Transfer
from loyalty.money import to_minor
from loyalty.passes.models import Pass, PassCreditSpend, PassStatus
from loyalty.passes.payloads import pass_name, payload
from loyalty.program.spec import PassKind, Program

if TYPE_CHECKING:
    from loyalty.purchases.models import Purchase


def _refused(message: str) -> LoyaltyError:
    return LoyaltyError(message, field="pass_id", code=ErrorCode.PASS_NOT_VALID)


async def balance_minor(row: Pass) -> int | None:
    """A credit pass's credit left; None for the other kinds."""
    if row.kind != PassKind.CREDIT_PASS.value:
        return None
    if row.credit_account_id is None:
        return 0
    found = await sql.fetch_one("SELECT posted FROM ledger_accounts WHERE id = ?", row.credit_account_id)
    return int(found["posted"]) if found else 0


async def _usable(program: Program, member_id: int, pass_id: int | None, brand: str | None, at: datetime) -> Pass:
    row = await Pass.get_or_none(id=pass_id) if pass_id is not None else None
    if row is None or row.member_id != member_id:
        raise NotFound("No pass of this member with that id.", field="pass_id")
    if row.kind != PassKind.CREDIT_PASS.value:
        raise _refused("Only a credit pass pays at checkout.")
    if row.status != PassStatus.ACTIVE or row.credit_account_id is None:
        raise _refused(f"The pass is {row.status.lower().replace('_', ' ')}.")
    if row.valid_until is not None and at >= row.valid_until:
        raise _refused(f"The pass was valid until {row.valid_until.isoformat()}.")
    product = program.pass_product(row.product_code)
    if product is not None and product.brand is not None and brand != product.brand:
        name = next((b.name for b in program.brands if b.code == product.brand), product.brand)
        raise _refused(f"The pass's credit pays only at {name}.")
    return row


async def spend(
    program: Program, member_id: int, pass_id: int | None, amount: Decimal | None, brand: str | None,
    order_id: str, purchase_id: int, left_minor: int, memo: dict[str, object],
) -> int:
    """Pays up to `left_minor` of the order with the pass's credit; returns what it paid."""
    if amount is None or amount == 0:
        if pass_id is not None:
            raise LoyaltyError("Give passCreditToSpend with passId.", field="pass_credit_to_spend")
        return 0
    amount_minor = to_minor(amount, program.program.minor_units, field="pass_credit_to_spend")
    if amount_minor > left_minor:
        raise LoyaltyError("The points and credit are worth more than the order.", field="pass_credit_to_spend")
    now = clock.now()
    row = await _usable(program, member_id, pass_id, brand, now)
    account = await Account.get(id=row.credit_account_id)
    balance = await balance_minor(row) or 0
    try:
        transfer = await book.debit_member(account, amount_minor, book.Entry(
            TransferCode.PAY_WITH_PASS, f"purchase:{order_id}:pass", member_id, now, order_id, purchase_id,
            memo={**memo, "pass_credit_minor": amount_minor, "pass_name": pass_name(program, row),
                  "balance_minor": balance - amount_minor},
        ), CREDIT_REDEMPTION, field="pass_credit_to_spend")
    except book.InsufficientFunds:
        raise LoyaltyError("Not enough credit on the pass.", field="pass_credit_to_spend",
                           code=ErrorCode.INSUFFICIENT_CREDIT) from None
    await PassCreditSpend.create(purchase_id=purchase_id, pass_id=row.id, amount_minor=amount_minor,
                                 transfer_id=transfer.id)
    await outbox.emit(events.PASS_CREDIT_SPENT, member_id, payload(
        program, row, credit_minor=amount_minor, balance_minor=await balance_minor(row),
        currency=program.program.currency, order=order_id,
    ))
    return amount_minor


async def refund(program: Program, purchase: Purchase, refund_id: str) -> int:
    """Gives back the refunded share (purchase.refunded_minor, just raised) of the pass credit
    the order drew; returns it."""
    spent = await PassCreditSpend.get_or_none(purchase_id=purchase.id)
    if spent is None:
        return 0
    restore = spent.amount_minor * purchase.refunded_minor // purchase.amount_minor - spent.restored_minor
    if restore <= 0:
        return 0
    spend_transfer = await Transfer.get(id=spent.transfer_id)
    row = await Pass.get(id=spent.pass_id)
    account = await Account.get(id=row.credit_account_id)
    memo = {"order": purchase.order_id, "refund": refund_id, "currency": purchase.currency,
            "pass_credit_minor": restore, "pass_name": pass_name(program, row),
            "balance_minor": (await balance_minor(row) or 0) + restore}
    await book.restore_spent(account, restore, book.Entry(
        TransferCode.PASS_RESTORE, f"refund:{refund_id}:pass", row.member_id, clock.now(), refund_id, purchase.id,
        spend_transfer.id, memo,
    ), CREDIT_REDEMPTION, spend=spend_transfer)
    spent.restored_minor += restore
    await spent.save(update_fields=["restored_minor"])
    await outbox.emit(events.PASS_CREDIT_RESTORED, row.member_id, payload(
        program, row, credit_minor=restore, balance_minor=await balance_minor(row),
        currency=program.program.currency, order=purchase.order_id, refund=refund_id,
    ))
    return int(restore)

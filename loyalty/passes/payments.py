"""Payments for passes, confirmed by the brand's payment system (scope payments:write),
never taken from the member here.

- `record_payment`: the provider's payment id is the idempotency key (the same id with
  another pass, amount or currency is IDEMPOTENCY_CONFLICT); the amount must be the
  product's price in the program's currency (AMOUNT_MISMATCH). It activates a pending pass
  from now: a visit pack with `visits + bonus_visits` visits, a time pass for its months, a
  credit pass with `price + bonus_credit` of pass credit posted to the pass's own account.
- `refund_payment`: once per refund id; cancels the pass and records the visits used. A
  credit pass's remaining credit goes back to the program. What the member gets back in
  money is the shop's decision, made in its payment system.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, outbox, paid_products, sql
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import PASS_SALES, TransferCode, pass_account
from loyalty.ledger.models import Account, AccountKind, Asset
from loyalty.money import to_minor
from loyalty.passes.models import Pass, PassPayment, PassStatus
from loyalty.passes import history
from loyalty.passes.payloads import pass_name, payload, product_of
from loyalty.passes.windows import valid_until
from loyalty.program.spec import PassKind, PassProduct, Program


@dataclass(frozen=True)
class Payment:
    pass_id: int
    payment_id: str
    amount: Decimal
    currency: str


async def _replay(payment: Payment, amount_minor: int | None) -> Pass | None:
    existing = await paid_products.replayed_payment(PassPayment, payment.payment_id, "pass_id", payment.pass_id,
                                                    amount_minor, payment.currency)
    return await Pass.get(id=existing.pass_id) if existing is not None else None


async def locked_pass(pass_id: int) -> Pass:
    """The pass row, locked (the member's lock is taken first)."""
    return await Pass.select_for_update().get(id=pass_id)


async def record_payment(program: Program, payment: Payment, now: datetime) -> Pass:
    payment = Payment(payment.pass_id, check_key(payment.payment_id, "payment_id"), payment.amount, payment.currency)
    amount_minor = paid_products.amount_minor(program, payment.amount)
    if (replayed := await _replay(payment, amount_minor)) is not None:
        return replayed
    row = await Pass.get_or_none(id=payment.pass_id)
    if row is None:
        raise NotFound("No pass with that id.", field="pass_id")
    try:
        async with changes.member_change():
            await lock_member_account(row.member_id, Asset.POINTS)
            row = await locked_pass(row.id)
            if row.status != PassStatus.PENDING_PAYMENT:
                raise LoyaltyError(f"The pass is {row.status.lower().replace('_', ' ')}: it takes no payment.",
                                   field="pass_id", code=ErrorCode.NOT_AVAILABLE)
            product = product_of(program, row)
            paid_products.check_amount(program, "pass", product.price, payment.currency, amount_minor)
            await PassPayment.create(payment_id=payment.payment_id, pass_id=row.id, amount_minor=amount_minor,
                                     currency=payment.currency, paid_at=now)
            return await _activate(program, row, product, payment.payment_id, now)
    except IntegrityError:  # the same payment id, recorded by a concurrent request first
        if (replayed := await _replay(payment, amount_minor)) is not None:
            return replayed
        raise


async def _activate(program: Program, row: Pass, product: PassProduct, payment_id: str, now: datetime) -> Pass:
    settings = program.program
    row.status, row.valid_from = PassStatus.ACTIVE.value, now
    row.valid_until = valid_until(product, now, settings.zone)
    credit_minor = 0
    if product.kind is PassKind.CREDIT_PASS:
        credit_minor = to_minor(product.price or Decimal(0), settings.minor_units) + to_minor(
            product.bonus_credit or Decimal(0), settings.minor_units, allow_zero=True)
        account = await Account.create(asset=Asset.PASS_CREDIT.value, kind=AccountKind.PASS.value,
                                       code=pass_account(row.id))
        await book.credit_member(account, credit_minor, book.Entry(
            TransferCode.PASS_CREDIT, f"pass:{row.id}:credit", row.member_id, now, payment_id,
            memo={"pass_name": product.name, "amount_minor": credit_minor, "currency": settings.currency},
        ), PASS_SALES)
        row.credit_account_id = account.id
    await row.save()
    if product.kind is not PassKind.CREDIT_PASS:  # a credit pass's payment is its PASS_CREDIT transfer
        await history.record(program, row, history.Code.PASS_PAID, now, payment_id,
                             valid_through=history.valid_through(program, row))
    await outbox.emit(events.PASS_BOUGHT, row.member_id, payload(
        program, row, visits_total=row.visits_total, credit_minor=credit_minor, currency=settings.currency,
        valid_until=row.valid_until.isoformat() if row.valid_until else None,
    ))
    return row


async def refund_payment(program: Program, payment_id: str, refund_id: str, now: datetime) -> Pass:
    payment_id, refund_id = check_key(payment_id, "payment_id"), check_key(refund_id, "refund_id")
    paid, replay = await paid_products.refunded_payment(PassPayment, payment_id, refund_id, "pass")
    row = await Pass.get(id=paid.pass_id)
    if replay:
        return row
    try:
        async with changes.member_change():
            await lock_member_account(row.member_id, Asset.POINTS)
            row = await locked_pass(row.id)
            paid = await PassPayment.get(id=paid.id)
            paid_products.refuse_refunded(paid)
            paid.refund_id, paid.refunded_at, paid.visits_used_at_refund = refund_id, now, row.visits_used
            await paid.save(update_fields=["refund_id", "refunded_at", "visits_used_at_refund"])
            return await _cancel(program, row, refund_id, now)
    except IntegrityError:  # the same refund id, recorded by a concurrent request first
        if (again := await paid_products.refund_replayed(PassPayment, payment_id, refund_id)) is not None:
            return await Pass.get(id=again.pass_id)
        raise


async def take_balance(row: Pass, code: TransferCode, destination: str, key: str, reference: str | None,
                       now: datetime, memo: dict[str, object]) -> int:
    """Moves what is left of a credit pass's credit to a program account; returns it. Under
    the member's lock (every change of pass credit holds it), so the balance read is the one
    the guarded debit takes."""
    if row.credit_account_id is None:
        return 0
    found = await sql.fetch_one("SELECT posted FROM ledger_accounts WHERE id = ?", row.credit_account_id)
    left = int(found["posted"]) if found else 0
    if left > 0:
        account = await Account.get(id=row.credit_account_id)
        await book.debit_member(account, left, book.Entry(code, key, row.member_id, now, reference,
                                                          memo={**memo, "amount_minor": left}), destination)
    return left


async def _cancel(program: Program, row: Pass, refund_id: str, now: datetime) -> Pass:
    settings = program.program
    taken = await take_balance(row, TransferCode.PASS_CANCELED, PASS_SALES, f"pass:{row.id}:canceled", refund_id,
                               now, {"pass_name": pass_name(program, row), "currency": settings.currency})
    if row.visits_total is not None:
        row.visits_left_at_end = max(row.visits_total - row.visits_used, 0)
    row.status, row.ended_at = PassStatus.CANCELED.value, now
    await row.save()
    if not taken:  # credit taken back is its PASS_CANCELED transfer
        await history.record(program, row, history.Code.PASS_REFUNDED, now, refund_id)
    await outbox.emit(events.PASS_CANCELED, row.member_id, payload(
        program, row, visits_used=row.visits_used, credit_minor=taken, currency=settings.currency,
    ))
    return row

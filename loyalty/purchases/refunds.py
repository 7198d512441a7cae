"""Refunding a purchase, in one or several parts, exactly once per refund id.

Points earned on the order are taken back in proportion to the share of the order
refunded so far, rounded down on the running total: each part takes
floor(awarded * refunded_so_far / amount) minus what earlier parts took, so a complete
refund takes back exactly what was awarded. While the earned points are still pending,
the clawback is a pending debit that posts (or not) with them. Once they are posted, the
clawback takes what the member has; what they already spent is booked as points owed
and paid from the next points credited. Points spent on the order come back the same
way, to the lots they were drawn from, with those lots' expiry.

Cashback (store credit) follows the same rules: the running share of the cashback awarded
is taken back (pending with it while it is pending; what the member already spent is
booked as credit owed), and store credit spent on the order is given back in proportion.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox, sql
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import CASHBACK, CREDIT_REDEMPTION, ISSUANCE, REDEMPTION, TransferCode
from loyalty.ledger.models import Account, Asset, Transfer, TransferStatus
from loyalty.money import to_minor
from loyalty.passes import credit as pass_credit
from loyalty.program.spec import Program
from loyalty.purchases.models import Purchase, Refund
from loyalty.purchases.service import Item, validate_items
from loyalty.tiers import progress, totals


@dataclass(frozen=True)
class RefundRequest:
    order_id: str
    refund_id: str
    amount: Decimal
    items: tuple[Item, ...] = field(default_factory=tuple)


def share(total: int, part_minor: int, whole_minor: int) -> int:
    """floor(total * part / whole), exactly, in integers."""
    return total * part_minor // whole_minor


async def refund_purchase(program: Program, request: RefundRequest) -> Purchase:
    request = replace(
        request, order_id=check_key(request.order_id, "order_id"), refund_id=check_key(request.refund_id, "refund_id")
    )
    amount_minor = to_minor(request.amount, program.program.minor_units)
    items = validate_items(program, request.items)
    request_hash = fingerprint(order=request.order_id, amount=amount_minor)
    if (replayed := await _replay(request.refund_id, request_hash)) is not None:
        return replayed
    purchase = await Purchase.get_or_none(order_id=request.order_id)
    if purchase is None:
        raise NotFound("No purchase with that order id.", field="order_id")
    try:
        totals.follow(program.program.zone)
        async with changes.member_change():
            refunded = await _refund(request, amount_minor, items, request_hash, purchase.member_id)
            await pass_credit.refund(program, refunded, request.refund_id)
            await progress.track(program, purchase.member_id, clock.now(), refund=True)
            return refunded
    except IntegrityError:
        if (replayed := await _replay(request.refund_id, request_hash)) is not None:
            return replayed
        raise


async def _replay(refund_id: str, request_hash: str) -> Purchase | None:
    existing = await Refund.get_or_none(refund_id=refund_id)
    if existing is None:
        return None
    check_replay(existing.request_hash, request_hash, "refund")
    return await Purchase.get(id=existing.purchase_id)


async def _refund(
    request: RefundRequest, amount_minor: int, items: list[dict[str, Any]], request_hash: str, member_id: int
) -> Purchase:
    account = await lock_member_account(member_id, Asset.POINTS)
    # Re-read under the member's lock: every change to a purchase holds that lock.
    purchase = await Purchase.get(order_id=request.order_id)
    refund = await Refund.create(
        refund_id=request.refund_id, purchase_id=purchase.id, amount_minor=amount_minor,
        items=items, request_hash=request_hash, created_at=clock.now(),
    )
    refunded = purchase.refunded_minor + amount_minor
    if refunded > purchase.amount_minor:
        raise LoyaltyError(
            "The refunds would exceed the purchase.", field="amount", code=ErrorCode.REFUND_EXCEEDS_PURCHASE
        )
    memo = {"order": purchase.order_id, "refund": request.refund_id, "amount_minor": amount_minor,
            "currency": purchase.currency}
    claw = share(purchase.points_awarded, refunded, purchase.amount_minor) - purchase.points_clawed_back
    if claw:
        await _claw_back(account, purchase, claw, request.refund_id, memo)
    restore = share(purchase.points_spent, refunded, purchase.amount_minor) - purchase.points_restored
    if restore:
        await _restore(account, restore, purchase.spend_transfer_id, TransferCode.RESTORE, "restore",
                       request.refund_id, memo, REDEMPTION)
        await outbox.emit(events.POINTS_RESTORED, member_id, {"points": restore, "order": purchase.order_id})
    if purchase.cashback_minor or purchase.credit_spent_minor:  # locked after points, as everywhere
        credit_account = await lock_member_account(member_id, Asset.CREDIT)
    claw_credit = share(purchase.cashback_minor, refunded, purchase.amount_minor) - purchase.cashback_clawed_back_minor
    if claw_credit:
        await _claw_back_cashback(credit_account, purchase, claw_credit, request.refund_id, memo)
    restore_credit = share(purchase.credit_spent_minor, refunded, purchase.amount_minor) - purchase.credit_restored_minor
    if restore_credit:
        await _restore(credit_account, restore_credit, purchase.credit_spend_transfer_id, TransferCode.CREDIT_RESTORE,
                       "credit_restore", request.refund_id, memo, CREDIT_REDEMPTION)
        await outbox.emit(events.CREDIT_RESTORED, member_id, {
            "credit_minor": restore_credit, "currency": purchase.currency, "order": purchase.order_id,
            "refund": request.refund_id,
        })
    # The tier totals, on the purchase's day: its spend less the refund, and the purchase no
    # longer counted once it is refunded in full.
    await totals.add(member_id, purchase.occurred_at, spend_minor=-amount_minor,
                     purchases=-1 if refunded == purchase.amount_minor > purchase.refunded_minor else 0)
    purchase.refunded_minor = refunded
    purchase.points_clawed_back += claw
    purchase.points_restored += restore
    purchase.cashback_clawed_back_minor += claw_credit
    purchase.credit_restored_minor += restore_credit
    await purchase.save(update_fields=[
        "refunded_minor", "points_clawed_back", "points_restored", "cashback_clawed_back_minor",
        "credit_restored_minor",
    ])
    refund.points_clawed_back, refund.points_restored = claw, restore
    refund.cashback_clawed_back_minor, refund.credit_restored_minor = claw_credit, restore_credit
    await refund.save(update_fields=[
        "points_clawed_back", "points_restored", "cashback_clawed_back_minor", "credit_restored_minor",
    ])
    return purchase


async def _claw_back_cashback(account: Account, purchase: Purchase, amount: int, refund_id: str, memo: dict[str, Any]) -> None:
    earn = await Transfer.get(id=purchase.cashback_transfer_id)
    owed = await take_back(
        account, earn, amount, CASHBACK,
        book.Entry(TransferCode.CASHBACK_CLAWBACK, f"refund:{refund_id}:cashback_clawback", purchase.member_id,
                   clock.now(), refund_id, purchase.id, earn.id, memo),
        book.Entry(TransferCode.SHORTFALL, f"refund:{refund_id}:credit_shortfall", purchase.member_id,
                   clock.now(), refund_id, purchase.id, earn.id, {**memo, "asset": Asset.CREDIT.value}),
    )
    await outbox.emit(events.CREDIT_CLAWED_BACK, purchase.member_id, {
        "credit_minor": amount, "owed_minor": owed, "currency": purchase.currency, "order": purchase.order_id,
        "refund": refund_id,
    })


async def _claw_back(account: Account, purchase: Purchase, points: int, refund_id: str, memo: dict[str, Any]) -> None:
    earn = await Transfer.get(id=purchase.earn_transfer_id)
    owed = await take_back(
        account, earn, points, ISSUANCE,
        book.Entry(TransferCode.CLAWBACK, f"refund:{refund_id}:clawback", purchase.member_id, clock.now(),
                   refund_id, purchase.id, earn.id, memo),
        book.Entry(TransferCode.SHORTFALL, f"refund:{refund_id}:shortfall", purchase.member_id,
                   clock.now(), refund_id, purchase.id, earn.id, memo),
        prefer_lots_of=earn.id, unearn=True,
    )
    await outbox.emit(events.POINTS_CLAWED_BACK, purchase.member_id, {
        "points": points, "owed": owed, "order": purchase.order_id, "refund": refund_id,
    })


async def take_back(
    account: Account, earn: Transfer, amount: int, source: str, entry: book.Entry, shortfall: book.Entry, *,
    prefer_lots_of: int | None = None, unearn: bool = False,
) -> int:
    """Takes `amount` of the award `earn` back: from what is pending while the award has not
    posted, otherwise from the balance, booking what the balance cannot give as owed (the
    `shortfall` entry). Returns what is owed."""
    if earn.status == TransferStatus.PENDING:
        await book.debit_pending(account, amount, entry, source, of=earn)
        return 0
    row = await sql.fetch_one("SELECT posted FROM ledger_accounts WHERE id = ?", account.id)
    assert row is not None, "the account is locked, so it exists"
    taken = min(amount, int(row["posted"]))
    if taken:
        await book.debit_member(account, taken, entry, source, prefer_lots_of=prefer_lots_of, unearn=unearn)
    if amount > taken:
        await book.book_shortfall(account, amount - taken, shortfall, source)
    return amount - taken


async def _restore(
    account: Account, amount: int, spend_transfer_id: int | None, code: TransferCode, key: str, refund_id: str,
    memo: dict[str, Any], source: str,
) -> None:
    """Gives back `amount` of what the order's spend transfer took, to the lots it drew from."""
    spend = await Transfer.get(id=spend_transfer_id)
    await book.restore_spent(
        account, amount,
        book.Entry(code, f"refund:{refund_id}:{key}", spend.member_id, clock.now(), refund_id, spend.purchase_id,
                   spend.id, memo),
        source, spend=spend,
    )

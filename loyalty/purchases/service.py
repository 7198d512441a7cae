"""Recording a purchase: points earned and cashback as store credit (both pending inside the return
window), and points and store credit spent as payment, in one transaction, exactly once per order id."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox
from loyalty.charity import donations
from loyalty.earning.facts import purchase_facts
from loyalty.earning.pipeline import purchase_points
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import CASHBACK, CREDIT_REDEMPTION, ISSUANCE, REDEMPTION, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.ledger.models import Asset, TransferStatus
from loyalty.members import service as members
from loyalty.members.models import Member
from loyalty.passes import credit as pass_credit
from loyalty.money import to_minor
from loyalty.program.spec import Program
from loyalty.purchases import fast
from loyalty.purchases.models import Purchase
from loyalty.staff.blocks import refuse_if_blocked
from loyalty.tiers import progress, totals

# A purchase may be reported a little ahead of our clock (the shop's clock runs fast).
FUTURE_LEEWAY = timedelta(minutes=5)
MAX_ITEMS = 500


@dataclass(frozen=True)
class Item:
    sku: str
    quantity: int
    amount: Decimal
    category: str | None = None


@dataclass(frozen=True)
class PurchaseRequest:
    member_id: int
    order_id: str
    amount: Decimal
    currency: str
    brand: str | None = None
    occurred_at: datetime | None = None
    items: tuple[Item, ...] = field(default_factory=tuple)
    points_to_spend: int | None = None
    credit_to_spend: Decimal | None = None  # store credit to pay with, in the program's currency
    pass_id: int | None = None  # a credit pass to pay with (loyalty.passes.credit)
    pass_credit_to_spend: Decimal | None = None


def _validate(program: Program, request: PurchaseRequest) -> tuple[int, int, datetime, list[dict[str, Any]]]:
    settings = program.program
    if request.currency != settings.currency:
        raise LoyaltyError(
            f"The program runs in {settings.currency}, not {request.currency}.",
            field="currency", code=ErrorCode.CURRENCY_MISMATCH,
        )
    amount_minor = to_minor(request.amount, settings.minor_units)
    if request.brand is not None and request.brand not in {b.code for b in program.brands}:
        raise LoyaltyError(f"The program has no brand {request.brand!r}.", field="brand")
    if request.points_to_spend is not None and request.points_to_spend < 0:
        raise LoyaltyError("Points to spend cannot be negative.", field="points_to_spend")
    if program.program.points_value_minor(request.points_to_spend or 0) > amount_minor:
        raise LoyaltyError("The points are worth more than the order.", field="points_to_spend")
    credit_minor = 0
    if request.credit_to_spend is not None and request.credit_to_spend != 0:
        credit_minor = to_minor(request.credit_to_spend, settings.minor_units, field="credit_to_spend")
    if program.program.points_value_minor(request.points_to_spend or 0) + credit_minor > amount_minor:
        raise LoyaltyError("The points and credit are worth more than the order.", field="credit_to_spend")
    now = clock.now()
    occurred_at = request.occurred_at or now
    if occurred_at.tzinfo is None:
        raise LoyaltyError("Give the time of the purchase with a time zone offset.", field="occurred_at")
    occurred_at = occurred_at.astimezone(timezone.utc)
    if occurred_at > now + FUTURE_LEEWAY:
        raise LoyaltyError("A purchase cannot happen in the future.", field="occurred_at")
    return amount_minor, credit_minor, occurred_at, validate_items(program, request.items)


def validate_items(program: Program, items: tuple[Item, ...]) -> list[dict[str, Any]]:
    """The order's (or refund's) lines as stored: amounts in minor units."""
    if len(items) > MAX_ITEMS:
        raise LoyaltyError(f"An order has at most {MAX_ITEMS} items.", field="items")
    lines = []
    for i, item in enumerate(items):
        if not item.sku.strip() or len(item.sku) > 100:
            raise LoyaltyError("Each item needs a sku and a positive quantity.", field=f"items[{i}].sku")
        if item.quantity <= 0:
            raise LoyaltyError("Each item needs a sku and a positive quantity.", field=f"items[{i}].quantity")
        minor = to_minor(item.amount, program.program.minor_units, field=f"items[{i}].amount", allow_zero=True)
        lines.append({"sku": item.sku, "quantity": item.quantity, "amount_minor": minor, "category": item.category})
    return lines


def _plain(amount: Decimal) -> str:
    try:
        return format(Decimal(amount).normalize(), "f")
    except (ArithmeticError, ValueError, TypeError):
        return str(amount)


def _request_hash(request: PurchaseRequest) -> str:
    """Computed before validation, so that a repeat with other details is a conflict
    whatever else is wrong with it; the same amount or instant written differently
    ("25.0" and "25.00", +00:00 and +01:00) is the same request."""
    occurred_at = request.occurred_at
    return fingerprint(
        member=request.member_id, amount=_plain(request.amount), currency=request.currency, brand=request.brand,
        points=request.points_to_spend or 0,
        **({"credit": _plain(request.credit_to_spend)} if request.credit_to_spend else {}),
        **({"pass": request.pass_id, "pass_credit": _plain(request.pass_credit_to_spend or Decimal(0))}
           if request.pass_id or request.pass_credit_to_spend else {}),
        items=[[i.sku, i.quantity, _plain(i.amount), i.category] for i in request.items],
        occurred_at=occurred_at.astimezone(timezone.utc).isoformat() if occurred_at and occurred_at.tzinfo else occurred_at,
    )


async def _replay(order_id: str, request_hash: str) -> Purchase | None:
    existing = await Purchase.get_or_none(order_id=order_id)
    if existing is not None:
        check_replay(existing.request_hash, request_hash, "order")
    return existing


async def record_purchase(program: Program, request: PurchaseRequest) -> Purchase | fast.PurchaseRecord:
    request = replace(request, order_id=check_key(request.order_id, "order_id"))
    request_hash = _request_hash(request)
    totals.follow(program.program.zone)
    if fast.covers(program, request, clock.now()):
        # The lean path: no read before the write; a repeat is found by the insert itself.
        try:
            amount_minor, _, occurred_at, items = _validate(program, request)
            recorded = await fast.record(program, request, request_hash, amount_minor, occurred_at, items)
        except (LoyaltyError, fast.Duplicate) as refused:
            if (existing := await _replay(request.order_id, request_hash)) is not None:
                return existing
            if isinstance(refused, fast.Duplicate):
                raise RuntimeError(f"order {request.order_id} was taken and is gone") from refused
            raise
        if recorded is not None:
            return recorded
    # The full path: every purchase the lean one does not take (a balance paid with, the
    # member's first balance change, a tier with something due, SQLite).
    return await _record_in_full(program, request, request_hash)


async def _record_in_full(program: Program, request: PurchaseRequest, request_hash: str) -> Purchase:
    if (existing := await _replay(request.order_id, request_hash)) is not None:
        return existing
    amount_minor, credit_minor, occurred_at, items = _validate(program, request)
    if not await Member.exists(id=request.member_id, erased_at=None):  # an erased member earns nothing more
        raise NotFound("No member with that id or number.", field="member_id")
    try:
        async with changes.member_change():
            return await _record(program, request, amount_minor, credit_minor, occurred_at, items, request_hash)
    except IntegrityError:
        # The same order id, recorded by a concurrent request that committed first.
        if (existing := await _replay(request.order_id, request_hash)) is not None:
            return existing
        raise


async def _record(
    program: Program, request: PurchaseRequest, amount_minor: int, credit_minor: int, occurred_at: datetime,
    items: list[dict[str, Any]], request_hash: str,
) -> Purchase:
    settings = program.program
    account = await lock_member_account(request.member_id, Asset.POINTS)
    await members.refuse_erased(request.member_id)
    if request.points_to_spend or credit_minor:
        await refuse_if_blocked(request.member_id)
    purchase = await Purchase.create(
        order_id=request.order_id, member_id=request.member_id, amount_minor=amount_minor,
        currency=request.currency, brand=request.brand, items=items, occurred_at=occurred_at,
        request_hash=request_hash, created_at=clock.now(),
    )
    await totals.add(request.member_id, occurred_at, spend_minor=amount_minor, purchases=1)
    memo = {"order": request.order_id, "amount_minor": amount_minor, "currency": request.currency}
    spent = request.points_to_spend or 0
    eligible_minor = amount_minor
    if spent:
        spend = await book.debit_member(
            account, spent,
            book.Entry(TransferCode.PAY_WITH_POINTS, f"purchase:{request.order_id}:spend", request.member_id,
                       occurred_at, request.order_id, purchase.id, memo=memo),
            REDEMPTION, field="points_to_spend",
        )
        purchase.points_spent, purchase.spend_transfer_id = spent, spend.id
        # What points paid for does not earn points again.
        eligible_minor = amount_minor - program.program.points_value_minor(spent)
        await outbox.emit(events.POINTS_SPENT, request.member_id, {"points": spent, "order": request.order_id})
    if credit_minor:
        # Credit after points: every operation that touches both locks them in this order.
        credit_account = await lock_member_account(request.member_id, Asset.CREDIT)
        credit_spend = await book.debit_member(
            credit_account, credit_minor,
            book.Entry(TransferCode.PAY_WITH_CREDIT, f"purchase:{request.order_id}:credit", request.member_id,
                       occurred_at, request.order_id, purchase.id, memo=memo),
            CREDIT_REDEMPTION, field="credit_to_spend",
        )
        purchase.credit_spent_minor, purchase.credit_spend_transfer_id = credit_minor, credit_spend.id
        # What store credit paid for earns neither points nor cashback.
        eligible_minor -= credit_minor
        await outbox.emit(events.CREDIT_SPENT, request.member_id, {
            "credit_minor": credit_minor, "currency": request.currency, "order": request.order_id,
        })
    eligible_minor -= await pass_credit.spend(
        program, request.member_id, request.pass_id, request.pass_credit_to_spend, request.brand, request.order_id,
        purchase.id, eligible_minor, memo)
    if eligible_minor != amount_minor:  # the history says which part of the order earned
        memo = {**memo, "earning_minor": eligible_minor}
    facts = await purchase_facts(program, request.member_id, eligible_minor, request.brand, items, occurred_at)
    tier = facts.tier
    assert tier is not None, "purchase_facts gives the level the member holds"
    points, award = purchase_points(program, facts)
    if points:
        available_at = occurred_at + timedelta(days=settings.pending_days)
        earn = await book.credit_member(
            account, points,
            book.Entry(TransferCode.EARN_PURCHASE, f"purchase:{request.order_id}:earn", request.member_id,
                       occurred_at, request.order_id, purchase.id,
                       memo={**memo, "tier_name": tier.name,
                             **({"plan_name": facts.plan.name} if facts.plan else {}),
                             "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]}),
            ISSUANCE, pending_until=available_at if available_at > clock.now() else None,
            lot_expires_at=lot_expiry(program, occurred_at),
        )
        purchase.points_awarded, purchase.earn_transfer_id = points, earn.id
        if earn.status == TransferStatus.POSTED:
            await donations.after_award(program, account, earn)
        await outbox.emit(events.POINTS_EARNED, request.member_id, {
            "points": points, "order": request.order_id, "pending": earn.status == TransferStatus.PENDING,
            "available_at": earn.available_at.isoformat() if earn.available_at else None,
        })
    # A paid plan's cashback is added to the tier's.
    percent = tier.cashback_percent + (facts.plan.cashback_percent if facts.plan else 0)
    await _cashback(program, purchase, percent, eligible_minor, memo)
    await purchase.save(update_fields=[
        "points_spent", "spend_transfer_id", "points_awarded", "earn_transfer_id", "credit_spent_minor",
        "credit_spend_transfer_id", "cashback_minor", "cashback_transfer_id",
    ])
    await progress.track(program, request.member_id, clock.now())
    return purchase


def cashback_minor(percent: Decimal, eligible_minor: int) -> int:
    """The tier's percent of the eligible spend, rounded down to a whole minor unit."""
    return int((Decimal(eligible_minor) * percent / 100).to_integral_value(rounding=ROUND_DOWN))


async def _cashback(program: Program, purchase: Purchase, percent: Decimal, eligible_minor: int, memo: dict[str, Any]) -> None:
    """Store credit for the purchase, pending inside the return window like its points."""
    amount = cashback_minor(percent, eligible_minor)
    if amount <= 0:
        return
    account = await lock_member_account(purchase.member_id, Asset.CREDIT)
    available_at = purchase.occurred_at + timedelta(days=program.program.pending_days)
    earn = await book.credit_member(
        account, amount,
        book.Entry(TransferCode.CASHBACK, f"purchase:{purchase.order_id}:cashback", purchase.member_id,
                   purchase.occurred_at, purchase.order_id, purchase.id, memo={**memo, "percent": str(percent)}),
        CASHBACK, pending_until=available_at if available_at > clock.now() else None,
    )
    purchase.cashback_minor, purchase.cashback_transfer_id = amount, earn.id
    await outbox.emit(events.CREDIT_EARNED, purchase.member_id, {
        "credit_minor": amount, "currency": purchase.currency, "order": purchase.order_id,
        "pending": earn.status == TransferStatus.PENDING,
        "available_at": earn.available_at.isoformat() if earn.available_at else None,
    })

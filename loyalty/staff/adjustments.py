"""Adjusting a member's points or store credit with a reason: exactly once per key.

A positive amount moves from the program's `adjustments` account to the member, posted at
once (points form a lot that expires as the program's points do); a negative amount is the
guarded debit back to that account, refused with INSUFFICIENT_POINTS or INSUFFICIENT_CREDIT
when the member holds less, and nothing changes. The member's history shows the reason
under ADJUSTMENT, framed in their language ("Correctie: ..."). The same key with the same
member, amount and reason replays the first adjustment; with anything else it is
IDEMPOTENCY_CONFLICT. An applied adjustment emits `points.adjusted` or `credit.adjusted`
(for the brand's webhooks; the member's live wallet updates at commit), a replay nothing.
"""
from __future__ import annotations

from decimal import Decimal

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox
from loyalty.audit.record import Actor, check_reason, record
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ADJUSTMENTS, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.ledger.models import Account, Asset
from loyalty.money import from_minor, to_minor
from loyalty.program.spec import Program
from loyalty.staff.models import Adjustment

MAX_POINTS = book.MAX_BALANCE


async def _replay(key: str, request_hash: str) -> Adjustment | None:
    existing = await Adjustment.get_or_none(idempotency_key=key)
    if existing is not None:
        check_replay(existing.request_hash, request_hash, "adjustment")
    return existing


async def adjust_points(
    program: Program, actor: Actor, member_id: int, points: int, reason: str, idempotency_key: str,
) -> Adjustment:
    key = f"adjust:points:{check_key(idempotency_key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, points=points, reason=reason)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    if points == 0 or abs(points) > MAX_POINTS:
        raise LoyaltyError(f"Give or take between 1 and {MAX_POINTS} points.", field="points")
    return await _adjust(program, actor, Asset.POINTS, member_id, points, _reason(reason), key, request_hash)


async def adjust_credit(
    program: Program, actor: Actor, member_id: int, amount: Decimal, currency: str, reason: str,
    idempotency_key: str,
) -> Adjustment:
    key = f"adjust:credit:{check_key(idempotency_key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, amount=_plain(amount), currency=currency, reason=reason)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    settings = program.program
    if currency != settings.currency:
        raise LoyaltyError(f"The program runs in {settings.currency}, not {currency}.", field="currency",
                           code=ErrorCode.CURRENCY_MISMATCH)
    try:
        negative = Decimal(amount) < 0
    except (ArithmeticError, ValueError, TypeError):
        negative = False
    minor = to_minor(abs(Decimal(amount)) if negative else amount, settings.minor_units)
    signed = -minor if negative else minor
    return await _adjust(program, actor, Asset.CREDIT, member_id, signed, _reason(reason), key, request_hash)


def _reason(reason: str) -> str:
    checked = check_reason(reason)
    if checked is None:
        raise LoyaltyError("Give a reason.", field="reason", code=ErrorCode.REQUIRED)
    return checked


def _plain(amount: Decimal) -> str:
    try:
        return format(Decimal(amount).normalize(), "f")
    except (ArithmeticError, ValueError, TypeError):
        return str(amount)


def _balance(asset: Asset, program: Program, posted: int) -> dict[str, object]:
    if asset is Asset.POINTS:
        return {"points": posted}
    settings = program.program
    return {"credit": str(from_minor(posted, settings.minor_units)), "currency": settings.currency}


async def _adjust(
    program: Program, actor: Actor, asset: Asset, member_id: int, amount: int, reason: str, key: str,
    request_hash: str,
) -> Adjustment:
    now = clock.now()
    field = "points" if asset is Asset.POINTS else "amount"
    try:
        async with changes.member_change():
            account = await lock_member_account(member_id, asset)
            # A request with the same key that held the lock before us has committed by now.
            if (existing := await _replay(key, request_hash)) is not None:
                return existing
            memo: dict[str, object] = {"reason": reason}
            if asset is Asset.CREDIT:
                memo.update(amount_minor=abs(amount), currency=program.program.currency, asset=asset.value)
            entry = book.Entry(TransferCode.ADJUSTMENT, key, member_id, now, memo=memo)
            before = account.posted
            if amount > 0:
                transfer = await book.credit_member(
                    account, amount, entry, ADJUSTMENTS,
                    lot_expires_at=lot_expiry(program, now) if asset is Asset.POINTS else None,
                )
            else:
                try:
                    transfer = await book.debit_member(account, -amount, entry, ADJUSTMENTS, field=field)
                except book.InsufficientFunds as refused:
                    held = f"{before} points" if asset is Asset.POINTS else \
                        f"{from_minor(before, program.program.minor_units)} {program.program.currency}"
                    raise LoyaltyError(f"{refused.message} The member holds {held}; a debit never goes below zero.",
                                       field=field, code=refused.code) from None
            after = await _posted(account.id)
            adjustment = await Adjustment.create(
                member_id=member_id, asset=asset.value, amount=amount, reason=reason, actor=actor.name[:128],
                idempotency_key=key, request_hash=request_hash, transfer_id=transfer.id, created_at=now,
            )
            await outbox.emit(*_event(program, asset, adjustment, after))
            action = "member.adjust_points" if asset is Asset.POINTS else "member.adjust_credit"
            await record(actor, action, member_id, reason, _balance(asset, program, before),
                         {**_balance(asset, program, after), "adjustment": _amount(asset, program, amount)}, at=now)
            changes.touch(member_id)
            return adjustment
    except IntegrityError:
        # The same key, committed by a concurrent request first.
        if (existing := await _replay(key, request_hash)) is not None:
            return existing
        raise


def _event(program: Program, asset: Asset, adjustment: Adjustment, after: int) -> tuple[str, int, dict[str, object]]:
    """The outbox event of an adjustment: for the brand's systems (webhooks) and live updates."""
    common: dict[str, object] = {"adjustment_id": adjustment.id, "reason": adjustment.reason,
                                 "actor": adjustment.actor}
    if asset is Asset.POINTS:
        return events.POINTS_ADJUSTED, adjustment.member_id, {**common, "points": adjustment.amount, "balance": after}
    return events.CREDIT_ADJUSTED, adjustment.member_id, {
        **common, "credit_minor": adjustment.amount, "balance_minor": after, "currency": program.program.currency}


def _amount(asset: Asset, program: Program, amount: int) -> object:
    return amount if asset is Asset.POINTS else str(from_minor(amount, program.program.minor_units))


async def _posted(account_id: int) -> int:
    account = await Account.get(id=account_id)
    return int(account.posted)

"""Issued rewards (coupons): issuing, using at checkout, expiring, canceling.

A coupon is ACTIVE until it is USED (once, at checkout), EXPIRED (its validity ended: the
`expire-rewards` job; its points are not returned) or CANCELED (by an operator: its points
come back by a reversing transfer, and a limited reward goes back into stock).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import changes, clock, events, outbox, sql
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import REDEMPTION, TransferCode
from loyalty.ledger.models import Asset, Transfer
from loyalty.program.spec import Program, Reward
from loyalty.rewards import stock
from loyalty.rewards.codes import new_coupon_code, normalize_coupon
from loyalty.rewards.models import IssuedReward, IssuedSource, IssuedStatus

_CODE_ATTEMPTS = 5


class NotAvailable(LoyaltyError):
    code = ErrorCode.NOT_AVAILABLE


def payload(row: IssuedReward, **extra: object) -> dict[str, object]:
    return {
        "reward": row.reward_code, "reward_name": row.reward_name, "code": row.code,
        "issued_reward_id": row.id, **extra,
    }


async def issue(
    reward: Reward, member_id: int, now: datetime, *, source: IssuedSource, points: int = 0,
    idempotency_key: str | None = None, request_hash: str | None = None,
    spend_transfer_id: int | None = None, credit_transfer_id: int | None = None,
    status: IssuedStatus = IssuedStatus.ACTIVE,
) -> IssuedReward:
    """Writes the coupon with a fresh code, inside the caller's transaction."""
    expires_at = now + timedelta(days=reward.valid_days) if reward.valid_days else None
    for _ in range(_CODE_ATTEMPTS):
        code = new_coupon_code()
        if await IssuedReward.exists(code=code):
            continue
        try:
            async with in_transaction():
                return await IssuedReward.create(
                    member_id=member_id, reward_code=reward.code, reward_name=reward.name,
                    reward_kind=reward.kind.value, code=code, status=status.value, source=source.value,
                    points=points, idempotency_key=idempotency_key, request_hash=request_hash, issued_at=now,
                    expires_at=expires_at, used_at=now if status is IssuedStatus.USED else None,
                    spend_transfer_id=spend_transfer_id, credit_transfer_id=credit_transfer_id,
                )
        except IntegrityError:
            if idempotency_key is not None and await IssuedReward.exists(idempotency_key=idempotency_key):
                raise
    raise RuntimeError("could not allocate a unique coupon code")


async def give(program: Program, reward_code: str, member_id: int, reason: str, now: datetime) -> IssuedReward:
    """A coupon the program gives (a welcome coupon): no points, no stock taken. Exactly
    once per `reason`. Inside the caller's transaction."""
    key = f"gift:{member_id}:{reason}"
    existing = await IssuedReward.get_or_none(idempotency_key=key)
    if existing is not None:
        return existing
    issued = await issue(program.reward(reward_code), member_id, now, source=IssuedSource.GIFT, idempotency_key=key)
    await outbox.emit(events.REWARD_ISSUED, member_id, payload(
        issued, points=0, expires_at=issued.expires_at.isoformat() if issued.expires_at else None,
    ))
    return issued


async def _locked(code: str) -> IssuedReward | None:
    return await IssuedReward.filter(code=code).select_for_update().first()


def _parse(text: str) -> str:
    code = normalize_coupon(text)
    if code is None:
        raise NotFound("No reward has this code.", field="code")
    return code


async def use(text: str, order_id: str | None) -> IssuedReward:
    """Marks the coupon USED at checkout, with the order. Using it again for the same order
    returns it unchanged; any other use, or an expired or canceled coupon, is NOT_AVAILABLE."""
    code = _parse(text)
    order_id = None if order_id is None else check_key(order_id, "order_id")
    now = clock.now()
    async with changes.member_change():
        row = await _locked(code)
        if row is None:
            raise NotFound("No reward has this code.", field="code")
        if row.status == IssuedStatus.USED and order_id is not None and row.order_id == order_id:
            return row
        if row.status != IssuedStatus.ACTIVE:
            raise NotAvailable(not_available(row), field="code")
        if row.expires_at is not None and row.expires_at <= now:
            raise NotAvailable("This reward has expired.", field="code")
        row.status, row.used_at, row.order_id = IssuedStatus.USED.value, now, order_id
        await row.save(update_fields=["status", "used_at", "order_id"])
        await outbox.emit(events.REWARD_USED, row.member_id, payload(row, order=order_id))
    return row


def not_available(row: IssuedReward) -> str:
    """Why a coupon cannot be used, for the person at the till."""
    if row.status == IssuedStatus.USED:
        return f"This reward was used already, on order {row.order_id}." if row.order_id else "This reward was used already."
    if row.status == IssuedStatus.EXPIRED:
        return "This reward has expired."
    return "This reward was canceled."


async def cancel(text: str) -> IssuedReward:
    """An operator cancels an ACTIVE or EXPIRED coupon: its points come back to the lots they
    were spent from, and a limited reward goes back into stock."""
    code = _parse(text)
    found = await IssuedReward.get_or_none(code=code)
    if found is None:
        raise NotFound("No reward has this code.", field="code")
    now = clock.now()
    async with changes.member_change():
        account = await lock_member_account(found.member_id, Asset.POINTS)
        row = await _locked(code)
        if row is None:
            raise NotFound("No reward has this code.", field="code")
        if row.status == IssuedStatus.USED:
            raise NotAvailable(f"{not_available(row)} A used reward cannot be canceled.", field="code")
        if row.status == IssuedStatus.CANCELED:
            raise NotAvailable("This reward was canceled already.", field="code")
        if row.points and row.spend_transfer_id is not None:
            spend = await Transfer.get(id=row.spend_transfer_id)
            await book.restore_spent(
                account, row.points,
                book.Entry(TransferCode.REWARD_CANCELED, f"reward-cancel:{row.id}", row.member_id, now,
                           reference=row.code, reverses_id=spend.id,
                           memo={"reward": row.reward_code, "reward_name": row.reward_name}),
                REDEMPTION, spend=spend,
            )
        if row.source == IssuedSource.REDEEMED:
            await stock.put_back(row.reward_code)
        row.status, row.canceled_at = IssuedStatus.CANCELED.value, now
        await row.save(update_fields=["status", "canceled_at"])
        await outbox.emit(events.REWARD_CANCELED, row.member_id, payload(row, points=row.points))
    return row


async def expire_rewards(now: datetime) -> int:
    """Expires every ACTIVE coupon past its validity. Their points are not returned.
    Returns how many expired. Idempotent."""
    async with changes.set_based_change():
        if sql.is_postgres():
            await sql.fetch(
                "SELECT id FROM issued_rewards WHERE status = ? AND expires_at <= ? ORDER BY id FOR UPDATE",
                IssuedStatus.ACTIVE.value, now,
            )
        await outbox.emit_per_row(
            events.REWARD_EXPIRED, now, "member_id",
            {"reward": "reward_code", "reward_name": "reward_name", "code": "code", "issued_reward_id": "id"},
            "FROM issued_rewards WHERE status = ? AND expires_at <= ?", IssuedStatus.ACTIVE.value, now,
        )
        return await sql.execute(
            "UPDATE issued_rewards SET status = ? WHERE status = ? AND expires_at <= ?",
            IssuedStatus.EXPIRED.value, IssuedStatus.ACTIVE.value, now,
        )

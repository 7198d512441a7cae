"""What a member holds: read from kept balances, never by summing history."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from loyalty import cache, paging, sql
from loyalty.ledger import expiry
from loyalty.ledger.codes import ACTION_ACTIVITY_KIND, ACTIVITY_KIND, TransferCode
from loyalty.errors import LoyaltyError
from loyalty.ledger.models import Account, AccountKind, Asset, Transfer, TransferStatus
from loyalty.passes.models import PassHistory
from loyalty.program.spec import ExpiryPolicy, Program

MAX_EXPIRIES = 24


@dataclass(frozen=True)
class Expiry:
    points: int
    expires_at: datetime


@dataclass(frozen=True)
class Wallet:
    points: int
    pending_points: int
    lifetime_points: int
    points_owed: int
    credit_minor: int
    credit_pending_minor: int
    expiring: tuple[Expiry, ...]
    credit_owed_minor: int = 0  # cashback a refund took back after it was spent


async def get_wallet(member_id: int, now: datetime, program: Program | None = None) -> Wallet:
    """The member's balances; upcoming expiries follow the program's expiry policy (the
    lots' own expiry when no program is given)."""
    rows = await sql.fetch(
        "SELECT id, asset, kind, posted, pending_in, pending_out, lifetime_earned FROM ledger_accounts "
        "WHERE member_id = ? AND kind IN (?, ?)",
        member_id, AccountKind.MEMBER.value, AccountKind.DEBT.value,
    )
    accounts = {(r["asset"], r["kind"]): r for r in rows}
    empty = {"id": None, "posted": 0, "pending_in": 0, "pending_out": 0, "lifetime_earned": 0}
    points = accounts.get((Asset.POINTS.value, AccountKind.MEMBER.value), empty)
    debt = accounts.get((Asset.POINTS.value, AccountKind.DEBT.value), empty)
    credit = accounts.get((Asset.CREDIT.value, AccountKind.MEMBER.value), empty)
    credit_debt = accounts.get((Asset.CREDIT.value, AccountKind.DEBT.value), empty)
    expiring: tuple[Expiry, ...] = ()
    if points["id"] is not None and points["posted"] > 0:
        if program is not None and program.expiry.policy is ExpiryPolicy.INACTIVITY:
            expiring = await _expiring_inactive(program, member_id, points["posted"], now)
        else:
            expiring = await _expiring(points["id"], now)
    return Wallet(
        points=points["posted"], pending_points=points["pending_in"] - points["pending_out"],
        lifetime_points=points["lifetime_earned"], points_owed=-debt["posted"],
        credit_minor=credit["posted"], credit_pending_minor=credit["pending_in"] - credit["pending_out"],
        expiring=expiring, credit_owed_minor=-credit_debt["posted"],
    )


def _dump_wallet(loaded: tuple[datetime, Wallet]) -> dict[str, Any]:
    at, w = loaded
    return {
        "at": at.isoformat(), "points": w.points, "pending": w.pending_points, "lifetime": w.lifetime_points,
        "owed": w.points_owed, "credit": w.credit_minor, "credit_pending": w.credit_pending_minor,
        "credit_owed": w.credit_owed_minor, "expiring": [[e.points, e.expires_at.isoformat()] for e in w.expiring],
    }


def _load_wallet(data: dict[str, Any]) -> tuple[datetime, Wallet]:
    return datetime.fromisoformat(data["at"]), Wallet(
        points=data["points"], pending_points=data["pending"], lifetime_points=data["lifetime"],
        points_owed=data["owed"], credit_minor=data["credit"], credit_pending_minor=data["credit_pending"],
        credit_owed_minor=data["credit_owed"], expiring=tuple(Expiry(points, datetime.fromisoformat(at)) for points, at in data["expiring"]),
    )


_WALLET_CODEC = cache.Codec(_dump_wallet, _load_wallet)


async def cached_wallet(
    store: cache.Cache | None, member_id: int, now: datetime, program: Program | None = None,
) -> Wallet:
    """`get_wallet` through the cache. A wallet cached at an earlier moment serves a later
    one with the expiries that have passed since left out; one cached at a later moment, or
    whose list of expiries was full and lost entries, is read again."""
    async def load() -> tuple[datetime, Wallet]:
        return now, await get_wallet(member_id, now, program)

    at, wallet = await cache.cached(store, "wallet", member_id, load, _WALLET_CODEC)
    if at == now:
        return wallet
    if at > now:
        return await get_wallet(member_id, now, program)
    expiring = tuple(e for e in wallet.expiring if e.expires_at > now)
    if len(expiring) < len(wallet.expiring) and len(wallet.expiring) >= MAX_EXPIRIES:
        return await get_wallet(member_id, now, program)
    return replace(wallet, expiring=expiring)


async def _expiring(account_id: int, now: datetime) -> tuple[Expiry, ...]:
    rows = await sql.fetch(
        "SELECT expires_at, points FROM ledger_expiry_schedule "
        "WHERE account_id = ? AND expires_at > ? AND points > 0 ORDER BY expires_at LIMIT ?",
        account_id, now, MAX_EXPIRIES,
    )
    return tuple(Expiry(int(r["points"]), _as_datetime(r["expires_at"])) for r in rows)


async def _expiring_inactive(program: Program, member_id: int, points: int, now: datetime) -> tuple[Expiry, ...]:
    """inactivity: the whole balance, on the day it expires unless the member buys something."""
    last = await expiry.last_activity(member_id)
    if last is None:
        return ()
    expires_at = expiry.inactivity_expiry(program, last)
    return (Expiry(points, expires_at),) if expires_at > now else ()


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class ActivityItem:
    """One entry of the member's history: a transfer, or a visit or pass change that moved
    no value (a pass history row)."""

    key: str  # a transfer's id, or "h" and the pass history row's id
    member_id: int
    kind: str  # the ActivityKind
    status: str  # a TransferStatus value; a history row is posted
    occurred_at: datetime
    available_at: datetime | None
    code: str  # what describes it
    memo: dict[str, Any] | str
    amount: int
    reference: str | None
    points: int  # signed change to spendable points (to pending points while pending)
    credit_minor: int | None  # signed change to store credit, for credit transfers


def _as_item(row: Transfer, member_account_ids: set[int]) -> ActivityItem:
    incoming = row.credit_account_id in member_account_ids
    outgoing = row.debit_account_id in member_account_ids
    # A shortfall touches neither: it is booked on what the member owes, not on what they hold.
    signed = row.amount if incoming and not outgoing else -row.amount if outgoing and not incoming else 0
    points = row.asset == Asset.POINTS.value
    kind = ACTIVITY_KIND.get(TransferCode(row.code), "ADJUSTMENT")
    if row.code == TransferCode.EARN_ACTION and isinstance(row.memo, dict):
        kind = ACTION_ACTIVITY_KIND.get(str(row.memo.get("action")), kind)
    return ActivityItem(
        key=str(row.id), member_id=int(row.member_id or 0), kind=kind, status=row.status,
        occurred_at=row.occurred_at, available_at=row.available_at if row.status == TransferStatus.PENDING else None,
        code=row.code, memo=row.memo, amount=row.amount, reference=row.reference,
        points=signed if points else 0, credit_minor=signed if row.asset == Asset.CREDIT.value else None,
    )


def _as_history_item(row: PassHistory) -> ActivityItem:
    return ActivityItem(
        key=f"h{row.id}", member_id=row.member_id, kind=row.kind, status=TransferStatus.POSTED.value,
        occurred_at=row.occurred_at, available_at=None, code=row.code, memo=row.memo, amount=0,
        reference=row.reference, points=0, credit_minor=None,
    )


async def _member_account_ids(member_id: int) -> set[int]:
    rows = await Account.filter(member_id=member_id, kind=AccountKind.MEMBER.value).values("id")
    return {row["id"] for row in rows}


def _history_after(after: paging.Key | None) -> tuple[int, int, int] | None:
    """The merged order's key in a cursor: (transfer id, 0, 0) for a transfer, (the newest
    transfer before it, 1, row id) for a pass history row; an older cursor holds a transfer id."""
    if after is None:
        return None
    if len(after) == 1:
        return (paging.after_id(after) or 0, 0, 0)
    if len(after) != 3 or any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2**63 for v in after) \
            or after[1] not in (0, 1):
        raise LoyaltyError("The cursor is not valid.", field="after")
    return (after[0], after[1], after[2])


async def activity_page(member_id: int, first: int | None, after: paging.Key | None) -> paging.Page[ActivityItem]:
    """The member's history, newest first, `first` at a time after the entry whose key is
    `after`: the ledger's transfers by id, each pass history row right after the transfer
    that was the member's newest when it was written."""
    size, key = paging.page_size(first), _history_after(after)
    transfers = Transfer.filter(member_id=member_id)
    history = PassHistory.filter(member_id=member_id)
    if key is not None:
        anchor, source, row_id = key
        transfers = transfers.filter(id__lte=anchor) if source else transfers.filter(id__lt=anchor)
        history = history.filter(
            Q(after_transfer_id__lt=anchor) | Q(after_transfer_id=anchor, id__lt=row_id) if source
            else Q(after_transfer_id__lt=anchor))
    rows = await transfers.order_by("-id").limit(size + 1)
    entries = await history.order_by("-after_transfer_id", "-id").limit(size + 1)
    account_ids = await _member_account_ids(member_id) if rows else set()
    merged = sorted([((t.id, 0, 0), _as_item(t, account_ids)) for t in rows]
                    + [((h.after_transfer_id, 1, h.id), _as_history_item(h)) for h in entries],
                    key=lambda pair: pair[0], reverse=True)
    return paging.Page([item for _, item in merged[:size]], [k for k, _ in merged[:size]], len(merged) > size)


async def activity_item(key: str) -> ActivityItem | None:
    """The entry whose key (ActivityItem.key) is `key`, or None."""
    if key.startswith("h"):
        entry = await PassHistory.get_or_none(id=int(key[1:])) if key[1:].isdigit() else None
        return _as_history_item(entry) if entry is not None else None
    row = await Transfer.get_or_none(id=int(key)) if key.isdigit() else None
    if row is None or row.member_id is None:
        return None
    return _as_item(row, await _member_account_ids(row.member_id))

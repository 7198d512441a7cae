"""What a member holds: read from kept balances, never by summing history."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from loyalty import cache, paging, sql
from loyalty.ledger import expiry
from loyalty.ledger.codes import ACTION_ACTIVITY_KIND, ACTIVITY_KIND, TransferCode
from loyalty.ledger.models import Account, AccountKind, Asset, Transfer
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
    """One transfer as the member sees it in their history."""

    transfer: Transfer
    kind: str  # the ActivityKind
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
        transfer=row, kind=kind,
        points=signed if points else 0, credit_minor=signed if row.asset == Asset.CREDIT.value else None,
    )


async def _member_account_ids(member_id: int) -> set[int]:
    rows = await Account.filter(member_id=member_id, kind=AccountKind.MEMBER.value).values("id")
    return {row["id"] for row in rows}


async def activity_page(member_id: int, first: int | None, after: paging.Key | None) -> paging.Page[ActivityItem]:
    """The member's history, newest first, `first` at a time after the entry whose key is `after`."""
    page = await paging.newest_first(Transfer.filter(member_id=member_id), first, after)
    account_ids = await _member_account_ids(member_id) if page.items else set()
    return replace(page, items=[_as_item(row, account_ids) for row in page.items])


async def activity_item(transfer_id: int) -> ActivityItem | None:
    row = await Transfer.get_or_none(id=transfer_id)
    if row is None or row.member_id is None:
        return None
    return _as_item(row, await _member_account_ids(row.member_id))

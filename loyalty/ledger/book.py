"""Recording transfers: each function writes one transfer and moves the balances it
touches in the same transaction. Call them inside a transaction that holds the member's
account lock (accounts.lock_member_account)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from loyalty import clock, sql
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger import lots
from loyalty.ledger.accounts import member_account_id, program_account_id
from loyalty.ledger.codes import EARNING, REVERSING_AWARDS, TransferCode
from loyalty.ledger.models import Account, AccountKind, Asset, Transfer, TransferStatus
from loyalty.tiers import totals


# Balances are read as GraphQL Int, a signed 32-bit integer.
MAX_BALANCE = 2**31 - 1


class AccountMissing(RuntimeError):
    """A balance UPDATE found no row for its account: a bug, never a member's error. The
    transaction fails, so nothing is booked against an account that does not exist."""


async def _change(column_sql: str, account_id: int, *params: Any) -> None:
    """One balance UPDATE of one account: it changes exactly one row, or raises."""
    changed = await sql.execute(f"UPDATE ledger_accounts SET {column_sql} WHERE id = ?", *params, account_id)
    if changed != 1:
        raise AccountMissing(f"ledger account {account_id} does not exist (setting {column_sql})")


async def change_accounts(statement: str, *params: Any, expected: int) -> None:
    """A set-based balance UPDATE that must change `expected` rows (one per account its
    batch touches), or raises so the transaction fails."""
    changed = await sql.execute(statement, *params)
    if changed != expected:
        raise AccountMissing(f"a batch changed {changed} ledger accounts of the {expected} it books against")


class InsufficientFunds(LoyaltyError):
    def __init__(self, asset: Asset, *, field: str | None = None):
        if asset is Asset.POINTS:
            super().__init__("Not enough points.", field=field, code=ErrorCode.INSUFFICIENT_POINTS)
        else:
            super().__init__("Not enough store credit.", field=field, code=ErrorCode.INSUFFICIENT_CREDIT)


@dataclass(frozen=True)
class Entry:
    """What a transfer is, for whom, and why: everything but the accounts and amount."""

    code: TransferCode
    key: str
    member_id: int
    occurred_at: datetime
    reference: str | None = None
    purchase_id: int | None = None
    reverses_id: int | None = None
    memo: dict[str, Any] = field(default_factory=dict)


async def _insert(
    entry: Entry, asset: Asset, debit_id: int, credit_id: int, amount: int, status: TransferStatus,
    *, available_at: datetime | None = None, lot_expires_at: datetime | None = None,
) -> Transfer:
    if amount <= 0:
        raise ValueError(f"a transfer moves a positive amount, not {amount}")
    now = clock.now()
    transfer = await Transfer.create(
        asset=asset.value, debit_account_id=debit_id, credit_account_id=credit_id, amount=amount,
        code=entry.code.value, status=status.value, idempotency_key=entry.key, reference=entry.reference,
        reverses_id=entry.reverses_id, member_id=entry.member_id, purchase_id=entry.purchase_id,
        memo=entry.memo, occurred_at=entry.occurred_at, available_at=available_at,
        lot_expires_at=lot_expires_at, created_at=now,
        posted_at=now if status is TransferStatus.POSTED else None,
    )
    await _count_points(entry, asset, amount)
    return transfer


async def _count_points(entry: Entry, asset: Asset, amount: int) -> None:
    """Keeps the tier totals' points in step (`loyalty.tiers.totals`): an award counts on its
    day, a reversal of one takes it back on the award's day."""
    if asset is not Asset.POINTS or entry.member_id is None:
        return
    if entry.code in EARNING:
        await totals.add(entry.member_id, entry.occurred_at, points=amount)
    elif entry.code in REVERSING_AWARDS and entry.reverses_id is not None:
        reversed_ = await sql.fetch_one(
            "SELECT code, occurred_at FROM ledger_transfers WHERE id = ?", entry.reverses_id
        )
        if reversed_ is not None and reversed_["code"] in {code.value for code in EARNING}:
            await totals.add(entry.member_id, _aware(reversed_["occurred_at"]), points=-amount)


def _aware(value: Any) -> datetime:
    """A timestamp as the database driver returns it (SQLite: text, or naive UTC)."""
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


_program_changes: ContextVar[dict[tuple[int, str], int] | None] = ContextVar("program_changes", default=None)


@contextlib.asynccontextmanager
async def program_accounts_last() -> AsyncIterator[None]:
    """Gathers the changes to program accounts made inside the block and applies them as it
    ends, in account id order. A transaction then locks its member's account first and the
    shared program accounts last, always in the same order, and for the shortest time: no
    two transactions can wait on each other in a cycle. Use it inside the transaction."""
    if _program_changes.get() is not None:  # an outer block applies them
        yield
        return
    pending: dict[tuple[int, str], int] = {}
    token = _program_changes.set(pending)
    try:
        yield
        for (account_id, column), delta in sorted(pending.items()):
            if delta:
                await _change(f"{column} = {column} + ?", account_id, delta)
    finally:
        _program_changes.reset(token)


async def _program_add(account_id: int, column: str, delta: int) -> None:
    changes = _program_changes.get()
    if changes is None:
        await _change(f"{column} = {column} + ?", account_id, delta)
    else:
        changes[(account_id, column)] = changes.get((account_id, column), 0) + delta


async def _add_posted(account_id: int, delta: int, lifetime_delta: int = 0) -> None:
    await _change("posted = posted + ?, lifetime_earned = lifetime_earned + ?", account_id, delta, lifetime_delta)


async def _take_posted(account: Account, amount: int, lifetime_delta: int = 0) -> bool:
    """The guarded debit: succeeds only while the member account stays at or above zero.
    False when the balance is too low; an account row that is missing raises AccountMissing."""
    changed = await sql.execute(
        "UPDATE ledger_accounts SET posted = posted - ?, lifetime_earned = lifetime_earned + ? "
        "WHERE id = ? AND posted >= ?",
        amount, lifetime_delta, account.id, amount,
    )
    if changed == 1:
        return True
    if await sql.fetch_one("SELECT id FROM ledger_accounts WHERE id = ?", account.id) is None:
        raise AccountMissing(f"ledger account {account.id} does not exist (debiting {amount})")
    return False


async def credit_member(
    account: Account, amount: int, entry: Entry, source: str, *,
    pending_until: datetime | None = None, lot_expires_at: datetime | None = None,
) -> Transfer:
    """Moves `amount` from the program account `source` to the member: pending until
    `pending_until` when given, else posted at once (forming a lot, and paying any debt)."""
    asset = Asset(account.asset)
    # The balances as locked at the start of the operation: debits since only lower them.
    if account.posted + account.pending_in + amount > MAX_BALANCE:
        raise LoyaltyError("The amount is too large: the balance would exceed what a wallet can hold.",
                           field="amount")
    source_id = await program_account_id(asset, source)
    if pending_until is not None:
        transfer = await _insert(
            entry, asset, source_id, account.id, amount, TransferStatus.PENDING,
            available_at=pending_until, lot_expires_at=lot_expires_at,
        )
        await _change("pending_in = pending_in + ?", account.id, amount)
        await _program_add(source_id, "pending_out", amount)
        return transfer
    transfer = await _insert(entry, asset, source_id, account.id, amount, TransferStatus.POSTED,
                             lot_expires_at=lot_expires_at)
    await _add_posted(account.id, amount, amount if entry.code in EARNING else 0)
    await _program_add(source_id, "posted", -amount)
    if asset is Asset.POINTS:
        await lots.open_lot(account.id, transfer, lot_expires_at)
    await settle_debt(account, entry)
    return transfer


async def debit_member(
    account: Account, amount: int, entry: Entry, destination: str, *,
    field: str | None = None, prefer_lots_of: int | None = None, unearn: bool = False,
) -> Transfer:
    """Moves posted `amount` from the member to the program account `destination`, or
    raises InsufficientFunds and changes nothing. Points are drawn from the lots that
    expire first (from the lot of transfer `prefer_lots_of` before any other)."""
    asset = Asset(account.asset)
    if not await _take_posted(account, amount, -amount if unearn else 0):
        raise InsufficientFunds(asset, field=field)
    destination_id = await program_account_id(asset, destination)
    transfer = await _insert(entry, asset, account.id, destination_id, amount, TransferStatus.POSTED)
    await _program_add(destination_id, "posted", amount)
    if asset is Asset.POINTS:
        await lots.draw(account.id, transfer.id, amount, prefer_transfer_id=prefer_lots_of)
    return transfer


async def debit_pending(account: Account, amount: int, entry: Entry, destination: str, *, of: Transfer) -> Transfer:
    """Takes `amount` back from the pending credit `of` before it posts: a pending debit
    that posts (or is voided) together with it."""
    asset = Asset(account.asset)
    destination_id = await program_account_id(asset, destination)
    transfer = await _insert(
        entry, asset, account.id, destination_id, amount, TransferStatus.PENDING, available_at=of.available_at
    )
    await _change("pending_out = pending_out + ?", account.id, amount)
    await _program_add(destination_id, "pending_in", amount)
    return transfer


async def restore_spent(account: Account, amount: int, entry: Entry, source: str, *, spend: Transfer) -> Transfer:
    """Gives back `amount` of the points that `spend` took, to the lots it took them from."""
    asset = Asset(account.asset)
    source_id = await program_account_id(asset, source)
    transfer = await _insert(entry, asset, source_id, account.id, amount, TransferStatus.POSTED)
    await _add_posted(account.id, amount)
    await _program_add(source_id, "posted", -amount)
    if asset is Asset.POINTS:
        await lots.give_back(spend.id, transfer.id, amount)
    await settle_debt(account, entry)
    return transfer


async def move_between_programs(asset: Asset, amount: int, entry: Entry, source: str, destination: str) -> Transfer:
    """Moves `amount` from one program account to another (the program's own donations)."""
    source_id = await program_account_id(asset, source)
    destination_id = await program_account_id(asset, destination)
    transfer = await _insert(entry, asset, source_id, destination_id, amount, TransferStatus.POSTED)
    await _program_add(source_id, "posted", -amount)
    await _program_add(destination_id, "posted", amount)
    return transfer


async def book_shortfall(account: Account, amount: int, entry: Entry, destination: str) -> Transfer:
    """Records what a clawback could not take as a debt the member owes."""
    asset = Asset(account.asset)
    debt_id = await member_account_id(account.member_id, asset, AccountKind.DEBT)
    destination_id = await program_account_id(asset, destination)
    transfer = await _insert(entry, asset, debt_id, destination_id, amount, TransferStatus.POSTED)
    await _add_posted(debt_id, -amount)
    await _program_add(destination_id, "posted", amount)
    # The owed points were earned and taken back: they no longer count as earned.
    await _change("lifetime_earned = lifetime_earned - ?", account.id, amount)
    return transfer


async def settle_debt(account: Account, cause: Entry) -> Transfer | None:
    """Pays what the member owes from their points, as far as they reach."""
    asset = Asset(account.asset)
    row = await sql.fetch_one(
        "SELECT d.id AS debt_id, d.posted AS debt, m.posted AS available FROM ledger_accounts d "
        "JOIN ledger_accounts m ON m.id = ? WHERE d.asset = ? AND d.kind = ? AND d.member_id = ? AND d.posted < 0",
        account.id, asset.value, AccountKind.DEBT.value, account.member_id,
    )
    if row is None or row["available"] <= 0:
        return None
    amount = min(-row["debt"], row["available"])
    entry = Entry(
        code=TransferCode.SETTLE_DEBT, key=f"{cause.key}:settle", member_id=cause.member_id,
        occurred_at=cause.occurred_at, reference=cause.reference, memo={"owed": -row["debt"]},
    )
    if not await _take_posted(account, amount):
        return None
    transfer = await _insert(entry, asset, account.id, row["debt_id"], amount, TransferStatus.POSTED)
    await _add_posted(row["debt_id"], amount)
    if asset is Asset.POINTS:
        await lots.draw(account.id, transfer.id, amount)
    return transfer


async def void_pending(transfer: Transfer, member_account_ids: frozenset[int]) -> bool:
    """Voids a pending transfer: it never posts, and the pending balances it held on both
    sides are released. `member_account_ids` are the (locked) member accounts among its two;
    the other side is a program account. False when it was no longer pending."""
    changed = await sql.execute(
        "UPDATE ledger_transfers SET status = ?, voided_at = ? WHERE id = ? AND status = ?",
        TransferStatus.VOIDED.value, clock.now(), transfer.id, TransferStatus.PENDING.value,
    )
    if changed != 1:
        return False
    if transfer.asset == Asset.POINTS.value and transfer.member_id is not None and transfer.code in EARNING:
        # A voided award never counted: the tier totals take it back on its day.
        await totals.add(transfer.member_id, _aware(transfer.occurred_at), points=-transfer.amount)
    for account_id, column in ((transfer.credit_account_id, "pending_in"), (transfer.debit_account_id, "pending_out")):
        if account_id in member_account_ids:
            await _change(f"{column} = {column} - ?", account_id, transfer.amount)
        else:
            await _program_add(account_id, column, -transfer.amount)
    return True

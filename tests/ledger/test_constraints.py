"""The database keeps the ledger's rules too (migration 0008): each constraint refuses a
hand-written row that breaks it, on PostgreSQL and on SQLite alike, and the same statement
with a valid value goes through, so it is the constraint that refuses, not the statement."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import sql
from loyalty.ledger.models import Account, Lot, LotAllocation, Transfer
from loyalty.ledger.verify import verify_ledger

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
MISSING = 999_999_999

TRANSFER = (
    "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
    "idempotency_key, memo, occurred_at, created_at, posted_at, reverses_id) "
    "VALUES (?, ?, ?, ?, 'ADJUSTMENT', 'posted', ?, '{}', ?, ?, ?, ?)"
)
ACCOUNT = (
    "INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, pending_out, lifetime_earned) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
)
LOT = "INSERT INTO ledger_lots (account_id, transfer_id, amount, remaining, earned_at) VALUES (?, ?, ?, ?, ?)"
ALLOCATION = "INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) VALUES (?, ?, ?)"


@pytest.fixture
async def books(clean_db) -> dict[str, int]:
    """A member with 10 points from the issuance account: one transfer and its lot."""
    issuance = await Account.get(kind="program", asset="POINTS", code="issuance")
    credit_issuance = await Account.get(kind="program", asset="CREDIT", code="issuance")
    member = await Account.create(asset="POINTS", kind="member", member_id=1, posted=10)
    debt = await Account.create(asset="POINTS", kind="debt", member_id=1)
    await sql.execute("UPDATE ledger_accounts SET posted = -10 WHERE id = ?", issuance.id)
    await sql.execute(TRANSFER, "POINTS", issuance.id, member.id, 10, "seed", NOW, NOW, NOW, None)
    transfer = await Transfer.get(idempotency_key="seed")
    lot = await Lot.create(account_id=member.id, transfer_id=transfer.id, amount=10, remaining=10, earned_at=NOW)
    assert [str(v) for v in await verify_ledger()] == []
    return {"issuance": issuance.id, "credit_issuance": credit_issuance.id, "member": member.id, "debt": debt.id,
            "transfer": transfer.id, "lot": lot.id}


async def refused(statement: str, *params: object) -> None:
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await sql.execute(statement, *params)


async def accepted(statement: str, *params: object) -> None:
    async with in_transaction():
        await sql.execute(statement, *params)


def transfer(ids: dict[str, int], key: str, *, asset: str = "POINTS", debit: str | int = "member",
             credit: str | int = "issuance", amount: int = 1, reverses: int | None = None) -> tuple:
    debit_id = ids[debit] if isinstance(debit, str) else debit
    credit_id = ids[credit] if isinstance(credit, str) else credit
    return (TRANSFER, asset, debit_id, credit_id, amount, key, NOW, NOW, NOW, reverses)


async def test_a_transfer_moves_a_positive_amount(books):
    await refused(*transfer(books, "zero", amount=0))
    await refused(*transfer(books, "negative", amount=-5))
    await accepted(*transfer(books, "one", amount=1))
    assert [t.idempotency_key for t in await Transfer.all().order_by("id")] == ["seed", "one"]


async def test_a_transfers_two_accounts_differ(books):
    await refused(*transfer(books, "same", debit="member", credit="member"))
    await accepted(*transfer(books, "two", debit="member", credit="issuance"))


async def test_a_transfers_accounts_exist(books):
    await refused(*transfer(books, "no-debit", debit=MISSING))
    await refused(*transfer(books, "no-credit", credit=MISSING))
    assert await Transfer.filter(idempotency_key__in=["no-debit", "no-credit"]).count() == 0


async def test_both_sides_of_a_transfer_hold_its_asset(books):
    await refused(*transfer(books, "credit-side", credit="credit_issuance"))
    await refused(*transfer(books, "both-other", asset="CREDIT"))
    await accepted(*transfer(books, "points", credit="issuance"))


async def test_a_reversal_names_a_transfer_that_exists(books):
    await refused(*transfer(books, "reverses-nothing", reverses=MISSING))
    await accepted(*transfer(books, "reverses-seed", reverses=books["transfer"]))


async def test_a_member_account_never_goes_below_zero(books):
    await refused("UPDATE ledger_accounts SET posted = -1 WHERE id = ?", books["member"])
    await refused(ACCOUNT, "CREDIT", "member", 2, None, -1, 0, 0)
    await accepted("UPDATE ledger_accounts SET posted = 0 WHERE id = ?", books["member"])
    # Program accounts may: issuance is where points come from.
    await accepted("UPDATE ledger_accounts SET posted = -11 WHERE id = ?", books["issuance"])


async def test_a_debt_account_never_goes_above_zero(books):
    await refused("UPDATE ledger_accounts SET posted = 1 WHERE id = ?", books["debt"])
    await refused(ACCOUNT, "CREDIT", "debt", 2, None, 5, 0, 0)
    await accepted("UPDATE ledger_accounts SET posted = -3 WHERE id = ?", books["debt"])


async def test_pending_balances_never_go_below_zero(books):
    await refused("UPDATE ledger_accounts SET pending_in = -1 WHERE id = ?", books["member"])
    await refused("UPDATE ledger_accounts SET pending_out = -1 WHERE id = ?", books["issuance"])
    await accepted("UPDATE ledger_accounts SET pending_in = 4, pending_out = 4 WHERE id = ?", books["member"])


async def test_a_lot_belongs_to_an_account_and_the_transfer_that_formed_it(books):
    other = (await Transfer.create(
        asset="POINTS", debit_account_id=books["issuance"], credit_account_id=books["member"], amount=1,
        code="ADJUSTMENT", status="posted", idempotency_key="other", occurred_at=NOW, created_at=NOW, posted_at=NOW,
    )).id
    await refused(LOT, MISSING, other, 1, 1, NOW)
    await refused(LOT, books["member"], MISSING, 1, 1, NOW)
    await accepted(LOT, books["member"], other, 1, 1, NOW)


async def test_a_lots_remainder_lies_between_zero_and_its_amount(books):
    await refused("UPDATE ledger_lots SET remaining = -1 WHERE id = ?", books["lot"])
    await refused("UPDATE ledger_lots SET remaining = 11 WHERE id = ?", books["lot"])
    await refused("UPDATE ledger_lots SET amount = 0, remaining = 0 WHERE id = ?", books["lot"])
    await accepted("UPDATE ledger_lots SET remaining = 0 WHERE id = ?", books["lot"])


async def test_an_allocation_names_a_lot_and_a_transfer_that_exist_and_moves_points(books):
    await refused(ALLOCATION, MISSING, books["transfer"], 1)
    await refused(ALLOCATION, books["lot"], MISSING, 1)
    await refused(ALLOCATION, books["lot"], books["transfer"], 0)
    await accepted(ALLOCATION, books["lot"], books["transfer"], 1)
    assert await LotAllocation.all().count() == 1


async def test_an_account_transfer_or_lot_that_rows_name_cannot_be_deleted(books):
    await accepted(ALLOCATION, books["lot"], books["transfer"], 1)
    await refused("DELETE FROM ledger_accounts WHERE id = ?", books["member"])
    await refused("DELETE FROM ledger_transfers WHERE id = ?", books["transfer"])
    await refused("DELETE FROM ledger_lots WHERE id = ?", books["lot"])
    assert (await Account.exists(id=books["member"]), await Transfer.exists(id=books["transfer"]),
            await Lot.exists(id=books["lot"])) == (True, True, True)

"""Program accounts exist before any request needs them, the process remembers only committed
ids, and every balance UPDATE changes exactly one row or fails its transaction.

The scenario of a fresh deployment: points seeded, a first pay-with-points refused for want of
store credit (INSUFFICIENT_CREDIT), then a pay-with-points of 100. Before, the refused request
created the redemption account inside its own transaction and the process kept its id after
the rollback, so the next spend booked against a row that did not exist (or, on SQLite, against
the member's store-credit account that reused the id).
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import sql
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger import accounts, book
from loyalty.ledger.accounts import (
    PROGRAM_ACCOUNTS, ensure_program_accounts, forget_cached_ids, lock_member_account, program_account_id,
)
from loyalty.ledger.codes import ISSUANCE, REDEMPTION, TransferCode
from loyalty.ledger.models import Account, AccountKind, Asset, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.purchases.models import Purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.conftest import POSTGRES, requires_postgres
from tests.support.program import demo_at_base_rate, use_program
from tests.support.cli import run_cli
from tests.support.shop import Shop, error, errors_of, iso, join

PAST = datetime.now(timezone.utc) - timedelta(days=30)  # out of its return window: posts at once


async def new_member(email: str = "ann@example.com") -> int:
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    return (await members.create_member(data, "hash")).id


async def program_balances() -> dict[str, tuple[int, int, int]]:
    return {
        f"{a.asset}:{a.code}": (a.posted, a.pending_in, a.pending_out)
        for a in await Account.filter(kind=AccountKind.PROGRAM.value)
    }


async def member_balances(member_id: int) -> dict[str, tuple[int, int, int]]:
    return {
        f"{a.asset}:{a.kind}": (a.posted, a.pending_in, a.pending_out)
        for a in await Account.filter(member_id=member_id)
    }


async def as_a_process_that_never_saw_them() -> None:
    """The program accounts no transfer names are gone and forgotten: their first use is
    inside a member's request, as on a database the process did not ensure."""
    forget_cached_ids()
    await sql.execute(
        "DELETE FROM ledger_accounts WHERE kind = 'program' AND NOT EXISTS (SELECT 1 FROM ledger_transfers t "
        "WHERE t.debit_account_id = ledger_accounts.id OR t.credit_account_id = ledger_accounts.id)"
    )


async def refused_spend_then_spend(program) -> int:
    """Seeds 150 points, is refused a first pay-with-points of 100 with EUR 5.00 of store credit
    the member does not have, then pays 100 points on an order of EUR 50.00."""
    ann = await new_member()
    await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("150.00"), "EUR", occurred_at=PAST))
    with pytest.raises(LoyaltyError) as refused:
        await record_purchase(program, PurchaseRequest(
            ann, "O-2", Decimal("50.00"), "EUR", points_to_spend=100, credit_to_spend=Decimal("5.00"),
        ))
    assert (refused.value.code, refused.value.field) == (ErrorCode.INSUFFICIENT_CREDIT, "credit_to_spend")
    assert not await Purchase.exists(order_id="O-2")
    paid = await record_purchase(program, PurchaseRequest(ann, "O-3", Decimal("50.00"), "EUR", points_to_spend=100))
    assert (paid.points_spent, paid.points_awarded) == (100, 49)  # EUR 49.00 left to earn on
    return ann


async def assert_books_after_the_refused_spend(ann: int) -> None:
    assert [str(v) for v in await verify_ledger()] == []
    assert await member_balances(ann) == {"POINTS:member": (50, 49, 0)}
    balances = await program_balances()
    assert (balances["POINTS:issuance"], balances["POINTS:redemption"]) == ((-150, 0, 49), (100, 0, 0))
    assert [(t.code, t.amount, t.status) for t in await Transfer.filter(member_id=ann).order_by("id")] == [
        ("EARN_PURCHASE", 150, "posted"), ("PAY_WITH_POINTS", 100, "posted"), ("EARN_PURCHASE", 49, "pending"),
    ]
    wallet = await get_wallet(ann, datetime.now(timezone.utc))
    assert (wallet.points, wallet.pending_points, wallet.credit_minor) == (50, 49, 0)


@pytest.fixture
async def runtime(runtime):
    await use_program(runtime, demo_at_base_rate())
    return runtime


async def test_program_accounts_exist_and_are_committed_before_any_request(runtime):
    expected = [(asset.value, code) for asset, code in PROGRAM_ACCOUNTS] + [
        ("POINTS", f"charity:{c.code}") for c in runtime.program.program.charities]
    rows = await Account.filter(kind=AccountKind.PROGRAM.value).order_by("id")
    assert sorted((a.asset, a.code) for a in rows) == sorted(expected)
    assert len(expected) == 14 + 3  # the demo's three charities
    assert {(a.asset, a.code): (a.posted, a.pending_in, a.pending_out) for a in rows} == {
        key: (0, 0, 0) for key in expected}
    assert accounts._program_ids == {(a.asset, a.code): a.id for a in rows}


async def test_applying_a_program_version_creates_its_new_charity_accounts_first(runtime):
    text = demo_at_base_rate() + '\n[[charities]]\ncode = "sea-rescue"\nname = "Sea Rescue"\n' \
        'description = "Lifeboats on every coast"\n'
    program = await use_program(runtime, text)
    assert [c.code for c in program.charities][-1] == "sea-rescue"
    account = await Account.get(kind=AccountKind.PROGRAM.value, asset="POINTS", code="charity:sea-rescue")
    assert accounts._program_ids[("POINTS", "charity:sea-rescue")] == account.id


async def test_a_refused_first_spend_on_a_fresh_database_leaves_the_books_balanced(runtime):
    ann = await refused_spend_then_spend(runtime.program.program)
    await assert_books_after_the_refused_spend(ann)


async def test_a_refused_first_use_of_a_program_account_keeps_no_id_of_a_rolled_back_row(runtime):
    await as_a_process_that_never_saw_them()
    ann = await refused_spend_then_spend(runtime.program.program)
    await assert_books_after_the_refused_spend(ann)
    redemption = await Account.get(kind=AccountKind.PROGRAM.value, asset="POINTS", code=REDEMPTION)
    # What the process remembers is a committed row (on SQLite it remembers it once read outside a transaction).
    assert accounts._program_ids.get(("POINTS", REDEMPTION)) in ({redemption.id} if POSTGRES else {None})
    assert await program_account_id(Asset.POINTS, REDEMPTION) == redemption.id


async def test_a_program_account_first_used_in_a_rolled_back_transaction_exists_after_it(runtime):
    await as_a_process_that_never_saw_them()
    with pytest.raises(ZeroDivisionError):
        async with in_transaction():
            looked_up = await program_account_id(Asset.CREDIT, "rewards")
            raise ZeroDivisionError("the request fails after the lookup")
    row = await Account.get_or_none(kind=AccountKind.PROGRAM.value, asset="CREDIT", code="rewards")
    if POSTGRES:  # created and committed on a connection of its own
        assert row is not None and row.id == looked_up == accounts._program_ids[("CREDIT", "rewards")]
    else:  # created in the caller's transaction, gone with it, and not remembered
        assert row is None and ("CREDIT", "rewards") not in accounts._program_ids
    created = await program_account_id(Asset.CREDIT, "rewards")
    assert (await Account.get(id=created)).code == "rewards"
    assert accounts._program_ids[("CREDIT", "rewards")] == created


async def test_ensuring_program_accounts_again_changes_nothing(runtime):
    before = {(a.asset, a.code): a.id for a in await Account.filter(kind=AccountKind.PROGRAM.value)}
    await ensure_program_accounts(c.code for c in runtime.program.program.charities)
    after = {(a.asset, a.code): a.id for a in await Account.filter(kind=AccountKind.PROGRAM.value)}
    assert after == before and len(after) == 17


async def test_a_transfer_naming_a_missing_program_account_fails_its_transaction(runtime):
    ann = await new_member()
    accounts._program_ids[("POINTS", ISSUANCE)] = 999_999_999  # an id with no row behind it
    with pytest.raises(IntegrityError):  # the transfer's foreign key
        await record_purchase(runtime.program.program, PurchaseRequest(
            ann, "O-1", Decimal("10.00"), "EUR", occurred_at=PAST))
    forget_cached_ids()
    assert (await Purchase.all().count(), await Transfer.all().count()) == (0, 0)
    assert await member_balances(ann) == {}
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_balance_update_that_changes_no_row_fails_its_transaction(runtime):
    ann = await new_member()
    issuance = await program_account_id(Asset.POINTS, ISSUANCE)
    with pytest.raises(book.AccountMissing, match="a batch changed 1 ledger accounts of the 2 it books against"):
        async with in_transaction():
            await lock_member_account(ann, Asset.POINTS)
            await book.change_accounts(
                "UPDATE ledger_accounts SET pending_in = pending_in + 1 WHERE id IN (?, ?)", issuance, 999_999_999,
                expected=2,
            )
    assert (await Account.get(id=issuance)).pending_in == 0
    assert await Account.filter(member_id=ann).count() == 0


async def test_a_guarded_debit_of_a_missing_account_is_a_bug_not_insufficient_funds(runtime):
    ann = await new_member()
    entry = book.Entry(TransferCode.PAY_WITH_POINTS, "spend:1", ann, datetime.now(timezone.utc))
    async with in_transaction():
        account = await lock_member_account(ann, Asset.POINTS)
        with pytest.raises(book.InsufficientFunds):  # the account is there, with 0 points
            await book.debit_member(account, 10, entry, REDEMPTION)
    with pytest.raises(book.AccountMissing, match=f"ledger account {account.id} does not exist"):
        async with in_transaction():
            await sql.execute("DELETE FROM ledger_accounts WHERE id = ?", account.id)
            await book.debit_member(account, 10, entry, REDEMPTION)
    assert await Account.exists(id=account.id)


@requires_postgres
async def test_requests_racing_on_a_program_accounts_first_use_book_against_one_committed_account(runtime):
    program = runtime.program.program
    people = [await new_member(f"m{i}@example.com") for i in range(10)]
    await as_a_process_that_never_saw_them()
    assert await Account.filter(kind=AccountKind.PROGRAM.value).count() == 0

    # Ten purchases on ten connections at once, each the first to need the issuance account.
    bought = await asyncio.gather(*(
        record_purchase(program, PurchaseRequest(m, f"O-{i}", Decimal(f"{10 + i}.00"), "EUR", occurred_at=PAST))
        for i, m in enumerate(people)))

    assert [p.points_awarded for p in bought] == [10 + i for i in range(10)]
    issuance = await Account.filter(kind=AccountKind.PROGRAM.value, asset="POINTS", code=ISSUANCE)
    assert [(a.posted, a.pending_in, a.pending_out) for a in issuance] == [(-145, 0, 0)]
    assert accounts._program_ids[("POINTS", ISSUANCE)] == issuance[0].id
    assert sorted([(await member_balances(m))["POINTS:member"][0] for m in people]) == [10 + i for i in range(10)]
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_refused_first_spend_over_http_leaves_verify_ledger_clean(client, settings):
    """The reproduction as a shop makes it, on a fresh database, with the command's report."""
    shop = await Shop.open(client)
    ann = await join(client)
    funded = await shop.purchase(ann, orderId="O-1", amount="150.00", occurredAt=iso(PAST))
    assert (funded["errors"], funded["purchase"]["pointsAwarded"]) == ([], 150)
    before = await shop.wallet(ann)
    assert (before["points"], before["pendingPoints"]) == (100 + 150, 0)  # the welcome points and the purchase

    refused = await shop.purchase(ann, orderId="O-2", amount="50.00", pointsToSpend=100, creditToSpend="5.00")
    assert (refused["purchase"], errors_of(refused)) == (None, error("INSUFFICIENT_CREDIT", "creditToSpend"))
    assert await shop.wallet(ann) == before
    paid = await shop.purchase(ann, orderId="O-3", amount="50.00", pointsToSpend=100)
    assert (paid["errors"], paid["purchase"]["pointsSpent"], paid["purchase"]["pointsAwarded"]) == ([], 100, 49)

    wallet = await shop.wallet(ann)
    assert (wallet["points"], wallet["pendingPoints"], wallet["credit"]["amount"]) == (150, 49, "0.00")
    balances = await program_balances()
    assert (balances["POINTS:issuance"], balances["POINTS:redemption"]) == ((-250, 0, 49), (100, 0, 0))
    assert balances["CREDIT:credit_redemption"] == (0, 0, 0)
    done = await run_cli(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n"), done.stderr

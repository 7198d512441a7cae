"""verify-ledger names every violation with the ids of its rows, also those the database's
own constraints keep out (a ledger written before them, or by hand with them switched off),
and its --help lists exactly the rules it checks."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from loyalty import sql
from loyalty.ledger.models import Account, Lot, Transfer
from loyalty.ledger.verify import RULES, verify_ledger
from tests.support.servers import run_command

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
MISSING = 999_999_999
TRANSFER = (
    "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
    "idempotency_key, memo, occurred_at, created_at, posted_at) VALUES (?, ?, ?, ?, 'ADJUSTMENT', 'posted', ?, '{}', ?, ?, ?)"
)


@contextlib.asynccontextmanager
async def foreign_keys_off() -> AsyncIterator[None]:
    """Writes committed without the foreign keys checked, as a ledger from before them."""
    if sql.is_postgres():
        async with in_transaction():
            await sql.execute("SET LOCAL session_replication_role = replica")
            yield
    else:
        await sql.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            await sql.execute("PRAGMA foreign_keys = ON")


async def test_verify_ledger_names_each_transfer_lot_and_allocation_whose_rows_are_missing(clean_db, settings):
    issuance = await Account.get(kind="program", asset="POINTS", code="issuance")
    credit_issuance = await Account.get(kind="program", asset="CREDIT", code="issuance")
    ann = await Account.create(asset="POINTS", kind="member", member_id=1)
    async with foreign_keys_off():
        # Books that balance by account and by asset, but name rows that are not there.
        await sql.execute(TRANSFER, "POINTS", MISSING, ann.id, 5, "from-nowhere", NOW, NOW, NOW)
        await sql.execute(TRANSFER, "POINTS", ann.id, credit_issuance.id, 5, "to-credit", NOW, NOW, NOW)
        await sql.execute("INSERT INTO ledger_lots (account_id, transfer_id, amount, remaining, earned_at) "
                          "VALUES (?, ?, 5, 5, ?)", MISSING, MISSING, NOW)
        await sql.execute("INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) VALUES (?, ?, 5)",
                          MISSING, MISSING)
    nowhere = (await Transfer.get(idempotency_key="from-nowhere")).id
    to_credit = (await Transfer.get(idempotency_key="to-credit")).id
    lot = (await Lot.get(account_id=MISSING)).id
    allocation = (await sql.fetch_one("SELECT id FROM ledger_lot_allocations WHERE lot_id = ?", MISSING))["id"]

    report = [
        f"rule 1: every transfer's accounts exist: transfer {nowhere}, debit account {MISSING}: found no such account",
        f"rule 1: both sides of a transfer hold its asset: transfer {to_credit}, credit account {credit_issuance.id}: "
        "found CREDIT, expected POINTS",
        f"rule 3: an account's balances equal its transfers (posted, pending in, pending out): {credit_issuance.id}: "
        "found 0/0/0, expected 5/0/0",
        f"rule 7: every lot belongs to an existing account and the transfer that formed it: lot {lot}: "
        f"found no account {MISSING}",
        f"rule 7: every allocation names an existing lot and transfer: allocation {allocation}: found no lot {MISSING}",
        f"rule 7: every posted credit to a member's points formed a lot: {nowhere}: found ADJUSTMENT",
        f"rule 7: a posted debit of a member's points drew its amount from lots: {to_credit}: found 0, expected 5",
    ]
    assert [str(v) for v in await verify_ledger()] == report
    done = run_command(settings, "verify-ledger")
    assert (done.returncode, done.stdout.splitlines()) == (1, [*report, f"verify-ledger: {len(report)} violation(s)"])
    assert issuance.posted == 0


def test_verify_ledger_help_lists_exactly_the_rules_it_checks(settings):
    done = run_command(settings, "verify-ledger", "--help")
    assert done.returncode == 0, done.stderr
    listed = [line.strip() for line in done.stdout.splitlines() if line.startswith("  rule ")]
    assert listed == list(RULES)
    assert len(RULES) == 20
    assert "exits 1 on a violation, 0 when the ledger is consistent" in done.stdout

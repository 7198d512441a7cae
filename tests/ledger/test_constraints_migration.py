"""Migration 0008 adds the ledger's constraints to a database that already has a ledger: its
rows, ids and id sequences are kept, and a ledger that breaks a constraint stops the
migration with nothing changed."""
from __future__ import annotations

import subprocess

import pytest

from tests.test_migrations import _sql, migrate, scratch_database_url  # noqa: F401 - the fixture

BEFORE = "loyalty.0007_scheduler_runs"
T = "'2026-01-02 10:00:00+00'"
LEDGER = [
    "INSERT INTO ledger_accounts (id, asset, kind, member_id, code, posted, pending_in, pending_out, lifetime_earned) "
    "VALUES (1, 'POINTS', 'program', NULL, 'issuance', -100, 0, 9, 0), "
    "(2, 'POINTS', 'member', 7, NULL, 60, 9, 4, 100), (3, 'POINTS', 'program', NULL, 'redemption', 40, 4, 0, 0), "
    "(4, 'POINTS', 'debt', 7, NULL, 0, 0, 0, 0), (5, 'CREDIT', 'member', 7, NULL, 0, 0, 0, 0)",
    "DELETE FROM ledger_accounts WHERE id = 5",  # the id is never handed out again
    "INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, code, status, "
    "idempotency_key, reverses_id, member_id, memo, occurred_at, created_at, posted_at, available_at) VALUES "
    f"(1, 'POINTS', 1, 2, 100, 'EARN_PURCHASE', 'posted', 'purchase:O-1:earn', NULL, 7, '{{}}', {T}, {T}, {T}, NULL), "
    f"(2, 'POINTS', 2, 3, 40, 'PAY_WITH_POINTS', 'posted', 'purchase:O-2:spend', NULL, 7, '{{}}', {T}, {T}, {T}, NULL), "
    f"(3, 'POINTS', 1, 2, 9, 'EARN_PURCHASE', 'pending', 'purchase:O-2:earn', NULL, 7, '{{}}', {T}, {T}, NULL, {T}), "
    f"(4, 'POINTS', 2, 3, 4, 'CLAWBACK', 'pending', 'refund:R-1:clawback', 3, 7, '{{}}', {T}, {T}, NULL, {T})",
    f"INSERT INTO ledger_lots (id, account_id, transfer_id, amount, remaining, earned_at) VALUES (1, 2, 1, 100, 60, {T})",
    "INSERT INTO ledger_lot_allocations (id, lot_id, transfer_id, amount) VALUES (1, 1, 2, 40)",
]
ACCOUNTS = "SELECT id, asset, kind, member_id, code, posted, pending_in, pending_out FROM ledger_accounts ORDER BY id"
TRANSFERS = "SELECT id, debit_account_id, credit_account_id, amount, status, reverses_id FROM ledger_transfers ORDER BY id"


async def test_a_ledger_written_before_the_constraints_upgrades_and_keeps_its_rows(scratch_database_url):
    url = scratch_database_url
    migrate(url, BEFORE)
    await _sql(url, *LEDGER)

    migrate(url)

    assert await _sql(url, ACCOUNTS) == [
        (1, "POINTS", "program", None, "issuance", -100, 0, 9), (2, "POINTS", "member", 7, None, 60, 9, 4),
        (3, "POINTS", "program", None, "redemption", 40, 4, 0), (4, "POINTS", "debt", 7, None, 0, 0, 0)]
    assert await _sql(url, TRANSFERS) == [(1, 1, 2, 100, "posted", None), (2, 2, 3, 40, "posted", None),
                                          (3, 1, 2, 9, "pending", None), (4, 2, 3, 4, "pending", 3)]
    assert await _sql(url, "SELECT id, account_id, transfer_id, amount, remaining FROM ledger_lots") == [
        (1, 2, 1, 100, 60)]
    assert await _sql(url, "SELECT id, lot_id, transfer_id, amount FROM ledger_lot_allocations") == [(1, 1, 2, 40)]
    if url.startswith("sqlite://"):  # the rebuilt table goes on from the old one's sequence
        assert await _sql(url, "INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, "
                          "pending_out, lifetime_earned) VALUES ('CREDIT', 'member', 7, NULL, 0, 0, 0, 0)",
                          "SELECT MAX(id) FROM ledger_accounts") == [(6,)]
    with pytest.raises(Exception, match="ledger_transfers_amount_positive|CHECK constraint failed"):
        await _sql(url, "UPDATE ledger_transfers SET amount = 0 WHERE id = 1")


async def test_a_ledger_that_breaks_a_constraint_stops_the_migration_and_keeps_its_rows(scratch_database_url):
    url = scratch_database_url
    migrate(url, BEFORE)
    await _sql(url, *LEDGER, "UPDATE ledger_transfers SET credit_account_id = 99 WHERE id = 2")

    with pytest.raises(subprocess.CalledProcessError):
        migrate(url)

    applied = await _sql(url, "SELECT name FROM tortoise_migrations ORDER BY name")
    assert [row[0] for row in applied][-1] == "0007_scheduler_runs"
    assert await _sql(url, TRANSFERS) == [(1, 1, 2, 100, "posted", None), (2, 2, 99, 40, "posted", None),
                                          (3, 1, 2, 9, "pending", None), (4, 2, 3, 4, "pending", 3)]
    # The constraint is not there: the same database takes another such row.
    await _sql(url, "UPDATE ledger_transfers SET amount = 0 WHERE id = 1")

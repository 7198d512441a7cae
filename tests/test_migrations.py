"""A database made by an earlier release upgrades in place: `loyalty migrate` keeps its rows and
gives the columns added since then their starting values."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from loyalty.settings import Settings
from tests.conftest import POSTGRES

# The last migration of the release before purchases gained cashback and store credit.
BEFORE_CASHBACK = "loyalty.0005_notifications"

PURCHASE = (
    "INSERT INTO purchases (order_id, member_id, amount_minor, currency, items, occurred_at, request_hash, "
    "refunded_minor, points_awarded, points_spent, points_clawed_back, points_restored, cashback_minor, created_at) "
    "VALUES ('O-1', 1, 2500, 'EUR', '[]', '2026-01-02 10:00:00+00', 'h', 0, 25, 0, 0, 0, 0, '2026-01-02 10:00:00+00')"
)
REFUND = (
    "INSERT INTO refunds (refund_id, purchase_id, amount_minor, items, request_hash, points_clawed_back, points_restored, "
    "created_at) VALUES ('R-1', 1, 500, '[]', 'h', 5, 0, '2026-01-03 10:00:00+00')"
)


@pytest.fixture
async def scratch_database_url(tmp_path: Path, settings: Settings) -> AsyncIterator[str]:
    """A database of its own, so the suite's database is left alone."""
    if not POSTGRES:
        yield f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
        return
    base = settings.database_url  # the suite's own database: the new one is made on its server
    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# Migrates in a process of its own: the suite's own connection to its database stays as it is.
MIGRATE = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from loyalty import db

async def main():
    config = {**db.tortoise_config(), "connections": {"default": sys.argv[1]}}
    try:
        await migrate(config=config, target=sys.argv[2] or None)
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""


def migrate(url: str, target: str = "") -> None:
    subprocess.run([sys.executable, "-c", MIGRATE, url, target], check=True, timeout=120,
                   env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")})


async def _sql(url: str, *statements: str) -> list:
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            rows = [conn.execute(s).fetchall() for s in statements]
        return rows[-1]
    conn = await asyncpg.connect(url)
    try:
        rows = [await conn.fetch(s) for s in statements]
    finally:
        await conn.close()
    return [tuple(r) for r in rows[-1]]


async def test_a_database_with_purchases_upgrades_and_keeps_them(scratch_database_url):
    migrate(scratch_database_url, BEFORE_CASHBACK)
    await _sql(scratch_database_url, PURCHASE, REFUND)

    migrate(scratch_database_url)

    assert await _sql(
        scratch_database_url,
        "SELECT order_id, amount_minor, points_awarded, credit_spent_minor, cashback_clawed_back_minor, "
        "credit_restored_minor, cashback_transfer_id, credit_spend_transfer_id FROM purchases",
    ) == [("O-1", 2500, 25, 0, 0, 0, None, None)]
    assert await _sql(
        scratch_database_url, "SELECT refund_id, cashback_clawed_back_minor, credit_restored_minor FROM refunds",
    ) == [("R-1", 0, 0)]

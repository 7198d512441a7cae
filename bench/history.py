"""A long history, quickly: purchases bulk-inserted with set-based SQL that writes what
`loyalty.purchases.service.record_purchase` writes for a purchase older than the return
window by a member at the program's entry level, with the values the domain computes (points,
memo, lot expiry):

- a `purchases` row with the points awarded and its earn transfer (its request hash is a
  fingerprint of the generated order: the benchmark never replays one),
- a posted EARN_PURCHASE transfer from the issuance account to the member's points,
- a lot with the program's expiry, and the expiry schedule summed by expiry,
- the member's posted and lifetime balances up, the issuance account's down,
- a `points.earned` event in the outbox.

`shape_differences` compares the rows it writes with rows the domain wrote, and the
benchmark runs `loyalty verify-ledger` afterwards, so a change in the domain that this
mirror misses makes the benchmark fail instead of measuring something else.
"""
from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

import asyncpg

from bench.seed import random_amount_minor, spread_over
from loyalty.earning.pipeline import PurchaseFacts, purchase_points
from loyalty.ledger.codes import ISSUANCE, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.idempotency import fingerprint
from loyalty.program.spec import Program

_STAGING = """
CREATE TEMP TABLE bench_history (
    n integer, order_id text, amount_minor bigint, points bigint, occurred_at timestamptz,
    lot_expires_at timestamptz, request_hash text, memo jsonb, payload jsonb
) ON COMMIT DROP
"""
_STAGING_COLUMNS = [
    "n", "order_id", "amount_minor", "points", "occurred_at", "lot_expires_at", "request_hash", "memo", "payload",
]

_PURCHASES = """
INSERT INTO purchases (order_id, member_id, amount_minor, currency, brand, items, occurred_at, request_hash,
    refunded_minor, points_awarded, points_spent, points_clawed_back, points_restored, cashback_minor, created_at)
SELECT order_id, $1, amount_minor, $2, NULL, '[]', occurred_at, request_hash, 0, points, 0, 0, 0, 0, $3
FROM bench_history ORDER BY n
"""
_TRANSFERS = """
INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key,
    reference, member_id, purchase_id, memo, occurred_at, lot_expires_at, created_at, posted_at)
SELECT 'POINTS', $1, $2, h.points, $3, 'posted', 'purchase:' || h.order_id || ':earn',
    h.order_id, p.member_id, p.id, h.memo, h.occurred_at, h.lot_expires_at, $4, $4
FROM bench_history h JOIN purchases p ON p.order_id = h.order_id ORDER BY h.n
"""
_EARN_TRANSFER_IDS = """
UPDATE purchases p SET earn_transfer_id = t.id
FROM bench_history h JOIN ledger_transfers t ON t.idempotency_key = 'purchase:' || h.order_id || ':earn'
WHERE p.order_id = h.order_id
"""
_LOTS = """
INSERT INTO ledger_lots (account_id, transfer_id, amount, remaining, earned_at, expires_at)
SELECT t.credit_account_id, t.id, t.amount, t.amount, t.occurred_at, t.lot_expires_at
FROM bench_history h JOIN ledger_transfers t ON t.idempotency_key = 'purchase:' || h.order_id || ':earn'
ORDER BY t.id
"""
_SCHEDULE = """
INSERT INTO ledger_expiry_schedule (account_id, expires_at, points)
SELECT $1, lot_expires_at, SUM(points) FROM bench_history WHERE lot_expires_at IS NOT NULL GROUP BY lot_expires_at
ON CONFLICT (account_id, expires_at) DO UPDATE SET points = ledger_expiry_schedule.points + excluded.points
"""
_OUTBOX = """
INSERT INTO outbox_events (id, topic, member_id, payload, created_at)
SELECT gen_random_uuid(), 'points.earned', $1, payload, $2 FROM bench_history ORDER BY n
"""


def _staged_rows(program: Program, member_id: int, count: int, label: str, first: datetime, last: datetime,
                 rng: random.Random) -> list[tuple]:
    currency = program.program.currency
    rows = []
    for n, occurred_at in enumerate(spread_over(count, first, last)):
        order_id = f"{label}-{n}"
        amount_minor = random_amount_minor(rng)
        facts = PurchaseFacts(eligible_minor=amount_minor, brand=None, categories=(), occurred_at=occurred_at,
                              tier=program.tier_levels[0])
        points, award = purchase_points(program, facts)
        memo = {"order": order_id, "amount_minor": amount_minor, "currency": currency,
                "tier_name": program.tier_levels[0].name,
                "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]}
        payload = {"points": points, "order": order_id, "pending": False, "available_at": None}
        rows.append((
            n, order_id, amount_minor, points, occurred_at, lot_expiry(program, occurred_at),
            fingerprint(member=member_id, order=order_id, amount=amount_minor), json.dumps(memo), json.dumps(payload),
        ))
    return rows


async def bulk_purchases(
    conn: asyncpg.Connection, program: Program, member_id: int, count: int, *, label: str,
    first: datetime, last: datetime, now: datetime, rng: random.Random,
) -> None:
    """`count` purchases of the member from `first` to `last`, posted at `now`, in one
    transaction. The member must owe no points (the domain would settle a debt first)."""
    rows = _staged_rows(program, member_id, count, label, first, last, rng)
    async with conn.transaction():
        account_id = await conn.fetchval(
            "SELECT id FROM ledger_accounts WHERE asset = 'POINTS' AND kind = 'member' AND member_id = $1 FOR UPDATE",
            member_id,
        )
        owed = await conn.fetchval(
            "SELECT posted FROM ledger_accounts WHERE asset = 'POINTS' AND kind = 'debt' AND member_id = $1", member_id
        )
        if account_id is None or owed:
            raise RuntimeError(f"member {member_id}: needs a points account and no debt (owes {owed})")
        issuance_id = await conn.fetchval(
            "SELECT id FROM ledger_accounts WHERE asset = 'POINTS' AND kind = 'program' AND code = $1 FOR UPDATE",
            ISSUANCE,
        )
        await conn.execute(_STAGING)
        await conn.copy_records_to_table("bench_history", records=rows, columns=_STAGING_COLUMNS)
        await conn.execute(_PURCHASES, member_id, program.program.currency, now)
        await conn.execute(_TRANSFERS, issuance_id, account_id, TransferCode.EARN_PURCHASE.value, now)
        await conn.execute(_EARN_TRANSFER_IDS)
        await conn.execute(_LOTS)
        await conn.execute(_SCHEDULE, account_id)
        total = sum(row[3] for row in rows)
        await conn.execute(
            "UPDATE ledger_accounts SET posted = posted + $1, lifetime_earned = lifetime_earned + $1 WHERE id = $2",
            total, account_id,
        )
        await conn.execute("UPDATE ledger_accounts SET posted = posted - $1 WHERE id = $2", total, issuance_id)
        await conn.execute(_OUTBOX, member_id, now)


# One row the domain wrote and one written here, per table, to compare their shapes.
_SAMPLES = {
    "purchases": "SELECT to_jsonb(x) FROM purchases x WHERE order_id LIKE $1 || '%' AND points_spent = 0 "
                 "AND refunded_minor = 0 ORDER BY id DESC LIMIT 1",
    "ledger_transfers": "SELECT to_jsonb(x) FROM ledger_transfers x WHERE reference LIKE $1 || '%' "
                        "AND code = 'EARN_PURCHASE' AND NOT x.memo ? 'earning_minor' ORDER BY id DESC LIMIT 1",
    "ledger_lots": "SELECT to_jsonb(x) FROM ledger_lots x JOIN ledger_transfers t ON t.id = x.transfer_id "
                   "WHERE t.reference LIKE $1 || '%' AND t.code = 'EARN_PURCHASE' ORDER BY x.id DESC LIMIT 1",
    "outbox_events": "SELECT to_jsonb(x) FROM outbox_events x WHERE topic = 'points.earned' "
                     "AND payload->>'order' LIKE $1 || '%' ORDER BY created_at DESC LIMIT 1",
}


def _shape(value: Any) -> Any:
    """Which keys a JSON value has and of what type, recursively; not the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


async def shape_differences(conn: asyncpg.Connection, domain_label: str, bulk_label: str) -> list[str]:
    """Tables whose bulk rows differ in shape (columns set, JSON keys) from the domain's."""
    differences = []
    for table, query in _SAMPLES.items():
        domain_row, bulk_row = [await conn.fetchval(query, label) for label in (domain_label, bulk_label)]
        if domain_row is None or bulk_row is None:
            differences.append(f"{table}: no row to compare")
            continue
        domain_shape, bulk_shape = _shape(json.loads(domain_row)), _shape(json.loads(bulk_row))
        if domain_shape != bulk_shape:
            differences.append(f"{table}: domain row {domain_shape} != bulk row {bulk_shape}")
    return differences

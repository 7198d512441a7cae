"""A year of a large program, quickly: members, their purchases, spending, expiry and
donations bulk-inserted with set-based SQL that writes what the domain writes for them
(the purchase, its EARN_PURCHASE transfer and lot, pending inside the return window; a
REDEEM_REWARD debit, an EXPIRY and a DONATION that draw from lots, with their allocations;
the donation rows; every balance). `loyalty verify-ledger` checks the result afterwards.

The points of a purchase are the demo's at the entry level without bonuses (1 per euro,
rounded down); lots expire at the end of the month 24 months after the purchase, in the
program's time zone, as the demo's `round_to_month_end` says."""
from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

PURCHASES_PER_MEMBER = 10
PENDING_DAYS = 14

_MEMBERS = """
INSERT INTO members (member_number, email, email_normalized, email_canonical, password_hash, display_name, locale,
    marketing_consent, notify_email, notify_push, notify_marketing, joined_at, updated_at)
SELECT 'B' || lpad(g::text, 9, '0'), 'm' || g || '@bench.example', 'm' || g || '@bench.example',
    'm' || g || '@bench.example', 'bench-no-password', 'Bench ' || g, 'en', false, true, true, false, $1, $1
FROM generate_series(1, $2) g
"""
_ACCOUNTS = """
INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, pending_out, lifetime_earned)
SELECT 'POINTS', 'member', m.id, NULL, 0, 0, 0, 0 FROM members m WHERE m.email LIKE '%@bench.example'
"""
# Each member's purchases spread over the year before `now`, amounts EUR 5.00 to 204.99.
_STAGE = """
CREATE TEMP TABLE bench_p ON COMMIT DROP AS
SELECT a.member_id, a.id AS account_id, n, 500 + ((a.member_id * 37 + n * 1013) % 20000) AS amount_minor,
    $1::timestamptz - make_interval(days => ((a.member_id * 7 + n * 36) % 365)::int, hours => (n % 12)::int) AS occurred_at
FROM ledger_accounts a CROSS JOIN generate_series(1, $2) n
JOIN members m ON m.id = a.member_id AND m.email LIKE '%@bench.example'
WHERE a.asset = 'POINTS' AND a.kind = 'member'
"""
_PURCHASES = """
INSERT INTO purchases (order_id, member_id, amount_minor, currency, brand, items, occurred_at, request_hash,
    refunded_minor, points_awarded, points_spent, points_clawed_back, points_restored, cashback_minor,
    credit_spent_minor, cashback_clawed_back_minor, credit_restored_minor, created_at)
SELECT 'BP-' || member_id || '-' || n, member_id, amount_minor, 'EUR', CASE WHEN n % 2 = 0 THEN 'harbor' ELSE 'northwind' END,
    '[]', occurred_at, md5(member_id || '-' || n), 0, amount_minor / 100, 0, 0, 0, 0, 0, 0, 0, occurred_at
FROM bench_p
"""
_EARN = """
INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key,
    reference, member_id, purchase_id, memo, occurred_at, available_at, lot_expires_at, created_at, posted_at)
SELECT 'POINTS', $1, b.account_id, b.amount_minor / 100, 'EARN_PURCHASE',
    CASE WHEN b.occurred_at + make_interval(days => $3) <= $2 THEN 'posted' ELSE 'pending' END,
    'purchase:BP-' || b.member_id || '-' || b.n || ':earn', 'BP-' || b.member_id || '-' || b.n, b.member_id, p.id,
    jsonb_build_object('order', 'BP-' || b.member_id || '-' || b.n), b.occurred_at,
    b.occurred_at + make_interval(days => $3),
    ((date_trunc('month', (b.occurred_at AT TIME ZONE $4) + interval '24 months') + interval '1 month') AT TIME ZONE $4),
    b.occurred_at,
    CASE WHEN b.occurred_at + make_interval(days => $3) <= $2 THEN b.occurred_at + make_interval(days => $3) END
FROM bench_p b JOIN purchases p ON p.order_id = 'BP-' || b.member_id || '-' || b.n
"""
_EARN_IDS = """
UPDATE purchases p SET earn_transfer_id = t.id FROM ledger_transfers t
WHERE t.purchase_id = p.id AND t.code = 'EARN_PURCHASE' AND p.order_id LIKE 'BP-%'
"""
_LOTS = """
INSERT INTO ledger_lots (account_id, transfer_id, amount, remaining, earned_at, expires_at)
SELECT credit_account_id, id, amount, amount, posted_at, lot_expires_at FROM ledger_transfers
WHERE code = 'EARN_PURCHASE' AND status = 'posted' AND reference LIKE 'BP-%'
"""
# One debit per chosen member, from one lot: (which members, which lot, how much, when).
_DEBIT = """
WITH chosen AS (
    SELECT DISTINCT ON (l.account_id) l.id AS lot_id, l.account_id, t.member_id, LEAST(l.remaining, $4) AS amount,
        GREATEST(t.posted_at, $5::timestamptz) + interval '1 hour' AS at
    FROM ledger_lots l JOIN ledger_transfers t ON t.id = l.transfer_id
    WHERE t.reference LIKE 'BP-%' AND t.member_id % $6 = $7 AND l.remaining > 0 AND t.posted_at < $8
        AND l.expires_at > $5
    ORDER BY l.account_id, l.id
), booked AS (
    INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key,
        member_id, memo, occurred_at, created_at, posted_at)
    SELECT 'POINTS', account_id, $1, amount, $2, 'posted', $3 || ':' || lot_id, member_id, '{}', at, at, at FROM chosen
    RETURNING id, idempotency_key
)
INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount)
SELECT c.lot_id, b.id, c.amount FROM chosen c JOIN booked b ON b.idempotency_key = $3 || ':' || c.lot_id
"""
_DONATIONS = """
INSERT INTO donations (member_id, charity_code, points, value_minor, currency, source, transfer_id, idempotency_key,
    request_hash, donated_at)
SELECT member_id, 'wildlife', amount, amount, 'EUR', 'MEMBER', id, idempotency_key, NULL, occurred_at
FROM ledger_transfers WHERE code = 'DONATION' AND idempotency_key LIKE 'bench-give:%'
"""
_REMAINING = """
UPDATE ledger_lots l SET remaining = l.amount - s.drawn
FROM (SELECT lot_id, SUM(amount) AS drawn FROM ledger_lot_allocations GROUP BY lot_id) s WHERE s.lot_id = l.id
"""
_MEMBER_BALANCES = """
WITH held AS (SELECT account_id, SUM(remaining) AS posted FROM ledger_lots GROUP BY account_id),
booked AS (
    SELECT credit_account_id AS id, SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending,
        SUM(CASE WHEN status = 'posted' THEN amount ELSE 0 END) AS earned
    FROM ledger_transfers WHERE reference LIKE 'BP-%' AND code = 'EARN_PURCHASE' GROUP BY credit_account_id
)
UPDATE ledger_accounts a SET posted = COALESCE(held.posted, 0), pending_in = booked.pending,
    lifetime_earned = booked.earned
FROM booked LEFT JOIN held ON held.account_id = booked.id WHERE a.id = booked.id
"""
# A program account's balance moves by what the bulk rows moved through it.
_PROGRAM_BALANCES = """
UPDATE ledger_accounts a SET
    posted = a.posted + COALESCE((SELECT SUM(CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END)
        FROM ledger_transfers t WHERE (t.credit_account_id = a.id OR t.debit_account_id = a.id) AND t.status = 'posted'
        AND (t.reference LIKE 'BP-%' OR t.idempotency_key LIKE 'bench-%')), 0),
    pending_out = a.pending_out + COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.debit_account_id = a.id
        AND t.status = 'pending' AND t.reference LIKE 'BP-%'), 0)
WHERE a.id = ANY($1::bigint[])
"""


# The tiers' running totals (`loyalty.tiers.totals`): each member's spend, purchases and
# points earned by day of the program's time zone, as verify-ledger reconciles them.
_TIER_TOTALS = """
INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points)
SELECT p.member_id, (p.occurred_at AT TIME ZONE $1)::date, SUM(p.amount_minor - p.refunded_minor),
       SUM(CASE WHEN p.refunded_minor < p.amount_minor THEN 1 ELSE 0 END), COALESCE(SUM(t.amount), 0)
FROM purchases p LEFT JOIN ledger_transfers t ON t.purchase_id = p.id AND t.code = 'EARN_PURCHASE'
GROUP BY 1, 2
"""


async def bulk_year(
    conn: asyncpg.Connection, *, members: int, now: datetime, zone: str, accounts: dict[str, int],
) -> None:
    """`members` members, each with PURCHASES_PER_MEMBER purchases over the year before
    `now`: every third spends up to 50 points of a lot on a reward, every tenth lets a lot
    expire at its (earlier) expiry, every twentieth gives up to 10 points to a charity."""
    mid_year = now - timedelta(days=182)
    async with conn.transaction():
        await conn.execute(_MEMBERS, now - timedelta(days=400), members)
        await conn.execute(_ACCOUNTS)
        await conn.execute(_STAGE, now, PURCHASES_PER_MEMBER)
        await conn.execute(_PURCHASES)
        await conn.execute(_EARN, accounts["issuance"], now, PENDING_DAYS, zone)
        await conn.execute(_TIER_TOTALS, zone)
        await conn.execute(_EARN_IDS)
        await conn.execute(_LOTS)
        # Every tenth member: the lot of their earliest purchase expires mid-year, in full.
        await conn.execute("ANALYZE")
        await conn.execute(
            "UPDATE ledger_lots l SET expires_at = $1 FROM ledger_transfers t, ("
            " SELECT DISTINCT ON (account_id) id FROM ledger_lots ORDER BY account_id, id) first "
            "WHERE first.id = l.id AND t.id = l.transfer_id AND t.reference LIKE 'BP-%' AND t.member_id % 10 = 1 "
            "AND t.posted_at < $1", mid_year,
        )
        await conn.execute(
            "UPDATE ledger_transfers t SET lot_expires_at = l.expires_at FROM ledger_lots l "
            "WHERE l.transfer_id = t.id AND t.lot_expires_at <> l.expires_at"
        )
        await conn.execute(
            "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
            "idempotency_key, member_id, memo, occurred_at, created_at, posted_at) "
            "SELECT 'POINTS', l.account_id, $1, l.amount, 'EXPIRY', 'posted', 'bench-expiry:' || l.id, t.member_id, "
            "'{}', l.expires_at, l.expires_at, l.expires_at FROM ledger_lots l JOIN ledger_transfers t ON t.id = l.transfer_id "
            "WHERE t.reference LIKE 'BP-%' AND l.expires_at = $2",
            accounts["expiry"], mid_year,
        )
        await conn.execute(
            "INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) SELECT l.id, t.id, l.amount "
            "FROM ledger_lots l JOIN ledger_transfers t ON t.idempotency_key = 'bench-expiry:' || l.id",
        )
        # Spending and giving draw from lots that do not expire mid-year.
        await conn.execute(_REMAINING)
        before = mid_year - timedelta(days=1)
        await conn.execute(_DEBIT, accounts["redemption"], "REDEEM_REWARD", "bench-redeem", 50, mid_year, 3, 0, before)
        await conn.execute(_REMAINING)
        await conn.execute(_DEBIT, accounts["charity:wildlife"], "DONATION", "bench-give", 10, mid_year, 20, 2, before)
        await conn.execute(_REMAINING)
        await conn.execute(_DONATIONS)
        await conn.execute(_MEMBER_BALANCES)
        await conn.execute(_PROGRAM_BALANCES, list(accounts.values()))
        # The expiry schedule: what is left in the lots, by account and expiry.
        await conn.execute(
            "INSERT INTO ledger_expiry_schedule (account_id, expires_at, points) "
            "SELECT account_id, expires_at, SUM(remaining) FROM ledger_lots l WHERE remaining > 0 "
            "AND expires_at IS NOT NULL AND EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = l.transfer_id "
            "AND t.reference LIKE 'BP-%') GROUP BY account_id, expires_at "
            "ON CONFLICT (account_id, expires_at) DO UPDATE SET points = ledger_expiry_schedule.points + excluded.points"
        )

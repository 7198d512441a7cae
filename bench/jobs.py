"""The nightly ledger jobs on a million lots: `activate-pending`, then `expire-points`.

A fresh database, migrated with `loyalty migrate`, gets with set-based SQL (generate_series,
a few statements, well under a minute here):
- BENCH_JOB_MEMBERS members (100,000 by default), each with a points account,
- BENCH_JOB_LOTS_PER_MEMBER (10) pending EARN_PURCHASE transfers each from the issuance
  account, due now, whose lots expire on one of 10 dates: 1,000,000 pending transfers, with
  the accounts' pending balances and the tiers' running totals to match.

Then, each timed on its own as `loyalty run-job` runs it (the job's function, in this
process, with the after-commit hooks of a background process: Redis cache invalidation
and live updates):
1. `activate-pending` at T: posts the million transfers, forms a million lots and the
   expiry schedule, one `points.activated` event per member.
2. `expire-points` at T + 2 years: expires every one of those lots, one EXPIRY transfer
   per member.
`loyalty verify-ledger` must report no violation after each job. Printed: the seconds of
each job and the machine's load average before it. Run:

    .venv/bin/python -m bench.jobs
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import asyncpg

from bench.harness import (
    REPO, database_url, domain, flush_redis, main, run_loyalty, say, scratch_database, scratch_dir, server_env,
    settings_for,
)
from loyalty import clock
from loyalty.jobs import JOBS
from loyalty.settings import Settings
from workers.hooks import installed_hooks

MEMBERS = int(os.environ.get("BENCH_JOB_MEMBERS", "100000"))
LOTS_PER_MEMBER = int(os.environ.get("BENCH_JOB_LOTS_PER_MEMBER", "10"))
TARGET_SECONDS = 20.0
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=2 * 366)

_MEMBERS = """
INSERT INTO members (member_number, email, email_normalized, email_canonical, password_hash, display_name,
    locale, marketing_consent, notify_email, notify_push, notify_marketing, joined_at, updated_at)
SELECT 'B' || lpad(n::text, 12, '0'), 'm' || n || '@bench.example', 'm' || n || '@bench.example',
    'm' || n || '@bench.example', 'bench-no-password', 'Bench ' || n, 'en', false, true, true, false, $1, $1
FROM generate_series(1, $2) AS n
"""
_ACCOUNTS = """
INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, pending_out, lifetime_earned)
SELECT 'POINTS', 'member', id, NULL, 0, 0, 0, 0 FROM members
"""
# Lot k of every member expires on the first of month k+13 after NOW (10 dates).
_TRANSFERS = """
INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key,
    reference, member_id, memo, occurred_at, available_at, lot_expires_at, created_at)
SELECT 'POINTS', $1, a.id, 10 + (a.id + k) % 90, 'EARN_PURCHASE', 'pending',
    'bench:' || a.id || ':' || k, 'bench-' || a.id || '-' || k, a.member_id, '{}'::jsonb,
    $2::timestamptz - interval '20 days', $2::timestamptz - interval '1 day',
    date_trunc('month', $2::timestamptz) + make_interval(months => 13 + k % 10), $2::timestamptz - interval '20 days'
FROM ledger_accounts a CROSS JOIN generate_series(0, $3 - 1) AS k
WHERE a.kind = 'member' AND a.asset = 'POINTS'
"""
# The tiers' running totals count an award on the day it happened (the program's days).
_TIER_TOTALS = """
INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points)
SELECT member_id, (occurred_at AT TIME ZONE 'Europe/Amsterdam')::date, 0, 0, SUM(amount) FROM ledger_transfers
WHERE status = 'pending' GROUP BY 1, 2
"""
_PENDING_IN = """
UPDATE ledger_accounts a SET pending_in = s.amount FROM (
    SELECT credit_account_id, SUM(amount) AS amount FROM ledger_transfers WHERE status = 'pending'
    GROUP BY credit_account_id
) s WHERE a.id = s.credit_account_id
"""


async def generate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        issuance = await conn.fetchval(
            "SELECT id FROM ledger_accounts WHERE kind = 'program' AND asset = 'POINTS' AND code = 'issuance'"
        )
        async with conn.transaction():
            await conn.execute(_MEMBERS, NOW - timedelta(days=400), MEMBERS)
            await conn.execute(_ACCOUNTS)
            await conn.execute(_TRANSFERS, issuance, NOW, LOTS_PER_MEMBER)
            await conn.execute(_TIER_TOTALS)
            await conn.execute(_PENDING_IN)
            await conn.execute(
                "UPDATE ledger_accounts SET pending_out = (SELECT SUM(amount) FROM ledger_transfers "
                "WHERE status = 'pending') WHERE id = $1", issuance,
            )
        await conn.execute("VACUUM ANALYZE")
        count = await conn.fetchval("SELECT COUNT(*) FROM ledger_transfers WHERE status = 'pending'")
    finally:
        await conn.close()
    say(f"generated {MEMBERS} members and {count} pending transfers")


async def timed_job(settings: Settings, name: str, now: datetime) -> float:
    """Runs the job as `loyalty run-job` does (the same function, with the after-commit hooks
    of a background process), timing the job alone, not the start of a process."""
    clock.set_now(now)
    try:
        async with domain(settings), installed_hooks(settings):
            started = time.monotonic()
            changed = await JOBS[name](now)
            seconds = time.monotonic() - started
    finally:
        clock.set_now(None)
    say(f"{name}: {changed} at {now.isoformat()}")
    return seconds


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


async def run() -> None:
    flush_redis()
    async with scratch_database("jobs") as name:
        with scratch_dir("jobs") as cwd:
            env = server_env(name, cwd)
            settings = settings_for(name, cwd)
            run_loyalty(env, cwd, "migrate")
            run_loyalty(env, cwd, "apply-program", str(REPO / "loyalty" / "program" / "demo.toml"))
            started = time.monotonic()
            await generate(database_url(name))
            say(f"generation: {time.monotonic() - started:.1f} s")
            figures = {}
            for job, moment in (("activate-pending", NOW), ("expire-points", LATER)):
                before = load_average()
                seconds = await timed_job(settings, job, moment)
                figures[job] = seconds
                say(f"{job}: {seconds:.1f} s (load average before {before})")
                verdict = run_loyalty(env, cwd, "verify-ledger")
                say(verdict.strip().splitlines()[-1] if verdict.strip() else "verify-ledger: no output")
    flush_redis()
    worst = max(figures.values())
    say(f"RATIO jobs_1m_lots {worst / TARGET_SECONDS:.2f} (slowest job {worst:.1f} s over the {TARGET_SECONDS:.0f} s "
        "target; target <= 1.0)")


if __name__ == "__main__":
    main(run)

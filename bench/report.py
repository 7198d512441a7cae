"""The program report over a year of a program of MEMBERS members: how long report() takes
on PostgreSQL, against the plainest scan of the same ledger.

Setup: a fresh database, migrated, holding MEMBERS members with a year of history each,
bulk-inserted by bench.report_history (10 purchases at both brands, pending inside the return
window, a third spending on a reward, a tenth letting a lot expire, a twentieth donating);
`loyalty verify-ledger` must be clean, then VACUUM ANALYZE.

Measured: `program_report` over the year, in this process (ROUNDS times, the median), its
liability checked against the sum of the member accounts; the program-wide report once more
narrowed to a brand; `loyalty report --csv` as a process once. Baseline: one
`SELECT COUNT(*), SUM(amount) FROM ledger_transfers` in the same run, the least any figure
over the whole ledger costs. The ratio is the report's median over the baseline's median."""
from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timedelta, timezone

import asyncpg

from bench import harness, report_history
from bench.harness import say
from loyalty import sql
from loyalty.ledger.accounts import program_account_id
from loyalty.ledger.codes import EXPIRED, ISSUANCE, REDEMPTION, charity_account
from loyalty.ledger.models import Asset
from loyalty.program.spec import DEMO_PATH, load_demo
from loyalty.reports.build import program_report

NAME = "report"
MEMBERS = int(os.environ.get("BENCH_REPORT_MEMBERS", "100000"))  # fewer for a quick trial
ROUNDS = 3
TARGET = 25.0  # the report reads the ledger about a dozen times; a few seconds at this size
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
YEAR = NOW - timedelta(days=365)


async def _timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def run() -> None:
    program = load_demo()
    async with harness.scratch_database(NAME) as database:
        with harness.scratch_dir(NAME) as data_dir:
            settings = harness.settings_for(database, data_dir)
            env = harness.server_env(database, data_dir)
            harness.run_loyalty(env, harness.REPO, "migrate")
            async with harness.domain(settings):
                accounts = {code: await program_account_id(Asset.POINTS, code)
                            for code in (ISSUANCE, REDEMPTION, EXPIRED, charity_account("wildlife"))}
            conn = await asyncpg.connect(harness.database_url(database))
            try:
                started = time.perf_counter()
                await report_history.bulk_year(conn, members=MEMBERS, now=NOW, zone=program.program.timezone,
                                               accounts=accounts)
                say(f"seeded {MEMBERS} members in {time.perf_counter() - started:.0f} s")
                say(harness.run_loyalty(env, harness.REPO, "verify-ledger").strip())
                await conn.execute("VACUUM ANALYZE")
                counts = await conn.fetchrow(
                    "SELECT (SELECT COUNT(*) FROM ledger_transfers) AS transfers, (SELECT COUNT(*) FROM ledger_lots) "
                    "AS lots, (SELECT COUNT(*) FROM ledger_lot_allocations) AS allocations")
                say(f"ledger: {counts['transfers']} transfers, {counts['lots']} lots, {counts['allocations']} allocations")
                scans = []
                for _ in range(ROUNDS):
                    begun = time.perf_counter()
                    await conn.fetchrow("SELECT COUNT(*), SUM(amount) FROM ledger_transfers")
                    scans.append(time.perf_counter() - begun)
            finally:
                await conn.close()
            async with harness.domain(settings):
                times, report = [], None
                for _ in range(ROUNDS):
                    seconds, report = await _timed(lambda: program_report(program, YEAR, NOW))
                    times.append(seconds)
                held = await sql.fetch_one(
                    "SELECT SUM(posted + pending_in - pending_out) AS points FROM ledger_accounts "
                    "WHERE kind = 'member' AND asset = 'POINTS'")
                if report.points_liability != int(held["points"]):
                    raise RuntimeError(f"liability {report.points_liability} != the accounts' {held['points']}")
                brand_seconds, _ = await _timed(lambda: program_report(program, YEAR, NOW, "harbor"))
            begun = time.perf_counter()
            csv = harness.run_loyalty(env, harness.REPO, "report", "--from", YEAR.isoformat(), "--to", NOW.isoformat(),
                                      "--csv")
            command_seconds = time.perf_counter() - begun
    f = report.flows
    say(f"report: liability {report.points_liability} points ({report.liability.points_pending} pending), "
        f"issued {f.issued}, redeemed {f.redeemed}, expired {f.expired}, donated {f.donated}, "
        f"active members {report.active_members}, {len(report.liability.by_expiry_month)} expiry months")
    say(f"report() over the year: {', '.join(f'{t:.2f}' for t in times)} s (median {statistics.median(times):.2f} s)")
    say(f"report() narrowed to a brand: {brand_seconds:.2f} s")
    say(f"loyalty report --csv as a process: {command_seconds:.2f} s, {len(csv.splitlines())} lines")
    say(f"baseline scan of ledger_transfers: {', '.join(f'{t:.3f}' for t in scans)} s")
    ratio = statistics.median(times) / statistics.median(scans)
    say(f"RATIO {NAME} {ratio:.2f} (target <= {TARGET})")


assert DEMO_PATH.exists()

if __name__ == "__main__":
    harness.main(run)

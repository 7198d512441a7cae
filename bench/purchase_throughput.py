"""recordPurchase over HTTP, driven by wrk, against pgbench's TPC-B-like script in the same run.

Ours: `loyalty serve --workers 2` (two serving processes on one port) on a fresh, migrated
database on PostgreSQL with Redis, MEMBERS members who each made one purchase already, and a
shop API key. wrk (a C load generator, so that the client is not what saturates) sends
`recordPurchase` with a new order id per request for a random member (bench/purchase.lua);
a request counts when it answers 200 with an empty `errors` payload, and any other answer
fails the run. Baseline: `pgbench -c 8 -j 2` on a fresh `pgbench -i -s 10` database (ten
branch rows, so that its own hot row does not flatter us). The two alternate ROUNDS times;
the ratio is of the medians.

Then the same purchase, one at a time, for a member with HEAVY_HISTORY purchases in the
current year against a member with LIGHT_HISTORY: the ratio of their medians (heavy over
light) shows whether a purchase's cost grows with the member's history.

Before the load, one purchase of each kind is recorded in this process with its statements
counted (bench/round_trips.py), on the lean path and on the full one.

Settings: BENCH_FAST_PURCHASES=false serves with the full path (the figures before).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from decimal import Decimal
from collections.abc import Callable
from pathlib import Path

from bench import harness, procfs, seed
from bench.harness import say
from bench.load import median, ratio_line
from bench.round_trips import counting
from schema.relay import to_global_id

NAME = "purchase_throughput"
TARGET = 0.35
GOAL = 0.5
HEAVY_TARGET = 1.2
MEMBERS = 200
CONNECTIONS = 16
PGBENCH_CLIENTS = 8
PGBENCH_SCALE = 10
WARMUP_S = 3
DURATION_S = 10
SINGLE_S = 6
ROUNDS = 3
HEAVY_HISTORY = 100_000
LIGHT_HISTORY = 10
FAST = os.environ.get("BENCH_FAST_PURCHASES", "true").lower() != "false"
SCRIPT = Path(__file__).with_name("purchase.lua")

_TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")
_RPS = re.compile(r"Requests/sec:\s+([0-9.]+)")
_GOOD = re.compile(r"good (\d+) bad (\d+)")
_server_log: Callable[[int], str] = lambda lines: ""  # noqa: E731 - the running server's, once it runs


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pgbench(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        ["pgbench", *args], env=harness.libpq_env(), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def pgbench_tps(database: str) -> float:
    output = pgbench("-c", str(PGBENCH_CLIENTS), "-j", "2", "-T", str(DURATION_S), *harness.libpq_args(database))
    match = _TPS.search(output)
    if match is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{output}")
    return float(match.group(1))


def wrk(url: str, key: str, label: str, members: list[str], *, connections: int, threads: int, seconds: int) -> float:
    """Good answers per second; raises when any answer was not good."""
    binary = shutil.which("wrk") or "/usr/bin/wrk"
    done = subprocess.run(
        [binary, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(SCRIPT),
         url, "--", key, label, *members],
        capture_output=True, text=True, timeout=seconds + 60,
    )
    rate, counts = _RPS.search(done.stdout), _GOOD.search(done.stdout)
    if done.returncode != 0 or rate is None or counts is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    good, bad = int(counts.group(1)), int(counts.group(2))
    if bad:
        raise RuntimeError(f"{bad} of {good + bad} answers were not good:\n{done.stderr[:2000]}\n"
                           f"the server's log ends:\n{_server_log(120)}")
    return good / seconds


async def heavy_history(member_id: int, count: int) -> None:
    """`count` purchases of the member spread over the current year, with the running totals
    that sum them, written by two statements."""
    from loyalty import sql

    await sql.execute(
        "INSERT INTO purchases (order_id, member_id, amount_minor, currency, brand, items, occurred_at, request_hash, "
        "refunded_minor, points_awarded, points_spent, points_clawed_back, points_restored, cashback_minor, "
        "credit_spent_minor, cashback_clawed_back_minor, credit_restored_minor, created_at) "
        "SELECT 'history-' || CAST(CAST(? AS BIGINT) AS TEXT) || '-' || CAST(n AS TEXT), CAST(? AS BIGINT), 100, 'EUR', NULL, '[]', "
        "date_trunc('year', now()) + (n % 300) * interval '1 day' + interval '12 hours', 'x', 0, 0, 0, 0, 0, 0, "
        "0, 0, 0, now() FROM generate_series(1, ?) AS n",
        member_id, member_id, count,
    )
    if not await sql.fetch_one("SELECT 1 AS found FROM pg_tables WHERE tablename = 'tier_totals'"):
        return  # a release before the running totals: the purchases are what it sums
    await sql.execute(
        "INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points) "
        "SELECT member_id, CAST(occurred_at AT TIME ZONE 'Europe/Amsterdam' AS DATE), SUM(amount_minor), COUNT(*), 0 "
        "FROM purchases WHERE member_id = ? AND order_id LIKE 'history-%' GROUP BY 1, 2 "
        "ON CONFLICT (member_id, day) DO UPDATE SET spend_minor = tier_totals.spend_minor + excluded.spend_minor, "
        "purchases = tier_totals.purchases + excluded.purchases",
        member_id,
    )


async def counted_purchase(program, member_id: int, fast_on: bool) -> tuple[int, int]:
    """(statements, round trips) of one purchase recorded in this process."""
    from loyalty.purchases.service import PurchaseRequest, record_purchase

    try:
        from loyalty.purchases import fast
    except ImportError:  # a release before the lean path
        fast = None
    if fast is not None:
        fast.enable(fast_on)
    for _ in range(2):  # the connection's statements prepared, and the accounts a new tier's cashback needs made
        await record_purchase(program, PurchaseRequest(member_id, f"count-{uuid.uuid4().hex[:10]}", Decimal("12.34"),
                                                       "EUR"))
    with counting() as counted:
        await record_purchase(program, PurchaseRequest(member_id, f"count-{uuid.uuid4().hex[:10]}",
                                                       Decimal("12.34"), "EUR"))
    if fast is not None:
        fast.enable(False)
    return len(counted.statements), counted.round_trips


async def run() -> float:
    from loyalty.purchases.service import PurchaseRequest, record_purchase

    say(f"load average at start: {load_average()}; lean path {'on' if FAST else 'off'}")
    with harness.scratch_dir("purchase") as tmp:
        async with harness.scratch_database("purchase") as ours_db, harness.scratch_database("pgbench") as base_db:
            env = harness.server_env(ours_db, tmp)
            env["FAST_PURCHASES"] = "true" if FAST else "false"
            harness.run_loyalty(env, tmp, "migrate")
            settings = harness.settings_for(ours_db, tmp)
            async with harness.domain(settings):
                program = await seed.apply_program(settings)
                member_ids = await seed.create_members(MEMBERS)
                heavy, light = await seed.create_members(2, label="history")
                for member_id in [*member_ids, heavy, light]:
                    await record_purchase(program, PurchaseRequest(member_id, f"first-{member_id}", Decimal("5.00"),
                                                                   "EUR"))
                for n in range(LIGHT_HISTORY - 1):
                    await record_purchase(program, PurchaseRequest(light, f"light-{n}", Decimal("1.00"), "EUR"))
                await heavy_history(heavy, HEAVY_HISTORY)
                api_key = await seed.shop_api_key("purchases:write")
                for label, member in (("light member", light), ("heavy member", heavy)):
                    for path, on in (("lean", True), ("full", False)) if FAST else (("full", False),):
                        statements, trips = await counted_purchase(program, member, on)
                        say(f"recordPurchase, {label}, {path} path: {statements} statements, {trips} round trips "
                            f"(in the domain, after the connection's first use)")
            say(f"pgbench -i -s {PGBENCH_SCALE}")
            pgbench("-i", "-q", "-s", str(PGBENCH_SCALE), *harness.libpq_args(base_db))
            harness.flush_redis()
            ids = [to_global_id("Member", m) for m in member_ids]
            say(f"{MEMBERS} members; wrk {CONNECTIONS} connections, {WARMUP_S} s warm-up, {DURATION_S} s measured; "
                f"pgbench -c {PGBENCH_CLIENTS}; {harness.WORKERS} API processes")
            baseline: list[float] = []
            ours: list[float] = []
            cpu_per_purchase: list[float] = []  # both API processes' CPU time over the purchases of a round
            heavy_rates: list[float] = []
            light_rates: list[float] = []
            try:
                with harness.loyalty_server(env, tmp) as server:
                    url = server.base_url
                    global _server_log
                    _server_log = server.log_tail
                    wrk(url, api_key, "warm", ids, connections=CONNECTIONS, threads=2, seconds=WARMUP_S)
                    for round_no in range(1, ROUNDS + 1):
                        baseline.append(pgbench_tps(base_db))
                        say(f"round {round_no} pgbench TPC-B-like:  {baseline[-1]:8.1f} tps   (load {load_average()})")
                        workers = server.worker_pids()
                        cpu_before = sum(procfs.cpu_s(workers).values())
                        ours.append(wrk(url, api_key, f"r{round_no}", ids, connections=CONNECTIONS, threads=2,
                                        seconds=DURATION_S))
                        cpu_ms = (sum(procfs.cpu_s(workers).values()) - cpu_before) * 1000 / (ours[-1] * DURATION_S)
                        cpu_per_purchase.append(cpu_ms)
                        say(f"round {round_no} recordPurchase:      {ours[-1]:8.1f} /s    (load {load_average()}; "
                            f"API CPU {cpu_ms:.2f} ms per purchase)")
                    for round_no in range(1, ROUNDS + 1):
                        light_rates.append(wrk(url, api_key, f"l{round_no}", [to_global_id("Member", light)],
                                               connections=1, threads=1, seconds=SINGLE_S))
                        heavy_rates.append(wrk(url, api_key, f"h{round_no}", [to_global_id("Member", heavy)],
                                               connections=1, threads=1, seconds=SINGLE_S))
                        say(f"round {round_no} one at a time: light {light_rates[-1]:6.1f} /s, "
                            f"heavy ({HEAVY_HISTORY} purchases) {heavy_rates[-1]:6.1f} /s   (load {load_average()})")
            finally:
                harness.flush_redis()
    ratio = median(ours) / median(baseline)
    heavy_ratio = median(light_rates) / median(heavy_rates)  # time per heavy purchase over time per light one
    say(f"median recordPurchase {median(ours):.1f}/s, median pgbench {median(baseline):.1f} tps; "
        f"median API CPU {median(cpu_per_purchase):.2f} ms per purchase; load average at end: {load_average()}")
    say(ratio_line(NAME, ratio, ">=", TARGET) + f" (goal {GOAL})")
    say(ratio_line("purchase_heavy_over_light", heavy_ratio, "<=", HEAVY_TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

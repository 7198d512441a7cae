"""recordPurchase throughput on PostgreSQL, against pgbench's built-in TPC-B-like script
on the same server in the same run.

Ours: `loyalty serve --workers 2` on a fresh, migrated database with MEMBERS members and a
shop API key, driven at CONCURRENCY for DURATION_S (after WARMUP_S); each request records a
purchase with a new order id for a random member, and counts when its payload has no errors.
Baseline: `pgbench -c CONCURRENCY -j 2 -T DURATION_S` on a fresh `pgbench -i -s 1` database,
its tps without connection time. The two alternate ROUNDS times; the ratio is of the medians.
"""
from __future__ import annotations

import random
import re
import subprocess

import httpx

from bench import harness, seed
from bench.harness import say
from bench.load import bearer, closed_loop, graphql_body, graphql_ok, median, ratio_line
from schema.relay import to_global_id

NAME = "purchase_throughput"
TARGET = 0.5
MEMBERS = 200
CONCURRENCY = 16
WARMUP_S = 2.0
DURATION_S = 10.0
ROUNDS = 2
PGBENCH_SCALE = 1

RECORD_PURCHASE = """
mutation Record($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { orderId pointsAwarded } errors { code field message } }
}
"""

_TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")


def pgbench(*args: str) -> str:
    done = subprocess.run(
        ["pgbench", *args], env=harness.libpq_env(), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def pgbench_tps(database: str) -> float:
    output = pgbench("-c", str(CONCURRENCY), "-j", "2", "-T", str(int(DURATION_S)), *harness.libpq_args(database))
    match = _TPS.search(output)
    if match is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{output}")
    return float(match.group(1))


def purchase_check(response: httpx.Response) -> str | None:
    problem = graphql_ok(response)
    if problem is None:
        errors = response.json()["data"]["recordPurchase"]["errors"]
        problem = f"payload errors: {errors}" if errors else None
    return problem


def purchase_requests(api_key: str, member_ids: list[int], round_no: int):
    headers = bearer(api_key)
    global_ids = [to_global_id("Member", member_id) for member_id in member_ids]
    rng = random.Random(round_no)

    def make(n: int) -> tuple[dict[str, str], bytes]:
        purchase = {
            "memberId": rng.choice(global_ids), "orderId": f"bench-{round_no}-{n}",
            "amount": f"{rng.randint(100, 20_000) / 100:.2f}", "currencyCode": "EUR",
        }
        return headers, graphql_body(RECORD_PURCHASE, {"input": purchase})

    return make


async def run() -> float:
    with harness.scratch_dir("purchase") as tmp:
        async with harness.scratch_database("purchase") as ours_db, harness.scratch_database("pgbench") as base_db:
            env = harness.server_env(ours_db, tmp)
            harness.run_loyalty(env, tmp, "migrate")
            settings = harness.settings_for(ours_db, tmp)
            async with harness.domain(settings):
                await seed.apply_program(settings)
                member_ids = await seed.create_members(MEMBERS)
                api_key = await seed.shop_api_key("purchases:write")
            pgbench("-i", "-q", "-s", str(PGBENCH_SCALE), *harness.libpq_args(base_db))
            harness.flush_redis()
            say(f"{MEMBERS} members; concurrency {CONCURRENCY}, {WARMUP_S:.0f} s warm-up, {DURATION_S:.0f} s measured, "
                f"{harness.WORKERS} API workers")
            baseline_tps: list[float] = []
            ours_ok_per_s: list[float] = []
            ours_cpu_ms: list[float] = []
            try:
                with harness.loyalty_server(env, tmp) as server:
                    for round_no in range(1, ROUNDS + 1):
                        baseline_tps.append(pgbench_tps(base_db))
                        say(f"round {round_no} pgbench TPC-B-like: {baseline_tps[-1]:8.1f} tps")
                        result = await closed_loop(
                            server, "/graphql", purchase_requests(api_key, member_ids, round_no),
                            purchase_check, concurrency=CONCURRENCY, warmup_s=WARMUP_S, duration_s=DURATION_S,
                        )
                        ours_ok_per_s.append(result.ok_per_s)
                        ours_cpu_ms.append(result.server_cpu_ms_per_request)
                        say(f"round {round_no} recordPurchase:       {result.line()}")
            finally:
                harness.flush_redis()
    ours, baseline = median(ours_ok_per_s), median(baseline_tps)
    ratio = ours / baseline
    say(f"median recordPurchase {ours:.1f}/s ({median(ours_cpu_ms):.2f} ms server CPU per request), "
        f"median pgbench {baseline:.1f} tps")
    say(ratio_line(NAME, ratio, ">=", TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

"""Wallet read latency for a member with 10 history entries (A) and one with 100,000 (B),
over HTTP against one `loyalty serve`; the wallet reads kept balances, so B must not be
slower than A by more than TARGET.

A: 10 purchases through the domain. B: DOMAIN_PURCHASES purchases through the domain (some
paying with points, some refunded) and then purchases bulk-inserted by bench.history up to
HISTORY_B transfers; both spread over the last two years, so their lots expire on many
dates. The bulk rows must have the shape of the domain's and `loyalty verify-ledger` must be
clean, or the benchmark stops.

Measured: SAMPLES sequential requests per member after WARMUP requests, alternating A and B
in one loop (the order flips every iteration), one keep-alive connection. The ratio is B's
p50 over A's; the p95 ratio, the first page of `activity(first: 20)` and paying with points
are printed for information.
"""
from __future__ import annotations

import random
import re
import time
from datetime import timedelta

import asyncpg
import httpx

from bench import harness, history, seed
from bench.harness import say
from bench.load import (
    bearer, graphql_body, graphql_ok, median, one_connection_client, percentile, ratio_line, timed_request_ms,
)
from bench.purchase_throughput import RECORD_PURCHASE, purchase_check
from loyalty import clock
from loyalty.program.spec import DEMO_PATH
from schema.relay import to_global_id

NAME = "wallet_latency"
TARGET = 1.2
HISTORY_A = 10
HISTORY_B = 100_000
DOMAIN_PURCHASES = 300
SPAN = timedelta(days=730)
WARMUP = 50
SAMPLES = 500
ACTIVITY_SAMPLES = 200
SPEND_SAMPLES = 20

WALLET = """
{ me { wallet { points pendingPoints lifetimePoints expiringPoints { points expiresAt } credit { amount currencyCode } } } }
"""
ACTIVITY = """
{ me { activity(first: 20) {
  edges { cursor node { id occurredAt kind status points credit { amount currencyCode } availableAt description reference } }
  pageInfo { hasNextPage endCursor } } } }
"""


async def history_length(conn: asyncpg.Connection, member_id: int) -> int:
    return await conn.fetchval("SELECT count(*) FROM ledger_transfers WHERE member_id = $1", member_id)


async def seed_members(settings, database: str) -> tuple[int, int]:
    rng = random.Random(11)
    started = time.monotonic()
    async with harness.domain(settings):
        program = await seed.apply_program(settings)
        member_a, member_b = await seed.create_members(2)
        await seed.record_purchases(program, member_a, HISTORY_A, label="a", span=SPAN, rng=rng)
        await seed.record_purchases(
            program, member_b, DOMAIN_PURCHASES, label="b-domain", span=SPAN, rng=rng, spend_every=5, refund_every=20,
        )
    say(f"seeded through the domain in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    conn = await asyncpg.connect(harness.database_url(database))
    try:
        now = clock.now()
        bulk = HISTORY_B - await history_length(conn, member_b)
        await history.bulk_purchases(
            conn, program, member_b, bulk, label="b-bulk", first=now - SPAN, last=now - seed.POSTED_AGE, now=now, rng=rng,
        )
        differences = await history.shape_differences(conn, "b-domain", "b-bulk")
        if differences:
            raise RuntimeError("bulk rows differ from the domain's:\n" + "\n".join(differences))
        lengths = [await history_length(conn, member) for member in (member_a, member_b)]
        if lengths != [HISTORY_A, HISTORY_B]:
            raise RuntimeError(f"history lengths {lengths}, wanted {[HISTORY_A, HISTORY_B]}")
        say(f"bulk-inserted {bulk} purchases in {time.monotonic() - started:.1f} s")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return member_a, member_b


async def alternate(http: httpx.AsyncClient, bodies: dict[str, tuple[dict[str, str], bytes]], samples: int,
                    check=graphql_ok) -> dict[str, list[float]]:
    """`samples` timed requests per member, alternating, the order flipped every iteration."""
    timings: dict[str, list[float]] = {who: [] for who in bodies}
    order = list(bodies)
    for n in range(samples):
        for who in order if n % 2 == 0 else reversed(order):
            headers, body = bodies[who]
            timings[who].append(await timed_request_ms(http, "/graphql", headers, body, check))
    return timings


def report(what: str, timings: dict[str, list[float]]) -> tuple[float, float]:
    a, b = timings["A"], timings["B"]
    for who, values in timings.items():
        say(f"{what} {who}: p50 {median(values):6.2f} ms  p95 {percentile(values, 0.95):6.2f} ms  "
            f"({len(values)} requests)")
    return median(b) / median(a), percentile(b, 0.95) / percentile(a, 0.95)


async def measure(server: harness.Server, tokens: dict[str, str], api_key: str, member_ids: dict[str, int]) -> float:
    wallet = {who: (bearer(token), graphql_body(WALLET)) for who, token in tokens.items()}
    activity = {who: (bearer(token), graphql_body(ACTIVITY)) for who, token in tokens.items()}
    async with one_connection_client(server.base_url) as http:
        await alternate(http, wallet, WARMUP)
        p50_ratio, p95_ratio = report("wallet", await alternate(http, wallet, SAMPLES))
        await alternate(http, activity, WARMUP)
        activity_ratio, _ = report("activity(first: 20)", await alternate(http, activity, ACTIVITY_SAMPLES))
        counter = iter(range(10**6))

        def spend(who: str) -> tuple[dict[str, str], bytes]:
            purchase = {"memberId": to_global_id("Member", member_ids[who]), "orderId": f"spend-{who}-{next(counter)}",
                        "amount": "20.00", "currencyCode": "EUR", "pointsToSpend": 10}
            return bearer(api_key), graphql_body(RECORD_PURCHASE, {"input": purchase})

        spends = {who: spend(who) for who in ("A", "B")}
        spend_timings: dict[str, list[float]] = {"A": [], "B": []}
        for n in range(SPEND_SAMPLES):
            for who in ("A", "B") if n % 2 == 0 else ("B", "A"):
                headers, body = spends[who]
                spends[who] = spend(who)
                spend_timings[who].append(await timed_request_ms(http, "/graphql", headers, body, purchase_check))
        spend_ratio, _ = report("recordPurchase pointsToSpend", spend_timings)
    say(f"wallet p95 ratio B/A {p95_ratio:.3f}")
    say(f"activity(first: 20) p50 ratio B/A {activity_ratio:.3f} (informational)")
    say(f"recordPurchase with pointsToSpend p50 ratio B/A {spend_ratio:.3f} (informational)")
    return p50_ratio


def entry_level_program() -> str:
    """The demo with its new-member bonus removed and every tier above the entry level out of
    reach: the bulk history mirrors what the domain writes for a member at the entry level
    (points only, no cashback), and the domain's own purchases stay that way too."""
    text = DEMO_PATH.read_text(encoding="utf-8")
    text = re.sub(r"^new_member_(multiplier|days) = .*$\n", "", text, flags=re.MULTILINE)
    return re.sub(r'^threshold = "(\d+)"', lambda m: f'threshold = "{int(m[1]) * 1_000_000}"', text,
                  flags=re.MULTILINE)


async def run() -> float:
    with harness.scratch_dir("latency") as tmp:
        async with harness.scratch_database("latency") as database:
            program_file = tmp / "entry-level.toml"
            program_file.write_text(entry_level_program(), encoding="utf-8")
            env = {**harness.server_env(database, tmp), "PROGRAM_FILE": str(program_file)}
            harness.run_loyalty(env, tmp, "migrate")
            settings = harness.settings_for(database, tmp).model_copy(update={"program_file": program_file})
            member_a, member_b = await seed_members(settings, database)
            started = time.monotonic()
            say(harness.run_loyalty(env, tmp, "verify-ledger").strip().splitlines()[-1]
                + f" ({time.monotonic() - started:.1f} s)")
            async with harness.domain(settings):
                api_key = await seed.shop_api_key("purchases:write")
            tokens = {"A": seed.member_token(settings, member_a), "B": seed.member_token(settings, member_b)}
            harness.flush_redis()
            try:
                with harness.loyalty_server(env, tmp) as server:
                    ratio = await measure(server, tokens, api_key, {"A": member_a, "B": member_b})
            finally:
                harness.flush_redis()
    say(f"history: A {HISTORY_A} entries, B {HISTORY_B} entries")
    say(ratio_line(NAME, ratio, "<=", TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

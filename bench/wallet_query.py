"""Throughput of `query { me { wallet { points pendingPoints } } }` against a bare Starlette
endpoint (bench.bare_wallet) that returns the same wallet from the same store, same run.

One fresh database and one member, with posted points (so their expiry schedule is read
too) and pending points. `loyalty serve` and the bare app run side by side, each with 2
uvicorn workers, and are driven in turn (ROUNDS times each, alternating) at CONCURRENCY for
DURATION_S after WARMUP_S, with the same access token. The ratio is of the medians; the
server CPU per request of each is printed too (it depends less on the machine's other load).
"""
from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx

from bench import harness, seed
from bench.harness import say
from bench.load import bearer, closed_loop, graphql_body, graphql_ok, median, one_connection_client, ratio_line

NAME = "wallet_query"
TARGET = 0.4
CONCURRENCY = 16
WARMUP_S = 2.0
DURATION_S = 10.0
ROUNDS = 3
POSTED_PURCHASES = 20
PENDING_PURCHASES = 3

WALLET = "query { me { wallet { points pendingPoints } } }"


async def seed_member(settings) -> int:
    program = await seed.apply_program(settings)
    [member_id] = await seed.create_members(1)
    rng = random.Random(7)
    await seed.record_purchases(program, member_id, POSTED_PURCHASES, label="wallet", span=timedelta(days=365), rng=rng)
    await seed.record_pending_purchases(program, member_id, PENDING_PURCHASES, label="wallet", rng=rng)
    return member_id


def wallet_check(expected: dict):
    def check(response: httpx.Response) -> str | None:
        problem = graphql_ok(response)
        if problem is None and response.json() != expected:
            problem = f"another wallet: {response.text[:200]}"
        return problem

    return check


async def same_wallet(graphql: harness.Server, bare: harness.Server, token: str) -> dict:
    """What both answer; they must answer the same."""
    answers = []
    for server, path in ((graphql, "/graphql"), (bare, "/wallet")):
        async with one_connection_client(server.base_url) as http:
            response = await http.post(path, content=graphql_body(WALLET), headers=bearer(token))
            response.raise_for_status()
            answers.append(response.json())
    if answers[0] != answers[1]:
        raise RuntimeError(f"GraphQL and the bare endpoint disagree: {answers[0]} != {answers[1]}")
    return answers[0]


@contextlib.asynccontextmanager
async def one_member(label: str) -> AsyncIterator[tuple[dict[str, str], Path, str]]:
    """A scratch folder and a migrated scratch database holding the seeded member: yields the
    servers' environment, the folder and the member's access token. Redis is flushed before
    and after."""
    with harness.scratch_dir(label) as tmp:
        async with harness.scratch_database(label) as database:
            env = harness.server_env(database, tmp)
            harness.run_loyalty(env, tmp, "migrate")
            settings = harness.settings_for(database, tmp)
            async with harness.domain(settings):
                member_id = await seed_member(settings)
            token = seed.member_token(settings, member_id)
            harness.flush_redis()
            say(f"one member ({POSTED_PURCHASES} posted and {PENDING_PURCHASES} pending purchases); concurrency "
                f"{CONCURRENCY}, {WARMUP_S:.0f} s warm-up, {DURATION_S:.0f} s measured, {harness.WORKERS} workers each")
            try:
                yield env, tmp, token
            finally:
                harness.flush_redis()


async def run() -> float:
    ok_per_s: dict[str, list[float]] = {"GraphQL": [], "bare": []}
    cpu_ms: dict[str, list[float]] = {"GraphQL": [], "bare": []}
    async with one_member("wallet") as (env, tmp, token):
        with harness.loyalty_server(env, tmp) as graphql, \
                harness.uvicorn_server("bare", "bench.bare_wallet:create_app", env, tmp, "/healthz") as bare:
            expected = await same_wallet(graphql, bare, token)
            say(f"both answer {expected}")
            headers, body = bearer(token), graphql_body(WALLET)
            for round_no in range(1, ROUNDS + 1):
                for label, server, path in (("GraphQL", graphql, "/graphql"), ("bare", bare, "/wallet")):
                    result = await closed_loop(
                        server, path, lambda n: (headers, body), wallet_check(expected),
                        concurrency=CONCURRENCY, warmup_s=WARMUP_S, duration_s=DURATION_S,
                    )
                    ok_per_s[label].append(result.ok_per_s)
                    cpu_ms[label].append(result.server_cpu_ms_per_request)
                    say(f"round {round_no} {label:7}: {result.line()}")
    ours, baseline = median(ok_per_s["GraphQL"]), median(ok_per_s["bare"])
    ratio = ours / baseline
    say(f"median GraphQL {ours:.1f}/s, median bare {baseline:.1f}/s")
    say(f"median server CPU per request: GraphQL {median(cpu_ms['GraphQL']):.2f} ms, bare {median(cpu_ms['bare']):.2f} ms "
        f"(bare/GraphQL {median(cpu_ms['bare']) / median(cpu_ms['GraphQL']):.3f}, informational)")
    say(ratio_line(NAME, ratio, ">=", TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

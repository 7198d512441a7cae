"""The cache's effect on `query { me { wallet { points pendingPoints } } }`: the same query,
same member, same database, served by `loyalty serve` with CACHE_ENABLED=true and with
CACHE_ENABLED=false, same run.

The member and the load are those of bench.wallet_query. Three servers run side by side:
uncached, cached in Redis (REDIS_URL set, the cache shared by the processes), and cached in
the process (REDIS_URL unset). They are driven in turn, ROUNDS times each, alternating. The
ratio is the median throughput with the Redis cache over the median without a cache (the
deployment with Redis); the in-process cache's ratio is printed too.
"""
from __future__ import annotations

from bench import harness
from bench.harness import say
from bench.load import bearer, closed_loop, graphql_body, median, one_connection_client, ratio_line
from bench.wallet_query import CONCURRENCY, DURATION_S, ROUNDS, WALLET, WARMUP_S, one_member, wallet_check

NAME = "cached_wallet"
TARGET = 1.0  # the cache must not make reads slower


async def run() -> float:
    async with one_member("cached") as (env, tmp, token):
        variants = {
            "uncached": {**env, "CACHE_ENABLED": "false"},
            "Redis": {**env, "CACHE_ENABLED": "true"},
            "in-process": {**env, "CACHE_ENABLED": "true", "REDIS_URL": ""},
        }
        ok_per_s: dict[str, list[float]] = {label: [] for label in variants}
        cpu_ms: dict[str, list[float]] = {label: [] for label in variants}
        headers, body = bearer(token), graphql_body(WALLET)
        with harness.loyalty_server(variants["uncached"], tmp) as uncached, \
                harness.loyalty_server(variants["Redis"], tmp) as redis_cached, \
                harness.loyalty_server(variants["in-process"], tmp) as memory_cached:
            servers = {"uncached": uncached, "Redis": redis_cached, "in-process": memory_cached}
            expected = None
            for label, server in servers.items():
                async with one_connection_client(server.base_url) as http:
                    answer = (await http.post("/graphql", content=body, headers=headers)).json()
                if expected is not None and answer != expected:
                    raise RuntimeError(f"{label} answers {answer}, not {expected}")
                expected = answer
            say(f"all answer {expected}")
            for round_no in range(1, ROUNDS + 1):
                for label, server in servers.items():
                    result = await closed_loop(
                        server, "/graphql", lambda n: (headers, body), wallet_check(expected),
                        concurrency=CONCURRENCY, warmup_s=WARMUP_S, duration_s=DURATION_S,
                    )
                    ok_per_s[label].append(result.ok_per_s)
                    cpu_ms[label].append(result.server_cpu_ms_per_request)
                    say(f"round {round_no} {label:10}: {result.line()}")
    medians = {label: median(values) for label, values in ok_per_s.items()}
    for label in variants:
        say(f"median {label:10} {medians[label]:.1f}/s, server CPU per request {median(cpu_ms[label]):.2f} ms")
    cpu = {label: median(values) for label, values in cpu_ms.items()}
    say(f"in-process cache / uncached throughput: {medians['in-process'] / medians['uncached']:.3f} (informational)")
    say(f"server CPU per request, uncached / cached: Redis {cpu['uncached'] / cpu['Redis']:.3f}, "
        f"in-process {cpu['uncached'] / cpu['in-process']:.3f} (informational)")
    ratio = medians["Redis"] / medians["uncached"]
    say(ratio_line(NAME, ratio, ">=", TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

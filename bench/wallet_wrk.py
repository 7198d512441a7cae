"""`query { me { wallet { points pendingPoints } } }` against the bare Starlette + asyncpg
endpoint (bench.bare_wallet), both driven by wrk, a C load generator, so that the client is
not what saturates first.

The setup is `bench.wallet_query`'s (one member, the same token, both servers answering the
same JSON, checked before measuring). Then wrk (`/usr/bin/wrk`, Debian's package) drives each
server in turn, ROUNDS times, alternating: THREADS threads, CONNECTIONS keep-alive
connections, DURATION_S after a WARMUP_S run that is not counted. The ratio is the median
GraphQL requests/s over the median bare requests/s. A round with non-2xx answers fails the
run. The machine's load average is printed with every round.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path

from bench import harness
from bench.harness import say
from bench.load import graphql_body, median, ratio_line
from bench.wallet_query import WALLET, one_member, same_wallet

NAME = "wallet_wrk"
TARGET = 0.5
THREADS = 2
CONNECTIONS = 16
WARMUP_S = 2
DURATION_S = 8
ROUNDS = 3

_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def wrk(url: str, script: Path, seconds: int) -> tuple[float, int]:
    """(requests/s, non-2xx answers) of one wrk run."""
    done = subprocess.run(
        [shutil.which("wrk") or "/usr/bin/wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    )
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    return rate, int(bad.group(1)) if bad else 0


async def run() -> float:
    rates: dict[str, list[float]] = {"GraphQL": [], "bare": []}
    async with one_member("wrk") as (env, tmp, token):
        script = tmp / "wallet.lua"
        script.write_text(_SCRIPT.format(body="[[" + graphql_body(WALLET).decode() + "]]", token=token))
        with harness.loyalty_server(env, tmp) as graphql, \
                harness.uvicorn_server("bare", "bench.bare_wallet:create_app", env, tmp, "/healthz") as bare:
            expected = await same_wallet(graphql, bare, token)
            say(f"both answer {expected}")
            for round_no in range(1, ROUNDS + 1):
                for label, server, path in (("GraphQL", graphql, "/graphql"), ("bare", bare, "/wallet")):
                    url = server.base_url + path
                    await asyncio.to_thread(wrk, url, script, WARMUP_S)
                    before = load_average()
                    rate, bad = await asyncio.to_thread(wrk, url, script, DURATION_S)
                    if bad:
                        raise RuntimeError(f"{label}: {bad} answers were not 2xx")
                    rates[label].append(rate)
                    say(f"round {round_no} {label:7}: {rate:8.1f} requests/s (load average {before})")
    ours, baseline = median(rates["GraphQL"]), median(rates["bare"])
    ratio = ours / baseline
    say(f"median GraphQL {ours:.1f}/s, median bare {baseline:.1f}/s, load average now {load_average()}")
    say(ratio_line(NAME, ratio, ">=", TARGET))
    return ratio


def main() -> None:
    harness.main(run)


if __name__ == "__main__":
    main()

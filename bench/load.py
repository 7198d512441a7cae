"""Driving a server over HTTP: a closed loop at fixed concurrency for throughput, and
sequential requests for latency. The client runs on the same machine as the server, so it
also reports the CPU it used itself."""
from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

# (headers, body) of the next request; the argument counts requests from 0.
RequestMaker = Callable[[int], tuple[dict[str, str], bytes]]
# None when the response is a success, else why it is not.
Checker = Callable[[httpx.Response], str | None]


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":")).encode()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


def graphql_ok(response: httpx.Response) -> str | None:
    """A success: HTTP 200 and no top-level errors."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if body.get("errors"):
        return f"errors: {body['errors']}"[:300]
    return None


@dataclass(frozen=True)
class Throughput:
    ok: int
    failed: int
    duration_s: float
    client_cpu_s: float
    first_failure: str | None

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.duration_s

    def line(self) -> str:
        failure = f"; first failure: {self.first_failure}" if self.first_failure else ""
        return (
            f"{self.ok_per_s:8.1f} ok/s  ({self.ok} ok, {self.failed} failed in {self.duration_s:.1f} s; "
            f"client CPU {100 * self.client_cpu_s / self.duration_s:.0f}% of a core){failure}"
        )


def client(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0)


async def closed_loop(
    base_url: str, path: str, make: RequestMaker, check: Checker, *,
    concurrency: int, warmup_s: float, duration_s: float,
) -> Throughput:
    """`concurrency` callers, each sending its next request when the last one answered.
    Counts the answers that arrive in the `duration_s` after a `warmup_s` warm-up."""
    counter = iter(range(10**12))
    ok = failed = 0
    first_failure: str | None = None
    started = time.monotonic()
    window_start, window_end = started + warmup_s, started + warmup_s + duration_s
    cpu_at_window_start: list[float] = []

    async def caller(http: httpx.AsyncClient) -> None:
        nonlocal ok, failed, first_failure
        while time.monotonic() < window_end:
            headers, body = make(next(counter))
            try:
                response = await http.post(path, content=body, headers=headers)
                problem = check(response)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            finished = time.monotonic()
            if not window_start <= finished < window_end:
                continue
            if problem is None:
                ok += 1
            else:
                failed += 1
                first_failure = first_failure or problem

    async def mark_window() -> None:
        await asyncio.sleep(warmup_s)
        cpu_at_window_start.append(time.process_time())

    async with client(base_url, concurrency) as http:
        await asyncio.gather(mark_window(), *(caller(http) for _ in range(concurrency)))
    cpu_s = time.process_time() - cpu_at_window_start[0]
    return Throughput(ok, failed, duration_s, cpu_s, first_failure)


async def latencies_ms(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], body: bytes, check: Checker
) -> float:
    """One request's latency in milliseconds; raises when it does not succeed."""
    started = time.perf_counter()
    response = await http.post(path, content=body, headers=headers)
    elapsed_ms = (time.perf_counter() - started) * 1000
    problem = check(response)
    if problem is not None:
        raise RuntimeError(problem)
    return elapsed_ms


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio_line(name: str, value: float, op: str, target: float) -> str:
    return f"RATIO {name} {value:.3f} (target {op} {target})"

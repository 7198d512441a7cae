"""Driving a server over HTTP: a closed loop at fixed concurrency for throughput, and
sequential requests for latency.

The client runs on the same (shared) machine as the servers, so a throughput run also
reports the CPU that the server's workers, the client and the whole machine used.

Each caller of the closed loop has a keep-alive connection of its own, and the connections
are spread evenly over the server's workers: uvicorn's workers share one listening socket,
and a burst of new connections mostly lands on the worker that wakes first (16 of 16, or
15 of 16, in trials here), which would measure one worker instead of all of them.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import statistics
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from bench import procfs

# (headers, body) of the next request; the argument counts requests from 0.
RequestMaker = Callable[[int], tuple[dict[str, str], bytes]]
# None when the response is a success, else why it is not.
Checker = Callable[[httpx.Response], str | None]

BALANCE_TIMEOUT_S = 60.0


class Served(Protocol):
    base_url: str

    def worker_pids(self) -> list[int]: ...

    def connections_per_worker(self) -> dict[int, int]: ...


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


def one_connection_client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0)


@contextlib.asynccontextmanager
async def balanced_clients(server: Served, count: int, probe_path: str = "/healthz") -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` clients of one connection each, the connections spread evenly over the
    server's workers: a connection that lands on a worker holding its share already is
    closed and opened again."""
    workers = len(server.worker_pids())
    share = math.ceil(count / workers)
    kept: list[httpx.AsyncClient] = []
    deadline = time.monotonic() + BALANCE_TIMEOUT_S
    try:
        while len(kept) < count:
            before = server.connections_per_worker()
            http = one_connection_client(server.base_url)
            (await http.get(probe_path)).raise_for_status()
            after = server.connections_per_worker()
            gained = [pid for pid, held in after.items() if held > before.get(pid, 0)]
            if len(gained) == 1 and after[gained[0]] <= share:
                kept.append(http)
                continue
            await http.aclose()
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not spread {count} connections over {workers} workers: {after}")
        yield kept
    finally:
        for http in kept:
            await http.aclose()


@dataclass(frozen=True)
class Throughput:
    ok: int
    failed: int
    duration_s: float
    first_failure: str | None
    client_cpu_s: float
    worker_cpu_s: tuple[float, ...]
    machine_busy_s: float
    cores: int

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.duration_s

    def line(self) -> str:
        def pct(seconds: float) -> str:
            return f"{100 * seconds / self.duration_s:.0f}"

        failure = f"; first failure: {self.first_failure}" if self.first_failure else ""
        return (
            f"{self.ok_per_s:8.1f} ok/s  ({self.ok} ok, {self.failed} failed in {self.duration_s:.0f} s; "
            f"server CPU {self.server_cpu_ms_per_request:.2f} ms/request; "
            f"CPU % of a core: workers {'+'.join(pct(s) for s in self.worker_cpu_s)}, client {pct(self.client_cpu_s)}, "
            f"whole machine {pct(self.machine_busy_s)} of {100 * self.cores}){failure}"
        )

    @property
    def server_cpu_ms_per_request(self) -> float:
        """CPU the server's workers spent per answer: less sensitive than ok/s to what else
        the machine runs."""
        return 1000 * sum(self.worker_cpu_s) / max(1, self.ok + self.failed)


class _CpuMeter:
    def __init__(self, worker_pids: list[int]):
        self.worker_pids = worker_pids
        self.workers = procfs.cpu_s(worker_pids)
        self.client = time.process_time()
        self.machine = procfs.machine_busy_s()[0]

    def since(self) -> tuple[tuple[float, ...], float, float]:
        workers = procfs.cpu_s(self.worker_pids)
        return (
            tuple(workers.get(pid, 0.0) - self.workers.get(pid, 0.0) for pid in self.worker_pids),
            time.process_time() - self.client,
            procfs.machine_busy_s()[0] - self.machine,
        )


async def closed_loop(
    server: Served, path: str, make: RequestMaker, check: Checker, *,
    concurrency: int, warmup_s: float, duration_s: float,
) -> Throughput:
    """`concurrency` callers, each sending its next request when its last one answered.
    Counts the answers that arrive in the `duration_s` after a `warmup_s` warm-up."""
    counter = iter(range(10**12))
    ok = failed = 0
    first_failure: str | None = None
    meter: list[_CpuMeter] = []

    async with balanced_clients(server, concurrency) as clients:
        started = time.monotonic()
        window_start, window_end = started + warmup_s, started + warmup_s + duration_s

        async def caller(http: httpx.AsyncClient) -> None:
            nonlocal ok, failed, first_failure
            while time.monotonic() < window_end:
                headers, body = make(next(counter))
                try:
                    response = await http.post(path, content=body, headers=headers)
                    problem = check(response)
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                if not window_start <= time.monotonic() < window_end:
                    continue
                if problem is None:
                    ok += 1
                else:
                    failed += 1
                    first_failure = first_failure or problem

        async def open_window() -> None:
            await asyncio.sleep(warmup_s)
            meter.append(_CpuMeter(server.worker_pids()))

        await asyncio.gather(open_window(), *(caller(http) for http in clients))
        workers_s, client_s, machine_s = meter[0].since()
    return Throughput(ok, failed, duration_s, first_failure, client_s, workers_s, machine_s, os.cpu_count() or 1)


async def timed_request_ms(http: httpx.AsyncClient, path: str, headers: dict[str, str], body: bytes, check: Checker) -> float:
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

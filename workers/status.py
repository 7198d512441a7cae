"""The status port of a worker or scheduler (STATUS_PORT): `GET /readyz` answers 200 while the
process does its work and 503 with the reason when it does not; `GET /metrics` answers the
process's metrics (with METRICS_TOKEN as for the API); `GET /healthz` answers while it runs.

/readyz fails when
- a loop of the process has not finished a step for STUCK_LOOP_SECONDS (a stuck loop; a
  loop that keeps failing counts as stuck too), except while the scheduler runs a job;
- the worker's consumer group is missing from the stream (a lost consumer group), or the
  database or Redis does not answer;
- the scheduler believes it leads while its lease or lock is gone (a lost lease).

`loyalty health-check URL` asks it (the compose health checks do)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from loyalty import db
from loyalty.settings import Settings

log = logging.getLogger("loyalty.status")

Check = Callable[[], Awaitable[str | None]]  # None when fine, else the reason

_beats: dict[str, float] = {}
_allowed: dict[str, float] = {}  # seconds a loop may rest between steps, on top of STUCK_LOOP_SECONDS
_busy: dict[str, str] = {}
_facts: dict[str, Any] = {}


def watch(name: str, rests_seconds: float = 0.0) -> None:
    """Starts watching the loop `name` (it counts as just beaten), which rests up to
    `rests_seconds` between its steps."""
    _beats[name] = time.monotonic()
    _allowed[name] = rests_seconds


def beat(name: str, **facts: Any) -> None:
    """The loop `name` finished a step; `facts` are kept for the checks (e.g. leading=True)."""
    _beats[name] = time.monotonic()
    _facts.update(facts)


@contextlib.contextmanager
def busy(name: str, what: str):  # noqa: ANN201 - a context manager
    """The loop `name` is in a long step (a job): not stuck meanwhile."""
    _busy[name] = what
    try:
        yield
    finally:
        _busy.pop(name, None)
        beat(name)


def fact(name: str, default: Any = None) -> Any:
    return _facts.get(name, default)


def reset() -> None:
    _beats.clear()
    _allowed.clear()
    _busy.clear()
    _facts.clear()


def stuck_loops(limit_seconds: float) -> list[str]:
    now = time.monotonic()
    return sorted(f"{name} has not finished a step for {now - at:.0f}s" for name, at in _beats.items()
                  if name not in _busy and now - at > limit_seconds + _allowed.get(name, 0.0))


async def readiness(settings: Settings, checks: dict[str, Check]) -> tuple[bool, dict[str, str]]:
    """Each check's state ("ok" or the reason), and whether all are ok."""
    results: dict[str, str] = {}
    stuck = stuck_loops(settings.stuck_loop_seconds)
    results["loops"] = "; ".join(stuck) if stuck else "ok"
    timeout = settings.ready_timeout_seconds
    results["database"] = "ok" if await db.ping(timeout) else "no answer"
    for name, check in checks.items():
        try:
            reason = await asyncio.wait_for(check(), timeout=timeout)
        except asyncio.TimeoutError:
            reason = f"no answer within {timeout:g}s"
        except Exception as exc:  # noqa: BLE001 - readiness only reports
            reason = f"{type(exc).__name__}: {exc}"
        results[name] = reason or "ok"
    return all(value == "ok" for value in results.values()), results


def group_check(redis: Any, stream: str, group: str) -> Check:
    """Fails when the stream has no such consumer group."""

    async def check() -> str | None:
        try:
            groups = await redis.xinfo_groups(redis.key(stream))
        except Exception as exc:  # noqa: BLE001 - the stream is gone or is not a stream
            return f"the consumer group {group!r} is lost ({exc})"
        if not any(g.get("name") == group for g in groups):
            return f"the consumer group {group!r} is lost"
        return None

    return check


def lease_check(held: Callable[[], Awaitable[bool]]) -> Check:
    """Fails when the scheduler believes it leads and its lease is gone."""

    async def check() -> str | None:
        if fact("leading") and not await held():
            return "the scheduler lost its lease while acting as the leader"
        return None

    return check


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes, content_type: str) -> None:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 503: "Service Unavailable"}[status]
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n")
    writer.write(head.encode() + body)
    await writer.drain()


async def _handle(settings: Settings, checks: dict[str, Check], redis: Any | None,
                  reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    from loyalty.jobs import JOBS
    from loyalty.metrics_state import exposition, token_accepted

    try:
        request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        line, *header_lines = request.decode("latin-1").split("\r\n")
        method, path, *_ = (line.split(" ") + ["", ""])[:3]
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        path = path.split("?", 1)[0]
        if method != "GET":
            await _respond(writer, 404, b"Not Found\n", "text/plain")
        elif path == "/healthz":
            await _respond(writer, 200, b'{"status":"ok"}', "application/json")
        elif path == "/readyz":
            ready, results = await readiness(settings, checks)
            body = json.dumps({"status": "ready" if ready else "unavailable", "checks": results}).encode()
            await _respond(writer, 200 if ready else 503, body, "application/json")
        elif path == "/metrics":
            status = token_accepted(settings.metrics_token, headers.get("authorization"))
            if status != 200:
                await _respond(writer, status, b"Not Found\n" if status == 404 else b"A bearer token is required.\n",
                               "text/plain")
            else:
                from prometheus_client import CONTENT_TYPE_LATEST

                await _respond(writer, 200, await exposition(redis, list(JOBS)), CONTENT_TYPE_LATEST)
        else:
            await _respond(writer, 404, b"Not Found\n", "text/plain")
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    except Exception:  # noqa: BLE001 - a status request never stops the process
        log.exception("the status port failed to answer")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def serving(settings: Settings, checks: dict[str, Check], redis: Any | None = None):  # noqa: ANN201
    """Serves the status port while the block runs (nothing when STATUS_PORT is unset)."""
    if settings.status_port is None:
        yield
        return
    server = await asyncio.start_server(
        lambda r, w: _handle(settings, checks, redis, r, w), settings.status_host, settings.status_port,
    )
    log.info("status on http://%s:%s (/readyz, /metrics)", settings.status_host, settings.status_port)
    try:
        yield
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=2)

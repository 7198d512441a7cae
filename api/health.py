"""Liveness and readiness.

/healthz: the process is up. /readyz: every dependency the process needs answers within
READY_TIMEOUT_SECONDS. It reports each one (the database, and Redis when REDIS_URL is set)
and answers 503 when a required one is down or hung, so that a load balancer sends the
traffic elsewhere until it is back."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from loyalty import db, faults


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def _check(probe: Any, timeout_seconds: float) -> dict[str, Any]:
    started = time.monotonic()
    try:
        answered = await asyncio.wait_for(probe(), timeout=timeout_seconds)
    except asyncio.TimeoutError:
        return {"status": "down", "error": f"no answer within {timeout_seconds:g}s"}
    except Exception as exc:  # noqa: BLE001 - readiness only reports
        return {"status": "down", "error": faults.describe(exc)}
    if answered is False:
        return {"status": "down", "error": "no answer"}
    return {"status": "up", "latencyMs": round((time.monotonic() - started) * 1000, 1)}


async def readyz(request: Request) -> JSONResponse:
    """Each dependency's state; 503 when a required one is down."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return JSONResponse({"status": "starting", "checks": {}}, status_code=503,
                            headers={"Retry-After": "1"})
    settings = runtime.settings
    timeout = settings.ready_timeout_seconds
    probes: dict[str, Any] = {"database": lambda: db.ping(timeout)}
    if runtime.redis is not None:
        probes["redis"] = runtime.redis.ping
    results = await asyncio.gather(*(_check(probe, timeout) for probe in probes.values()))
    checks = dict(zip(probes, results))
    if runtime.redis is None:
        checks["redis"] = {"status": "not configured"}
    ready = all(check["status"] != "down" for check in checks.values())
    if ready:
        return JSONResponse({"status": "ready", "checks": checks})
    return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503,
                        headers={"Retry-After": str(settings.retry_after_seconds)})

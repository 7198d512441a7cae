"""Liveness and readiness."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from loyalty import db


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers."""
    if await db.ping():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "unavailable", "database": "not answering"}, status_code=503)

"""The baseline of bench.wallet_query: the wallet over plain Starlette, without GraphQL.

It authenticates the bearer token with the same TokenService and reads the wallet with the
same `loyalty.wallet.get_wallet`, from the settings in the environment (as `loyalty serve`).
Run it as a factory: `uvicorn bench.bare_wallet:create_app --factory`.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loyalty import clock, db
from loyalty.auth.keys import load_signing_key
from loyalty.auth.tokens import InvalidToken, TokenService
from loyalty.settings import get_settings
from loyalty.wallet import get_wallet


def create_app() -> Starlette:
    settings = get_settings()
    tokens = TokenService(
        load_signing_key(settings), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )

    async def wallet(request: Request) -> JSONResponse:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken("not a bearer token")
            principal = tokens.verify(credential.strip())
        except InvalidToken:
            return JSONResponse({"errors": [{"message": "Authentication required."}]}, status_code=401)
        view = await get_wallet(principal.member_id, clock.now())
        return JSONResponse({"data": {"me": {"wallet": {"points": view.points, "pendingPoints": view.pending_points}}}})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, status_code=200 if await db.ping() else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.init(settings)
        try:
            yield
        finally:
            await db.close()

    return Starlette(
        routes=[Route("/wallet", wallet, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )

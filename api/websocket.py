"""graphql-transport-ws: the member's access token comes in the connection_init payload
(`{"accessToken": "<token>"}`, or `{"Authorization": "Bearer <token>"}`). A missing, bad or
expired token closes the connection with 4401 Unauthorized; so does the token's expiry
while the connection is open (the client reconnects with a fresh token)."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

import jwt
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from api.credentials import MAX_CREDENTIAL_LENGTH
from loyalty import clock
from loyalty.auth.access import verify_access
from loyalty.auth.principal import MemberPrincipal
from loyalty.auth.tokens import InvalidToken
from schema.context import Context

if TYPE_CHECKING:
    from api.graphql import LoyaltyGraphQL

UNAUTHORIZED = 4401


def token_of(payload: object) -> str | None:
    if not isinstance(payload, dict):
        return None
    token = payload.get("accessToken")
    if token is None:
        header = payload.get("Authorization", payload.get("authorization"))
        if isinstance(header, str):
            scheme, _, rest = header.strip().partition(" ")
            token = rest.strip() if scheme.lower() == "bearer" else None
    if not isinstance(token, str) or not token or len(token) > MAX_CREDENTIAL_LENGTH:
        return None
    return token


class MemberTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    expiry_task: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_init_received or not isinstance(message.get("payload", {}), dict):
            await super().handle_connection_init(message)  # the protocol's own errors
            return
        token = token_of(message.get("payload"))
        principal = None
        if token is not None:
            with contextlib.suppress(InvalidToken):
                principal = await verify_access(cast("LoyaltyGraphQL", self.view).runtime.tokens, token)
        if token is None or not isinstance(principal, MemberPrincipal):
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(code=UNAUTHORIZED, reason="Unauthorized")
            return
        self.context.principal = principal
        self.context.credential_error = None
        expires = datetime.fromtimestamp(
            jwt.decode(token, options={"verify_signature": False})["exp"], tz=timezone.utc
        )
        self.expiry_task = asyncio.create_task(self._close_at(expires))
        await super().handle_connection_init(message)

    async def _close_at(self, expires: datetime) -> None:
        await asyncio.sleep(max(0.0, (expires - clock.now()).total_seconds()))
        await self.websocket.close(code=UNAUTHORIZED, reason="Unauthorized")

    async def shutdown(self) -> None:
        if self.expiry_task is not None:
            self.expiry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.expiry_task
        await super().shutdown()

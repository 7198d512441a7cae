"""The GraphQL endpoint: POST only, with the caller resolved into the context."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.credentials import client_address, principal_from_header
from loyalty.runtime import Runtime
from schema.context import Context
from schema.schema import build_schema


class LoyaltyGraphQL(GraphQL):
    def __init__(self, runtime: Runtime):
        settings = runtime.settings
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
        )
        self.runtime = runtime

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        settings = self.runtime.settings
        principal, refused = await principal_from_header(
            request.headers.get("authorization"), self.runtime.tokens
        )
        address = client_address(
            request.client, request.headers.get("x-forwarded-for"), settings.trusted_proxy_hops
        )
        return Context(
            runtime=self.runtime, principal=principal, client_address=address,
            request=request, response=response, credential_error=refused,
        )

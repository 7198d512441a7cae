"""The GraphQL endpoint: POST only, with the caller resolved into the context."""
from __future__ import annotations

import json
import re
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api.credentials import client_address, principal_from_header
from api.middleware import transport_error
from api.websocket import MemberTransportWSHandler
from loyalty.errors import ErrorCode
from loyalty.logs import set_request_field
from loyalty.runtime import Runtime
from schema.context import Context
from schema.query_cost import QUERY_TOO_COMPLEX
from schema.schema import build_schema

_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,99})", re.MULTILINE)
_TOO_MANY_TOKENS = re.compile(r"Syntax Error: Document contains more than \d+ tokens\.")


_VARIABLE = re.compile(r"^Variable '\$(\w+)'(?: has invalid value at ([.\w\[\]]+):)?")
_OUR_REASON = re.compile(r": ((?:Date|DateTime|Decimal|Long) values [^\n]*)$")
_SHOWN = ("Syntax Error:", "GraphQL introspection has been disabled")


def generic_in_production(error: dict[str, Any]) -> None:
    """Production refuses an invalid document without describing the schema: no type names,
    no input fields it expected, no suggestions. Errors with a code of ours, syntax errors and
    errors of execution (they have a path) are left as they are."""
    message = error["message"]
    if "path" in error or (error.get("extensions") or {}).get("code") or message.startswith(_SHOWN):
        return
    variable = _VARIABLE.match(message)
    if variable:
        name, at = variable.groups()
        reason = _OUR_REASON.search(message)
        message = f"Variable '${name}' has an invalid value" + (f" at {at}" if at else "") + "."
        if reason:
            message += " " + reason.group(1)
    else:
        message = "The document is not valid for this API."
    error["message"] = message
    error["extensions"] = {"code": "BAD_REQUEST"}


def is_subscription(query: str | None, operation_name: str | None) -> bool:
    if not query or "subscription" not in query:
        return False
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return False  # execution reports the syntax error
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION


def _operation_name(query: str | None, operation_name: str | None) -> str | None:
    """The operation's name as the client gave it, else the name in the document."""
    if operation_name or not query:
        return operation_name[:100] if operation_name else None
    match = _OPERATION.search(query)
    return match.group(1) if match else None


def _unavailable(response_data: object) -> bool:
    """Whether the answer (or one answer of a batch) holds an UNAVAILABLE error."""
    answers = response_data if isinstance(response_data, list) else [response_data]
    return any((error.get("extensions") or {}).get("code") == ErrorCode.UNAVAILABLE.value
               for answer in answers if isinstance(answer, dict) for error in answer.get("errors") or [])


class LoyaltyGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = MemberTransportWSHandler

    def __init__(self, runtime: Runtime):
        settings = runtime.settings
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origin_list,  # WebSocket handshakes: these and the API's own origin
        )
        self.runtime = runtime

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        # As strawberry's own, but its refusals are GraphQL JSON rather than plain text.
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as e:
            response = transport_error(e.status_code, e.reason)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        # Strawberry answers 500 to a body that is valid JSON but not an object (it calls
        # .get on it), to bytes that are not UTF-8, and to nesting too deep to decode.
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    async def execute_operation(self, request, request_adapter, request_data, context, root_value, sub_response):
        # Over HTTP a subscription would resolve to nothing; it is served over WebSocket only.
        for data in request_data if isinstance(request_data, list) else [request_data]:
            set_request_field("operation", _operation_name(data.query, data.operation_name))
            if is_subscription(data.query, data.operation_name):
                raise HTTPException(400, "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        for error in response.get("errors") or []:
            assert isinstance(error, dict), "strawberry formats each error as a dict"
            if _TOO_MANY_TOKENS.match(error["message"]):
                error["extensions"] = {"code": QUERY_TOO_COMPLEX}
            if self.runtime.settings.production:
                generic_in_production(error)
        return response

    def create_response(self, response_data, sub_response: Response) -> Response:  # noqa: ANN001
        response = super().create_response(response_data, sub_response)
        if _unavailable(response_data):
            response.status_code = 503
            response.headers["Retry-After"] = str(self.runtime.settings.retry_after_seconds)
        return response

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        settings = self.runtime.settings
        await self.runtime.program.reload_if_due()
        principal, refused = await principal_from_header(
            request.headers.get("authorization"), self.runtime.tokens
        )
        set_request_field("member_id", getattr(principal, "member_id", None))
        set_request_field("api_key_id", getattr(principal, "api_key_id", None))
        address = client_address(
            request.client, request.headers.get("x-forwarded-for"), settings.trusted_proxy_hops
        )
        return Context(
            runtime=self.runtime, principal=principal, client_address=address,
            request=request, response=response, credential_error=refused,
        )

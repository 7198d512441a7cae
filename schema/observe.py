"""The GraphQL extension that counts and times every operation (loyalty.metrics) and names
the request's trace span after it (loyalty.tracing): in the schema, so a new query or
mutation is covered without a line of its own.

Each root field answered counts once in `loyalty_graphql_requests{operation, outcome}`:
`operation` is the root field (`recordPurchase`), `outcome` is `ok`, the code of the first
UserError in its payload, or the code of the error it failed with. A request refused before
execution (syntax, validation, budget) counts as operation `-`."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from loyalty import metrics, tracing
from loyalty.errors import LoyaltyError

NO_OPERATION = "-"


def outcome_of(result: Any) -> str:
    """`ok`, or the code of the payload's first UserError."""
    errors = getattr(result, "errors", None)
    if isinstance(errors, list) and errors:
        code = getattr(errors[0], "code", None)
        return str(getattr(code, "value", code) or "error")
    return "ok"


def code_of(exc: BaseException) -> str:
    if isinstance(exc, LoyaltyError):
        return exc.code.value
    if isinstance(exc, GraphQLError):
        code = (exc.extensions or {}).get("code")
        if code:
            return str(code)
        if exc.original_error is None:
            return "BAD_REQUEST"  # GraphQL's own refusal: syntax, validation, variables
        return code_of(exc.original_error)
    if isinstance(exc, PermissionError):
        return "FORBIDDEN"
    return "INTERNAL_SERVER_ERROR"


def _root_fields(operation: OperationDefinitionNode | None) -> list[str]:
    if operation is None:
        return []
    return [s.name.value for s in operation.selection_set.selections if hasattr(s, "name")]


class Observed(SchemaExtension):
    """Counts each root field's outcome, times the operation, and names its span."""

    def on_operation(self):  # noqa: ANN201 - a generator hook
        started = time.perf_counter()
        self.answered = 0
        yield
        context = self.execution_context
        operation: OperationDefinitionNode | None = None
        try:
            operation = None if context.graphql_document is None else next(
                (d for d in context.graphql_document.definitions
                 if isinstance(d, OperationDefinitionNode)
                 and (context.operation_name is None or (d.name and d.name.value == context.operation_name))),
                None,
            )
        except Exception:  # noqa: BLE001 - a document that did not parse has no operation
            operation = None
        # Only a document that executed names schema fields: an invalid one may name anything,
        # which must not become a label (one time series per made-up name).
        fields = _root_fields(operation) if self.answered else []
        first = fields[0] if fields else NO_OPERATION
        metrics.REQUEST_SECONDS.labels(first).observe(time.perf_counter() - started)
        if not self.answered:
            errors = (context.result.errors if context.result is not None else None) or context.pre_execution_errors
            metrics.request(NO_OPERATION, code_of(errors[0]) if errors else "ok")
        tracing.name_operation(context.operation_name, first, fields)

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        if info.path.prev is not None or info.field_name.startswith("__"):
            return _next(root, info, *args, **kwargs)
        field = info.field_name
        try:
            result = _next(root, info, *args, **kwargs)
        except Exception as exc:
            self._count(field, code_of(exc))
            raise
        if isawaitable(result):
            return self._awaited(result, field)
        self._count(field, outcome_of(result))
        return result

    async def _awaited(self, result: Awaitable[Any], field: str) -> Any:
        try:
            value = await result
        except Exception as exc:
            self._count(field, code_of(exc))
            raise
        self._count(field, outcome_of(value))
        return value

    def _count(self, field: str, outcome: str) -> None:
        self.answered += 1
        metrics.request(field, outcome)

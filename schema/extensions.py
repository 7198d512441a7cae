"""Schema extensions of our own: masking unexpected errors with a request id, and answering
a dependency's fault (loyalty.faults) as the retryable UNAVAILABLE."""
from __future__ import annotations

import logging
from contextvars import ContextVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from loyalty import faults
from loyalty.errors import ErrorCode

log = logging.getLogger("loyalty.errors")
UNAVAILABLE_MESSAGE = "The service is unavailable for a moment; retry the request (with the same idempotency key)."
request_id: ContextVar[str] = ContextVar("request_id", default="-")


def is_expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose (auth, permissions) and GraphQL's own (syntax, validation,
    variables) are shown; any other exception from a resolver is a bug and is masked."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_expected(e), error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        rid = request_id.get()
        if error.original_error is not None and faults.is_unavailable(error.original_error):
            log.warning("unavailable in %s (request %s): %s", error.path, rid, faults.describe(error.original_error))
            return unavailable_error(rid, error)
        log.error("unexpected error in %s (request %s)", error.path, rid, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": rid}
        return masked


def unavailable_error(rid: str, error: GraphQLError | None = None) -> GraphQLError:
    """The top-level error of a request that met a dependency's fault (HTTP 503)."""
    return GraphQLError(
        UNAVAILABLE_MESSAGE, nodes=error.nodes if error else None, path=error.path if error else None,
        extensions={"code": ErrorCode.UNAVAILABLE.value, "requestId": rid},
    )


class LoggedSchema(strawberry.Schema):
    """Logs the errors a client caused (syntax, validation, a refused credential) at INFO,
    one line without a traceback. Strawberry would log every error at ERROR; here a bug is
    logged by MaskUnexpectedErrors, with its traceback, and a fault by the same as a warning."""

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:  # noqa: ANN001
        for error in errors:
            if is_expected(error):
                code = (error.extensions or {}).get("code", "GRAPHQL")
                log.info("client error %s: %s (request %s)", code, error.message[:500], request_id.get())

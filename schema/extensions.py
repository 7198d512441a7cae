"""Schema extensions of our own: masking unexpected errors with a request id."""
from __future__ import annotations

import logging
from contextvars import ContextVar

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("loyalty.errors")
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
        log.error("unexpected error in %s (request %s)", error.path, rid, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": rid}
        return masked

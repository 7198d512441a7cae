"""The one place where domain errors become GraphQL UserErrors or top-level errors."""
from __future__ import annotations

from enum import Enum

import strawberry
from graphql import GraphQLError

from loyalty.errors import ErrorCode as DomainErrorCode
from loyalty.errors import LoyaltyError, ValidationFailed

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"]; null when no single field is.'
    )
    message: str = strawberry.field(description="Human-readable, in the caller's locale where one is known.")


def user_errors(error: LoyaltyError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    return [
        UserError(code=e.code, field=["input", e.field] if e.field else None, message=e.message)
        for e in errors
    ]


class TopLevelCode(str, Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_REQUEST = "BAD_REQUEST"


def top_level_error(code: TopLevelCode, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def as_top_level(error: LoyaltyError) -> GraphQLError:
    """For query fields, which have no payload to carry a UserError."""
    return GraphQLError(error.message, extensions={"code": error.code.value})

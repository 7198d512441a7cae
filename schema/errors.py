"""The one place where domain errors become GraphQL UserErrors or top-level errors.

`DomainErrors` (a schema extension, so no resolver can forget it) catches a `LoyaltyError` from any
resolver: a mutation field answers with its payload carrying the UserErrors; any other field fails
with a top-level error whose `extensions.code` is the error's code. Resolvers therefore only parse,
call the domain and shape the payload.

A domain error names the domain's parameter at fault (`reward_id`, `currency`, `items[2].sku`); the
client reads the path of the input field (`["input", "rewardId"]`, `["input", "currencyCode"]`,
`["input", "items", "2", "sku"]`), made here by `input_path`.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from enum import Enum
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, OperationType, get_nullable_type
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from loyalty.errors import ErrorCode as DomainErrorCode
from loyalty.errors import LoyaltyError, ValidationFailed

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")

# Domain parameters whose input field is named otherwise; any other is its name in camelCase.
INPUT_FIELDS = {"currency": "currencyCode"}


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"]; null when no single field is.'
    )
    message: str = strawberry.field(description="Human-readable, in the caller's locale where one is known.")


def input_path(parameter: str) -> list[str]:
    """"reward_id" -> ["input", "rewardId"]; "items[2].sku" -> ["input", "items", "2", "sku"]."""
    parts = re.findall(r"[^.\[\]]+", parameter)
    return ["input", *(p if p.isdigit() else INPUT_FIELDS.get(p) or to_camel_case(p) for p in parts)]


def user_errors(error: LoyaltyError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    return [
        UserError(code=e.code, field=input_path(e.field) if e.field else None, message=e.message)
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
    """For fields without a payload to carry a UserError."""
    return GraphQLError(error.message, extensions={"code": error.code.value})


class DomainErrors(SchemaExtension):
    """A LoyaltyError from any resolver: UserErrors in a mutation's payload, else a top-level error."""

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        try:
            result = _next(root, info, *args, **kwargs)
        except LoyaltyError as error:
            return answer(info, error)
        return _awaited(result, info) if isawaitable(result) else result


async def _awaited(result: Awaitable[Any], info: GraphQLResolveInfo) -> Any:
    try:
        return await result
    except LoyaltyError as error:
        return answer(info, error)


def answer(info: GraphQLResolveInfo, error: LoyaltyError) -> Any:
    """The payload of a mutation field with the UserErrors; raises the top-level error otherwise."""
    payload = _payload_class(info)
    if payload is None:
        raise as_top_level(error) from error
    return payload(errors=user_errors(error))


def _payload_class(info: GraphQLResolveInfo) -> type | None:
    if info.operation.operation != OperationType.MUTATION or info.parent_type is not info.schema.mutation_type:
        return None
    returned = get_nullable_type(info.return_type)
    if not isinstance(returned, GraphQLObjectType) or "errors" not in returned.fields:
        return None
    definition = (returned.extensions or {}).get("strawberry-definition")
    return getattr(definition, "origin", None)

"""Faults of the dependencies (the database, Redis), told apart from bugs.

A database or Redis that is down, restarting, refusing connections or too slow to answer
within its deadline is not a bug of ours: callers answer it with the stable, retryable
UNAVAILABLE code (HTTP 503 with Retry-After) and log it as one line, without a traceback.
Everything else that escapes is still a bug and is reported as such."""
from __future__ import annotations

import socket

import asyncpg
import redis.exceptions as redis_errors
from tortoise.exceptions import DBConnectionError

_CHAIN_DEPTH = 10
_CLOSED = ("connection is closed", "connection was closed", "database is locked", "underlying connection is closed")


class Unavailable(Exception):
    """A dependency did not answer within its deadline."""


_FAULTS = (
    Unavailable, ConnectionError, TimeoutError, socket.gaierror,
    redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.ReadOnlyError,
    asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError, DBConnectionError,
)


def _is_fault(exc: BaseException) -> bool:
    if isinstance(exc, _FAULTS):
        return True
    if isinstance(exc, redis_errors.ResponseError) and str(exc).startswith(("LOADING", "MISCONF", "BUSY ")):
        return True
    return any(text in str(exc).lower() for text in _CLOSED)


def _raised_from(exc: BaseException) -> BaseException | None:
    """The exception `exc` was raised from, as a traceback would show it (`raise ... from None`
    hides the one it was raised during)."""
    return exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from, is a dependency's fault."""
    seen = 0
    while exc is not None and seen < _CHAIN_DEPTH:
        if _is_fault(exc):
            return True
        exc = _raised_from(exc)
        seen += 1
    return False


def describe(exc: BaseException) -> str:
    """One line naming the fault, for the log."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < _CHAIN_DEPTH:
        if _is_fault(current):
            text = str(current).strip().splitlines()[0] if str(current).strip() else ""
            return f"{type(current).__name__}: {text}" if text else type(current).__name__
        current = _raised_from(current)
        seen += 1
    return type(exc).__name__


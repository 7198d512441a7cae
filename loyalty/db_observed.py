"""The database calls, timed: every statement tortoise sends (through the model API or
loyalty/sql.py) goes through one of its client's `execute_*` methods, which are wrapped here
once per process, so a new query is measured without a line of its own.

Each call is observed in `loyalty_db_query_seconds{kind}` (and counted in
`loyalty_db_query_errors{kind}` when it fails). With tracing on, a call on SQLite opens a span
with its statement (on PostgreSQL, asyncpg's own instrumentation does)."""
from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from loyalty import metrics, tracing

KINDS = {
    "execute_query": "query", "execute_query_dict": "query", "execute_insert": "insert",
    "execute_many": "many", "execute_script": "script",
}
_installed: list[bool] = []


def _observed(method: Callable[..., Awaitable[Any]], kind: str, spans: bool) -> Callable[..., Awaitable[Any]]:
    histogram, errors = metrics.DB_SECONDS.labels(kind), metrics.DB_ERRORS.labels(kind)

    @functools.wraps(method)
    async def call(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            if spans and tracing.enabled():
                with tracing.statement_span(f"sqlite {kind}", {"db.system": "sqlite", "db.statement": query[:2000]}):
                    return await method(self, query, *args, **kwargs)
            return await method(self, query, *args, **kwargs)
        except Exception:
            errors.inc()
            raise
        finally:
            histogram.observe(time.perf_counter() - started)

    return call


def install() -> None:
    """Wraps the execute methods of tortoise's PostgreSQL and SQLite clients (idempotent)."""
    if _installed:
        return
    from tortoise.backends.sqlite import client as sqlite

    classes: list[tuple[type, bool]] = [(sqlite.SqliteClient, True), (sqlite.SqliteTransactionWrapper, True)]
    try:
        from tortoise.backends.asyncpg import client as asyncpg
    except ImportError:  # asyncpg is not installed: SQLite only
        pass
    else:
        classes += [(asyncpg.AsyncpgDBClient, False), (asyncpg.TransactionWrapper, False)]
    for cls, spans in classes:
        for name, kind in KINDS.items():
            if name in vars(cls):
                setattr(cls, name, _observed(vars(cls)[name], kind, spans))
    _installed.append(True)

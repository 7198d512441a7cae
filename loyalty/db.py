"""The database: Tortoise configuration, start-up and migrations."""
from __future__ import annotations

import asyncio
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

from loyalty.settings import Settings, get_settings

APP = "loyalty"
MODEL_MODULES = [
    "loyalty.members.models",
    "loyalty.auth.models",
    "loyalty.program.models",
    "loyalty.ledger.models",
    "loyalty.purchases.models",
    "loyalty.actions.models",
    "loyalty.outbox",
    "loyalty.notifications.models",
    "loyalty.tiers.models",
    "loyalty.rewards.models",
    "loyalty.charity.models",
    "loyalty.referrals.models",
    "loyalty.bonuses.models",
    "loyalty.schedule",
    "loyalty.memberships.models",
    "loyalty.gdpr.models",
    "loyalty.webhooks.models",
    "loyalty.audit.models",
    "loyalty.staff.models",
    "loyalty.passes.models",
    "loyalty.visits.models",
    "loyalty.segments.models",
]


async def keep_session(connection: Any) -> None:
    """The pool's reset of a released connection: nothing beyond asyncpg's own rollback."""


def connection_config(settings: Settings, *, statement_timeout: bool = True) -> str | dict[str, Any]:
    """The database URL; on PostgreSQL with the deadlines of the settings (asyncpg's connect
    timeout and, unless `statement_timeout` is off, its command timeout), where the URL does
    not give its own."""
    url = settings.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(url)
    credentials = config["credentials"]
    credentials.setdefault("timeout", settings.database_connect_timeout_seconds)
    # A connection back in the pool is not reset with a statement of its own (asyncpg's
    # default: a round trip on every release): the application keeps no session state (no
    # SET outside a transaction, no LISTEN or advisory lock on a pooled connection), and an
    # open transaction is still rolled back by the pool.
    credentials.setdefault("reset", keep_session)
    given = credentials.get("command_timeout")
    if given or statement_timeout:
        credentials["command_timeout"] = float(given or settings.database_statement_timeout_seconds)
    return config


def tortoise_config(settings: Settings | None = None, *, statement_timeout: bool = True) -> dict[str, Any]:
    settings = settings or get_settings()
    return {
        "connections": {"default": connection_config(settings, statement_timeout=statement_timeout)},
        "apps": {
            APP: {
                "models": list(MODEL_MODULES),
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads the configuration from here (pyproject.toml [tool.tortoise]).
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


async def init(settings: Settings | None = None) -> None:
    from loyalty import db_observed

    db_observed.install()
    # The global fallback makes the connections visible to every task of the process, not
    # only to the one that opened them: an ASGI server serves requests in tasks of its own.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def migrate(settings: Settings | None = None) -> None:
    """Bring the database schema up to date (idempotent)."""
    # A migration may rewrite a large table: no statement timeout.
    await run_migrations(config=tortoise_config(settings, statement_timeout=False))


async def close() -> None:
    await Tortoise.close_connections()


def dialect() -> str:
    """'postgres' or 'sqlite'."""
    return str(connections.get("default").capabilities.dialect)


async def ping(timeout_seconds: float = 2.0) -> bool:
    """Whether the database answers within `timeout_seconds`."""
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), timeout=timeout_seconds)
    except Exception:  # noqa: BLE001 - readiness only reports
        return False
    return True

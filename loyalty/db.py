"""The database: Tortoise configuration, start-up and migrations."""
from __future__ import annotations

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
]


def tortoise_config(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    return {
        "connections": {"default": settings.database_url},
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
    # The global fallback makes the connections visible to every task of the process, not
    # only to the one that opened them: an ASGI server serves requests in tasks of its own.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def migrate(settings: Settings | None = None) -> None:
    """Bring the database schema up to date (idempotent)."""
    await run_migrations(config=tortoise_config(settings))


async def close() -> None:
    await Tortoise.close_connections()


def dialect() -> str:
    """'postgres' or 'sqlite'."""
    return connections.get("default").capabilities.dialect


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - readiness only reports
        return False
    return True

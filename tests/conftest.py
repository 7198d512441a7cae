"""Shared fixtures. The suite runs on the embedded default (a temporary SQLite file) or,
with DATABASE_URL=postgres://… and REDIS_URL=redis://…, on PostgreSQL and Redis."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from api.app import create_app
from loyalty import db
from loyalty.ledger.accounts import ensure_program_accounts, forget_cached_ids
from loyalty.runtime import Runtime, build_runtime
from loyalty.settings import Settings

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
requires_postgres = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)")
REDIS = bool(os.environ.get("REDIS_URL", "").strip())
requires_redis = pytest.mark.skipif(not REDIS, reason="needs Redis (set REDIS_URL)")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loyalty")


def make_settings(workdir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{workdir / 'test.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "DATA_DIR": workdir / "var",
        "LOYALTY_ENV": "development",
        "JWT_PRIVATE_KEY": None,
        "JWT_SECRET": None,
        # Real argon2id, at a cost that keeps the suite fast.
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_TIME_COST": 1,
        # Tests sign many members up from one client address; tests/auth/test_abuse.py tries the defaults.
        "SIGNUP_ATTEMPTS_PER_ADDRESS": 10_000,
        "SIGNUP_ATTEMPTS_PER_DEVICE": 10_000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def settings(workdir: Path) -> Settings:
    return make_settings(workdir)


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[None]:
    await db.migrate(settings)
    await db.close()
    await db.init(settings)
    yield
    await db.close()


# The ledger's foreign keys are declared by its migration, not by its models.
_LEDGER_CHILDREN_FIRST = {"ledger_lot_allocations": 0, "ledger_lots": 1, "ledger_transfers": 2, "ledger_accounts": 3}


async def _clear_tables() -> None:
    forget_cached_ids()
    # Children before parents (foreign keys), all in one transaction: far quicker than a
    # TRUNCATE or a commit per table.
    models = list(Tortoise.apps["loyalty"].values())
    models.sort(key=lambda m: (-len(m._meta.fk_fields), _LEDGER_CHILDREN_FIRST.get(m._meta.db_table, -1)))
    async with in_transaction() as conn:
        for model in models:
            await conn.execute_script(f'DELETE FROM "{model._meta.db_table}"')
    # As at start-up: the program accounts exist before any test books against them.
    await ensure_program_accounts()


@pytest.fixture
async def clean_db(database: None, settings: Settings) -> AsyncIterator[None]:
    await _clear_tables()
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
        await redis.flushdb()
        await redis.aclose()
    yield


@pytest.fixture
async def runtime(clean_db: None, settings: Settings) -> AsyncIterator[Runtime]:
    built = await build_runtime(settings)
    yield built
    await built.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http

"""Shared fixtures. The suite runs on the embedded default (a temporary SQLite file) or,
with DATABASE_URL=postgres://… and REDIS_URL=redis://…, on PostgreSQL and Redis: in a database
and a Redis namespace of its own, never in the ones those variables name (tests/support/isolation.py).
"""
from __future__ import annotations

import json
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
from tests.support import isolation

POSTGRES = isolation.is_postgres(os.environ.get("TEST_DATABASE_URL", "").strip()
                                 or os.environ.get("DATABASE_URL", "").strip())
requires_postgres = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)")
REDIS = bool(os.environ.get("TEST_REDIS_URL", "").strip() or os.environ.get("REDIS_URL", "").strip())
requires_redis = pytest.mark.skipif(not REDIS, reason="needs Redis (set REDIS_URL)")

# This process's database and Redis prefix, set up by pytest_configure.
PROCESS: isolation.Process | None = None


def pytest_configure(config: pytest.Config) -> None:
    global PROCESS
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # a pytest-xdist worker: the controller made the plan
        plan = isolation.Plan(**json.loads(workerinput["loyalty_test_plan"]))
        worker = workerinput["workerid"]
    else:
        try:
            plan = isolation.make_plan(dict(os.environ))
        except isolation.Refused as error:
            isolation.refuse(error)
        worker = "main"
    config.stash[_PLAN] = plan
    PROCESS = isolation.Process(plan, worker)
    if not _is_controller(config):
        try:
            PROCESS.open()
        except isolation.Refused as error:
            isolation.refuse(error)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # noqa: ANN001 - an xdist WorkerController
    node.workerinput["loyalty_test_plan"] = json.dumps(node.config.stash[_PLAN].to_dict())


def pytest_unconfigure(config: pytest.Config) -> None:
    if PROCESS is None:
        return
    if _is_controller(config):
        if PROCESS.plan.redis_url:  # whatever a crashed worker left under the run's prefix
            isolation.delete_prefixed(PROCESS.plan.redis_url, f"{isolation.REDIS_OWN_PREFIX}{PROCESS.plan.run}-")
    else:
        PROCESS.close()


_PLAN = pytest.StashKey[isolation.Plan]()


def _is_controller(config: pytest.Config) -> bool:
    """The process that hands the tests to pytest-xdist workers (and runs none itself)."""
    return getattr(config, "workerinput", None) is None and bool(getattr(config.option, "numprocesses", None)) \
        and not getattr(config.option, "collectonly", False) and config.option.dist != "no"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loyalty")


def make_settings(workdir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        # synchronous=OFF: a commit does not wait for the disk (a crashed process loses nothing, only
        # a crashed machine could); most of what a test on SQLite spends otherwise.
        "DATABASE_URL": (PROCESS and PROCESS.database_url) or f"sqlite://{workdir / 'test.sqlite3'}?synchronous=OFF",
        "REDIS_URL": (PROCESS and PROCESS.plan.redis_url) or None,
        "REDIS_PREFIX": PROCESS.redis_prefix if PROCESS else "loyalty-test",
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
    # Children before parents (foreign keys), in one script sent at once: far quicker than a
    # TRUNCATE, a commit per table or a round trip per table.
    async with in_transaction() as conn:
        await conn.execute_script(_DELETE_ALL or _delete_all())
    # As at start-up: the program accounts exist before any test books against them.
    await ensure_program_accounts()


_DELETE_ALL = ""


def _delete_all() -> str:
    global _DELETE_ALL
    models = list(Tortoise.apps["loyalty"].values())
    models.sort(key=lambda m: (-len(m._meta.fk_fields), _LEDGER_CHILDREN_FIRST.get(m._meta.db_table, -1)))
    _DELETE_ALL = "".join(f'DELETE FROM "{model._meta.db_table}";\n' for model in models)
    return _DELETE_ALL


@pytest.fixture
async def clean_db(database: None, settings: Settings) -> AsyncIterator[None]:
    await _clear_tables()
    await clear_redis(settings)
    yield


async def clear_redis(settings: Settings) -> None:
    """Deletes the keys under the suite's prefix (the only ones it may delete)."""
    if not settings.redis_url:
        return
    from loyalty.redis_client import connect

    redis = connect(settings)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{settings.redis_namespace}:*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


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

"""The suite's own database and Redis namespace, so that no test touches data it did not make.

- Database: TEST_DATABASE_URL when set (it must be empty, or a database this suite made before:
  one holding the table `loyalty_test_suite`); otherwise, when DATABASE_URL names a PostgreSQL
  server, a fresh database on that server (`loyalty_test_<run>_<worker>`), dropped at the end;
  otherwise a temporary SQLite file. The database DATABASE_URL names is never written to.
- Redis: TEST_REDIS_URL when set; otherwise, when REDIS_URL is set, a database number on that
  server other than REDIS_URL's own. Either must hold no key but the suite's own (those under
  `loyalty-test-`). Every key, stream and channel of a run is under the prefix
  `loyalty-test-<run>-<worker>`, and the suite deletes only keys under its own prefix: it never
  flushes a Redis database.

Each process of a run (the only one, or each pytest-xdist worker) has a database and a prefix
of its own. A database or Redis database that holds anything else stops the run before any
test, with a message saying why and exit status 4.
"""
from __future__ import annotations

import asyncio
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

MARK_TABLE = "loyalty_test_suite"
REDIS_OWN_PREFIX = "loyalty-test-"
EXIT_REFUSED = 4


class Refused(Exception):
    """The suite will not run on this database: it holds data the suite did not make."""


@dataclass(frozen=True)
class Plan:
    """What a run uses, decided once by the process that starts the run and handed to workers."""

    run: str
    database: str  # "given", "create" or "sqlite"
    database_url: str  # the given database, the server to create on, or ""
    redis_url: str  # "" without Redis

    def to_dict(self) -> dict[str, str]:
        return {"run": self.run, "database": self.database, "database_url": self.database_url,
                "redis_url": self.redis_url}


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite://")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://").split("?", 1)[0])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# Databases.

async def _pg_tables(url: str) -> tuple[int, bool]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")
        ours = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"public.{MARK_TABLE}")
        return int(count), bool(ours)
    finally:
        await conn.close()


def _sqlite_tables(path: Path) -> tuple[int, bool]:
    if not path.exists() or path.stat().st_size == 0:
        return 0, False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    return len(names), MARK_TABLE in names


def check_database(url: str) -> None:
    """Refuses a database that holds tables, unless this suite made it (it holds the mark)."""
    if is_postgres(url):
        count, ours = asyncio.run(_pg_tables(url))
    elif is_sqlite(url):
        count, ours = _sqlite_tables(sqlite_path(url))
    else:
        raise Refused(f"TEST_DATABASE_URL={url!r} is neither sqlite:// nor postgres://")
    if count and not ours:
        raise Refused(
            f"refusing to run the tests on {redact(url)}: it holds {count} table(s) and was not made by the "
            f"test suite (no table {MARK_TABLE}). The tests empty the tables of their database; give them an "
            "empty one in TEST_DATABASE_URL, or unset it to let the suite create its own.")


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _mark_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE {MARK_TABLE} (run TEXT NOT NULL)")


def reset_given(url: str, run: str) -> None:
    """Empties a database that check_database accepted (empty, or the suite's) and marks it."""
    if is_postgres(url):
        asyncio.run(_pg_execute(url, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public",
                                f"CREATE TABLE {MARK_TABLE} (run text NOT NULL)",
                                f"INSERT INTO {MARK_TABLE} VALUES ('{run}')"))
    else:
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _mark_sqlite(path)


def create_database(server_url: str, name: str) -> str:
    """A new database `name` on the server of `server_url` (or a new SQLite file beside it)."""
    if is_sqlite(server_url):
        path = sqlite_path(server_url)
        url = f"sqlite://{path.with_name(name + path.suffix)}"
        reset_given(url, name)
        return url
    url = with_database(server_url, name)
    asyncio.run(_pg_execute(server_url, f'CREATE DATABASE "{name}"'))
    asyncio.run(_pg_execute(url, f"CREATE TABLE {MARK_TABLE} (run text NOT NULL)"))
    return url


def drop_database(server_url: str, url: str) -> None:
    if is_sqlite(url):
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    asyncio.run(_pg_execute(server_url, f'DROP DATABASE IF EXISTS "{database_of(url)}" WITH (FORCE)'))


# Redis.

def _foreign_keys(client: object) -> int:
    """How many keys of this Redis database are not the suite's own."""
    foreign = 0
    for key in client.scan_iter(count=1000):  # type: ignore[attr-defined]
        name = key.decode() if isinstance(key, bytes) else key
        if not name.startswith(REDIS_OWN_PREFIX):
            foreign += 1
    return foreign


def check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        foreign = _foreign_keys(client)
    finally:
        client.close()
    if foreign:
        raise Refused(
            f"refusing to run the tests on Redis {redact(url)}: its database holds {foreign} key(s) the test "
            "suite did not make. Give the tests an empty Redis database in TEST_REDIS_URL (for example "
            "redis://127.0.0.1:6379/15), or unset it to let the suite pick an unused one.")


def pick_redis_database(url: str) -> str:
    """A database number on REDIS_URL's server, other than its own, holding no foreign key."""
    import redis

    parts = urlsplit(url)
    own = int(parts.path.lstrip("/") or 0)
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        for number in range(15, -1, -1):
            if number == own:
                continue
            try:
                client.execute_command("SELECT", number)
            except redis.ResponseError:
                continue  # the server has fewer databases
            # One connection per call: SELECT applies to the pooled connection it ran on.
            candidate = urlunsplit(parts._replace(path=f"/{number}"))
            probe = redis.Redis.from_url(candidate, socket_timeout=5)
            try:
                if _foreign_keys(probe) == 0:
                    return candidate
            finally:
                probe.close()
    finally:
        client.close()
    raise Refused(
        f"no unused Redis database on {redact(url)} for the tests (every database but REDIS_URL's own holds "
        "keys): set TEST_REDIS_URL to an empty one")


def delete_prefixed(url: str, prefix: str) -> None:
    """Deletes the keys under `prefix` (the suite's own): never anything else."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=_glob_escape(prefix) + "*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# The plan of a run.

def make_plan(env: dict[str, str]) -> Plan:
    """Decides where the run's data goes; raises Refused when a given place holds foreign data."""
    run = uuid.uuid4().hex[:8]
    test_db = env.get("TEST_DATABASE_URL", "").strip()
    main_db = env.get("DATABASE_URL", "").strip()
    if test_db:
        check_database(test_db)
        database, database_url = "given", test_db
    elif is_postgres(main_db):
        database, database_url = "create", main_db
    else:
        database, database_url = "sqlite", ""
    test_redis = env.get("TEST_REDIS_URL", "").strip()
    main_redis = env.get("REDIS_URL", "").strip()
    if test_redis:
        check_redis(test_redis)
        redis_url = test_redis
    elif main_redis:
        redis_url = pick_redis_database(main_redis)
    else:
        redis_url = ""
    return Plan(run, database, database_url, redis_url)


@dataclass
class Process:
    """The database and Redis prefix of one process of the run."""

    plan: Plan
    worker: str  # "main", or the pytest-xdist worker id ("gw0", ...)
    database_url: str | None = None  # None: a temporary SQLite file of the process
    created: bool = False

    @property
    def redis_prefix(self) -> str:
        return f"{REDIS_OWN_PREFIX}{self.plan.run}-{self.worker}"

    def open(self) -> None:
        plan = self.plan
        if plan.database == "given":
            if self.worker in ("main", "gw0"):
                reset_given(plan.database_url, plan.run)
                self.database_url = plan.database_url
            else:
                self.database_url = create_database(plan.database_url, f"{database_of_name(plan.database_url)}_{self.worker}")
                self.created = True
        elif plan.database == "create":
            self.database_url = create_database(plan.database_url, f"loyalty_test_{plan.run}_{self.worker}")
            self.created = True

    def close(self) -> None:
        if self.created and self.database_url:
            drop_database(self.plan.database_url, self.database_url)
            self.created = False
        if self.plan.redis_url:
            delete_prefixed(self.plan.redis_url, self.redis_prefix)


def database_of_name(url: str) -> str:
    return sqlite_path(url).stem if is_sqlite(url) else database_of(url)


def refuse(error: Refused) -> None:
    pytest.exit(str(error), returncode=EXIT_REFUSED)

"""The suite never touches a database or a Redis database it did not make."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from loyalty.settings import Settings
from tests.conftest import POSTGRES, REDIS
from tests.support import isolation
from tests.test_migrations import _sql, migrate, scratch_database_url  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[1]
MEMBER = (
    "INSERT INTO members (member_number, email, email_normalized, password_hash, display_name, locale, "
    "marketing_consent, notify_email, notify_push, notify_marketing, joined_at, updated_at) VALUES "
    "('LOY-0000-0001', 'kept@example.com', 'kept@example.com', 'x', 'Kept', 'en', false, true, true, false, "
    "'2026-01-02 10:00:00+00', '2026-01-02 10:00:00+00')"
)
MEMBERS = "SELECT member_number, email, display_name FROM members ORDER BY id"
KEPT = [("LOY-0000-0001", "kept@example.com", "Kept")]
# One test that signs a member up: before the suite had a database of its own, it emptied the
# tables of the database DATABASE_URL named, first.
ONE_TEST = "tests/members/test_sign_up.py::test_a_new_member_gets_a_session_and_a_cleaned_profile"


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL", "PYTEST_ADDOPTS")
           and not k.startswith("PYTEST_XDIST")}
    env.update(values)
    return env


def _run_suite(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["scripts/test", "-p", "no:cacheprovider", "-n", "0", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


async def _member_database(url: str) -> None:
    migrate(url)
    await _sql(url, MEMBER)


async def _redis_with_a_key(settings: Settings, key: str) -> str | None:
    """The suite's Redis database holding a key of a deployment; None without Redis."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    await redis.set(key, "kept")
    await redis.aclose()
    return settings.redis_url


async def _redis_value(url: str, key: str) -> bytes | None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        return await redis.get(key)
    finally:
        await redis.aclose()


async def test_scripts_test_with_database_url_at_a_database_holding_a_member_leaves_it_untouched(
    scratch_database_url: str, settings: Settings,  # noqa: F811
) -> None:
    await _member_database(scratch_database_url)
    key = f"deployment-{uuid.uuid4().hex[:8]}:cache:1"
    redis_url = await _redis_with_a_key(settings, key)
    env = _environment(DATABASE_URL=scratch_database_url, **({"REDIS_URL": redis_url} if redis_url else {}))
    try:
        done = _run_suite(env, ONE_TEST)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 passed" in done.stdout
        assert await _sql(scratch_database_url, MEMBERS) == KEPT
        if redis_url:
            assert await _redis_value(redis_url, key) == b"kept"
    finally:
        if redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(redis_url)
            await redis.delete(key)
            await redis.aclose()


async def test_the_suite_refuses_a_test_database_it_did_not_make_and_leaves_it_untouched(
    scratch_database_url: str,  # noqa: F811
) -> None:
    await _member_database(scratch_database_url)
    done = _run_suite(_environment(TEST_DATABASE_URL=scratch_database_url), ONE_TEST)
    assert done.returncode == isolation.EXIT_REFUSED == 4
    assert f"refusing to run the tests on {scratch_database_url}: it holds" in done.stdout + done.stderr
    assert "was not made by the test suite" in done.stdout + done.stderr
    assert await _sql(scratch_database_url, MEMBERS) == KEPT


def test_an_empty_database_and_one_the_suite_made_are_accepted(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'empty.sqlite3'}"
    isolation.check_database(url)  # no file yet
    isolation.reset_given(url, "run1")  # what a run does to it: the mark, nothing else
    isolation.check_database(url)
    import sqlite3

    with sqlite3.connect(tmp_path / "empty.sqlite3") as conn:
        conn.execute("CREATE TABLE members (id INTEGER)")
    isolation.check_database(url)  # still the suite's: it holds the mark


def test_an_sqlite_database_with_a_table_is_refused(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "shop.sqlite3") as conn:
        conn.execute("CREATE TABLE members (id INTEGER)")
    with pytest.raises(isolation.Refused, match=r"holds 1 table\(s\) and was not made by the test suite"):
        isolation.check_database(f"sqlite://{tmp_path / 'shop.sqlite3'}")


@pytest.mark.skipif(not REDIS, reason="needs Redis (set REDIS_URL)")
async def test_a_redis_database_holding_a_key_the_suite_did_not_make_is_refused_and_kept(settings: Settings) -> None:
    key = f"deployment-{uuid.uuid4().hex[:8]}:events"
    url = await _redis_with_a_key(settings, key)
    assert url is not None
    try:
        with pytest.raises(isolation.Refused, match=r"its database holds 1 key\(s\) the test suite did not make"):
            isolation.check_redis(url)
        # Without TEST_REDIS_URL, the suite picks another database of the server.
        picked = isolation.pick_redis_database(url)
        assert picked != url
        assert await _redis_value(url, key) == b"kept"
    finally:
        from redis.asyncio import Redis

        redis = Redis.from_url(url)
        await redis.delete(key)
        await redis.aclose()


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)")
def test_the_suite_runs_in_a_postgresql_database_of_its_own(settings: Settings) -> None:
    name = isolation.database_of(settings.database_url)
    assert name.startswith(("loyalty_test_", os.environ.get("TEST_DATABASE_URL", "").rsplit("/", 1)[-1] or "-"))
    assert name != isolation.database_of(os.environ.get("DATABASE_URL", ""))

"""One holder at a time, for each way of holding the scheduler's leadership."""
from __future__ import annotations

import pytest

from tests.conftest import requires_postgres
from workers.leadership import AdvisoryLock, FileLock, RedisLease


async def one_at_a_time(first, second) -> None:
    try:
        assert await first.acquire() is True
        assert await second.acquire() is False
        assert await first.held() is True
        assert await second.held() is False
        await first.release()
        assert await first.held() is False
        assert await second.acquire() is True
        assert await first.acquire() is False
    finally:
        await second.release()
        await first.release()


async def test_a_file_lock_has_one_holder_at_a_time(tmp_path) -> None:
    await one_at_a_time(FileLock(tmp_path / "scheduler.lock"), FileLock(tmp_path / "scheduler.lock"))


async def test_a_redis_lease_has_one_holder_at_a_time(settings) -> None:
    if not settings.redis_url:
        pytest.skip("needs Redis (set REDIS_URL)")
    from loyalty.redis_client import connect

    redis = connect(settings)
    await redis.delete(redis.key("lease:loyalty-scheduler"))
    await redis.aclose()
    await one_at_a_time(RedisLease(settings, 60), RedisLease(settings, 60))


@requires_postgres
async def test_an_advisory_lock_has_one_holder_at_a_time(settings) -> None:
    await one_at_a_time(AdvisoryLock(settings.database_url), AdvisoryLock(settings.database_url))


async def test_a_redis_lease_is_renewed_while_held_and_lapses_when_taken(settings) -> None:
    if not settings.redis_url:
        pytest.skip("needs Redis (set REDIS_URL)")
    from loyalty.redis_client import connect

    redis = connect(settings)
    lease_key = redis.key("lease:loyalty-scheduler")
    await redis.delete(lease_key)
    lease = RedisLease(settings, 60)
    try:
        assert await lease.acquire() is True
        await redis.pexpire(lease_key, 1000)
        assert await lease.held() is True
        assert await redis.pttl(lease_key) > 59_000
        # Another holder has it (this one's lease lapsed while it was away): this one stops.
        await redis.set(lease_key, "someone else")
        assert await lease.held() is False
        await lease.release()
        assert await redis.get(lease_key) == "someone else"
    finally:
        await lease.release()
        await redis.delete(lease_key)
        await redis.aclose()


class _Unreachable:
    """A lock whose store does not answer (the database or Redis is away)."""

    async def acquire(self) -> bool:
        raise ConnectionError("connection refused")

    async def held(self) -> bool:
        raise ConnectionError("connection refused")

    async def release(self) -> None:
        return None


async def test_an_unreachable_lock_means_not_leading_rather_than_a_dead_scheduler() -> None:
    from workers.scheduler import _leading

    assert await _leading(_Unreachable(), leading=False) is False
    assert await _leading(_Unreachable(), leading=True) is False

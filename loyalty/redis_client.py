"""The Redis client of a deployment: every key, stream and channel the platform uses is
named under the deployment's prefix (REDIS_PREFIX, by default the database's name), so two
deployments sharing one Redis never read each other's keys nor hear each other's messages.
Database numbers alone would not do: pub/sub channels are shared by every database."""
from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from loyalty import metrics
from loyalty.settings import Settings


class DeploymentRedis(Redis):
    """A `redis.asyncio.Redis` that knows its deployment's prefix."""

    prefix: str = "loyalty"

    def key(self, name: str) -> str:
        """`name` (a key, stream or channel) in this deployment's namespace."""
        return f"{self.prefix}:{name}"

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Every command, timed in `loyalty_redis_command_seconds{command}` (errors counted)."""
        command = str(args[0]).upper() if args else "-"
        started = time.perf_counter()
        try:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except Exception:
            metrics.REDIS_ERRORS.labels(command).inc()
            raise
        finally:
            metrics.REDIS_SECONDS.labels(command).observe(time.perf_counter() - started)


def connect(settings: Settings, **options: Any) -> DeploymentRedis:
    """A client for settings.redis_url (decoding answers to str) with the deployment's prefix and
    the deadlines of the settings: a connection or an answer that takes longer than
    REDIS_TIMEOUT_SECONDS fails (a hung Redis) instead of waiting (docs/faults.md)."""
    if settings.redis_url is None:
        raise ValueError("REDIS_URL is not set")
    options.setdefault("decode_responses", True)
    options.setdefault("socket_connect_timeout", settings.redis_timeout_seconds)
    options.setdefault("socket_timeout", settings.redis_timeout_seconds)
    options.setdefault("health_check_interval", 30)
    client = DeploymentRedis.from_url(settings.redis_url, **options)
    assert isinstance(client, DeploymentRedis)  # from_url makes an instance of the class it is called on
    client.prefix = settings.redis_namespace
    return client

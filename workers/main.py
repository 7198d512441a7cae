"""The worker: relays committed outbox events and delivers the notifications and the webhook
deliveries they make.

With REDIS_URL it relays the outbox onto a Redis stream and consumes the stream in a consumer
group, so any number of workers share the load. Without it, it reads the outbox table
directly (the API process runs this too). Each event's webhook deliveries are made before
its notifications, from the same message; they are posted (and retried, like failed
notifications, when their time comes) by a loop of their own, so that a slow endpoint of
the brand never holds up the members' messages."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import ResponseError

from loyalty import faults, metrics, tracing
from loyalty.notifications import delivery
from loyalty.notifications.channels.configured import Channels, from_settings
from loyalty.notifications.consumer import handle_event
from loyalty.settings import Settings
from loyalty.webhooks import delivery as webhook_delivery
from loyalty.webhooks import fanout as webhook_fanout

from workers import outbox_consumer, relay, status, stream

log = logging.getLogger("loyalty.worker")

IDLE_SECONDS = 0.5
FORGET_AFTER_RECLAIMS = 10  # a consumer without a heartbeat for this many reclaim periods, holding nothing, has gone
ERROR_PAUSE_SECONDS = 2.0


async def _loop(name: str, stop: asyncio.Event, step: Callable[[], Awaitable[int]], idle: float = IDLE_SECONDS) -> None:
    """Runs `step` until `stop`; pauses `idle` seconds when it found nothing to do. Each step
    that finishes is a beat of the loop on the status port (a loop that stops beating is stuck)."""
    status.watch(name, idle + ERROR_PAUSE_SECONDS)
    while not stop.is_set():
        try:
            with tracing.quiet():
                busy = await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a worker outlives a failed step and tries again
            if faults.is_unavailable(exc):
                log.warning("%s: %s; trying again in %ss", name, faults.describe(exc), ERROR_PAUSE_SECONDS)
            else:
                log.exception("%s failed; trying again", name)
            busy, idle_for = 0, ERROR_PAUSE_SECONDS
        else:
            idle_for = idle
            status.beat(name)
        if not busy:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_for)


async def _redis_answers(redis) -> str | None:  # noqa: ANN001 - loyalty.redis_client.DeploymentRedis
    return None if await redis.ping() else "no answer"


async def run_worker(settings: Settings, stop: asyncio.Event, *, with_scheduler: bool = False,
                     channels: Channels | None = None, serve_status: bool = True) -> None:
    """Runs until `stop` is set; the database must be initialised. Bad scheduler settings
    raise loyalty.schedule.ScheduleError before anything starts."""
    if with_scheduler:
        from workers.scheduler import check_settings

        check_settings(settings)
    own_channels = channels is None
    channels = channels or from_settings(settings)
    policy = delivery.policy_from(settings)
    webhooks, webhook_policy = webhook_delivery.sender_from(settings), webhook_delivery.policy_from(settings)

    async def handler(event_id: str, topic: str, member_id: int | None, payload: dict) -> object:
        await webhook_fanout.plan(event_id, topic, member_id, payload)
        handled = await handle_event(event_id, topic, member_id, payload, channels, policy)
        metrics.EVENTS_HANDLED.labels(topic).inc()
        return handled

    loops: list[Awaitable[None]] = [
        _loop("retry", stop, lambda: delivery.deliver_due(channels, policy)),
        _loop("webhooks", stop, lambda: webhook_delivery.deliver_due(webhooks, webhook_policy), idle=0.2),
    ]
    redis = None
    checks: dict[str, status.Check] = {}
    if settings.redis_url:
        from loyalty.redis_client import connect

        redis = connect(settings)
        await stream.ensure_group(redis)
        consumer = stream.consumer_name()

        async def consume() -> int:
            try:
                reclaimed = await stream.reclaim(redis, consumer, handler, settings.worker_reclaim_seconds)
                if reclaimed:
                    log.info("took over %d message(s) that another worker held", reclaimed)
                return reclaimed + await stream.read(redis, consumer, handler, block_ms=500)
            except ResponseError as exc:
                if not stream.lost_group(exc):
                    raise
                await stream.recreate_group(redis)
                return 0

        gone_after = FORGET_AFTER_RECLAIMS * settings.worker_reclaim_seconds

        async def tidy() -> int:
            await stream.heartbeat(redis, consumer, gone_after)
            try:
                await stream.forget_idle_consumers(redis, consumer, gone_after)
            except ResponseError as exc:
                if not stream.lost_group(exc):
                    raise
            return 0

        async def relay_events() -> int:
            return await relay.relay_once(redis, recheck_seconds=settings.relay_recheck_seconds)

        checks["redis"] = lambda: _redis_answers(redis)
        checks["consumer group"] = status.group_check(redis, relay.STREAM, stream.GROUP)
        loops.append(_loop("relay", stop, relay_events, idle=0.2))
        loops.append(_loop("consume", stop, consume, idle=0))
        loops.append(_loop("tidy", stop, tidy, idle=settings.worker_reclaim_seconds))
        log.info("worker %s: relaying the outbox to the stream %r and consuming it as group %r",
                 consumer, redis.key(relay.STREAM), stream.GROUP)
    else:
        loops.append(_loop("outbox", stop, lambda: outbox_consumer.consume_once(handler), idle=0.5))
        log.info("worker: consuming the outbox table (no REDIS_URL)")
    if with_scheduler:
        from workers.scheduler import run_scheduler

        loops.append(run_scheduler(settings, stop, serve_status=False))
    log.info("notification channels: %s", ", ".join(sorted(channels.enabled())) or "none")
    try:
        async with (status.serving(settings, checks, redis) if serve_status else contextlib.nullcontext()):
            await asyncio.gather(*loops)
    finally:
        if redis is not None:
            with contextlib.suppress(Exception):
                await stream.leave(redis, consumer)
            await redis.aclose()
        if own_channels:
            await channels.close()
        await webhooks.close()

"""The gauges of shared state, read from the database and Redis when /metrics is scraped: any
process (an API worker, a worker, the scheduler) reports the same values, and none of them
has to be the one that saw the change.

- the outbox: the age of the oldest event not relayed yet and not delivered yet, and how
  many are undelivered;
- the stream (with Redis): the consumer group's lag (entries not read by any worker) and
  pending messages (read, not acknowledged);
- dead notifications (dead letters);
- each job's last run: when it last finished, and whether its latest run failed;
- the ledger check (the `verify-ledger` job): violations found by its last run, and when."""
from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from loyalty import clock
from loyalty.notifications.models import DEAD, Notification
from loyalty.outbox import OutboxEvent
from loyalty.schedule import SchedulerRun

STREAM = "events"  # the relay's stream, under the deployment's prefix
GROUP = "notifications"  # the workers' consumer group
VERIFY_JOB = "verify-ledger"


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


async def _outbox(registry: CollectorRegistry, now: datetime) -> None:
    unrelayed = await OutboxEvent.filter(published_at=None, delivered_at=None).order_by("created_at").first()
    undelivered = await OutboxEvent.filter(delivered_at=None).order_by("created_at").first()
    Gauge("loyalty_outbox_lag_seconds", "Age of the oldest outbox event not relayed (nor delivered) yet",
          registry=registry).set(_age(unrelayed.created_at if unrelayed else None, now))
    Gauge("loyalty_outbox_undelivered_oldest_seconds", "Age of the oldest outbox event not delivered yet",
          registry=registry).set(_age(undelivered.created_at if undelivered else None, now))
    Gauge("loyalty_outbox_undelivered", "Outbox events not delivered yet",
          registry=registry).set(await OutboxEvent.filter(delivered_at=None).count())


async def _stream(registry: CollectorRegistry, redis: Any) -> None:
    lag = Gauge("loyalty_stream_lag", "Stream entries the workers' consumer group has not read yet", registry=registry)
    pending = Gauge("loyalty_stream_pending", "Stream messages read by a worker and not acknowledged yet",
                    registry=registry)
    groups = Gauge("loyalty_stream_group_present", "1 when the workers' consumer group exists", registry=registry)
    try:
        found = [g for g in await redis.xinfo_groups(redis.key(STREAM)) if g.get("name") == GROUP]
    except Exception:  # noqa: BLE001 - no stream yet (nothing relayed), or Redis away: reported as absent
        found = []
    groups.set(1 if found else 0)
    if found:
        lag.set(int(found[0].get("lag") or 0))
        pending.set(int(found[0].get("pending") or 0))


async def _jobs(registry: CollectorRegistry, jobs: list[str]) -> None:
    finished = Gauge("loyalty_job_last_success_timestamp_seconds", "When the job last finished a run (Unix time)",
                     ["job"], registry=registry)
    failed = Gauge("loyalty_job_last_run_failed", "1 when the job's latest run failed", ["job"], registry=registry)
    for job in jobs:
        latest = await SchedulerRun.filter(job=job).order_by("-started_at").first()
        done = await SchedulerRun.filter(job=job, finished_at__isnull=False).order_by("-finished_at").first()
        failed.labels(job).set(1 if latest is not None and latest.error and latest.finished_at is None else 0)
        finished.labels(job).set(done.finished_at.timestamp() if done is not None and done.finished_at else 0)
    violations = Gauge("loyalty_ledger_violations", "Violations the last verify-ledger run found (-1: never run)",
                       registry=registry)
    checked = Gauge("loyalty_ledger_verified_timestamp_seconds", "When verify-ledger last ran (Unix time)",
                    registry=registry)
    last = await SchedulerRun.filter(job=VERIFY_JOB, finished_at__isnull=False).order_by("-finished_at").first()
    violations.set(int(last.changed or 0) if last is not None else -1)
    checked.set(last.finished_at.timestamp() if last is not None and last.finished_at else 0)


async def state_registry(redis: Any | None, jobs: list[str]) -> CollectorRegistry:
    """A registry holding the shared-state gauges, read now."""
    registry = CollectorRegistry()
    now = clock.now()
    await _outbox(registry, now)
    if redis is not None:
        await _stream(registry, redis)
    Gauge("loyalty_notifications_dead", "Dead notifications (dead letters) waiting for an operator",
          registry=registry).set(await Notification.filter(status=DEAD).count())
    await _jobs(registry, jobs)
    return registry


def process_registry() -> Any:
    """The process's own metrics; under PROMETHEUS_MULTIPROC_DIR, those of every process
    writing to that folder, added up."""
    import os

    from prometheus_client import REGISTRY
    from prometheus_client.multiprocess import MultiProcessCollector

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


async def exposition(redis: Any | None, jobs: list[str]) -> bytes:
    """The text a scrape of /metrics answers: the processes' metrics, then the shared state."""
    from prometheus_client import generate_latest

    return generate_latest(process_registry()) + generate_latest(await state_registry(redis, jobs))


def token_accepted(expected: str | None, authorization: str | None) -> int:
    """200 when the bearer token is METRICS_TOKEN, 401 when it is missing or wrong, 404 when off."""
    if not expected:
        return 404
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return 401
    return 200

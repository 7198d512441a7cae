"""The process's Prometheus metrics (prometheus-client), named `loyalty_*`, in one place.

Counters and histograms are kept by the code paths every operation goes through: the GraphQL
extension (requests), the database and Redis clients, the cache, the notification sender,
the job runner and the webhook endpoints. The gauges that describe shared state (outbox and
stream lag, dead letters, the last job runs, the ledger check) are read when /metrics is
scraped (`loyalty.metrics_state`), so every process reports the same values.

Under `loyalty serve --workers N` each worker process writes its values to the folder
PROMETHEUS_MULTIPROC_DIR names, and /metrics adds them up (prometheus-client's multi-process
mode). The list of metrics, with example alert rules, is in docs/metrics.md."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a cached read (about 1 ms) to a slow job (an hour).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

REQUESTS = Counter(
    "loyalty_graphql_requests", "GraphQL root fields answered, by field and outcome (ok, or the error code)",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "loyalty_graphql_request_seconds", "Time to answer a GraphQL request, by its first root field",
    ["operation"], buckets=LATENCY_BUCKETS,
)
DB_SECONDS = Histogram(
    "loyalty_db_query_seconds", "Time of a database call, by kind (query, insert, many, script)",
    ["kind"], buckets=LATENCY_BUCKETS,
)
DB_ERRORS = Counter("loyalty_db_query_errors", "Database calls that failed, by kind", ["kind"])
REDIS_SECONDS = Histogram(
    "loyalty_redis_command_seconds", "Time of a Redis command, by command", ["command"], buckets=LATENCY_BUCKETS,
)
REDIS_ERRORS = Counter("loyalty_redis_command_errors", "Redis commands that failed, by command", ["command"])
CACHE_LOOKUPS = Counter("loyalty_cache_lookups", "Cache lookups, by kind and result (hit or miss)", ["kind", "result"])
NOTIFICATIONS = Counter(
    "loyalty_notifications", "Notification attempts, by channel and result (sent, failed, dead)", ["channel", "result"],
)
WEBHOOKS = Counter(
    "loyalty_webhook_deliveries", "Webhook deliveries, by source or target and result", ["webhook", "result"],
)
JOB_RUNS = Counter("loyalty_job_runs", "Scheduled job runs, by job and result (ok, failed)", ["job", "result"])
JOB_SECONDS = Histogram("loyalty_job_run_seconds", "Time of a scheduled job run, by job", ["job"], buckets=JOB_BUCKETS)
JOB_ROWS = Counter("loyalty_job_rows", "Rows a scheduled job changed, by job", ["job"])
SCHEDULER_LEADER = Gauge(
    "loyalty_scheduler_leader", "1 while this scheduler holds the leadership, else 0", multiprocess_mode="max",
)
EVENTS_HANDLED = Counter("loyalty_events_handled", "Outbox events a worker handled, by topic", ["topic"])


def request(operation: str, outcome: str) -> None:
    REQUESTS.labels(operation, outcome).inc()


def cache_lookup(kind: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(kind, "hit" if hit else "miss").inc()


def notification(channel: str, result: str) -> None:
    NOTIFICATIONS.labels(channel, result).inc()


def webhook(name: str, result: str) -> None:
    WEBHOOKS.labels(name, result).inc()


def job_run(job: str, seconds: float, rows: int | None, *, failed: bool) -> None:
    JOB_RUNS.labels(job, "failed" if failed else "ok").inc()
    JOB_SECONDS.labels(job).observe(seconds)
    if rows:
        JOB_ROWS.labels(job).inc(rows)


@contextmanager
def timed(histogram: Histogram, errors: Counter, label: str) -> Iterator[None]:
    """Observes the block's time in `histogram`; counts it in `errors` when it raises."""
    started = time.perf_counter()
    try:
        yield
    except Exception:
        errors.labels(label).inc()
        raise
    finally:
        histogram.labels(label).observe(time.perf_counter() - started)

"""Nothing committed is lost by the queue: an outbox event counts as delivered only when a
consumer has handled it; an event the stream lost (Redis restarted without persistence, a
message trimmed or deleted) is relayed again; a worker that meets NOGROUP makes the group
again and goes on. Every test here runs its own redis-server, which it kills and restarts."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from loyalty import clock, events, outbox
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.channels.email import SmtpChannel
from loyalty.notifications.consumer import handle_event
from loyalty.notifications.delivery import RetryPolicy
from loyalty.notifications.fanout import notification_id
from loyalty.notifications.models import SENT, Notification
from loyalty.outbox import OutboxEvent
from loyalty.redis_client import connect
from loyalty.settings import Settings
from tests.conftest import make_settings
from tests.faults.private import RedisServer, redis_server, requires_redis_server
from tests.support.notify import eventually, new_member
from tests.support.receivers import SmtpReceiver, smtp_receiver
from workers import relay, stream
from workers.main import run_worker

pytestmark = requires_redis_server

SENDER = "Loyalty <no-reply@loyalty.example>"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


@pytest.fixture
async def redis(own_redis: RedisServer, workdir: Path) -> AsyncIterator[Redis]:
    client = connect(make_settings(workdir, REDIS_URL=own_redis.url))  # the workers' own prefix
    yield client
    await client.aclose()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with smtp_receiver(delay=0.02) as receiver:  # a mail server slow enough to restart Redis mid-stream
        yield receiver


@pytest.fixture(autouse=True)
def real_time() -> Iterator[None]:
    yield
    clock.set_now(None)


def _channels(smtp: SmtpReceiver) -> Channels:
    return Channels(public_url="https://wallet.example", email=SmtpChannel(smtp.url, SENDER))


async def _emit(members: list, count: int, first: int = 0) -> list[OutboxEvent]:
    made = []
    for number in range(first, first + count):
        async with in_transaction():
            made.append(await outbox.emit(events.POINTS_EARNED, members[number % len(members)].id,
                                          {"points": 10 + number, "pending": False, "order": f"Q-{number}"}))
    return made


def _email_id(event: OutboxEvent) -> str:
    return f"<{notification_id(event.id, 'email', f'member-{event.member_id}')}@loyalty.example>"


def _worker_settings(workdir: Path, redis_url: str, smtp: SmtpReceiver) -> Settings:
    return make_settings(workdir, REDIS_URL=redis_url, SMTP_URL=smtp.url, MAIL_FROM=SENDER,
                         RELAY_RECHECK_SECONDS=1, WORKER_RECLAIM_SECONDS=1, REDIS_TIMEOUT_SECONDS=1)


@contextlib.asynccontextmanager
async def _running_worker(settings: Settings, channels: Channels) -> AsyncIterator[asyncio.Task]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop, channels=channels))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def _undelivered() -> int:
    return await OutboxEvent.filter(delivered_at__isnull=True).count()


async def test_an_event_counts_as_delivered_only_once_a_consumer_has_handled_it(
    clean_db: None, redis: Redis, smtp: SmtpReceiver,
) -> None:
    member = await new_member("ann@example.com")
    [event] = await _emit([member], 1)
    await stream.ensure_group(redis)
    assert await relay.relay_once(redis) == 1
    row = await OutboxEvent.get(id=event.id)
    assert (row.published_at is not None, row.stream_id is not None, row.delivered_at) == (True, True, None)

    async def handler(event_id: str, topic: str, member_id: int | None, payload: dict) -> None:
        await handle_event(event_id, topic, member_id, payload, _channels(smtp), RetryPolicy())

    assert await stream.read(redis, "one", handler, block_ms=10) == 1
    row = await OutboxEvent.get(id=event.id)
    assert row.delivered_at is not None
    assert [m["Message-ID"] for m in smtp.messages] == [_email_id(event)]


async def test_an_event_the_stream_lost_is_relayed_again_after_the_recheck_delay_and_one_it_holds_is_not(
    clean_db: None, redis: Redis,
) -> None:
    member = await new_member("ann@example.com")
    kept, lost = await _emit([member], 2)
    assert await relay.relay_new(redis) == 2
    lost_row = await OutboxEvent.get(id=lost.id)
    kept_row = await OutboxEvent.get(id=kept.id)
    assert await redis.xdel(redis.key(relay.STREAM), lost_row.stream_id) == 1  # trimmed or lost before anyone read it
    relayed_at = lost_row.published_at

    assert await relay.relay_lost(redis, recheck_seconds=30) == 0  # too soon to look
    clock.set_now(relayed_at + timedelta(seconds=31))
    assert await relay.relay_lost(redis, recheck_seconds=30) == 1
    assert await redis.xlen(redis.key(relay.STREAM)) == 2
    again = await OutboxEvent.get(id=lost.id)
    assert again.stream_id != lost_row.stream_id
    assert [f["id"] for _, f in await redis.xrange(redis.key(relay.STREAM), again.stream_id, again.stream_id)] == [str(lost.id)]
    assert (await OutboxEvent.get(id=kept.id)).stream_id == kept_row.stream_id  # still in the stream: left alone
    assert await relay.relay_lost(redis, recheck_seconds=30) == 0  # looked at just now

    await outbox.mark_delivered(kept.id)
    await outbox.mark_delivered(lost.id)
    clock.set_now(relayed_at + timedelta(seconds=120))
    assert await relay.relay_lost(redis, recheck_seconds=30) == 0  # delivered: never again
    assert await redis.xlen(redis.key(relay.STREAM)) == 2


async def test_redis_restarted_empty_mid_stream_every_committed_event_is_delivered_and_repeats_carry_the_same_id(
    clean_db: None, workdir: Path, own_redis: RedisServer, redis: Redis, smtp: SmtpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    members = [await new_member(f"m{number}@example.com") for number in range(20)]
    before = await _emit(members, 40)
    settings = _worker_settings(workdir, own_redis.url, smtp)
    channels = _channels(smtp)
    async with _running_worker(settings, channels):
        await eventually(lambda: _sent_at_least(smtp, 10), timeout=30, what="10 emails")
        own_redis.restart()  # without persistence: the stream, the group and what it held are gone
        assert await redis.exists(redis.key(relay.STREAM)) == 0
        lost_with_redis = await _undelivered()
        assert 0 < lost_with_redis <= 40  # some of the 40 were still undelivered when Redis lost them
        after = await _emit(members, 10, first=40)
        await eventually(lambda: _all_delivered(50), timeout=60, what="every event delivered")
    committed = before + after
    expected = sorted(_email_id(event) for event in committed)
    received = Counter(m["Message-ID"] for m in smtp.messages)
    assert sorted(received) == expected  # every committed event's email, and nothing else
    assert len(smtp.messages) - len(expected) <= 1  # only the one in flight at the restart may repeat
    assert await Notification.filter(status=SENT).count() == 50
    assert await _undelivered() == 0
    assert any("creating it again" in r.getMessage() for r in caplog.records)
    assert any("relayed" in r.getMessage() and "again" in r.getMessage() for r in caplog.records)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # a fault, not a bug


async def test_a_worker_that_meets_nogroup_recreates_the_group_and_goes_on(
    clean_db: None, workdir: Path, own_redis: RedisServer, redis: Redis, smtp: SmtpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    member = await new_member("ann@example.com")
    settings = _worker_settings(workdir, own_redis.url, smtp)
    async with _running_worker(settings, _channels(smtp)):
        first = await _emit([member], 1)
        await eventually(lambda: _all_delivered(1), timeout=20, what="the first event delivered")
        await redis.xgroup_destroy(redis.key(relay.STREAM), stream.GROUP)  # the group is gone, the stream stays
        later = await _emit([member], 2, first=1)
        await eventually(lambda: _all_delivered(3), timeout=20, what="the events after NOGROUP delivered")
        assert [g["name"] for g in await redis.xinfo_groups(redis.key(relay.STREAM))] == [stream.GROUP]
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(_email_id(e) for e in first + later)
    assert sum("creating it again" in r.getMessage() for r in caplog.records) >= 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _sent_at_least(smtp: SmtpReceiver, count: int) -> bool:
    return len(smtp.messages) >= count


async def _all_delivered(count: int) -> bool:
    return (await OutboxEvent.filter(delivered_at__isnull=False).count() == count
            and await Notification.filter(status=SENT).count() == count)

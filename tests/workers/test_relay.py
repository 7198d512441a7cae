"""The relay and the stream consumer: a crash between adding to the stream and marking the
event relayed repeats the event, and the repeat sends nothing twice."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from loyalty.redis_client import DeploymentRedis, connect
from tortoise.transactions import in_transaction

from loyalty import events, outbox
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.channels.email import SmtpChannel
from loyalty.notifications.consumer import handle_event
from loyalty.notifications.delivery import RetryPolicy
from loyalty.notifications.models import SENT, Notification
from loyalty.outbox import OutboxEvent
from loyalty.settings import Settings
from tests.conftest import requires_redis
from tests.support.notify import new_member
from tests.support.receivers import SmtpReceiver, smtp_receiver
from workers import relay, stream

EARNED = {"points": 10, "pending": False, "order": "A-1"}


class _Crash(Exception):
    pass


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture
async def redis(clean_db: None, settings: Settings) -> AsyncIterator[DeploymentRedis]:
    client = connect(settings)
    await stream.ensure_group(client)
    yield client
    await client.aclose()


@requires_redis
async def test_a_crash_after_adding_to_the_stream_repeats_the_event_and_the_repeat_sends_nothing_twice(
    redis: DeploymentRedis, smtp: SmtpReceiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = await new_member("ann@example.com")
    async with in_transaction():
        event = await outbox.emit(events.POINTS_EARNED, member.id, EARNED)

    class _Dies:
        @staticmethod
        def now():  # noqa: ANN205
            raise _Crash

    monkeypatch.setattr(relay, "clock", _Dies)
    with pytest.raises(_Crash):
        await relay.relay_once(redis)
    monkeypatch.undo()
    assert await OutboxEvent.filter(published_at__isnull=True).count() == 1  # not marked: it goes again
    assert await relay.relay_once(redis) == 1
    assert await relay.relay_once(redis) == 0
    assert await redis.xlen(redis.key(relay.STREAM)) == 2

    channels = Channels(public_url="https://wallet.example",
                        email=SmtpChannel(smtp.url, "Loyalty <no-reply@loyalty.example>"))
    policy = RetryPolicy()
    handled: list[str] = []

    async def handler(event_id: str, topic: str, member_id: int | None, payload: dict) -> None:
        handled.append(event_id)
        await handle_event(event_id, topic, member_id, payload, channels, policy)

    assert await stream.read(redis, "one", handler, block_ms=10) == 2
    assert handled == [str(event.id)] * 2
    [row] = await Notification.all()
    assert (row.status, row.attempts) == (SENT, 1)
    [message] = smtp.messages
    assert message["Message-ID"] == f"<{row.id}@loyalty.example>"
    assert await stream.pending(redis) == 0


@requires_redis
async def test_a_message_a_dead_consumer_held_is_taken_over_after_the_reclaim_time(
    redis: DeploymentRedis, smtp: SmtpReceiver,
) -> None:
    await _held_by_a_consumer_that_died(redis, "dead")
    assert await stream.pending(redis) == 1
    taken: list[str] = []

    async def handler(event_id: str, *_: object) -> None:
        taken.append(event_id)

    assert await stream.reclaim(redis, "alive", handler, idle_seconds=3600) == 0
    assert await stream.reclaim(redis, "alive", handler, idle_seconds=0) == 1
    assert len(taken) == 1
    assert await stream.pending(redis) == 0


async def _held_by_a_consumer_that_died(redis: DeploymentRedis, consumer: str) -> None:
    """One event relayed to the stream and read by `consumer`, which died handling it."""
    member = await new_member("ann@example.com")
    async with in_transaction():
        await outbox.emit(events.POINTS_EARNED, member.id, EARNED)
    await relay.relay_once(redis)

    async def dies(*_: object) -> None:
        raise _Crash

    with pytest.raises(_Crash):
        await stream.read(redis, consumer, dies, block_ms=10)


async def _consumers(redis: DeploymentRedis) -> dict[str, int]:
    return {c["name"]: int(c["pending"]) for c in await redis.xinfo_consumers(redis.key(stream.STREAM), stream.GROUP)}


@requires_redis
async def test_consumers_that_hold_nothing_and_stopped_reading_leave_the_group(redis: DeploymentRedis) -> None:
    async def handler(*_: object) -> None:
        return None

    await _held_by_a_consumer_that_died(redis, "dead")
    await redis.xgroup_createconsumer(redis.key(stream.STREAM), stream.GROUP, "idle")
    await redis.xgroup_createconsumer(redis.key(stream.STREAM), stream.GROUP, "running")
    await stream.heartbeat(redis, "running", 60)
    assert await _consumers(redis) == {"dead": 1, "idle": 0, "running": 0}
    # One holding a message stays until its message is taken over; a running one (its
    # heartbeat is on) stays however long it has had nothing to do.
    assert await stream.forget_idle_consumers(redis, "alive", idle_seconds=0) == ["idle"]
    assert await stream.reclaim(redis, "alive", handler, idle_seconds=0) == 1
    assert await stream.forget_idle_consumers(redis, "alive", idle_seconds=0) == ["dead"]
    assert await _consumers(redis) == {"alive": 0, "running": 0}
    assert await stream.forget_idle_consumers(redis, "other", idle_seconds=3600) == []
    await stream.leave(redis, "running")
    assert await redis.exists(redis.key("worker-alive:running")) == 0


@requires_redis
async def test_a_stopping_worker_leaves_the_group_unless_it_holds_messages(redis: DeploymentRedis) -> None:
    await _held_by_a_consumer_that_died(redis, "holding")
    await redis.xgroup_createconsumer(redis.key(stream.STREAM), stream.GROUP, "done")
    assert await stream.leave(redis, "holding") is False
    assert await stream.leave(redis, "done") is True
    assert await _consumers(redis) == {"holding": 1}

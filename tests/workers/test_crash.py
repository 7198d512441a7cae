"""A worker killed with SIGKILL in the middle of the stream loses nothing: another worker
reclaims what it held, every event is delivered, and a repeat carries the original's id."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
from loyalty.redis_client import DeploymentRedis, connect

from loyalty.notifications.models import SENT, Notification
from loyalty.outbox import OutboxEvent
from loyalty.runtime import Runtime
from schema.relay import to_global_id
from tests.conftest import requires_postgres, requires_redis
from tests.support.notify import eventually, new_member
from tests.support.receivers import body_text, smtp_receiver
from tests.support.servers import running_servers
from tests.support.shop import RECORD_PURCHASE, api_key
from tests.support.workers import Worker, workers
from workers import stream

PURCHASES = 500
MEMBERS = 50
CONCURRENCY = 8


async def _held_by(redis: DeploymentRedis, worker: Worker) -> int:
    for consumer in await redis.xinfo_consumers(redis.key(stream.STREAM), stream.GROUP):
        if consumer["name"].endswith(f"-{worker.process.pid}"):
            return int(consumer["pending"])
    return 0


@requires_postgres
@requires_redis
async def test_killing_a_worker_mid_stream_loses_nothing_and_repeats_carry_the_same_id(
    runtime: Runtime, tmp_path: Path,
) -> None:
    settings = runtime.settings
    members = [await new_member(f"m{index}@example.com", "nl-NL" if index % 2 else "en") for index in range(MEMBERS)]
    key = await api_key("purchases:write")
    redis = connect(settings)
    env = {"SMTP_URL": "", "MAIL_FROM": "Loyalty <no-reply@loyalty.example>", "NOTIFY_LEASE_SECONDS": "3",
           "WORKER_RECLAIM_SECONDS": "3", "NOTIFY_BACKOFF_SECONDS": "1"}
    with smtp_receiver(delay=0.01) as smtp, running_servers(settings, 1, log_dir=tmp_path) as [server], \
            workers(settings, log_dir=tmp_path, env={**env, "SMTP_URL": smtp.url}) as start:
        first, second = start(), start()
        done = 0

        async def buy(http: httpx.AsyncClient, numbers: list[int]) -> None:
            nonlocal done
            for number in numbers:
                member = members[number % MEMBERS]
                variables = {"input": {"memberId": to_global_id("Member", member.id), "orderId": f"C-{number}",
                                       "amount": "25.00", "currencyCode": "EUR"}}
                response = await http.post("/graphql", json={"query": RECORD_PURCHASE, "variables": variables},
                                           headers={"Authorization": f"Bearer {key}"})
                assert response.status_code == 200, response.text
                assert response.json()["data"]["recordPurchase"]["errors"] == []
                done += 1

        async def kill_mid_stream() -> int:
            """Once a third of the purchases are in, SIGKILL the first worker while it holds messages."""
            await eventually(lambda: _true(done >= PURCHASES // 3), timeout=120, what="a third of the purchases")
            deadline = time.monotonic() + 60
            while await _held_by(redis, first) == 0:
                assert time.monotonic() < deadline, "the first worker never held a message"
                await asyncio.sleep(0.005)
            first.kill()
            held = await _held_by(redis, first)
            start()
            return held

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            killer = asyncio.create_task(kill_mid_stream())
            await asyncio.gather(*(buy(http, list(range(lane, PURCHASES, CONCURRENCY))) for lane in range(CONCURRENCY)))
            held = await killer
        assert held > 0, "the worker was killed holding no message"

        async def settled() -> bool:
            unrelayed = await OutboxEvent.filter(published_at__isnull=True).count()
            unsent = await Notification.exclude(status=SENT).count()
            made = await Notification.all().count()
            return unrelayed == 0 and unsent == 0 and made == PURCHASES and await stream.pending(redis) == 0 and \
                len({m["Message-ID"] for m in smtp.messages}) == PURCHASES

        try:
            await eventually(settled, timeout=180, what="every purchase's email delivered")
        except AssertionError:
            print(first.log()[-3000:], second.log()[-3000:])
            raise
        assert first.process.returncode == -9 and second.process.poll() is None

    await redis.aclose()
    events = await OutboxEvent.filter(topic="points.earned")
    assert len(events) == PURCHASES
    notifications = {row.id: row for row in await Notification.all()}
    assert sorted(row.event_id for row in notifications.values()) == sorted(event.id for event in events)
    received = Counter(m["Message-ID"] for m in smtp.messages)
    assert set(received) == {f"<{the_id}@loyalty.example>" for the_id in notifications}
    # A repeat is the same message again: same id, same words.
    by_id: dict[str, tuple[str, str]] = {}
    for message in smtp.messages:
        content = (message["Subject"], body_text(message))
        assert by_id.setdefault(message["Message-ID"], content) == content
    repeats = sum(count - 1 for count in received.values())
    print(f"{PURCHASES} purchases, {len(smtp.messages)} emails received, {repeats} repeat(s), "
          f"{held} message(s) held by the killed worker")


async def _true(value: bool) -> bool:
    return value

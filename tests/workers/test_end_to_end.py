"""A purchase reaches the member by email and push, through the worker: over the Redis stream
(on PostgreSQL and Redis), and from the outbox table when there is no Redis."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from api.notifier import start_notifier
from loyalty.notifications.channels.configured import from_settings
from loyalty.notifications.fanout import notification_id
from loyalty.notifications.models import SENT, Notification
from loyalty.outbox import OutboxEvent
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.conftest import requires_postgres, requires_redis
from tests.support.gql import gql
from tests.support.notify import Credentials, channel_settings, eventually, make_credentials
from tests.support.receivers import PushReceiver, SmtpReceiver, body_text, push_receiver, smtp_receiver
from tests.support.shop import Joined, Shop, join
from workers import stream
from workers.main import run_worker

SETTINGS = "mutation($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) { errors { code } } }"
DEVICE = "mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { ok errors { code } } }"


@pytest.fixture(scope="module")
def credentials(workdir: Path) -> Credentials:
    return make_credentials(workdir / "e2e-credentials")


@pytest.fixture
async def receivers() -> AsyncIterator[tuple[SmtpReceiver, PushReceiver]]:
    with smtp_receiver() as smtp:
        async with push_receiver() as push:
            yield smtp, push


async def _members(client: httpx.AsyncClient) -> tuple[Joined, Joined]:
    anna = await join(client, "anna@example.com", locale="nl-NL", displayName="Anna")
    body = await gql(client, DEVICE, {"input": {"platform": "ANDROID", "token": "anna-phone"}}, token=anna.token)
    assert body["data"]["registerDevice"] == {"ok": True, "errors": []}
    bob = await join(client, "bob@example.com", locale="en-GB", displayName="Bob")
    body = await gql(client, SETTINGS, {"input": {"email": False}}, token=bob.token)
    assert body["data"]["updateNotificationSettings"] == {"errors": []}
    return anna, bob


async def _all_sent() -> bool:
    statuses = await Notification.all().values_list("status", flat=True)
    unrelayed = await OutboxEvent.filter(published_at__isnull=True).count()
    return bool(statuses) and set(statuses) == {SENT} and unrelayed == 0


async def _check(anna: Joined, purchase: dict, smtp: SmtpReceiver, push: PushReceiver) -> None:
    events = [e for e in await OutboxEvent.filter(topic="points.earned") if e.payload.get("order") == "NL-1"]
    [event] = events
    day = datetime.fromisoformat(event.payload["available_at"]).date()
    available = f"{day.day}-{day.month}-{day.year}"  # a Dutch date
    points = purchase["pointsAwarded"]
    email_id = notification_id(event.id, "email", f"member-{event.member_id}")
    [message] = [m for m in smtp.messages if m["Message-ID"] == f"<{email_id}@loyalty.example>"]
    assert message["To"] == "anna@example.com"
    assert message["Message-ID"] == f"<{email_id}@loyalty.example>"
    assert message["Subject"] == f"Je hebt {points} punten verdiend"
    assert f"{points} punten komen eraan: je kunt ze besteden vanaf {available}." in body_text(message)
    [push_id] = await _fcm_ids(event.id)
    [sent] = [r for r in push.received["fcm"] if r.json()["message"]["data"]["notification_id"] == push_id]
    body = sent.json()["message"]
    assert body["token"] == "anna-phone"
    assert body["notification"] == {"title": f"Je hebt {points} punten verdiend",
                                    "body": f"{points} punten komen eraan: je kunt ze besteden vanaf {available}."}
    assert body["data"]["link"] == "https://wallet.example/wallet"
    assert (event.payload["pending"], event.payload["available_at"] is not None) == (True, True)


async def _fcm_ids(event_id) -> list[str]:  # noqa: ANN001
    return list(await Notification.filter(event_id=event_id, channel="fcm").values_list("id", flat=True))


async def _expected_emails() -> list[str]:
    """The Message-IDs of every email the events asked for."""
    ids = await Notification.filter(channel="email").values_list("id", flat=True)
    return sorted(f"<{the_id}@loyalty.example>" for the_id in ids)


async def _purchases(client: httpx.AsyncClient, anna: Joined, bob: Joined) -> dict:
    shop = await Shop.open(client)
    bought = await shop.purchase(anna, orderId="NL-1", amount="42.50")
    assert bought["errors"] == []
    assert (await shop.purchase(bob, orderId="EN-1", amount="10.00"))["errors"] == []
    return bought["purchase"]


@requires_postgres
@requires_redis
async def test_a_purchase_reaches_a_dutch_member_by_email_and_push_through_the_stream(
    client: httpx.AsyncClient, settings: Settings, workdir: Path, credentials: Credentials, receivers,
) -> None:
    smtp, push = receivers
    anna, bob = await _members(client)
    purchase = await _purchases(client, anna, bob)
    worker_settings = channel_settings(workdir, credentials, smtp_url=smtp.url, push=push)
    assert worker_settings.redis_url == settings.redis_url
    stop = asyncio.Event()
    channels = from_settings(worker_settings, verify=push.client_context())
    task = asyncio.create_task(run_worker(worker_settings, stop, channels=channels))
    try:
        await eventually(_all_sent, timeout=30, what="every notification sent")
        from loyalty.redis_client import connect

        redis = connect(settings)
        await eventually(lambda: _none_pending(redis), timeout=10, what="every message acknowledged")
        await redis.aclose()
    finally:
        stop.set()
        await task
        await channels.close()
    await _check(anna, purchase, smtp, push)
    # Anna's welcome points and her purchase; Bob turned email off and gets none of those. Both
    # got the link to verify their address, which goes whatever the settings.
    assert sorted(m["Message-ID"] for m in smtp.messages) == await _expected_emails()
    assert sorted(m["To"] for m in smtp.messages) == ["anna@example.com"] * 3 + ["bob@example.com"]
    assert len(push.received["fcm"]) == 2


async def _none_pending(redis) -> bool:  # noqa: ANN001
    return await stream.pending(redis) == 0


async def test_without_redis_the_api_process_delivers_from_the_outbox_table(
    client: httpx.AsyncClient, workdir: Path, credentials: Credentials, receivers,
) -> None:
    smtp, push = receivers
    anna, bob = await _members(client)
    purchase = await _purchases(client, anna, bob)
    embedded = channel_settings(workdir, credentials, smtp_url=smtp.url, push=None, REDIS_URL=None)
    notifier = await start_notifier(embedded)
    assert notifier.task is not None
    try:
        await eventually(_all_sent, timeout=30, what="every notification sent")
    finally:
        await notifier.stop()
    assert sorted(m["Message-ID"] for m in smtp.messages) == await _expected_emails()
    assert sorted(m["To"] for m in smtp.messages) == ["anna@example.com"] * 3 + ["bob@example.com"]
    assert f"Je hebt {purchase['pointsAwarded']} punten verdiend" in [m["Subject"] for m in smtp.messages]
    assert push.received["fcm"] == []  # push is not configured here


async def test_the_api_process_leaves_the_work_to_workers_and_the_scheduler_when_there_is_redis(
    workdir: Path, credentials: Credentials,
) -> None:
    with_redis = channel_settings(workdir, credentials, smtp_url="smtp://127.0.0.1:25", push=None,
                                  REDIS_URL="redis://127.0.0.1:6379/15")
    assert (await start_notifier(with_redis)).task is None


async def test_without_redis_the_api_process_runs_the_scheduler_even_with_no_channel(
    runtime: Runtime, workdir: Path, credentials: Credentials,
) -> None:
    from loyalty.jobs import JOBS
    from loyalty.schedule import SchedulerRun

    no_channel = channel_settings(workdir, credentials, smtp_url=None, push=None, REDIS_URL=None,
                                  SCHEDULE_DAILY_AT="00:00", SCHEDULER_POLL_SECONDS=0.2)
    notifier = await start_notifier(no_channel)
    assert notifier.task is not None
    try:
        async def all_ran() -> bool:
            return await SchedulerRun.filter(finished_at__isnull=False).count() == len(JOBS)

        await eventually(all_ran, timeout=30, what="every job run once")
    finally:
        await notifier.stop()
    assert notifier.task.done() and notifier.task.exception() is None


async def test_bad_schedule_settings_stop_the_api_process_from_starting(workdir: Path, credentials: Credentials) -> None:
    from loyalty.schedule import ScheduleError

    bad = channel_settings(workdir, credentials, smtp_url=None, push=None, REDIS_URL=None, SCHEDULE_DAILY_AT="25:00")
    with pytest.raises(ScheduleError, match="'25:00'"):
        await start_notifier(bad)

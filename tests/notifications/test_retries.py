from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from loyalty import clock, events
from loyalty.members.service import register_device
from loyalty.notifications import delivery, fanout
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.channels.email import SmtpChannel
from loyalty.notifications.consumer import handle_event
from loyalty.notifications.delivery import RetryPolicy
from loyalty.notifications.models import DEAD, PENDING, SENT, Notification
from tests.support.notify import Credentials, channel_settings, new_member
from tests.support.receivers import PushReceiver, SmtpReceiver, free_port
from tests.support.cli import run_cli
from tests.support.workers import run_loyalty

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
EARNED = {"points": 10, "pending": False, "order": "A-1"}


def test_the_backoff_doubles_from_the_base_up_to_the_cap_and_its_second_half_is_random() -> None:
    lowest = RetryPolicy(base_seconds=30, cap_seconds=600, jitter=lambda: 0.0)
    highest = RetryPolicy(base_seconds=30, cap_seconds=600, jitter=lambda: 1.0)
    assert [lowest.backoff(n) for n in range(1, 7)] == [15, 30, 60, 120, 240, 300]
    assert [highest.backoff(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


async def test_a_failed_push_is_tried_again_after_its_backoff_until_it_is_sent(
    channels: Channels, push: PushReceiver,
) -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=30, cap_seconds=600, jitter=lambda: 1.0)
    member = await new_member("ann@example.com")
    await register_device(member, "IOS", "apns-token")
    await member.__class__.filter(id=member.id).update(notify_email=False)
    push.failing = 2
    with clock.frozen_at(T0):
        [the_id] = await handle_event(uuid.uuid4(), events.POINTS_EARNED, member.id, EARNED, channels, policy)
    row = await Notification.get(id=the_id)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        PENDING, 1, T0 + timedelta(seconds=30), "HTTP 503: try later")
    with clock.frozen_at(T0 + timedelta(seconds=29)):
        assert await delivery.deliver_due(channels, policy) == 0
    with clock.frozen_at(T0 + timedelta(seconds=30)):
        assert await delivery.deliver_due(channels, policy) == 1
    row = await Notification.get(id=the_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (PENDING, 2, T0 + timedelta(seconds=90))
    with clock.frozen_at(T0 + timedelta(seconds=90)):
        assert await delivery.deliver_due(channels, policy) == 1
    row = await Notification.get(id=the_id)
    assert (row.status, row.attempts) == (SENT, 3)
    assert [r.headers["apns-id"] for r in push.received["apns"]] == [the_id] * 3


async def test_a_refusal_for_good_makes_a_notification_dead_at_once(channels: Channels, push: PushReceiver) -> None:
    policy = RetryPolicy(max_attempts=5)
    member = await new_member("ann@example.com")
    await register_device(member, "IOS", "apns-token")
    await member.__class__.filter(id=member.id).update(notify_email=False)
    push.refusing = True
    [the_id] = await handle_event(uuid.uuid4(), events.POINTS_EARNED, member.id, EARNED, channels, policy)
    row = await Notification.get(id=the_id)
    assert (row.status, row.attempts, row.last_error) == (DEAD, 1, "HTTP 400: BadTopic")
    assert len(push.received["apns"]) == 1


async def test_a_notification_held_by_a_worker_is_not_taken_by_another_until_its_lease_runs_out(
    channels: Channels,
) -> None:
    policy = RetryPolicy(lease_seconds=60)
    member = await new_member("ann@example.com")
    with clock.frozen_at(T0):
        [the_id] = await fanout.plan(uuid.uuid4(), events.POINTS_EARNED, member.id, EARNED, {"email"})
        assert await delivery.claim(the_id, policy) is True
        assert await delivery.claim(the_id, policy) is False
    with clock.frozen_at(T0 + timedelta(seconds=59)):
        assert await delivery.claim(the_id, policy) is False
    with clock.frozen_at(T0 + timedelta(seconds=60)):
        assert await delivery.claim(the_id, policy) is True


async def test_after_the_last_attempt_a_notification_is_dead_and_the_cli_lists_and_retries_it(
    channels: Channels, smtp: SmtpReceiver, workdir: Path, credentials: Credentials,
) -> None:
    policy = RetryPolicy(max_attempts=2, base_seconds=1, cap_seconds=1, jitter=lambda: 1.0)
    member = await new_member("ann@example.com")
    closed = Channels(public_url="https://wallet.example",
                      email=SmtpChannel(f"smtp://127.0.0.1:{free_port()}", "Loyalty <no-reply@loyalty.example>"))
    with clock.frozen_at(T0):
        [the_id] = await handle_event(uuid.uuid4(), events.POINTS_EARNED, member.id, EARNED, closed, policy)
    with clock.frozen_at(T0 + timedelta(seconds=1)):
        assert await delivery.deliver_due(closed, policy) == 1
    row = await Notification.get(id=the_id)
    assert (row.status, row.attempts) == (DEAD, 2)
    assert row.last_error.startswith("SMTP: ")

    settings = channel_settings(workdir, credentials, smtp_url=smtp.url, push=None)
    listed = run_loyalty(settings, "notifications", "--failed")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == "1 dead notification(s)"
    assert lines[0].startswith(f"{the_id}  2026-03-02T09:00:00+00:00  points.earned  email  member {member.id}  2 attempt(s)  SMTP: ")

    sending = settings.model_copy(update={"smtp_url": smtp.url, "mail_from": "Loyalty <no-reply@loyalty.example>"})
    retried = await run_cli(sending, "notifications", "--retry", the_id)
    assert (retried.returncode, retried.stdout) == (0, f"{the_id}: sent\n"), retried.stderr
    [message] = smtp.messages
    assert message["Message-ID"] == f"<{the_id}@loyalty.example>"
    assert (await Notification.get(id=the_id)).status == SENT

    again = await run_cli(sending, "notifications", "--retry", the_id)
    assert again.returncode == 1
    assert again.stderr.splitlines()[0] == f"error: no dead notification with id {the_id}"

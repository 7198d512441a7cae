from __future__ import annotations

import uuid

from loyalty import events
from loyalty.members.service import register_device, update_notification_settings
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.fanout import plan
from loyalty.notifications.models import Notification
from tests.support.notify import Browser, new_member
from tests.support.receivers import PushReceiver

EARNED = {"points": 10, "pending": False, "order": "A-1"}
AT_RISK = {"tier": "gold", "tier_name": "Gold", "remaining_to_keep": "EUR 50.00", "period_end": "2026-12-31", "metric": "spend"}


async def _channels_of(event: uuid.UUID) -> list[str]:
    return sorted(await Notification.filter(event_id=event).values_list("channel", flat=True))


async def _with_devices(email: str, push: PushReceiver, **member_args: object):  # noqa: ANN202
    member = await new_member(email, **member_args)
    await register_device(member, "IOS", f"apns-{email}")
    await register_device(member, "ANDROID", f"fcm-{email}")
    await register_device(member, "WEB", Browser.new(push.webpush_endpoint(email)).subscription())
    return member


async def test_a_member_gets_email_and_a_push_on_every_registered_device(channels: Channels, push: PushReceiver) -> None:
    member = await _with_devices("ann@example.com", push)
    event = uuid.uuid4()
    await plan(event, events.POINTS_EARNED, member.id, EARNED, channels.enabled())
    assert await _channels_of(event) == ["apns", "email", "fcm", "webpush"]


async def test_email_off_means_no_email_and_push_off_means_no_push(channels: Channels, push: PushReceiver) -> None:
    no_email = await _with_devices("a@example.com", push)
    await update_notification_settings(no_email, email=False)
    no_push = await _with_devices("b@example.com", push)
    await update_notification_settings(no_push, push=False)
    first, second = uuid.uuid4(), uuid.uuid4()
    await plan(first, events.POINTS_EARNED, no_email.id, EARNED, channels.enabled())
    await plan(second, events.POINTS_EARNED, no_push.id, EARNED, channels.enabled())
    assert await _channels_of(first) == ["apns", "fcm", "webpush"]
    assert await _channels_of(second) == ["email"]


async def test_marketing_goes_only_to_members_with_consent_and_marketing_on(channels: Channels, push: PushReceiver) -> None:
    without_consent = await new_member("a@example.com")
    consent_but_off = await new_member("b@example.com", marketing_consent=True)
    await update_notification_settings(consent_but_off, marketing=False)
    consent_and_on = await new_member("c@example.com", marketing_consent=True)
    planned = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    for event, member in zip(planned, (without_consent, consent_but_off, consent_and_on), strict=True):
        await plan(event, events.TIER_AT_RISK, member.id, AT_RISK, channels.enabled())
    assert [await _channels_of(event) for event in planned] == [[], [], ["email"]]


async def test_an_unconfigured_channel_makes_no_notifications(channels: Channels, push: PushReceiver) -> None:
    member = await _with_devices("ann@example.com", push)
    event = uuid.uuid4()
    await plan(event, events.POINTS_EARNED, member.id, EARNED, {"email", "fcm"})
    assert await _channels_of(event) == ["email", "fcm"]


async def test_an_event_without_a_member_or_with_an_unknown_topic_makes_none(channels: Channels) -> None:
    member = await new_member("ann@example.com")
    assert await plan(uuid.uuid4(), events.POINTS_EARNED, None, EARNED, channels.enabled()) == []
    assert await plan(uuid.uuid4(), "nothing.known", member.id, {}, channels.enabled()) == []
    assert await Notification.all().count() == 0

from __future__ import annotations

import uuid

import jwt
import pytest

from loyalty import events
from loyalty.members.models import Device
from loyalty.members.service import register_device
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.consumer import handle_event
from loyalty.notifications.delivery import RetryPolicy
from loyalty.notifications.fanout import notification_id
from loyalty.notifications.models import DROPPED, SENT, Notification
from tests.support.notify import Browser, Credentials, new_member
from tests.support.receivers import PushReceiver, SmtpReceiver, body_text

EARNED = {"points": 120, "pending": False, "order": "A-1"}


async def test_an_email_goes_over_smtp_with_the_notification_id_as_its_message_id(
    channels: Channels, policy: RetryPolicy, smtp: SmtpReceiver,
) -> None:
    member = await new_member("anna@example.com", "nl-NL", "Anna")
    event = uuid.uuid4()
    [sent_id] = await handle_event(event, events.POINTS_EARNED, member.id, EARNED, channels, policy)

    assert sent_id == notification_id(event, "email", f"member-{member.id}")
    [message] = smtp.messages
    assert message["Message-ID"] == f"<{sent_id}@loyalty.example>"
    assert message["From"] == "Loyalty <no-reply@loyalty.example>"
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == "Je hebt 120 punten verdiend"
    assert "Er zijn 120 punten aan je wallet toegevoegd." in body_text(message)
    assert '<a href="https://wallet.example/wallet">Open je wallet</a>' in body_text(message, "html")
    row = await Notification.get(id=sent_id)
    assert (row.status, row.attempts, row.last_error) == (SENT, 1, None)


async def test_handling_an_event_again_sends_nothing_again(
    channels: Channels, policy: RetryPolicy, smtp: SmtpReceiver,
) -> None:
    member = await new_member("anna@example.com")
    event = uuid.uuid4()
    first = await handle_event(event, events.POINTS_EARNED, member.id, EARNED, channels, policy)
    second = await handle_event(event, events.POINTS_EARNED, member.id, EARNED, channels, policy)
    assert first == second
    assert len(smtp.messages) == 1


async def test_fcm_gets_an_oauth_token_from_a_signed_assertion_and_the_message(
    channels: Channels, policy: RetryPolicy, push: PushReceiver, credentials: Credentials,
) -> None:
    member = await new_member("ann@example.com", "de-DE")
    device = await register_device(member, "ANDROID", "fcm-token-1")
    event = uuid.uuid4()
    await handle_event(event, events.POINTS_EARNED, member.id, EARNED, channels, policy)

    [token_request] = push.received["token"]
    form = dict(pair.split("=", 1) for pair in token_request.body.decode().split("&"))
    assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
    claims = jwt.decode(form["assertion"], credentials.fcm_public, algorithms=["RS256"], audience=f"{push.url}/token")
    assert claims["iss"] == "push@loyalty-test.iam.example"
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    [sent] = push.received["fcm"]
    assert sent.path == "/v1/projects/loyalty-test/messages:send"
    assert sent.http_version == "2"
    the_id = notification_id(event, "fcm", device.id)
    assert sent.json() == {"message": {
        "token": "fcm-token-1",
        "notification": {"title": "Du hast 120 Punkte gesammelt", "body": "120 Punkte wurden deinem Konto gutgeschrieben."},
        "data": {"topic": "points.earned", "link": "https://wallet.example/wallet", "notification_id": the_id},
        "android": {"collapse_key": the_id},
    }}


async def test_apns_gets_the_message_over_http2_with_the_notification_id_as_apns_id(
    channels: Channels, policy: RetryPolicy, push: PushReceiver, credentials: Credentials,
) -> None:
    member = await new_member("ann@example.com", "ro-RO")
    device = await register_device(member, "IOS", "apns-token-1")
    event = uuid.uuid4()
    await handle_event(event, events.POINTS_SPENT, member.id, {"points": 40, "order": "B-7"}, channels, policy)

    [sent] = push.received["apns"]
    the_id = notification_id(event, "apns", device.id)
    assert (sent.path, sent.http_version) == ("/3/device/apns-token-1", "2")
    assert sent.headers["apns-id"] == the_id
    assert sent.headers["apns-topic"] == "example.loyalty.app"
    assert sent.headers["apns-push-type"] == "alert"
    token = sent.headers["authorization"].removeprefix("bearer ")
    assert jwt.get_unverified_header(token)["kid"] == "TESTKEY123"
    assert jwt.decode(token, credentials.apns_public, algorithms=["ES256"])["iss"] == "TEAM123456"
    assert sent.json() == {
        "aps": {"alert": {"title": "Ai folosit 40 de puncte", "body": "40 de puncte au fost folosite pentru comanda B-7."},
                "sound": "default"},
        "topic": "points.spent", "link": "https://wallet.example/wallet", "notification_id": the_id,
    }


async def test_web_push_is_encrypted_for_the_subscription_and_signed_with_vapid(
    channels: Channels, policy: RetryPolicy, push: PushReceiver, credentials: Credentials,
) -> None:
    member = await new_member("ann@example.com", "en-GB")
    browser = Browser.new(push.webpush_endpoint("browser-1"))
    device = await register_device(member, "WEB", browser.subscription())
    event = uuid.uuid4()
    await handle_event(event, events.TIER_UPGRADED, member.id,
                       {"tier": "gold", "tier_name": "Gold", "previous": "silver", "previous_name": "Silver",
                        "valid_until": None}, channels, policy)

    [sent] = push.received["webpush"]
    the_id = notification_id(event, "webpush", device.id)
    assert sent.headers["content-encoding"] == "aes128gcm"
    assert sent.headers["topic"] == the_id.replace("-", "")
    assert browser.decrypt(sent.body) == {
        "title": "Welcome to Gold", "body": "You moved up from Silver to Gold.",
        "data": {"topic": "tier.upgraded", "link": "https://wallet.example/wallet/tier", "notification_id": the_id},
    }
    vapid = dict(part.strip().split("=", 1) for part in sent.headers["authorization"].removeprefix("vapid ").split(","))
    claims = jwt.decode(vapid["t"], credentials.vapid_public, algorithms=["ES256"], audience=push.url)
    assert claims["sub"] == "mailto:push@loyalty.example"
    assert vapid["k"] == channels.webpush.public_key


@pytest.mark.parametrize(("platform", "kind"), [("ANDROID", "fcm"), ("IOS", "apns"), ("WEB", "webpush")])
async def test_a_token_the_provider_no_longer_knows_is_removed(
    channels: Channels, policy: RetryPolicy, push: PushReceiver, platform: str, kind: str,
) -> None:
    member = await new_member("ann@example.com")
    token = "gone-token"
    if platform == "WEB":
        token = Browser.new(push.webpush_endpoint("gone-token")).subscription()
    device = await register_device(member, platform, token)
    push.gone.add("gone-token")
    await handle_event(uuid.uuid4(), events.POINTS_EARNED, member.id, EARNED, channels, policy)

    assert len(push.received[kind]) == 1
    assert await Device.filter(id=device.id).exists() is False
    [row] = await Notification.filter(channel=kind)
    assert row.status == DROPPED
    assert row.payload == EARNED

"""updateProfile, updateNotificationSettings (marketing needs consent) and registerDevice
(push tokens, Web Push subscriptions, a token moving to another member)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.members.models import Device
from tests.members import member_pk, member_state
from tests.support.gql import gql
from tests.support.shop import join

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
PROFILE = "id displayName birthday locale marketingConsent notificationSettings { email push marketing }"
ME = f"query {{ me {{ {PROFILE} }} }}"
UPDATE_PROFILE = f"""
mutation($input: UpdateProfileInput!) {{
  updateProfile(input: $input) {{ member {{ {PROFILE} }} errors {{ code field message }} }}
}}"""
UPDATE_NOTIFICATIONS = f"""
mutation($input: UpdateNotificationSettingsInput!) {{
  updateNotificationSettings(input: $input) {{ member {{ {PROFILE} }} errors {{ code field message }} }}
}}"""
REGISTER_DEVICE = """
mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { ok errors { code field message } } }
"""
WEB_PUSH = json.dumps({
    "endpoint": "https://push.example.com/send/abc123",
    "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
             "auth": "tBHItJI5svbpez7KI4CCXg"},
})


async def call(client, query: str, bearer: str, **fields: object) -> dict:
    data = (await gql(client, query, {"input": fields}, token=bearer))["data"]
    return next(iter(data.values()))


async def profile(client, token: str) -> dict:
    return (await gql(client, ME, token=token))["data"]["me"]


def codes(payload: dict) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_a_member_changes_their_profile(client):
    ann = await join(client)
    payload = await call(client, UPDATE_PROFILE, ann.token, displayName="  Ann   Smith ",
                         birthday="1990-05-17", locale="de-de", marketingConsent=True)
    expected = {"id": ann.id, "displayName": "Ann Smith", "birthday": "1990-05-17", "locale": "de-DE",
                "marketingConsent": True, "notificationSettings": {"email": True, "push": True, "marketing": False}}
    assert payload == {"member": expected, "errors": []}
    assert await profile(client, ann.token) == expected


async def test_fields_left_out_keep_their_values(client):
    ann = await join(client, birthday="1990-05-17", locale="nl-NL")
    before = await profile(client, ann.token)
    payload = await call(client, UPDATE_PROFILE, ann.token, displayName="Annie")
    assert payload["member"] == {**before, "displayName": "Annie"}
    assert await profile(client, ann.token) == {**before, "displayName": "Annie"}


async def test_an_empty_update_changes_nothing(client):
    ann = await join(client)
    before = await member_state(ann.id)
    assert (await call(client, UPDATE_PROFILE, ann.token))["errors"] == []
    assert await member_state(ann.id) == before


@pytest.mark.parametrize(("fields", "expected"), [
    ({"displayName": "  "}, [("REQUIRED", "displayName")]),
    ({"displayName": "x" * 101}, [("INVALID", "displayName")]),
    ({"birthday": "2999-01-01"}, [("INVALID", "birthday")]),
    ({"locale": "Deutsch"}, [("INVALID", "locale")]),
    # One bad field refuses the whole update, marketing consent included.
    ({"displayName": "Annie", "locale": "x", "marketingConsent": True}, [("INVALID", "locale")]),
    ({"displayName": "", "birthday": "1850-01-01", "locale": "x"},
     [("REQUIRED", "displayName"), ("INVALID", "birthday"), ("INVALID", "locale")]),
])
async def test_an_invalid_profile_update_changes_nothing(client, fields, expected):
    ann = await join(client)
    before_state, before = await member_state(ann.id), await profile(client, ann.token)
    payload = await call(client, UPDATE_PROFILE, ann.token, **fields)
    assert payload["member"] is None
    assert codes(payload) == [(code, ["input", field]) for code, field in expected]
    assert await profile(client, ann.token) == before
    assert await member_state(ann.id) == before_state


async def test_notification_settings_switch_one_channel_at_a_time(client):
    ann = await join(client)
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, push=False)
    assert payload["member"]["notificationSettings"] == {"email": True, "push": False, "marketing": False}
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, email=False, push=True)
    assert payload["member"]["notificationSettings"] == {"email": False, "push": True, "marketing": False}
    assert (await profile(client, ann.token))["notificationSettings"] == {"email": False, "push": True, "marketing": False}


async def test_marketing_without_consent_is_refused_and_changes_nothing(client):
    ann = await join(client)
    before_state, before = await member_state(ann.id), await profile(client, ann.token)
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, email=False, marketing=True)
    assert payload["member"] is None
    assert codes(payload) == [("INVALID", ["input", "marketing"])]
    assert payload["errors"][0]["message"] == (
        "Marketing messages need marketing consent: give it in your profile first."
    )
    assert await profile(client, ann.token) == before
    assert await member_state(ann.id) == before_state


async def test_marketing_is_allowed_after_consent_and_stops_when_consent_is_withdrawn(client):
    ann = await join(client)
    await call(client, UPDATE_PROFILE, ann.token, marketingConsent=True)
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, marketing=True)
    assert payload["member"]["notificationSettings"] == {"email": True, "push": True, "marketing": True}
    payload = await call(client, UPDATE_PROFILE, ann.token, marketingConsent=False)
    assert payload["member"]["marketingConsent"] is False
    assert payload["member"]["notificationSettings"] == {"email": True, "push": True, "marketing": False}
    assert await call(client, UPDATE_NOTIFICATIONS, ann.token, marketing=False) == {
        "member": payload["member"], "errors": [],
    }


async def test_consent_given_at_sign_up_allows_marketing(client):
    ann = await join(client, marketingConsent=True)
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, marketing=False)
    assert payload["member"]["notificationSettings"]["marketing"] is False
    payload = await call(client, UPDATE_NOTIFICATIONS, ann.token, marketing=True)
    assert (payload["errors"], payload["member"]["notificationSettings"]["marketing"]) == ([], True)


async def devices() -> list[tuple[int, str, str]]:
    rows = await Device.all().order_by("id").values_list("member_id", "platform", "token")
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(("platform", "token"), [
    ("IOS", "a" * 64), ("ANDROID", "fcm:APA91bH-token_1"), ("WEB", WEB_PUSH), ("IOS", "x" * 4096),
])
async def test_a_member_registers_a_push_target(client, platform, token):
    ann = await join(client)
    payload = await call(client, REGISTER_DEVICE, ann.token, platform=platform, token=f"  {token}\n")
    assert payload == {"ok": True, "errors": []}
    assert await devices() == [(member_pk(ann.id), platform, token)]


async def test_registering_a_token_again_keeps_one_device_and_marks_it_seen(client):
    with clock.frozen_at(T0):
        ann = await join(client)
        await call(client, REGISTER_DEVICE, ann.token, platform="IOS", token="token-1")
    with clock.frozen_at(T0 + timedelta(minutes=10)):
        assert (await call(client, REGISTER_DEVICE, ann.token, platform="IOS", token="token-1"))["ok"] is True
    device = await Device.get()
    assert (await Device.all().count(), device.registered_at, device.last_seen_at) == (1, T0, T0 + timedelta(minutes=10))


async def test_the_same_token_on_another_platform_is_another_device(client):
    ann = await join(client)
    await call(client, REGISTER_DEVICE, ann.token, platform="IOS", token="token-1")
    await call(client, REGISTER_DEVICE, ann.token, platform="ANDROID", token="token-1")
    pk = member_pk(ann.id)
    assert await devices() == [(pk, "IOS", "token-1"), (pk, "ANDROID", "token-1")]


async def test_a_token_registered_by_another_member_moves_to_them(client):
    ann, bob = await join(client, "ann@example.com"), await join(client, "bob@example.com")
    await call(client, REGISTER_DEVICE, ann.token, platform="ANDROID", token="shared-tablet")
    assert (await call(client, REGISTER_DEVICE, bob.token, platform="ANDROID", token="shared-tablet"))["ok"] is True
    assert await devices() == [(member_pk(bob.id), "ANDROID", "shared-tablet")]
    assert (await member_state(ann.id))["devices"] == []


def web(**changes: object) -> str:
    subscription = json.loads(WEB_PUSH)
    subscription.update(changes)
    return json.dumps(subscription)


@pytest.mark.parametrize(("platform", "token", "expected"), [
    ("IOS", "", ("REQUIRED", "token")),
    ("ANDROID", "   \n", ("REQUIRED", "token")),
    ("IOS", "x" * 4097, ("INVALID", "token")),
    ("WEB", "not json", ("INVALID", "token")),
    ("WEB", "[]", ("INVALID", "token")),
    ("WEB", '"https://push.example.com"', ("INVALID", "token")),
    ("WEB", web(endpoint="http://push.example.com/send/abc123"), ("INVALID", "token")),
    ("WEB", web(endpoint=None), ("INVALID", "token")),
    ("WEB", web(keys={"p256dh": "BNcR"}), ("INVALID", "token")),
    ("WEB", web(keys={"auth": "tBHI"}), ("INVALID", "token")),
    ("WEB", web(keys={"p256dh": 1, "auth": "tBHI"}), ("INVALID", "token")),
    ("WEB", web(keys="p256dh"), ("INVALID", "token")),
    ("WEB", json.dumps({"keys": {"p256dh": "BNcR", "auth": "tBHI"}}), ("INVALID", "token")),
])
async def test_an_invalid_push_target_is_refused_and_stores_nothing(client, platform, token, expected):
    ann = await join(client)
    before = await member_state(ann.id)
    payload = await call(client, REGISTER_DEVICE, ann.token, platform=platform, token=token)
    assert (payload["ok"], codes(payload)) == (False, [(expected[0], ["input", expected[1]])])
    assert await devices() == []
    assert await member_state(ann.id) == before


async def test_an_unknown_platform_is_refused_by_the_schema(client):
    ann = await join(client)
    body = await gql(client, REGISTER_DEVICE, {"input": {"platform": "WINDOWS", "token": "t"}},
                     token=ann.token, expect_errors=True)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$input' has invalid value at .platform: Value 'WINDOWS' does not exist in 'DevicePlatform' enum.",
    ]
    assert await devices() == []

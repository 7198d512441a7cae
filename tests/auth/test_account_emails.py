"""The account flows end to end, through the worker and the local SMTP server: verifying the
address (and what waits for it), resetting a forgotten password, changing the password and
the address; devices leaving with their session; and every failure changing nothing."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise

from api.notifier import start_notifier
from loyalty import clock
from loyalty.auth import email_tokens
from loyalty.members.models import Device, Member
from loyalty.notifications.models import PENDING, Notification
from loyalty.outbox import OutboxEvent
from tests.members import member_pk
from tests.support.gql import LOG_IN, PASSWORD, REFRESH, SIGN_UP, gql
from tests.support.notify import channel_settings, eventually, make_credentials
from tests.support.program import demo_text, use_program
from tests.support.receivers import SmtpReceiver, body_text, smtp_receiver

NEW_PASSWORD = "a brand new passphrase"
ACCOUNT = "ok errors { code field message }"
RESET_REQUEST = f"mutation($e: String!) {{ requestPasswordReset(input: {{email: $e}}) {{ {ACCOUNT} }} }}"
RESET = f"mutation($t: String!, $p: String!) {{ resetPassword(input: {{token: $t, newPassword: $p}}) {{ {ACCOUNT} }} }}"
CHANGE_PASSWORD = (f"mutation($o: String!, $n: String!) {{ changePassword(input: {{oldPassword: $o, newPassword: $n}}) "
                   f"{{ {ACCOUNT} }} }}")
CHANGE_EMAIL = (f"mutation($e: String!, $p: String!) {{ changeEmail(input: {{newEmail: $e, password: $p}}) "
                f"{{ {ACCOUNT} }} }}")
VERIFY = f"mutation($t: String!) {{ verifyEmail(input: {{token: $t}}) {{ {ACCOUNT} }} }}"
RESEND = f"mutation {{ resendVerificationEmail {{ {ACCOUNT} }} }}"
DEVICE = "mutation($t: String!) { registerDevice(input: {platform: ANDROID, token: $t}) { ok errors { code } } }"
UNREGISTER = f"mutation($t: String!) {{ unregisterDevice(input: {{token: $t}}) {{ {ACCOUNT} }} }}"
LOG_OUT = "mutation($t: String!) { logOut(input: {refreshToken: $t}) { ok errors { code } } }"
ME = "query { me { email emailVerified wallet { points } } }"
OK = {"ok": True, "errors": []}
INVALID_TOKEN = {"ok": False, "errors": [{"code": "INVALID_TOKEN", "field": ["input", "token"],
                                          "message": "This link is not valid any more: ask for a new one."}]}
LINK = re.compile(r"https://wallet\.example(/wallet/[a-z-]+)\?token=(et_[A-Za-z0-9_-]+)")


@pytest.fixture
async def mail(client: httpx.AsyncClient, workdir: Path) -> AsyncIterator[SmtpReceiver]:
    """The local SMTP server, and the in-process worker delivering to it from the outbox."""
    credentials = make_credentials(workdir / "account-credentials")
    with smtp_receiver() as smtp:
        notifier = await start_notifier(channel_settings(workdir, credentials, smtp_url=smtp.url, push=None,
                                                         REDIS_URL=None))
        try:
            yield smtp
        finally:
            await notifier.stop()


async def emails(smtp: SmtpReceiver, count: int) -> list[EmailMessage]:
    """Waits for `count` emails in all, then gives them in the order they came."""
    async def arrived() -> bool:
        return len(smtp.messages) >= count

    await eventually(arrived, timeout=30, what=f"{count} email(s)")
    assert len(smtp.messages) == count, [m["Subject"] for m in smtp.messages]
    return list(smtp.messages)


def link(message: EmailMessage) -> tuple[str, str]:
    """(the page, the token) of the email's link."""
    found = LINK.search(body_text(message))
    assert found is not None, body_text(message)
    return found.group(1), found.group(2)


async def sign_up(client: httpx.AsyncClient, email: str = "ann@example.com", **extra: object) -> dict:
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Ann", **extra}}
    payload = (await gql(client, SIGN_UP, variables))["data"]["signUp"]
    assert payload["errors"] == []
    return payload


async def call(client: httpx.AsyncClient, query: str, token: str | None = None, **variables: object) -> dict:
    body = await gql(client, query, variables, token=token)
    return next(iter(body["data"].values()))


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> dict:
    return await call(client, LOG_IN, input={"email": email, "password": password})


async def me(client: httpx.AsyncClient, token: str) -> dict:
    return (await gql(client, ME, token=token))["data"]["me"]


async def database() -> dict:
    """Every row of the tables an account operation writes, and the count of every table."""
    tables = [model._meta.db_table for model in Tortoise.apps["loyalty"].values()]
    connection = Tortoise.get_connection("default")
    state = {}
    for table in tables:
        rows = (await connection.execute_query_dict(f"SELECT * FROM {table}"))
        state[table] = sorted(map(repr, rows))
    return state


# -- verification

async def test_the_sign_up_email_verifies_the_address_once(client, mail):
    ann = await sign_up(client)
    assert await me(client, ann["accessToken"]) == {"email": "ann@example.com", "emailVerified": False,
                                                    "wallet": {"points": 100}}
    [message] = await emails(mail, 1)
    assert (message["To"], message["Subject"]) == ("ann@example.com", "Confirm your email address")
    assert "Confirm that ann@example.com is your email address. The link works once, for 48 hours." in body_text(message)
    page, token = link(message)
    assert page == "/wallet/verify-email"
    assert await call(client, VERIFY, t=token) == OK
    assert (await me(client, ann["accessToken"]))["emailVerified"] is True
    assert await call(client, VERIFY, t=token) == INVALID_TOKEN


async def test_no_points_email_before_verification_when_the_program_says_so(client, mail, runtime):
    await use_program(runtime, demo_text("program", welcome_after_verification="true"))
    ann = await sign_up(client)
    [verify] = await emails(mail, 1)
    assert await me(client, ann["accessToken"]) == {"email": "ann@example.com", "emailVerified": False,
                                                    "wallet": {"points": 0}}
    assert await OutboxEvent.filter(topic="points.earned").count() == 0
    assert await call(client, VERIFY, t=link(verify)[1]) == OK
    assert (await me(client, ann["accessToken"]))["wallet"] == {"points": 100}
    [_, welcome] = await emails(mail, 2)
    assert (welcome["To"], welcome["Subject"]) == ("ann@example.com", "You earned 100 points")


async def test_with_the_default_program_the_welcome_points_come_at_once_but_no_email_until_verified(client, mail):
    ann = await sign_up(client)
    assert (await me(client, ann["accessToken"]))["wallet"] == {"points": 100}
    [verify] = await emails(mail, 1)
    [earned] = await OutboxEvent.filter(topic="points.earned")

    async def handled() -> bool:
        return await OutboxEvent.filter(id=earned.id, published_at__isnull=False).exists()

    await eventually(handled, timeout=30, what="the welcome event handled")
    assert await Notification.filter(event_id=earned.id, channel="email").count() == 0
    assert verify["Subject"] == "Confirm your email address"


async def test_a_new_verification_link_replaces_the_old(client, mail):
    ann = await sign_up(client)
    [first] = await emails(mail, 1)
    assert await call(client, RESEND, ann["accessToken"]) == OK
    [_, second] = await emails(mail, 2)
    assert await call(client, VERIFY, t=link(first)[1]) == INVALID_TOKEN
    assert await call(client, VERIFY, t=link(second)[1]) == OK
    assert await call(client, RESEND, ann["accessToken"]) == {"ok": False, "errors": [
        {"code": "INVALID", "field": None, "message": "Your email address is verified already."}]}


# -- password reset

async def test_a_forgotten_password_is_reset_by_the_emailed_link_and_every_session_ends(client, mail):
    ann = await sign_up(client)
    other = await log_in(client, "ann@example.com", PASSWORD)
    await emails(mail, 1)
    assert await call(client, RESET_REQUEST, e=" ANN@example.com. ") == OK
    [_, message] = await emails(mail, 2)
    assert (message["To"], message["Subject"]) == ("ann@example.com", "Reset your password")
    assert "The link works once, for 30 minutes." in body_text(message)
    page, token = link(message)
    assert page == "/wallet/reset-password"
    assert await call(client, RESET, t=token, p=NEW_PASSWORD) == OK
    for session in (ann, other):
        refreshed = await call(client, REFRESH, input={"refreshToken": session["refreshToken"]})
        assert [e["code"] for e in refreshed["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert [e["code"] for e in (await log_in(client, "ann@example.com", PASSWORD))["errors"]] == ["INVALID_CREDENTIALS"]
    signed_in = await log_in(client, "ann@example.com", NEW_PASSWORD)
    assert signed_in["errors"] == []
    assert (await me(client, signed_in["accessToken"]))["emailVerified"] is True  # the link reached the address
    assert await call(client, RESET, t=token, p="yet another passphrase") == INVALID_TOKEN
    [_, _, notice] = await emails(mail, 3)
    assert (notice["To"], notice["Subject"]) == ("ann@example.com", "Your password was changed")


async def test_the_reset_answer_is_the_same_for_an_address_without_an_account(client, mail):
    await sign_up(client)
    await emails(mail, 1)
    before = await database()
    assert await call(client, RESET_REQUEST, e="nobody@example.com") == OK
    assert await database() == before
    assert await call(client, RESET_REQUEST, e="ann@example.com") == OK
    await emails(mail, 2)


async def test_a_reset_link_lasts_30_minutes(client, mail):
    await sign_up(client)
    start = clock.now()
    with clock.frozen_at(start):
        assert await call(client, RESET_REQUEST, e="ann@example.com") == OK
    [_, message] = await emails(mail, 2)
    token = link(message)[1]
    with clock.frozen_at(start + timedelta(minutes=30)):
        before = await database()
        assert await call(client, RESET, t=token, p=NEW_PASSWORD) == INVALID_TOKEN
        assert await database() == before
    with clock.frozen_at(start + timedelta(minutes=29)):
        assert await call(client, RESET, t=token, p=NEW_PASSWORD) == OK


async def test_reset_requests_are_limited_per_address_asked_for(client, mail):
    for _ in range(3):
        assert await call(client, RESET_REQUEST, e="nobody@example.com") == OK
    assert await call(client, RESET_REQUEST, e="nobody@example.com") == {"ok": False, "errors": [
        {"code": "RATE_LIMITED", "field": None, "message": "Too many password reset requests: try again later."}]}


# -- changing the password and the address

async def test_changing_the_password_needs_the_old_one_and_ends_the_other_sessions(client, mail):
    ann = await sign_up(client)
    other = await log_in(client, "ann@example.com", PASSWORD)
    assert await call(client, DEVICE, other["accessToken"], t="other-phone") == {"ok": True, "errors": []}
    await emails(mail, 1)
    assert await call(client, CHANGE_PASSWORD, ann["accessToken"], o=PASSWORD, n=NEW_PASSWORD) == OK
    refreshed = await call(client, REFRESH, input={"refreshToken": other["refreshToken"]})
    assert [e["code"] for e in refreshed["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert await Device.filter(token="other-phone").count() == 0  # the other session's device went with it
    kept = await call(client, REFRESH, input={"refreshToken": ann["refreshToken"]})
    assert kept["errors"] == []
    assert (await log_in(client, "ann@example.com", NEW_PASSWORD))["errors"] == []
    [_, notice] = await emails(mail, 2)
    assert (notice["To"], notice["Subject"]) == ("ann@example.com", "Your password was changed")
    assert "every other device was signed out" in body_text(notice)


async def test_a_new_address_takes_effect_once_verified_there(client, mail):
    ann = await sign_up(client)
    [verify_first] = await emails(mail, 1)
    assert await call(client, CHANGE_EMAIL, ann["accessToken"], e="Ann@Example.org", p=PASSWORD) == OK
    [_, message] = await emails(mail, 2)
    assert (message["To"], message["Subject"]) == ("Ann@Example.org", "Confirm your email address")
    assert (await me(client, ann["accessToken"]))["email"] == "ann@example.com"  # not yet
    assert (await log_in(client, "ann@example.com", PASSWORD))["errors"] == []
    assert await call(client, VERIFY, t=link(message)[1]) == OK
    assert await me(client, ann["accessToken"]) == {"email": "Ann@Example.org", "emailVerified": True,
                                                    "wallet": {"points": 100}}
    assert (await log_in(client, "ann@example.org", PASSWORD))["errors"] == []
    assert [e["code"] for e in (await log_in(client, "ann@example.com", PASSWORD))["errors"]] == ["INVALID_CREDENTIALS"]
    assert await call(client, VERIFY, t=link(verify_first)[1]) == INVALID_TOKEN  # for the old address
    assert (await sign_up(client, "ann@example.com"))["member"]["email"] == "ann@example.com"  # free again


async def _all_delivered() -> bool:
    return not (await OutboxEvent.filter(delivered_at=None).exists()
                or await Notification.filter(status=PENDING).exists())


async def test_a_new_address_taken_meanwhile_is_refused_when_verified(client, mail):
    ann = await sign_up(client)
    assert await call(client, CHANGE_EMAIL, ann["accessToken"], e="bea@example.com", p=PASSWORD) == OK
    messages = await emails(mail, 2)
    [change] = [m for m in messages if m["To"] == "bea@example.com"]
    await sign_up(client, "bea@example.com")
    await eventually(_all_delivered, what="the delivery of Bea's confirmation email")
    before = await database()
    assert (await call(client, VERIFY, t=link(change)[1]))["errors"][0]["code"] == "EMAIL_TAKEN"
    assert await database() == before


# -- devices

async def test_log_out_removes_the_devices_registered_under_that_session(client):
    ann = await sign_up(client)
    other = await log_in(client, "ann@example.com", PASSWORD)
    await call(client, DEVICE, ann["accessToken"], t="phone")
    await call(client, DEVICE, other["accessToken"], t="tablet")
    assert await call(client, LOG_OUT, t=ann["refreshToken"]) == {"ok": True, "errors": []}
    assert await Device.all().values_list("token", flat=True) == ["tablet"]


async def test_unregister_device_removes_only_the_members_own(client):
    ann = await sign_up(client)
    bea = await sign_up(client, "bea@example.com")
    await call(client, DEVICE, ann["accessToken"], t="phone")
    before = await database()
    assert await call(client, UNREGISTER, bea["accessToken"], t="phone") == {"ok": False, "errors": [
        {"code": "NOT_FOUND", "field": ["input", "token"], "message": "No device of yours has this push token."}]}
    assert await database() == before
    assert await call(client, UNREGISTER, ann["accessToken"], t=" phone ") == OK
    assert await Device.all().count() == 0


# -- every failure changes nothing

async def _failures(client: httpx.AsyncClient) -> list[tuple[str, dict, str | None, list[str]]]:
    ann = await sign_up(client)
    await sign_up(client, "bea@example.com")
    token = ann["accessToken"]
    pk = member_pk(ann["member"]["id"])
    expired = await email_tokens.issue(pk, email_tokens.RESET_PASSWORD, "ann@example.com", -1)
    verify = await email_tokens.issue(pk, email_tokens.VERIFY_EMAIL, "ann@example.com", 3600)
    return [
        (VERIFY, {"t": "et_unknown"}, None, ["INVALID_TOKEN"]),
        (VERIFY, {"t": "x" * 5000}, None, ["INVALID_TOKEN"]),
        (VERIFY, {"t": expired}, None, ["INVALID_TOKEN"]),  # a reset token does not verify
        (RESET, {"t": expired, "p": NEW_PASSWORD}, None, ["INVALID_TOKEN"]),
        (RESET, {"t": verify, "p": NEW_PASSWORD}, None, ["INVALID_TOKEN"]),  # nor a verification one reset
        (RESET, {"t": "et_unknown", "p": "short"}, None, ["INVALID"]),
        (CHANGE_PASSWORD, {"o": "wrong password", "n": NEW_PASSWORD}, token, ["INVALID_CREDENTIALS"]),
        (CHANGE_PASSWORD, {"o": PASSWORD, "n": "short"}, token, ["INVALID"]),
        (CHANGE_EMAIL, {"e": "new@example.com", "p": "wrong password"}, token, ["INVALID_CREDENTIALS"]),
        (CHANGE_EMAIL, {"e": "not an address", "p": PASSWORD}, token, ["INVALID"]),
        (CHANGE_EMAIL, {"e": "BEA+x@example.com.", "p": PASSWORD}, token, ["EMAIL_TAKEN"]),
        (CHANGE_EMAIL, {"e": "ann+other@example.com", "p": PASSWORD}, token, ["INVALID"]),
        (UNREGISTER, {"t": "no-such-device"}, token, ["NOT_FOUND"]),
        (UNREGISTER, {"t": " "}, token, ["REQUIRED"]),
    ]


async def test_every_failure_of_an_account_mutation_changes_nothing(client):
    for query, variables, token, codes in await _failures(client):
        before = await database()
        payload = await call(client, query, token, **variables)
        assert ([e["code"] for e in payload["errors"]], payload["ok"]) == (codes, False), (query, variables)
        assert await database() == before, (query, variables)
    assert await Member.filter(email="ann@example.com").count() == 1

"""Refresh tokens: opaque, stored as digests, rotated on every use; reuse ends the session family."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.auth.models import RefreshToken, SessionFamily
from tests.conftest import requires_postgres
from tests.support.gql import LOG_IN, ME, PASSWORD, REFRESH, gql, sign_up

LOG_OUT = """
mutation LogOut($input: LogOutInput!) { logOut(input: $input) { ok errors { code field message } } }
"""
INVALID = [{"code": "INVALID_REFRESH_TOKEN", "field": ["input", "refreshToken"],
            "message": "The refresh token is not valid: sign in again."}]
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def refresh(client, token: str) -> dict:
    return (await gql(client, REFRESH, {"input": {"refreshToken": token}}))["data"]["refreshSession"]


async def log_out(client, token: str) -> dict:
    return (await gql(client, LOG_OUT, {"input": {"refreshToken": token}}))["data"]["logOut"]


async def live_tokens() -> list[RefreshToken]:
    return await RefreshToken.filter(rotated_at=None, revoked_at=None)


@pytest.fixture
async def ann(client) -> dict:
    with clock.frozen_at(T0):
        return await sign_up(client, "ann@example.com")


async def test_signing_up_stores_only_the_digest_of_an_opaque_refresh_token(ann):
    token = ann["refreshToken"]
    row = await RefreshToken.get()
    assert token.startswith("rt_") and "." not in token
    assert row.token_hash == digest(token)
    assert token not in {str(v) for v in row.__dict__.values()}
    assert row.parent_id is None and row.rotated_at is None and row.revoked_at is None
    assert row.expires_at == T0 + timedelta(days=60)


async def test_refreshing_rotates_the_token_within_the_same_family(client, ann):
    with clock.frozen_at(T0 + timedelta(minutes=10)):
        new = await refresh(client, ann["refreshToken"])
        me = (await gql(client, ME, token=new["accessToken"]))["data"]["me"]
    old_row = await RefreshToken.get(token_hash=digest(ann["refreshToken"]))
    new_row = await RefreshToken.get(token_hash=digest(new["refreshToken"]))

    assert new["errors"] == []
    assert new["refreshToken"] != ann["refreshToken"]
    assert me["email"] == "ann@example.com"
    assert old_row.rotated_at == T0 + timedelta(minutes=10)
    assert new_row.parent_id == old_row.id
    assert new_row.family_id == old_row.family_id
    assert [t.id for t in await live_tokens()] == [new_row.id]


async def test_the_rotated_token_stops_working_after_the_grace_period(client, settings, ann):
    with clock.frozen_at(T0):
        await refresh(client, ann["refreshToken"])
    with clock.frozen_at(T0 + timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)):
        again = await refresh(client, ann["refreshToken"])
    assert again == {"accessToken": None, "refreshToken": None, "errors": INVALID}


async def test_reusing_a_rotated_token_after_the_grace_period_revokes_the_whole_family(client, settings, ann):
    with clock.frozen_at(T0):
        successor = await refresh(client, ann["refreshToken"])
    later = T0 + timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)
    with clock.frozen_at(later):
        await refresh(client, ann["refreshToken"])
        after_theft = await refresh(client, successor["refreshToken"])

    family = await SessionFamily.get()
    assert after_theft["errors"] == INVALID
    assert (family.revoked_at, family.revoked_reason) == (later, "reuse")
    assert [t.revoked_at for t in await RefreshToken.all().order_by("id")] == [later, later]
    assert await live_tokens() == []


async def test_a_retry_at_the_end_of_the_grace_period_is_still_a_retry(client, settings, ann):
    with clock.frozen_at(T0):
        await refresh(client, ann["refreshToken"])
    with clock.frozen_at(T0 + timedelta(seconds=settings.refresh_reuse_grace_seconds)):
        retry = await refresh(client, ann["refreshToken"])
    assert retry["errors"] == []
    assert (await SessionFamily.get()).revoked_at is None


async def test_a_retry_within_the_grace_period_gets_a_new_token_and_retires_the_previous_successor(
    client, settings, ann
):
    with clock.frozen_at(T0):
        first = await refresh(client, ann["refreshToken"])
    with clock.frozen_at(T0 + timedelta(seconds=settings.refresh_reuse_grace_seconds - 1)):
        retry = await refresh(client, ann["refreshToken"])
        lost = await refresh(client, first["refreshToken"])
        kept = await refresh(client, retry["refreshToken"])

    assert retry["errors"] == [] and retry["refreshToken"] not in {first["refreshToken"], ann["refreshToken"]}
    assert lost["errors"] == INVALID
    assert kept["errors"] == []
    assert (await SessionFamily.get()).revoked_at is None
    assert [t.token_hash for t in await live_tokens()] == [digest(kept["refreshToken"])]


async def test_a_retry_after_the_successor_was_used_revokes_the_family(client, ann):
    with clock.frozen_at(T0):
        first = await refresh(client, ann["refreshToken"])
        second = await refresh(client, first["refreshToken"])
        replay = await refresh(client, ann["refreshToken"])
        after = await refresh(client, second["refreshToken"])
    assert replay["errors"] == INVALID
    assert after["errors"] == INVALID
    assert (await SessionFamily.get()).revoked_reason == "reuse"


async def test_an_expired_refresh_token_is_refused(client, settings, ann):
    with clock.frozen_at(T0 + timedelta(seconds=settings.refresh_token_ttl_seconds)):
        expired = await refresh(client, ann["refreshToken"])
    assert expired["errors"] == INVALID
    assert (await SessionFamily.get()).revoked_at is None


@pytest.mark.parametrize("token", ["rt_unknown", "not-a-refresh-token", "rt_" + "a" * 300, ""])
async def test_an_unknown_or_malformed_refresh_token_is_refused(client, ann, token):
    assert await refresh(client, token) == {"accessToken": None, "refreshToken": None, "errors": INVALID}
    assert await log_out(client, token) == {"ok": False, "errors": INVALID}


async def test_logging_out_revokes_the_family_and_the_refresh_token_stops_working(client, ann):
    with clock.frozen_at(T0):
        first = await refresh(client, ann["refreshToken"])
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        out = await log_out(client, first["refreshToken"])
        after = await refresh(client, first["refreshToken"])

    family = await SessionFamily.get()
    assert out == {"ok": True, "errors": []}
    assert after["errors"] == INVALID
    assert (family.revoked_at, family.revoked_reason) == (T0 + timedelta(minutes=5), "logout")
    assert await live_tokens() == []


async def test_logging_out_ends_one_session_and_leaves_the_others(client, ann):
    login = (await gql(client, LOG_IN, {"input": {"email": "ann@example.com", "password": PASSWORD}}))
    phone = login["data"]["logIn"]["refreshToken"]
    assert (await log_out(client, ann["refreshToken"]))["ok"] is True

    assert (await refresh(client, phone))["errors"] == []
    assert await SessionFamily.filter(revoked_at=None).count() == 1


async def test_two_refreshes_of_one_token_in_sequence_leave_one_live_token_in_one_family(client, ann):
    with clock.frozen_at(T0):
        results = [await refresh(client, ann["refreshToken"]) for _ in range(2)]
    await assert_one_live_token_in_one_family(results)


@requires_postgres
async def test_concurrent_refreshes_of_one_token_leave_one_live_token_in_one_family(client, ann):
    with clock.frozen_at(T0):
        results = await asyncio.gather(*(refresh(client, ann["refreshToken"]) for _ in range(4)))
    await assert_one_live_token_in_one_family(results)


async def assert_one_live_token_in_one_family(results: list[dict]) -> None:
    assert [r["errors"] for r in results] == [[]] * len(results)
    family_ids = {t.family_id for t in await RefreshToken.all()}
    live = await live_tokens()
    assert await SessionFamily.filter(revoked_at=None).count() == 1
    assert len(family_ids) == 1
    assert len(live) == 1
    assert live[0].token_hash in {digest(r["refreshToken"]) for r in results}
    assert await RefreshToken.all().count() == 1 + len(results)


def refresh_body(client, token: str):
    return gql(client, REFRESH, {"input": {"refreshToken": token}}, expect_errors=True)


def log_out_body(client, token: str):
    return gql(client, LOG_OUT, {"input": {"refreshToken": token}}, expect_errors=True)


# Every path locks the session family before its tokens, so racing requests never deadlock
# (PostgreSQL would abort one of them after deadlock_timeout). Races are repeated to be hit:
# with tokens locked before their family, 25 rounds of log-outs deadlocked in every run.
ROUNDS = 25


@requires_postgres
async def test_a_refresh_racing_two_log_outs_of_one_session_fails_no_request(client):
    for n in range(ROUNDS):
        with clock.frozen_at(T0):
            token = (await sign_up(client, f"racer{n}@example.com"))["refreshToken"]
            bodies = await asyncio.gather(
                refresh_body(client, token), log_out_body(client, token), log_out_body(client, token)
            )
        assert [b.get("errors") for b in bodies] == [None, None, None]
        assert [b["data"]["logOut"] for b in bodies[1:]] == [{"ok": True, "errors": []}] * 2
        family = await SessionFamily.get(member__email_normalized=f"racer{n}@example.com")
        assert family.revoked_reason == "logout"
    assert await live_tokens() == []


@requires_postgres
async def test_a_refresh_racing_the_reuse_of_its_stolen_parent_still_revokes_the_family(client, settings):
    later = T0 + timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)
    for n in range(10):
        with clock.frozen_at(T0):
            stolen = (await sign_up(client, f"racer{n}@example.com"))["refreshToken"]
            successor = (await refresh(client, stolen))["refreshToken"]
        with clock.frozen_at(later):
            legit, thief = await asyncio.gather(refresh_body(client, successor), refresh_body(client, stolen))
        assert [legit.get("errors"), thief.get("errors")] == [None, None]
        assert thief["data"]["refreshSession"]["errors"] == INVALID
        family = await SessionFamily.get(member__email_normalized=f"racer{n}@example.com")
        assert family.revoked_reason == "reuse"
    assert await live_tokens() == []

"""signUp against abuse: rate limits per client address and device id, one account per
mailbox (a trailing dot, case, `+tags` and Gmail dots aside), EMAIL_TAKEN as slow as a new
address, and idempotent retries."""
from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from loyalty.members import validation
from loyalty.members.models import Member, SignupRequest
from tests.conftest import requires_postgres
from tests.members import row_counts
from tests.support.addresses import AppAt, apps_at_addresses
from tests.support.gql import LOG_IN, PASSWORD, SIGN_UP, gql

HOME, CAFE = "198.51.100.1", "198.51.100.2"
TAKEN = [{"code": "EMAIL_TAKEN", "field": ["input", "email"], "message": "An account with this email address exists already."}]
LIMITED = [{"code": "RATE_LIMITED", "field": None, "message": "Too many sign-ups from here: try again later."}]
DEFAULT_LIMITS = {"SIGNUP_ATTEMPTS_PER_ADDRESS": 10, "SIGNUP_ATTEMPTS_PER_DEVICE": 5}


@pytest.fixture
async def app(clean_db, workdir) -> AsyncIterator[AppAt]:
    """app(**settings) -> at(address): a client of that app calling from that address."""
    async with apps_at_addresses(workdir) as open_app:
        yield open_app


async def sign_up(client: httpx.AsyncClient, email: str, **extra: object) -> dict:
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Ann", **extra}}
    return (await gql(client, SIGN_UP, variables))["data"]["signUp"]


@pytest.mark.parametrize(("written", "mailbox"), [
    ("x@example.com.", "x@example.com"), ("X@Example.COM", "x@example.com"), (" x+shop@example.com ", "x@example.com"),
    ("Ann.Smith+a@GoogleMail.com.", "annsmith@gmail.com"), ("a.b@example.com", "a.b@example.com"),
    ("+tag@example.com", "+tag@example.com"),
])
def test_the_canonical_mailbox(written, mailbox):
    assert validation.canonical_email(written) == mailbox


async def test_a_trailing_dot_address_is_the_same_account(app):
    at = await app()
    first = await sign_up(at(HOME), "x@example.com")
    before = await row_counts()
    for other in ("x@example.com.", "X@EXAMPLE.COM.", "x+again@example.com"):
        assert (await sign_up(at(HOME), other))["errors"] == TAKEN
    assert await row_counts() == before
    body = await gql(at(HOME), LOG_IN, {"input": {"email": "x@example.com.", "password": PASSWORD}})
    assert body["data"]["logIn"]["member"] == {"id": first["member"]["id"], "email": "x@example.com"}


async def test_gmail_addresses_differing_in_dots_are_one_account(app):
    at = await app()
    await sign_up(at(HOME), "ann.smith@gmail.com")
    assert (await sign_up(at(HOME), "annsmith@googlemail.com"))["errors"] == TAKEN


async def test_sign_ups_are_limited_per_client_address(app):
    at = await app(**DEFAULT_LIMITS)
    for n in range(10):
        assert (await sign_up(at(HOME), f"m{n}@example.com"))["errors"] == []
    before = await row_counts()
    assert (await sign_up(at(HOME), "m10@example.com"))["errors"] == LIMITED
    assert await row_counts() == before
    assert (await sign_up(at(CAFE), "m10@example.com"))["errors"] == []


async def test_sign_ups_are_limited_per_device_id(app):
    at = await app(**DEFAULT_LIMITS)
    for n in range(5):
        assert (await sign_up(at(f"192.0.2.{n}"), f"m{n}@example.com", deviceId="phone-1"))["errors"] == []
    before = await row_counts()
    assert (await sign_up(at("192.0.2.99"), "m5@example.com", deviceId="phone-1"))["errors"] == LIMITED
    assert await row_counts() == before
    assert (await sign_up(at("192.0.2.99"), "m5@example.com", deviceId="phone-2"))["errors"] == []


async def test_failed_sign_ups_count_too(app):
    at = await app(**DEFAULT_LIMITS)
    await sign_up(at(CAFE), "ann@example.com")
    for _ in range(10):
        assert (await sign_up(at(HOME), "ann@example.com"))["errors"] == TAKEN
    assert (await sign_up(at(HOME), "ann@example.com"))["errors"] == LIMITED


async def test_email_taken_takes_as_long_as_a_new_address_with_the_real_argon2_cost(app):
    """The production cost (64 MiB, 3 passes): medians of 5 tries each, interleaved."""
    at = await app(PASSWORD_HASH_MEMORY_KIB=65536, PASSWORD_HASH_TIME_COST=3)
    client = at(HOME)
    await sign_up(client, "taken@example.com")
    taken, new = [], []
    for n in range(5):
        started = time.perf_counter()
        assert (await sign_up(client, "taken@example.com"))["errors"] == TAKEN
        taken.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert (await sign_up(client, f"new{n}@example.com"))["errors"] == []
        new.append(time.perf_counter() - started)
    slow, fast = sorted((statistics.median(taken), statistics.median(new)), reverse=True)
    print(f"median taken {statistics.median(taken) * 1000:.0f} ms, new {statistics.median(new) * 1000:.0f} ms, "
          f"ratio {slow / fast:.2f}")
    assert slow / fast <= 1.5


# -- idempotency

async def test_a_retry_with_the_same_key_and_form_answers_with_the_same_member(app):
    at = await app()
    first = await sign_up(at(HOME), "ann@example.com", idempotencyKey="join-1")
    before = await row_counts()
    again = await sign_up(at(CAFE), "ann@example.com", idempotencyKey="join-1")
    assert again["errors"] == []
    assert again["member"] == first["member"]
    assert again["refreshToken"] != first["refreshToken"]  # a session of its own
    counts = await row_counts()
    assert counts["members"] == before["members"] == 1
    assert {table: n for table, n in counts.items() if n != before[table]} == {"auth_sessions": 2, "auth_refresh_tokens": 2}
    assert await SignupRequest.all().count() == 1


@pytest.mark.parametrize("change", [{"displayName": "Anna"}, {"password": "another password"},
                                    {"email": "ann2@example.com"}, {"marketingConsent": True}])
async def test_the_same_key_with_another_form_is_a_conflict_and_changes_nothing(app, change):
    at = await app()
    await sign_up(at(HOME), "ann@example.com", idempotencyKey="join-1")
    before = await row_counts()
    variables = {"input": {"email": "ann@example.com", "password": PASSWORD, "displayName": "Ann",
                           "idempotencyKey": "join-1", **change}}
    payload = (await gql(at(HOME), SIGN_UP, variables))["data"]["signUp"]
    assert (payload["member"], payload["errors"]) == (None, [{
        "code": "IDEMPOTENCY_CONFLICT", "field": ["input", "idempotencyKey"],
        "message": "This sign-up was already made with other details."}])
    assert await row_counts() == before


async def test_a_blank_or_overlong_key_is_refused(app):
    at = await app()
    assert (await sign_up(at(HOME), "ann@example.com", idempotencyKey=" "))["errors"] == [
        {"code": "REQUIRED", "field": ["input", "idempotencyKey"], "message": "An id is required."}]
    assert [e["code"] for e in (await sign_up(at(HOME), "ann@example.com", idempotencyKey="k" * 201))["errors"]] == [
        "INVALID"]
    assert await Member.all().count() == 0


async def test_without_a_key_a_retry_is_email_taken(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    assert (await sign_up(at(HOME), "ann@example.com"))["errors"] == TAKEN


@requires_postgres
async def test_parallel_retries_under_one_key_make_one_member(app):
    at = await app()
    results = await asyncio.gather(*(sign_up(at(HOME), "ann@example.com", idempotencyKey="join-1") for _ in range(4)))
    assert [r["errors"] for r in results] == [[]] * 4
    assert len({r["member"]["id"] for r in results}) == 1
    assert await Member.all().count() == 1

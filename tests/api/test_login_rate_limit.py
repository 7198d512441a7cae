"""logIn is rate limited per (email, client address): a pair's first failures are free, then
each attempt waits twice as long as the one before, and an attempt made sooner is RATE_LIMITED
without its password being checked. From an address the member has not signed in from,
failures per email and per address are capped per window too; an address the member signed
in from (or joined from) is exempt, so someone else's failures never refuse the owner there.
With Redis configured the counts live there, shared by every process; with Redis unreachable
they fall back to the process and sign-in goes on."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest

from loyalty import ratelimit
from loyalty.auth.models import SessionFamily
from loyalty.settings import Settings
from tests.conftest import REDIS, requires_redis
from tests.support.addresses import AppAt, apps_at_addresses
from tests.support.gql import LOG_IN, PASSWORD, sign_up
from tests.support.receivers import free_port

LIMITS = {"LOGIN_FREE_ATTEMPTS": 3, "LOGIN_DELAY_SECONDS": 1, "LOGIN_MAX_DELAY_SECONDS": 8,
          "LOGIN_ATTEMPTS_PER_EMAIL": 10, "LOGIN_ATTEMPTS_PER_ADDRESS": 15, "LOGIN_WINDOW_SECONDS": 900}
# The delays are timed by the process's clock here (Redis keeps its own time).
IN_PROCESS = {"REDIS_URL": None}
HOME, OFFICE, ATTACKER = "198.51.100.1", "198.51.100.2", "203.0.113.66"
RATE_LIMITED = {"signed_in": False, "errors": [
    {"code": "RATE_LIMITED", "field": None, "message": "Too many failed attempts: wait a few minutes and try again."}]}
INVALID = {"signed_in": False, "errors": [
    {"code": "INVALID_CREDENTIALS", "field": None, "message": "The email address or password is not right."}]}
SIGNED_IN = {"signed_in": True, "errors": []}


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch) -> SimpleNamespace:
    """The limiter's clock, at the start of a 900-second window: no test straddles two."""
    fake = SimpleNamespace(now=1_800_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: fake.now))
    return fake


@pytest.fixture
async def app(clean_db, workdir) -> AsyncIterator[AppAt]:
    """app(**settings) -> at(address): a client of that app calling from that address."""
    async with apps_at_addresses(workdir, **LIMITS) as open_app:
        yield open_app


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, **headers: str) -> dict:
    variables = {"input": {"email": email, "password": password}}
    response = await client.post("/graphql", json={"query": LOG_IN, "variables": variables}, headers=headers)
    payload = response.json()["data"]["logIn"]
    return {"signed_in": payload["accessToken"] is not None, "errors": payload["errors"]}


async def fail(client: httpx.AsyncClient, email: str, times: int, **headers: str) -> None:
    for _ in range(times):
        assert await log_in(client, email, "wrong password", **headers) == INVALID


async def test_after_the_free_failures_each_attempt_waits_twice_as_long(app, fixed_time):
    at = await app(**IN_PROCESS, LOGIN_ATTEMPTS_PER_EMAIL=100, LOGIN_ATTEMPTS_PER_ADDRESS=100)
    await sign_up(at(HOME), "ann@example.com")
    attacker = at(ATTACKER)
    await fail(attacker, "ann@example.com", 4)  # 3 free; the 4th makes the next wait 1 s
    sessions = await SessionFamily.all().count()
    assert await log_in(attacker, "ann@example.com") == RATE_LIMITED  # the right password, unchecked
    fixed_time.now += 0.9
    assert await log_in(attacker, "ann@example.com", "wrong password") == RATE_LIMITED
    fixed_time.now += 0.1
    await fail(attacker, "ann@example.com", 1)  # the 5th: the next waits 2 s
    fixed_time.now += 1.9
    assert await log_in(attacker, "ann@example.com", "wrong password") == RATE_LIMITED
    fixed_time.now += 0.1
    await fail(attacker, "ann@example.com", 1)  # the 6th: 4 s
    fixed_time.now += 3.9
    assert await log_in(attacker, "ann@example.com") == RATE_LIMITED
    fixed_time.now += 0.1
    assert await log_in(attacker, "ann@example.com") == SIGNED_IN
    assert await SessionFamily.all().count() == sessions + 1


async def test_the_delay_is_capped(app, fixed_time):
    at = await app(**IN_PROCESS, LOGIN_ATTEMPTS_PER_EMAIL=100, LOGIN_ATTEMPTS_PER_ADDRESS=100)
    attacker = at(ATTACKER)
    await fail(attacker, "ann@example.com", 4)
    for _ in range(6):  # waits of 1, 2, 4, 8, then 8 (the cap) and 8
        fixed_time.now += 8
        await fail(attacker, "ann@example.com", 1)
    fixed_time.now += 7.9
    assert await log_in(attacker, "ann@example.com", "wrong password") == RATE_LIMITED
    fixed_time.now += 0.1
    await fail(attacker, "ann@example.com", 1)


async def test_the_owner_signs_in_at_home_while_an_attacker_fails_1000_times_elsewhere(app):
    defaults = {name.upper(): Settings.model_fields[name].default for name in (
        "login_free_attempts", "login_delay_seconds", "login_max_delay_seconds", "login_attempts_per_email",
        "login_attempts_per_address", "login_window_seconds")}
    at = await app(**defaults, **IN_PROCESS)
    await sign_up(at(HOME), "ann@example.com")
    outcomes = {"invalid": 0, "limited": 0}
    for n in range(1000):  # from 10 addresses, 100 attempts each
        result = await log_in(at(f"203.0.113.{n // 100 + 10}"), "ann@example.com", f"guess {n}")
        outcomes["invalid" if result == INVALID else "limited" if result == RATE_LIMITED else "other"] += 1
    # 5 free failures and one more; then the pair waits, and the email's cap for unknown
    # addresses (20 attempts) closes it for the 9 other addresses.
    assert outcomes == {"invalid": 6, "limited": 994}
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN
    assert await log_in(at(HOME), " ANN@Example.com ") == SIGNED_IN
    # An address Ann never signed in from meets the email's cap until the window ends.
    assert await log_in(at(OFFICE), "ann@example.com") == RATE_LIMITED


async def test_failures_at_one_address_never_refuse_the_owner_at_another_they_signed_in_from(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    assert await log_in(at(OFFICE), "ann@example.com") == SIGNED_IN  # OFFICE is known from now on
    await fail(at(ATTACKER), "ann@example.com", 4)
    for n in range(20):
        await log_in(at(f"192.0.2.{n}"), "ann@example.com", "wrong password")
    assert await log_in(at(ATTACKER), "ann@example.com") == RATE_LIMITED
    assert await log_in(at("192.0.2.99"), "ann@example.com") == RATE_LIMITED
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN
    assert await log_in(at(OFFICE), "ann@example.com") == SIGNED_IN


async def test_a_successful_sign_in_forgets_the_pairs_failures(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    await fail(at(HOME), "ann@example.com", 3)
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN
    await fail(at(HOME), "ann@example.com", 4)
    assert await log_in(at(HOME), "ann@example.com") == RATE_LIMITED


async def test_one_address_guessing_many_emails_meets_the_address_cap(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    for n in range(15):
        await fail(at(ATTACKER), f"guess{n}@example.com", 1)
    assert await log_in(at(ATTACKER), "ann@example.com") == RATE_LIMITED
    assert await log_in(at(ATTACKER), "bob@example.com", "wrong password") == RATE_LIMITED
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN


async def test_unknown_emails_are_limited_like_known_ones(app):
    at = await app()
    await fail(at(ATTACKER), "nobody@example.com", 4)
    assert await log_in(at(ATTACKER), "nobody@example.com") == RATE_LIMITED


async def test_the_email_cap_lifts_when_the_window_ends(app, fixed_time):
    at = await app(**IN_PROCESS)
    await sign_up(at(HOME), "ann@example.com")
    for n in range(10):
        await fail(at(f"192.0.2.{n}"), "ann@example.com", 1)
    assert await log_in(at(OFFICE), "ann@example.com") == RATE_LIMITED
    fixed_time.now += 899
    assert await log_in(at(OFFICE), "ann@example.com") == RATE_LIMITED
    fixed_time.now += 1
    assert await log_in(at(OFFICE), "ann@example.com") == SIGNED_IN


def test_the_defaults():
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert (defaults["login_free_attempts"], defaults["login_delay_seconds"], defaults["login_max_delay_seconds"]) == (
        5, 1.0, 900.0)
    assert (defaults["login_attempts_per_email"], defaults["login_attempts_per_address"]) == (20, 50)
    assert (defaults["login_window_seconds"], defaults["login_known_address_days"]) == (900, 90)


async def test_x_forwarded_for_is_ignored_without_trusted_proxies(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    for n in range(4):
        await fail(at(ATTACKER), "ann@example.com", 1, **{"X-Forwarded-For": f"192.0.2.{n}"})
    assert await log_in(at(ATTACKER), "ann@example.com", **{"X-Forwarded-For": "192.0.2.99"}) == RATE_LIMITED


async def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(app):
    proxy = (await app(TRUSTED_PROXY_HOPS=1))(HOME)
    await sign_up(proxy, "ann@example.com")
    for _ in range(4):  # a spoofed first hop does not help: the proxy appends the real one
        await fail(proxy, "ann@example.com", 1, **{"X-Forwarded-For": "10.0.0.1, 192.0.2.7"})
    assert await log_in(proxy, "ann@example.com", **{"X-Forwarded-For": "192.0.2.7"}) == RATE_LIMITED
    assert await log_in(proxy, "ann@example.com", **{"X-Forwarded-For": "192.0.2.8"}) == SIGNED_IN


async def test_parallel_attempts_cannot_get_past_the_delay(app):
    at = await app(LOGIN_ATTEMPTS_PER_EMAIL=100, LOGIN_ATTEMPTS_PER_ADDRESS=100)
    await sign_up(at(HOME), "ann@example.com")
    results = await asyncio.gather(*(log_in(at(ATTACKER), "ann@example.com", "wrong password") for _ in range(20)))
    assert (results.count(INVALID), results.count(RATE_LIMITED)) == (4, 16)


@requires_redis
async def test_with_redis_every_process_sees_the_same_counts(app):
    first, second = await app(), await app()
    await sign_up(first(HOME), "ann@example.com")
    await fail(first(ATTACKER), "ann@example.com", 4)
    assert await log_in(second(ATTACKER), "ann@example.com") == RATE_LIMITED


@pytest.mark.skipif(REDIS, reason="without Redis only")
async def test_without_redis_each_process_counts_on_its_own(app):
    first, second = await app(), await app()
    await sign_up(first(HOME), "ann@example.com")
    await fail(first(ATTACKER), "ann@example.com", 4)
    assert await log_in(second(ATTACKER), "ann@example.com") == SIGNED_IN


async def test_with_redis_unreachable_sign_in_falls_back_to_the_process(app, caplog):
    """Nothing listens on the port: every Redis call is refused, and the limits are kept here."""
    at = await app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    await sign_up(at(HOME), "ann@example.com")
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN
    await fail(at(ATTACKER), "ann@example.com", 4)
    assert await log_in(at(ATTACKER), "ann@example.com") == RATE_LIMITED
    assert await log_in(at(HOME), "ann@example.com") == SIGNED_IN
    assert "Redis is unreachable for rate limits" in caplog.text

"""logIn is rate limited per email and per client address: failed attempts count, and past
either limit every attempt is RATE_LIMITED, a correct password included, until the window
ends. With Redis configured the counts live there, shared by every process."""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import httpx
import pytest

from api.app import create_app
from loyalty import ratelimit
from loyalty.auth.models import SessionFamily
from loyalty.runtime import Runtime, build_runtime
from loyalty.settings import Settings
from tests.conftest import make_settings
from tests.support.gql import LOG_IN, PASSWORD, sign_up

LIMITS = {"LOGIN_ATTEMPTS_PER_EMAIL": 3, "LOGIN_ATTEMPTS_PER_ADDRESS": 5, "LOGIN_WINDOW_SECONDS": 900}
HOME, OFFICE = "198.51.100.1", "198.51.100.2"
RATE_LIMITED = [{"code": "RATE_LIMITED", "field": None,
                 "message": "Too many failed attempts: wait a few minutes and try again."}]
INVALID = [{"code": "INVALID_CREDENTIALS", "field": None, "message": "The email address or password is not right."}]


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch) -> SimpleNamespace:
    """The limiter's clock, at the start of a 900-second window: no test straddles two."""
    fake = SimpleNamespace(now=1_800_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: fake.now))
    return fake


@pytest.fixture
async def app(clean_db, workdir) -> AsyncIterator[Callable[..., object]]:
    """app(**settings) -> at(address): a client of that app calling from that address."""
    runtimes: list[Runtime] = []
    clients: list[httpx.AsyncClient] = []

    async def open_app(**overrides: object) -> Callable[[str], httpx.AsyncClient]:
        runtime = await build_runtime(make_settings(workdir, **{**LIMITS, **overrides}))
        runtimes.append(runtime)
        asgi = create_app(runtime=runtime)

        def at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=asgi, client=(address, 40000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
            return clients[-1]

        return at

    yield open_app
    for client in clients:
        await client.aclose()
    for runtime in runtimes:
        await runtime.close()


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, **headers: str) -> dict:
    variables = {"input": {"email": email, "password": password}}
    response = await client.post("/graphql", json={"query": LOG_IN, "variables": variables}, headers=headers)
    payload = response.json()["data"]["logIn"]
    return {"signed_in": payload["accessToken"] is not None, "errors": payload["errors"]}


async def fail(client: httpx.AsyncClient, email: str, times: int, **headers: str) -> None:
    for _ in range(times):
        assert await log_in(client, email, "wrong password", **headers) == {"signed_in": False, "errors": INVALID}


async def test_failed_attempts_for_one_email_are_limited_from_every_address(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    await fail(at(HOME), "ann@example.com", 3)
    sessions = await SessionFamily.all().count()
    for client, email in ((at(HOME), "ann@example.com"), (at(OFFICE), "ann@example.com"),
                          (at(OFFICE), " ANN@Example.com ")):
        assert await log_in(client, email) == {"signed_in": False, "errors": RATE_LIMITED}
    assert await SessionFamily.all().count() == sessions
    await sign_up(at(HOME), "bob@example.com")
    assert await log_in(at(HOME), "bob@example.com") == {"signed_in": True, "errors": []}


async def test_failed_attempts_from_one_address_are_limited_for_every_email(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    for n in range(5):
        await fail(at(HOME), f"guess{n}@example.com", 1)
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": False, "errors": RATE_LIMITED}
    assert await log_in(at(OFFICE), "ann@example.com") == {"signed_in": True, "errors": []}


async def test_one_attempt_below_the_limit_still_signs_in(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    await fail(at(HOME), "ann@example.com", 2)
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": True, "errors": []}


async def test_successful_log_ins_do_not_count_and_do_not_reset_the_count(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    for _ in range(6):
        assert await log_in(at(HOME), "ann@example.com") == {"signed_in": True, "errors": []}
    await fail(at(HOME), "ann@example.com", 2)
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": True, "errors": []}
    await fail(at(HOME), "ann@example.com", 1)
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": False, "errors": RATE_LIMITED}


async def test_unknown_emails_are_limited_like_known_ones(app):
    at = await app()
    await fail(at(HOME), "nobody@example.com", 3)
    assert await log_in(at(HOME), "nobody@example.com") == {"signed_in": False, "errors": RATE_LIMITED}


async def test_the_limit_lifts_when_the_window_ends(app, fixed_time):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    await fail(at(HOME), "ann@example.com", 3)
    fixed_time.now += 899
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": False, "errors": RATE_LIMITED}
    fixed_time.now += 1
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": True, "errors": []}


def test_the_defaults_are_ten_per_email_and_fifty_per_address_in_fifteen_minutes():
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert (defaults["login_attempts_per_email"], defaults["login_attempts_per_address"]) == (10, 50)
    assert defaults["login_window_seconds"] == 900


async def test_ten_failures_reach_the_default_email_limit(app):
    at = await app(LOGIN_ATTEMPTS_PER_EMAIL=10, LOGIN_ATTEMPTS_PER_ADDRESS=50)
    await sign_up(at(HOME), "ann@example.com")
    await fail(at(HOME), "ann@example.com", 9)
    assert await log_in(at(OFFICE), "ann@example.com") == {"signed_in": True, "errors": []}
    await fail(at(HOME), "ann@example.com", 1)
    assert await log_in(at(HOME), "ann@example.com") == {"signed_in": False, "errors": RATE_LIMITED}


async def test_x_forwarded_for_is_ignored_without_trusted_proxies(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    for n in range(5):
        await fail(at(HOME), f"guess{n}@example.com", 1, **{"X-Forwarded-For": f"192.0.2.{n}"})
    assert await log_in(at(HOME), "ann@example.com", **{"X-Forwarded-For": "192.0.2.99"}) == {
        "signed_in": False, "errors": RATE_LIMITED,
    }


async def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(app):
    proxy = (await app(TRUSTED_PROXY_HOPS=1))(HOME)
    await sign_up(proxy, "ann@example.com")
    for n in range(5):  # a spoofed first hop does not help: the proxy appends the real one
        await fail(proxy, f"guess{n}@example.com", 1, **{"X-Forwarded-For": f"10.0.0.{n}, 192.0.2.7"})
    assert await log_in(proxy, "ann@example.com", **{"X-Forwarded-For": "192.0.2.7"}) == {
        "signed_in": False, "errors": RATE_LIMITED,
    }
    assert await log_in(proxy, "ann@example.com", **{"X-Forwarded-For": "192.0.2.8"}) == {
        "signed_in": True, "errors": [],
    }


async def test_parallel_attempts_cannot_get_past_the_limit(app):
    at = await app()
    await sign_up(at(HOME), "ann@example.com")
    results = await asyncio.gather(*(log_in(at(HOME), "ann@example.com", "wrong password") for _ in range(20)))
    assert sum(r["errors"] == INVALID for r in results) == 3


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)")
async def test_with_redis_every_process_sees_the_same_counts(app):
    first, second = await app(), await app()
    await sign_up(first(HOME), "ann@example.com")
    await fail(first(HOME), "ann@example.com", 3)
    assert await log_in(second(OFFICE), "ann@example.com") == {"signed_in": False, "errors": RATE_LIMITED}


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="without Redis only")
async def test_without_redis_each_process_counts_on_its_own(app):
    first, second = await app(), await app()
    await sign_up(first(HOME), "ann@example.com")
    await fail(first(HOME), "ann@example.com", 3)
    assert await log_in(second(HOME), "ann@example.com") == {"signed_in": True, "errors": []}

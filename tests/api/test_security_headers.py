"""Headers on every response, CORS from an allow-list, and a production secret that cannot be guessed."""
from __future__ import annotations

import pytest

from loyalty.auth.keys import KeyConfigError, load_signing_key
from tests.api.test_http_hardening import PRODUCTION
from tests.conftest import make_settings

EXPECTED = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("POST", "/graphql", 200), ("GET", "/healthz", 200), ("GET", "/nowhere", 404), ("PUT", "/graphql", 405),
])
async def test_every_response_carries_the_security_headers(open_app, method, path, status):
    client = await open_app(**PRODUCTION)
    response = await client.request(method, path, json={"query": "{ __typename }"})
    assert response.status_code == status
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    assert "server" not in response.headers


async def test_a_token_response_is_not_stored(open_app):
    client = await open_app(**PRODUCTION)
    response = await client.post("/graphql", json={"query": 'mutation { signUp(input: {email: "ann@example.com", '
                                                   'password: "correct horse battery", displayName: "Ann"}) '
                                                   '{ accessToken } }'})
    assert response.json()["data"]["signUp"]["accessToken"]
    assert response.headers["cache-control"] == "no-store"


PREFLIGHT = {"Origin": "https://wallet.example.com", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


async def test_without_cors_origins_no_origin_is_allowed(open_app):
    client = await open_app(**PRODUCTION)
    preflight = await client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": PREFLIGHT["Origin"]})
    assert "access-control-allow-origin" not in response.headers


async def test_a_listed_origin_gets_its_preflight_answered_without_credentials(open_app):
    client = await open_app(**PRODUCTION, CORS_ORIGINS="https://wallet.example.com, https://shop.example.com/")
    preflight = await client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://wallet.example.com"
    assert preflight.headers["access-control-allow-methods"] == "GET, POST"
    assert preflight.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Content-Language, Content-Type, authorization, content-type, x-csrf-token, x-request-id"
    )
    assert preflight.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in preflight.headers
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": PREFLIGHT["Origin"]})
    assert (response.json(), response.headers["access-control-allow-origin"]) == (
        {"data": {"__typename": "Query"}}, "https://wallet.example.com",
    )
    assert response.headers["access-control-expose-headers"] == "x-request-id, retry-after"


async def test_an_unlisted_origin_is_refused(open_app):
    client = await open_app(**PRODUCTION, CORS_ORIGINS="https://wallet.example.com")
    preflight = await client.options("/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example.net"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_credentials_are_allowed_only_when_configured(open_app):
    client = await open_app(**PRODUCTION, CORS_ORIGINS="https://wallet.example.com", CORS_ALLOW_CREDENTIALS=True)
    preflight = await client.options("/graphql", headers=PREFLIGHT)
    assert preflight.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize("secret", ["a" * 32, "ab" * 32, "password" * 4])
def test_a_guessable_jwt_secret_is_refused_in_production(tmp_path, secret):
    with pytest.raises(KeyConfigError) as raised:
        load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production", JWT_SECRET=secret))
    assert str(raised.value).startswith("JWT_SECRET is guessable: about ")
    assert "production needs 100; use random bytes (openssl rand -base64 32)" in str(raised.value)


def test_thirty_two_as_are_refused_with_zero_bits(tmp_path):
    with pytest.raises(KeyConfigError, match="^JWT_SECRET is guessable: about 0 bits of entropy"):
        load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production", JWT_SECRET="a" * 32))


def test_a_random_jwt_secret_is_accepted_in_production(tmp_path):
    key = load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production", JWT_SECRET=PRODUCTION["JWT_SECRET"]))
    assert key.algorithm == "HS256"


def test_development_takes_any_secret_of_32_bytes(tmp_path):
    assert load_signing_key(make_settings(tmp_path, JWT_SECRET="a" * 32)).algorithm == "HS256"

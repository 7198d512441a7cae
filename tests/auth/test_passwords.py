"""Passwords: argon2id hashes, verified off the event loop; log in refuses a wrong password."""
from __future__ import annotations

import pytest

from loyalty.auth.passwords import Passwords
from tests.support.gql import LOG_IN, PASSWORD, gql, sign_up

INVALID_CREDENTIALS = [
    {"code": "INVALID_CREDENTIALS", "field": None, "message": "The email address or password is not right."}
]


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(memory_kib=1024, time_cost=1)


async def test_a_password_is_hashed_with_argon2id_at_the_configured_cost(passwords):
    hashed = await passwords.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert PASSWORD not in hashed


async def test_the_same_password_hashes_differently_each_time(passwords):
    assert await passwords.hash(PASSWORD) != await passwords.hash(PASSWORD)


async def test_the_right_password_verifies(passwords):
    assert await passwords.verify(await passwords.hash(PASSWORD), PASSWORD) is True


@pytest.mark.parametrize("attempt", ["correct horse battery ", "Correct horse battery", "", "correct horse"])
async def test_a_wrong_password_does_not_verify(passwords, attempt):
    assert await passwords.verify(await passwords.hash(PASSWORD), attempt) is False


async def test_an_unknown_member_never_verifies_even_with_the_decoy_password(passwords):
    assert await passwords.verify(None, "decoy password that matches nothing") is False


async def test_a_corrupt_hash_does_not_verify(passwords):
    assert await passwords.verify("$argon2id$not-a-hash", PASSWORD) is False


async def test_a_hash_at_another_cost_needs_rehashing(passwords):
    stronger = Passwords(memory_kib=2048, time_cost=2)
    assert passwords.needs_rehash(await passwords.hash(PASSWORD)) is False
    assert stronger.needs_rehash(await passwords.hash(PASSWORD)) is True


async def test_the_default_cost_is_rfc_9106_second_option():
    hashed = await Passwords().hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=1$")


async def test_logging_in_with_the_right_password_returns_tokens(client):
    await sign_up(client, "ann@example.com")
    body = await gql(client, LOG_IN, {"input": {"email": "Ann@Example.com", "password": PASSWORD}})
    payload = body["data"]["logIn"]
    assert (payload["errors"], payload["member"]["email"]) == ([], "ann@example.com")
    assert payload["refreshToken"].startswith("rt_")


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong horse battery"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
async def test_logging_in_with_a_wrong_password_or_unknown_email_gives_the_same_error(client, email, password):
    await sign_up(client, "ann@example.com")
    body = await gql(client, LOG_IN, {"input": {"email": email, "password": password}})
    assert body["data"]["logIn"] == {
        "accessToken": None, "refreshToken": None, "member": None, "errors": INVALID_CREDENTIALS
    }

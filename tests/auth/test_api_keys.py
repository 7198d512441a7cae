"""API keys for the shop's backend and staff: digests only, scopes, revocation, Bearer header."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from loyalty import clock
from loyalty.auth.api_keys import authenticate_api_key, create_api_key, parse_scopes, revoke_api_key
from loyalty.auth.models import ApiKey
from loyalty.auth.principal import SCOPES, ServicePrincipal
from loyalty.errors import LoyaltyError
from loyalty.members.models import Member
from tests.support.gql import ME, gql, sign_up

MEMBER_BY_NUMBER = "query($n: String!) { memberByNumber(memberNumber: $n) { email displayName } }"
UPDATE_PROFILE = 'mutation { updateProfile(input: {displayName: "X"}) { errors { code } } }'
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)


async def key_with(*scopes: str) -> str:
    return (await create_api_key("till 1", frozenset(scopes)))[1]


async def test_creating_a_key_stores_only_its_digest(clean_db):
    with clock.frozen_at(T0):
        row, key = await create_api_key("  Shop backend ", frozenset({"purchases:write", "members:read"}))
    stored = await ApiKey.get(id=row.id)

    assert key.startswith("lk_") and len(key) == 46
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in stored.__dict__.values()}
    assert (stored.name, stored.prefix, stored.scopes) == ("Shop backend", key[:10], "members:read,purchases:write")
    assert (stored.created_at, stored.revoked_at) == (T0, None)


async def test_each_key_is_different(clean_db):
    assert await key_with("admin") != await key_with("admin")


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
async def test_a_key_needs_a_name_of_1_to_100_characters(clean_db, name):
    with pytest.raises(LoyaltyError) as raised:
        await create_api_key(name, frozenset({"admin"}))
    assert (raised.value.message, raised.value.field) == ("a name of 1 to 100 characters is required", "name")
    assert await ApiKey.all().count() == 0


def test_the_known_scopes_are_exactly_these_seven():
    assert SCOPES == {"purchases:write", "members:read", "visits:write", "payments:write", "staff:write",
                      "reports:read", "admin"}


def test_parse_scopes_trims_and_deduplicates():
    assert parse_scopes(" members:read, admin ,members:read,") == frozenset({"members:read", "admin"})


def test_parse_scopes_refuses_an_unknown_scope():
    with pytest.raises(LoyaltyError) as raised:
        parse_scopes("members:read,members:write,root")
    assert raised.value.field == "scopes"
    assert raised.value.message == (
        "unknown scope(s) members:write, root; known: admin, members:read, payments:write, purchases:write, "
        "reports:read, staff:write, visits:write"
    )


@pytest.mark.parametrize("text", ["", " , ,"])
def test_parse_scopes_refuses_no_scope_at_all(text):
    with pytest.raises(LoyaltyError, match="^an API key needs at least one scope$"):
        parse_scopes(text)


async def test_a_key_authenticates_as_a_service_with_its_scopes(clean_db):
    row, key = await create_api_key("till 1", frozenset({"visits:write", "members:read"}))
    assert await authenticate_api_key(key) == ServicePrincipal(
        api_key_id=row.id, name="till 1", scopes=frozenset({"visits:write", "members:read"})
    )


@pytest.mark.parametrize("forge", [lambda k: k[:-1], lambda k: k + "x", lambda k: k.upper(), lambda k: k[3:]])
async def test_a_changed_key_does_not_authenticate(clean_db, forge):
    key = await key_with("admin")
    assert await authenticate_api_key(forge(key)) is None


async def test_a_revoked_key_is_refused(clean_db):
    key = await key_with("admin")
    with clock.frozen_at(T0):
        assert await revoke_api_key(key[:10]) == 1
    assert await authenticate_api_key(key) is None
    assert (await ApiKey.get()).revoked_at == T0
    assert await revoke_api_key(key[:10]) == 0


def test_a_scope_is_honoured_only_when_granted():
    principal = ServicePrincipal(api_key_id=1, name="till", scopes=frozenset({"visits:write"}))
    assert [principal.has_scope(s) for s in sorted(SCOPES)] == [False, False, False, False, False, False, True]


def test_admin_implies_every_scope():
    principal = ServicePrincipal(api_key_id=1, name="staff", scopes=frozenset({"admin"}))
    assert all(principal.has_scope(s) for s in SCOPES)


async def test_a_key_with_members_read_looks_a_member_up_over_http(client):
    ann = await sign_up(client, "ann@example.com")
    key = await key_with("members:read")
    body = await gql(client, MEMBER_BY_NUMBER, {"n": ann["member"]["memberNumber"]}, token=key)
    assert body == {"data": {"memberByNumber": {"email": "ann@example.com", "displayName": "Ann"}}}


async def test_an_admin_key_has_members_read_over_http(client):
    ann = await sign_up(client, "ann@example.com")
    body = await gql(client, MEMBER_BY_NUMBER, {"n": ann["member"]["memberNumber"]}, token=await key_with("admin"))
    assert body["data"]["memberByNumber"]["email"] == "ann@example.com"


async def test_a_key_without_the_scope_is_forbidden_over_http(client):
    ann = await sign_up(client, "ann@example.com")
    key = await key_with("visits:write", "purchases:write")
    body = await gql(client, MEMBER_BY_NUMBER, {"n": ann["member"]["memberNumber"]}, token=key, expect_errors=True)
    assert body["data"] == {"memberByNumber": None}
    assert [(e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        ("FORBIDDEN", "This API key lacks the scope members:read.")
    ]


async def test_a_revoked_key_is_unauthenticated_over_http(client):
    ann = await sign_up(client, "ann@example.com")
    key = await key_with("admin")
    await revoke_api_key(key[:10])
    body = await gql(client, MEMBER_BY_NUMBER, {"n": ann["member"]["memberNumber"]}, token=key, expect_errors=True)
    assert [(e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        ("UNAUTHENTICATED", "Authentication required: the API key is not valid.")
    ]


async def test_an_api_key_cannot_act_as_a_member(client):
    await sign_up(client, "ann@example.com")
    key = await key_with("admin")
    assert await gql(client, ME, token=key) == {"data": {"me": None}}
    body = await gql(client, UPDATE_PROFILE, token=key)
    assert body == {"data": {"updateProfile": {"errors": [{"code": "FORBIDDEN"}]}}}
    assert [m.display_name for m in await Member.all()] == ["Ann"]


async def test_a_member_token_cannot_use_a_service_query(client):
    ann = await sign_up(client, "ann@example.com")
    body = await gql(
        client, MEMBER_BY_NUMBER, {"n": ann["member"]["memberNumber"]}, token=ann["accessToken"], expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_key_revoked_by_another_process_stops_working_within_the_bound(clean_db, monkeypatch):
    from loyalty import sql
    from loyalty.auth import api_keys

    moment = [1000.0]
    monkeypatch.setattr(api_keys, "_monotonic", lambda: moment[0])
    key = await key_with("admin")
    first = await authenticate_api_key(key)
    assert first is not None and first.scopes == frozenset({"admin"})
    # Revoked behind this process's back, as another process or the command would.
    await sql.execute("UPDATE api_keys SET revoked_at = ? WHERE prefix = ?", T0, key[:10])
    moment[0] += api_keys.REVOKED_KEY_BOUND_SECONDS - 0.1
    assert await authenticate_api_key(key) == first  # kept: no database read
    moment[0] += 0.1
    assert await authenticate_api_key(key) is None  # the bound has passed: read again, refused
    moment[0] += 0.1
    assert await authenticate_api_key(key) is None  # a refused key is not kept


async def test_a_kept_key_is_read_once_per_bound(clean_db, monkeypatch):
    from loyalty.auth import api_keys

    reads = []
    real = ApiKey.filter
    # Lookups by the key's hash (the once-a-minute note of its use is another statement).
    monkeypatch.setattr(ApiKey, "filter", lambda *a, **k: ("key_hash" in k and reads.append(1)) or real(*a, **k))
    key = await key_with("admin")
    for _ in range(5):
        assert await authenticate_api_key(key) is not None
    assert len(reads) == 1
    assert api_keys.REVOKED_KEY_BOUND_SECONDS == 5.0

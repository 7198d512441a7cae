"""Access tokens: the claims they carry, and every forged or misused token refused over HTTP."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loyalty import clock
from loyalty.auth.keys import load_signing_key
from loyalty.members.models import Member
from tests.support.gql import ME, gql, sign_up

UPDATE_PROFILE = """
mutation { updateProfile(input: {displayName: "X"}) { member { displayName } errors { code } } }
"""


REFUSED_MESSAGE = "Authentication required: the access token is not valid or has expired."


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def signed_with_server_key(settings, claims: dict) -> str:
    """A token signed with the server's own key: only its claims can make it fail."""
    key = load_signing_key(settings)
    return jwt.encode(claims, key.signing_key, algorithm=key.algorithm, headers={"typ": "at+jwt"})


async def assert_refused(client, token: str, *, member_id: int) -> None:
    """`me` and a protected mutation are UNAUTHENTICATED, and the member is unchanged."""
    me = await gql(client, ME, token=token, expect_errors=True)
    assert me["data"] == {"me": None}
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in me["errors"]] == [
        (["me"], "UNAUTHENTICATED", REFUSED_MESSAGE)
    ]
    body = await gql(client, UPDATE_PROFILE, token=token, expect_errors=True)
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        (["updateProfile"], "UNAUTHENTICATED", REFUSED_MESSAGE)
    ]
    assert (await Member.get(id=member_id)).display_name == "Ann"


@pytest.fixture
async def ann(client) -> dict:
    payload = await sign_up(client, "ann@example.com")
    payload["claims"] = claims_of(payload["accessToken"])
    return payload


async def test_an_access_token_carries_the_required_claims_and_is_signed_with_eddsa(client, settings, ann):
    token = ann["accessToken"]
    header = jwt.get_unverified_header(token)
    claims = ann["claims"]
    row = await Member.get(email_normalized="ann@example.com")

    assert header == {"alg": "EdDSA", "typ": "at+jwt"}
    assert set(claims) == {"iss", "aud", "sub", "exp", "iat", "jti", "typ", "sid"}
    assert claims["iss"] == settings.jwt_issuer == "loyalty-platform"
    assert claims["aud"] == settings.jwt_audience == "loyalty-api"
    assert claims["sub"] == str(row.id)
    assert claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds == 900
    assert len(claims["jti"]) == 32
    expires_at = datetime.fromtimestamp(claims["exp"], timezone.utc)
    assert datetime.fromisoformat(ann["accessTokenExpiresAt"]) == expires_at


async def test_each_access_token_has_its_own_jti(client, ann):
    again = await sign_up(client, "bob@example.com")
    assert claims_of(again["accessToken"])["jti"] != ann["claims"]["jti"]


async def test_a_token_rebuilt_with_the_server_key_is_accepted(client, settings, ann):
    """The control for the attacks below: re-signing the same claims keeps a working token."""
    token = signed_with_server_key(settings, ann["claims"])
    body = await gql(client, UPDATE_PROFILE, token=token)
    assert body["data"]["updateProfile"] == {"member": {"displayName": "X"}, "errors": []}


async def test_an_alg_none_token_is_refused(client, ann):
    token = f"{b64json({'alg': 'none', 'typ': 'JWT'})}.{b64json(ann['claims'])}."
    await assert_refused(client, token, member_id=int(ann["claims"]["sub"]))


@pytest.mark.parametrize("public_form", ["pem", "raw"])
async def test_an_hs256_token_signed_with_the_public_key_is_refused(client, settings, ann, public_form):
    public_key = load_signing_key(settings).verifying_key
    secret = (
        public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        if public_form == "pem"
        else public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT'})}.{b64json(ann['claims'])}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    await assert_refused(client, f"{signing_input}.{b64url(signature)}", member_id=int(ann["claims"]["sub"]))


async def test_a_token_signed_with_another_ed25519_key_is_refused(client, ann):
    token = jwt.encode(ann["claims"], Ed25519PrivateKey.generate(), algorithm="EdDSA")
    await assert_refused(client, token, member_id=int(ann["claims"]["sub"]))


async def test_an_expired_token_is_refused(client, settings, ann):
    now = int(clock.now().timestamp())
    claims = {**ann["claims"], "iat": now - 1000, "exp": now - 100}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


async def test_a_genuine_token_is_refused_once_the_clock_passes_its_expiry(client, ann):
    token = ann["accessToken"]
    expires_at = datetime.fromtimestamp(ann["claims"]["exp"], timezone.utc)
    # 30 s of leeway allow for clock differences between servers.
    with clock.frozen_at(expires_at + timedelta(seconds=29)):
        assert (await gql(client, ME, token=token))["data"]["me"]["email"] == "ann@example.com"
    with clock.frozen_at(expires_at + timedelta(seconds=31)):
        await assert_refused(client, token, member_id=int(ann["claims"]["sub"]))


async def test_a_token_for_another_audience_is_refused(client, settings, ann):
    claims = {**ann["claims"], "aud": "some-other-api"}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


async def test_a_token_from_another_issuer_is_refused(client, settings, ann):
    claims = {**ann["claims"], "iss": "someone-else"}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


async def test_a_token_without_sub_is_refused(client, settings, ann):
    claims = {k: v for k, v in ann["claims"].items() if k != "sub"}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


@pytest.mark.parametrize("missing", ["iss", "aud", "exp", "iat", "jti", "typ"])
async def test_a_token_without_a_required_claim_is_refused(client, settings, ann, missing):
    claims = {k: v for k, v in ann["claims"].items() if k != missing}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


@pytest.mark.parametrize("typ", ["refresh", "id", "Access", ""])
async def test_a_token_whose_typ_is_not_access_is_refused(client, settings, ann, typ):
    claims = {**ann["claims"], "typ": typ}
    await assert_refused(client, signed_with_server_key(settings, claims), member_id=int(ann["claims"]["sub"]))


async def test_a_refresh_token_presented_as_an_access_token_is_refused(client, ann):
    assert ann["refreshToken"].startswith("rt_")
    await assert_refused(client, ann["refreshToken"], member_id=int(ann["claims"]["sub"]))


async def test_a_payload_changed_to_another_member_under_the_original_signature_is_refused(client, ann):
    bob = await sign_up(client, "bob@example.com", displayName="Bob")
    bob_id = int(claims_of(bob["accessToken"])["sub"])
    header, _, signature = ann["accessToken"].split(".")
    forged = f"{header}.{b64json({**ann['claims'], 'sub': str(bob_id)})}.{signature}"

    me = await gql(client, ME, token=forged, expect_errors=True)
    assert (me["data"], me["errors"][0]["extensions"]["code"]) == ({"me": None}, "UNAUTHENTICATED")
    body = await gql(client, UPDATE_PROFILE, token=forged, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await Member.get(id=bob_id)).display_name == "Bob"
    assert (await Member.get(id=int(ann["claims"]["sub"]))).display_name == "Ann"


@pytest.mark.parametrize(
    "header", ["Basic YW5uOnB3", "Bearer", "Bearer not.a.jwt", "Token {token}", "Bearer {token}x"]
)
async def test_a_malformed_authorization_header_is_refused(client, ann, header):
    value = header.format(token=ann["accessToken"])
    response = await client.post("/graphql", json={"query": UPDATE_PROFILE}, headers={"Authorization": value})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await Member.get(id=int(ann["claims"]["sub"]))).display_name == "Ann"


def test_a_verified_token_is_kept_and_its_expiry_still_checked_on_every_use(settings, monkeypatch):
    from loyalty.auth.tokens import InvalidToken, TokenService

    service = TokenService(load_signing_key(settings), issuer="iss", audience="aud", ttl_seconds=900)
    t0 = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    with clock.frozen_at(t0):
        token = service.issue(42).token
        assert service.verify(token).member_id == 42
    decodes = []
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decodes.append(1))
    with clock.frozen_at(t0 + timedelta(seconds=899)):
        assert service.verify(token).member_id == 42  # the signature is not checked again
    assert decodes == []
    for moment in (t0 + timedelta(seconds=930), t0 - timedelta(seconds=31)):  # past its expiry; before it was issued
        with clock.frozen_at(moment), pytest.raises(InvalidToken):
            service.verify(token)

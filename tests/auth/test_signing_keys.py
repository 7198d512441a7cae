"""The access-token signing key: generated once in development, refused in production when unsafe."""
from __future__ import annotations

import stat

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loyalty.auth.keys import DEV_KEY_FILE, KeyConfigError, load_signing_key
from loyalty.auth.tokens import InvalidToken, TokenService
from tests.conftest import make_settings

SECRET_32 = "0123456789abcdef0123456789abcdef"


def pem_of(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def service(key) -> TokenService:
    return TokenService(key, issuer="loyalty-platform", audience="loyalty-api", ttl_seconds=900)


def test_development_without_a_key_generates_one_in_the_data_dir(tmp_path):
    key = load_signing_key(make_settings(tmp_path))
    path = tmp_path / "var" / DEV_KEY_FILE

    assert (key.algorithm, key.development) == ("EdDSA", True)
    assert isinstance(key.signing_key, Ed25519PrivateKey)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert raw_public(stored.public_key()) == raw_public(key.verifying_key)


def test_development_reuses_the_generated_key_so_tokens_survive_a_restart(tmp_path):
    settings = make_settings(tmp_path)
    token = service(load_signing_key(settings)).issue(7).token
    restarted = load_signing_key(settings)
    assert service(restarted).verify(token).member_id == 7


def test_a_development_key_file_that_is_not_ed25519_is_refused(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / DEV_KEY_FILE).write_text(pem_of(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(KeyConfigError, match="is not an Ed25519 private key: delete it"):
        load_signing_key(make_settings(tmp_path))


def test_production_without_a_key_refuses_to_start_naming_jwt_private_key(tmp_path):
    with pytest.raises(KeyConfigError) as raised:
        load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production"))
    assert str(raised.value).startswith("LOYALTY_ENV=production needs a signing key: set JWT_PRIVATE_KEY")
    assert not (tmp_path / "var" / DEV_KEY_FILE).exists()


def test_production_with_the_development_key_refuses_to_start_naming_jwt_private_key(tmp_path):
    load_signing_key(make_settings(tmp_path))
    dev_pem = (tmp_path / "var" / DEV_KEY_FILE).read_text()
    with pytest.raises(KeyConfigError) as raised:
        load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production", JWT_PRIVATE_KEY=dev_pem))
    assert str(raised.value) == (
        f"JWT_PRIVATE_KEY is the development key from {tmp_path / 'var' / DEV_KEY_FILE}: "
        "generate a new Ed25519 key for production"
    )


def test_the_development_key_set_explicitly_in_development_is_flagged_as_development(tmp_path):
    load_signing_key(make_settings(tmp_path))
    dev_pem = (tmp_path / "var" / DEV_KEY_FILE).read_text()
    assert load_signing_key(make_settings(tmp_path, JWT_PRIVATE_KEY=dev_pem)).development is True


def test_production_with_its_own_ed25519_key_starts(tmp_path):
    private = Ed25519PrivateKey.generate()
    key = load_signing_key(make_settings(tmp_path, LOYALTY_ENV="production", JWT_PRIVATE_KEY=pem_of(private)))
    assert (key.algorithm, key.development) == ("EdDSA", False)
    assert raw_public(key.verifying_key) == raw_public(private.public_key())
    assert not (tmp_path / "var" / DEV_KEY_FILE).exists()


def test_a_pem_on_one_line_with_escaped_newlines_is_accepted(tmp_path):
    private = Ed25519PrivateKey.generate()
    one_line = pem_of(private).replace("\n", "\\n")
    key = load_signing_key(make_settings(tmp_path, JWT_PRIVATE_KEY=one_line))
    assert raw_public(key.verifying_key) == raw_public(private.public_key())


@pytest.mark.parametrize(
    "private",
    [rsa.generate_private_key(public_exponent=65537, key_size=2048), ec.generate_private_key(ec.SECP256R1())],
    ids=["rsa", "ecdsa"],
)
def test_a_private_key_that_is_not_ed25519_is_refused(tmp_path, private):
    with pytest.raises(KeyConfigError) as raised:
        load_signing_key(make_settings(tmp_path, JWT_PRIVATE_KEY=pem_of(private)))
    assert str(raised.value) == "JWT_PRIVATE_KEY must be an Ed25519 private key in PEM"


def test_a_value_that_is_not_a_pem_private_key_is_refused(tmp_path):
    with pytest.raises(KeyConfigError, match="^JWT_PRIVATE_KEY is not a PEM private key: "):
        load_signing_key(make_settings(tmp_path, JWT_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nnope"))


def test_hs256_works_with_a_secret_of_32_bytes(tmp_path):
    key = load_signing_key(make_settings(tmp_path, JWT_SECRET=SECRET_32))
    token = service(key).issue(42).token

    assert (key.algorithm, key.development) == ("HS256", False)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "at+jwt"}
    assert service(key).verify(token).member_id == 42
    assert not (tmp_path / "var" / DEV_KEY_FILE).exists()


def test_hs256_refuses_a_token_signed_with_another_secret(tmp_path):
    key = load_signing_key(make_settings(tmp_path, JWT_SECRET=SECRET_32))
    other = load_signing_key(make_settings(tmp_path, JWT_SECRET=SECRET_32[::-1]))
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        service(key).verify(service(other).issue(42).token)


def test_an_eddsa_server_refuses_an_hs256_token_and_the_reverse(tmp_path):
    eddsa = load_signing_key(make_settings(tmp_path))
    hs256 = load_signing_key(make_settings(tmp_path, JWT_SECRET=SECRET_32))
    with pytest.raises(InvalidToken, match="The specified alg value is not allowed"):
        service(eddsa).verify(service(hs256).issue(1).token)
    with pytest.raises(InvalidToken, match="The specified alg value is not allowed"):
        service(hs256).verify(service(eddsa).issue(1).token)


@pytest.mark.parametrize("secret", ["0123456789abcdef0123456789abcde", "é" * 15 + "a"], ids=["31-ascii", "31-bytes-utf8"])
def test_hs256_refuses_a_secret_under_32_bytes(tmp_path, secret):
    assert len(secret.encode()) == 31
    with pytest.raises(KeyConfigError) as raised:
        load_signing_key(make_settings(tmp_path, JWT_SECRET=secret))
    assert str(raised.value).startswith("JWT_SECRET must be at least 32 bytes for HS256")


def test_a_multibyte_secret_of_32_bytes_is_enough(tmp_path):
    assert load_signing_key(make_settings(tmp_path, JWT_SECRET="é" * 16)).algorithm == "HS256"


def test_setting_both_a_private_key_and_a_secret_is_refused(tmp_path):
    pem = pem_of(Ed25519PrivateKey.generate())
    with pytest.raises(KeyConfigError, match="^set JWT_PRIVATE_KEY or JWT_SECRET, not both$"):
        load_signing_key(make_settings(tmp_path, JWT_PRIVATE_KEY=pem, JWT_SECRET=SECRET_32))

"""The signing key for access tokens: configured, or generated once for development."""
from __future__ import annotations

import hashlib
import logging
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loyalty.settings import Settings

log = logging.getLogger(__name__)

DEV_KEY_FILE = "jwt-development-key.pem"
MIN_SECRET_BYTES = 32


class KeyConfigError(Exception):
    """The token key settings cannot be used; the message says which setting to change."""


@dataclass(frozen=True)
class SigningKey:
    algorithm: str  # "EdDSA" or "HS256"
    signing_key: Ed25519PrivateKey | bytes  # the HS256 secret signs and verifies
    verifying_key: Ed25519PublicKey | bytes
    development: bool


def _pem(value: str) -> bytes:
    # Environment files often carry a PEM on one line with literal "\n".
    return value.replace("\\n", "\n").strip().encode()


def _dev_key_path(settings: Settings) -> Path:
    return settings.data_dir / DEV_KEY_FILE


def _load_or_create_dev_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyConfigError(f"{path} is not an Ed25519 private key: delete it to make a new one")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    log.warning("generated a development signing key in %s (never use it in production)", path)
    return key


def _fingerprint(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


MIN_SECRET_ENTROPY_BITS = 100


def estimated_entropy_bits(secret: bytes) -> float:
    """The secret's length times the Shannon entropy of its bytes: an upper bound on what a
    guesser faces. Random hex of 32 characters scores about 120, 32 times the same letter 0."""
    counts = Counter(secret)
    return max(0.0, -sum(n * math.log2(n / len(secret)) for n in counts.values()))


def load_signing_key(settings: Settings) -> SigningKey:
    if settings.jwt_private_key and settings.jwt_secret:
        raise KeyConfigError("set JWT_PRIVATE_KEY or JWT_SECRET, not both")
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise KeyConfigError(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes for HS256; "
                "better, set JWT_PRIVATE_KEY to an Ed25519 private key in PEM"
            )
        bits = estimated_entropy_bits(secret)
        if settings.production and bits < MIN_SECRET_ENTROPY_BITS:
            raise KeyConfigError(
                f"JWT_SECRET is guessable: about {bits:.0f} bits of entropy, and production needs "
                f"{MIN_SECRET_ENTROPY_BITS}; use random bytes (openssl rand -base64 32), or better, "
                "set JWT_PRIVATE_KEY to an Ed25519 private key in PEM"
            )
        return SigningKey("HS256", secret, secret, development=False)
    if settings.jwt_private_key is not None:
        try:
            key = serialization.load_pem_private_key(_pem(settings.jwt_private_key), password=None)
        except (ValueError, TypeError) as exc:
            raise KeyConfigError(f"JWT_PRIVATE_KEY is not a PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyConfigError("JWT_PRIVATE_KEY must be an Ed25519 private key in PEM")
        dev_path = _dev_key_path(settings)
        development = dev_path.exists() and _fingerprint(key) == _fingerprint(
            _load_or_create_dev_key(dev_path)
        )
        if development and settings.production:
            raise KeyConfigError(
                f"JWT_PRIVATE_KEY is the development key from {dev_path}: "
                "generate a new Ed25519 key for production"
            )
        return SigningKey("EdDSA", key, key.public_key(), development=development)
    if settings.production:
        raise KeyConfigError(
            "LOYALTY_ENV=production needs a signing key: set JWT_PRIVATE_KEY to an Ed25519 "
            "private key in PEM (openssl genpkey -algorithm ed25519), or JWT_SECRET to 32+ random bytes"
        )
    key = _load_or_create_dev_key(_dev_key_path(settings))
    return SigningKey("EdDSA", key, key.public_key(), development=True)

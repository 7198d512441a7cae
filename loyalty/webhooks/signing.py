"""The signature of a webhook delivery, as Stripe signs its own: the header
`Loyalty-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
A receiver recomputes it over the raw body, compares in constant time, and refuses a
timestamp too far from its clock (replays)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Loyalty-Signature"
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, value: str, body: bytes, now: int, tolerance_seconds: int = TOLERANCE_SECONDS) -> bool:
    """Whether `value` (the header) signs `body` with `secret` at a time within the tolerance."""
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        name, _, text = item.strip().partition("=")
        parts.setdefault(name, []).append(text)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))

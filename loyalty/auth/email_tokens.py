"""Single-use tokens sent by email: to verify an address or to reset a password.

A token is 32 random bytes; only its SHA-256 is stored, with the address it was sent to and
when it expires. Using one marks it used in the same statement that checks it is unused and
current, so two parallel uses cannot both succeed.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from loyalty import clock
from loyalty.auth.models import AccountToken
from loyalty.errors import ErrorCode, LoyaltyError

VERIFY_EMAIL = "verify_email"
CHANGE_EMAIL = "change_email"
RESET_PASSWORD = "reset_password"
PREFIX = "et_"
MAX_TOKEN_LENGTH = 200


class InvalidToken(LoyaltyError):
    code = ErrorCode.INVALID_TOKEN

    def __init__(self) -> None:
        super().__init__("This link is not valid any more: ask for a new one.", field="token")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(member_id: int, purpose: str, email: str, ttl_seconds: int) -> str:
    """A new token (the plaintext, for the email). Call inside the transaction that emits
    the email's event."""
    token = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    await AccountToken.create(
        member_id=member_id, purpose=purpose, token_hash=_digest(token), email=email,
        created_at=now, expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


async def use(token: str, purposes: tuple[str, ...]) -> AccountToken:
    """Marks the token used and returns it; INVALID_TOKEN when it is unknown, used, expired
    or for another purpose. Call inside the transaction that acts on it."""
    token = token.strip()
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    now = clock.now()
    digest = _digest(token)
    taken = await AccountToken.filter(
        token_hash=digest, purpose__in=purposes, used_at=None, expires_at__gt=now
    ).update(used_at=now)
    if taken != 1:
        raise InvalidToken()
    return await AccountToken.get(token_hash=digest)


async def retire(member_id: int, purpose: str) -> None:
    """Every unused token of the member for that purpose stops working."""
    await AccountToken.filter(member_id=member_id, purpose=purpose, used_at=None).update(used_at=clock.now())

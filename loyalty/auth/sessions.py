"""Sign-in sessions: opaque refresh tokens, rotated on every use.

Guarantees:
- A refresh token works once. Using it returns a new one and retires it.
- A retired token presented again within the grace period (a mobile client retrying
  after a lost response) gets a fresh token, and the one issued before it stops working:
  a session never has two live refresh tokens.
- A retired token presented after the grace period is taken as stolen: the whole session
  family is revoked, and every token in it stops working.
- Only SHA-256 digests of refresh tokens are stored.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.auth.models import RefreshToken, SessionFamily
from loyalty.auth.tokens import AccessToken, TokenService
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.members.models import Device

TOKEN_PREFIX = "rt_"
MAX_TOKEN_LENGTH = 200


class InvalidRefreshToken(LoyaltyError):
    code = ErrorCode.INVALID_REFRESH_TOKEN

    def __init__(self) -> None:
        super().__init__("The refresh token is not valid: sign in again.", field="refresh_token")


@dataclass(frozen=True)
class IssuedSession:
    member_id: int
    access: AccessToken
    refresh_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, tokens: TokenService, *, refresh_ttl_seconds: int, grace_seconds: int):
        self._tokens = tokens
        self._ttl = timedelta(seconds=refresh_ttl_seconds)
        self._grace = timedelta(seconds=grace_seconds)

    async def _mint(self, family: SessionFamily, parent_id: int | None) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = clock.now()
        await RefreshToken.create(
            family=family, token_hash=_digest(token), parent_id=parent_id,
            created_at=now, expires_at=now + self._ttl,
        )
        return token

    def _issued(self, family: SessionFamily, refresh_token: str) -> IssuedSession:
        access = self._tokens.issue(family.member_id, family.id)
        return IssuedSession(member_id=family.member_id, access=access, refresh_token=refresh_token)

    async def start(self, member_id: int) -> IssuedSession:
        """A new session family for a member who just signed up or logged in."""
        async with in_transaction():
            family = await SessionFamily.create(id=uuid.uuid4(), member_id=member_id, created_at=clock.now())
            token = await self._mint(family, parent_id=None)
        return self._issued(family, token)

    async def _locked(self, token: str) -> tuple[RefreshToken, SessionFamily]:
        if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidRefreshToken()
        found = await RefreshToken.filter(token_hash=_digest(token)).first()
        if found is None:
            raise InvalidRefreshToken()
        # The family first, then the token: revoke_family locks them in that order too, so
        # a refresh racing a log-out or a reuse never deadlocks.
        family = await SessionFamily.filter(id=found.family_id).select_for_update().get()
        row = await RefreshToken.filter(id=found.id).select_for_update().get()
        return row, family

    async def refresh(self, token: str) -> IssuedSession:
        revoke = False
        async with in_transaction():
            row, family = await self._locked(token)
            now = clock.now()
            if family.revoked_at is not None or row.revoked_at is not None or row.expires_at <= now:
                raise InvalidRefreshToken()
            if row.rotated_at is None:
                row.rotated_at = now
                await row.save(update_fields=["rotated_at"])
                return self._issued(family, await self._mint(family, parent_id=row.id))
            successor = await RefreshToken.filter(parent_id=row.id, revoked_at=None).first()
            if now - row.rotated_at <= self._grace and successor is not None and successor.rotated_at is None:
                successor.revoked_at = now
                await successor.save(update_fields=["revoked_at"])
                return self._issued(family, await self._mint(family, parent_id=row.id))
            revoke = True
        if revoke:
            await self.revoke_family(family.id, reason="reuse")
        raise InvalidRefreshToken()

    async def log_out(self, token: str) -> None:
        """Ends the token's session; the devices registered under it get no more pushes."""
        async with in_transaction():
            _, family = await self._locked(token)
        await self.revoke_family(family.id, reason="logout")

    async def revoke_family(self, family_id: uuid.UUID, *, reason: str) -> None:
        """Ends a session: its refresh tokens stop working and the devices registered under
        it are removed."""
        now = clock.now()
        async with in_transaction():
            await SessionFamily.filter(id=family_id, revoked_at=None).update(
                revoked_at=now, revoked_reason=reason
            )
            await RefreshToken.filter(family_id=family_id, revoked_at=None).update(revoked_at=now)
            await Device.filter(session_id=family_id).delete()

    async def revoke_member(self, member_id: int, *, reason: str, keep: uuid.UUID | None = None) -> int:
        """Ends every session of the member but `keep` (the caller's own); returns how many.
        Call inside the transaction that changes the password."""
        families = SessionFamily.filter(member_id=member_id, revoked_at=None)
        if keep is not None:
            families = families.exclude(id=keep)
        ids = list(await families.values_list("id", flat=True))
        if not ids:
            return 0
        now = clock.now()
        await SessionFamily.filter(id__in=ids).update(revoked_at=now, revoked_reason=reason)
        await RefreshToken.filter(family_id__in=ids, revoked_at=None).update(revoked_at=now)
        await Device.filter(session_id__in=ids).delete()
        return len(ids)

"""Access tokens: short-lived JWTs, signed with one pinned algorithm.

A token whose signature and claims were verified is kept in the process (at most
MAX_KEPT_TOKENS, the least recently used dropped first) with what it proved, so that the
signature is checked once per token and process rather than on every request; its expiry
is still checked against the clock on every use.
"""
from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from loyalty import clock
from loyalty.auth.keys import SigningKey
from loyalty.auth.principal import MemberPrincipal

ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "typ"]
# Tolerated clock difference between the servers that issue and check tokens.
LEEWAY = timedelta(seconds=30)


MAX_MEMBER_ID = 2**63 - 1  # BIGINT
MAX_KEPT_TOKENS = 10_000


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: datetime


class TokenService:
    def __init__(self, key: SigningKey, *, issuer: str, audience: str, ttl_seconds: int):
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._ttl = timedelta(seconds=ttl_seconds)
        self._verified: OrderedDict[str, tuple[datetime, datetime, MemberPrincipal]] = OrderedDict()

    def issue(self, member_id: int, session_id: uuid.UUID | None = None) -> AccessToken:
        issued_at = clock.now().replace(microsecond=0)
        expires_at = issued_at + self._ttl
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(member_id),
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
            "typ": ACCESS_TYPE,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        token = jwt.encode(
            claims, self._key.signing_key, algorithm=self._key.algorithm, headers={"typ": "at+jwt"}
        )
        return AccessToken(token=token, expires_at=expires_at)

    def verify(self, token: str) -> MemberPrincipal:
        kept = self._verified.get(token)
        if kept is not None:
            issued_at, expires_at, principal = kept
            self._check_times(issued_at, expires_at)
            self._verified.move_to_end(token)
            return principal
        principal, issued_at, expires_at = self._verify_signed(token)
        self._verified[token] = (issued_at, expires_at, principal)
        while len(self._verified) > MAX_KEPT_TOKENS:
            self._verified.popitem(last=False)
        return principal

    @staticmethod
    def _check_times(issued_at: datetime, expires_at: datetime) -> None:
        now = clock.now()
        if expires_at <= now - LEEWAY:
            raise InvalidToken("expired")
        if issued_at > now + LEEWAY:
            raise InvalidToken("issued in the future")

    def _verify_signed(self, token: str) -> tuple[MemberPrincipal, datetime, datetime]:
        try:
            claims = jwt.decode(
                token,
                self._key.verifying_key,
                algorithms=[self._key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                # exp and iat are checked below against the domain clock.
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if claims.get("typ") != ACCESS_TYPE:
            raise InvalidToken("not an access token")
        try:
            expires_at = datetime.fromtimestamp(int(claims["exp"]), timezone.utc)
            issued_at = datetime.fromtimestamp(int(claims["iat"]), timezone.utc)
            member_id = int(claims["sub"])
            session_id = uuid.UUID(claims["sid"]) if "sid" in claims else None
        except (TypeError, ValueError, OverflowError, OSError):  # OSError: a timestamp past time_t
            raise InvalidToken("malformed claims") from None
        if not 0 < member_id <= MAX_MEMBER_ID:
            raise InvalidToken("malformed claims")
        self._check_times(issued_at, expires_at)
        return MemberPrincipal(member_id=member_id, session_id=session_id), issued_at, expires_at

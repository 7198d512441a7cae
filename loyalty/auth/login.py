"""Signing up, logging in, refreshing and logging out a member."""
from __future__ import annotations

from loyalty.auth.passwords import MAX_PASSWORD_LENGTH, Passwords
from loyalty.auth.sessions import IssuedSession, Sessions
from loyalty.auth.throttle import AccountLimits, Throttle
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.members import service as members
from loyalty.members.joining import DEFAULT_VERIFICATION_TTL_SECONDS, join
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.ratelimit import RateLimiter


class InvalidCredentials(LoyaltyError):
    code = ErrorCode.INVALID_CREDENTIALS

    def __init__(self, field: str | None = None) -> None:
        super().__init__("The email address or password is not right." if field is None
                         else "The password is not right.", field=field)


class MemberAuth:
    def __init__(
        self, *, passwords: Passwords, sessions: Sessions, limiter: RateLimiter,
        limits: AccountLimits | None = None, verification_ttl_seconds: int = DEFAULT_VERIFICATION_TTL_SECONDS,
        reset_ttl_seconds: int = 1800,
    ):
        self.passwords = passwords
        self.sessions = sessions
        self.throttle = Throttle(limiter, limits or AccountLimits())
        self.verification_ttl_seconds = verification_ttl_seconds
        self.reset_ttl_seconds = reset_ttl_seconds

    async def sign_up(
        self, data: members.NewMember, program: Program, *, client_address: str,
        idempotency_key: str | None = None, **joining: str | None,
    ) -> tuple[Member, IssuedSession]:
        """Joins the member (with their welcome points) and starts their first session.
        Counted per client address and device id first (RATE_LIMITED past either limit).
        A retry under the same idempotency key and form answers with the same member (and a
        new session); another form under it is IDEMPOTENCY_CONFLICT.
        `joining`: referral_code, device_id, charity_code (see `join`)."""
        await self.throttle.sign_up(client_address, joining.get("device_id"))
        joined = await join(data, self.passwords, program, idempotency_key=idempotency_key,
                            verification_ttl_seconds=self.verification_ttl_seconds, **joining)
        await self.throttle.known(joined.member.email, client_address)
        return joined.member, await self.sessions.start(joined.member.id)

    async def log_in(self, email: str, password: str, *, client_address: str) -> tuple[Member, IssuedSession]:
        """Counted per (email, client address) before the password is checked (see
        `loyalty.auth.throttle`); RATE_LIMITED without checking it while the pair must wait."""
        attempt = await self.throttle.sign_in(email, client_address)
        member = await members.find_by_email(email) if len(password) <= MAX_PASSWORD_LENGTH else None
        ok = await self.passwords.verify(member.password_hash if member else None, password[:MAX_PASSWORD_LENGTH])
        if member is None or not ok:
            raise InvalidCredentials()
        await self.throttle.signed_in(attempt)
        if self.passwords.needs_rehash(member.password_hash):
            member.password_hash = await self.passwords.hash(password)
            await member.save(update_fields=["password_hash"])
        return member, await self.sessions.start(member.id)

    async def check_password(self, member: Member, password: str, field: str) -> None:
        """For changing the password or the address: the member's current password, counted
        per member like failed sign-ins."""
        slot = await self.throttle.password_check(member.id)
        if len(password) > MAX_PASSWORD_LENGTH or not await self.passwords.verify(member.password_hash, password):
            raise InvalidCredentials(field)
        await self.throttle.limiter.release(slot)

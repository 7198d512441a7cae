"""Signing up, logging in, refreshing and logging out a member."""
from __future__ import annotations


from loyalty.auth.passwords import Passwords
from loyalty.auth.sessions import IssuedSession, Sessions
from loyalty.errors import ErrorCode, LoyaltyError, RateLimited
from loyalty.members import service as members
from loyalty.members.joining import join
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.ratelimit import RateLimiter


class InvalidCredentials(LoyaltyError):
    code = ErrorCode.INVALID_CREDENTIALS

    def __init__(self) -> None:
        super().__init__("The email address or password is not right.")


class MemberAuth:
    def __init__(
        self, *, passwords: Passwords, sessions: Sessions, limiter: RateLimiter,
        attempts_per_email: int, attempts_per_address: int, window_seconds: int,
    ):
        self.passwords = passwords
        self.sessions = sessions
        self._limiter = limiter
        self._per_email = attempts_per_email
        self._per_address = attempts_per_address
        self._window = window_seconds

    async def sign_up(
        self, data: members.NewMember, program: Program, **joining: str | None
    ) -> tuple[Member, IssuedSession]:
        """Joins the member (with their welcome points) and starts their first session.
        `joining`: referral_code, device_id, charity_code (see `join`)."""
        member = await join(data, self.passwords, program, **joining)
        return member, await self.sessions.start(member.id)

    async def log_in(self, email: str, password: str, *, client_address: str) -> tuple[Member, IssuedSession]:
        """Every attempt counts against the email and the client address until it succeeds;
        past either limit, attempts are refused without checking the password until the
        window ends. Counting before checking keeps parallel attempts within the limit."""
        slots = await self._limiter.hit(
            self._window, "login:email:" + members.validation.normalized_email(email), "login:addr:" + client_address
        )
        if slots[0].count > self._per_email or slots[1].count > self._per_address:
            raise RateLimited("Too many failed attempts: wait a few minutes and try again.")
        member = await members.find_by_email(email) if len(password) <= 1024 else None
        ok = await self.passwords.verify(member.password_hash if member else None, password[:1024])
        if member is None or not ok:
            raise InvalidCredentials()
        for slot in slots:
            await self._limiter.release(slot)
        if self.passwords.needs_rehash(member.password_hash):
            member.password_hash = await self.passwords.hash(password)
            await member.save(update_fields=["password_hash"])
        return member, await self.sessions.start(member.id)

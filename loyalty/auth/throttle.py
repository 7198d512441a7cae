"""Rate limits of the account operations anyone can call: sign-in, sign-up, password reset.

Sign-in is limited per (email, client address), so that failures from one address never
lock the owner out at another:
- the first `free_attempts` failures of a pair cost nothing; after them each attempt waits
  twice as long as the one before (`delay_seconds`, 2x, 4x ... up to `max_delay_seconds`),
  and an attempt made sooner is refused without checking the password;
- from an address the member has not signed in from (in `known_address_days`), failures per
  email and per address are also capped per window (`per_email`, `per_address`): a botnet
  spreading guesses over many addresses meets the email's cap, one address guessing many
  emails meets its own. An address the member signed in from (or joined from) is exempt
  from both, so the owner at their usual address is never refused for someone else's failures.
A successful sign-in forgets its pair's failures.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loyalty.errors import RateLimited
from loyalty.members.validation import canonical_email
from loyalty.ratelimit import RateLimiter, Slot

if TYPE_CHECKING:
    from loyalty.settings import Settings

PAIR_WINDOW_SECONDS = 24 * 3600
TOO_MANY_SIGN_INS = "Too many failed attempts: wait a few minutes and try again."
TOO_MANY_SIGN_UPS = "Too many sign-ups from here: try again later."
TOO_MANY_RESETS = "Too many password reset requests: try again later."


@dataclass(frozen=True)
class AccountLimits:
    free_attempts: int = 5
    delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    per_email: int = 20
    per_address: int = 50
    window_seconds: int = 900
    known_address_days: int = 90
    signups_per_address: int = 10
    signups_per_device: int = 5
    signup_window_seconds: int = 3600
    resets_per_address: int = 10
    resets_per_email: int = 3
    reset_window_seconds: int = 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountLimits:
        return cls(
            free_attempts=settings.login_free_attempts, delay_seconds=settings.login_delay_seconds,
            max_delay_seconds=settings.login_max_delay_seconds, per_email=settings.login_attempts_per_email,
            per_address=settings.login_attempts_per_address, window_seconds=settings.login_window_seconds,
            known_address_days=settings.login_known_address_days,
            signups_per_address=settings.signup_attempts_per_address,
            signups_per_device=settings.signup_attempts_per_device,
            signup_window_seconds=settings.signup_window_seconds,
            resets_per_address=settings.password_reset_per_address,
            resets_per_email=settings.password_reset_per_email,
            reset_window_seconds=settings.password_reset_window_seconds,
        )

    def delay(self, failures: int) -> float:
        """Seconds between failure number `failures` of one pair and the pair's next attempt:
        none for the first `free_attempts`, then `delay_seconds`, doubling, capped."""
        beyond = failures - self.free_attempts
        if beyond <= 0:
            return 0.0
        return float(min(self.max_delay_seconds, self.delay_seconds * 2 ** min(beyond - 1, 60)))


@dataclass(frozen=True)
class SignInAttempt:
    mailbox: str
    address: str
    slots: tuple[Slot, ...]  # the pair's, then (from an unknown address) the email's and the address's


def _device(device_id: str) -> str:
    return hashlib.sha256(device_id.encode()).hexdigest()[:32]


class Throttle:
    def __init__(self, limiter: RateLimiter, limits: AccountLimits):
        self.limiter = limiter
        self.limits = limits

    async def sign_in(self, email: str, address: str) -> SignInAttempt:
        """Counts a sign-in attempt before the password is checked; RATE_LIMITED when it must wait."""
        limits = self.limits
        mailbox = canonical_email(email)
        pair = f"login:pair:{mailbox}:{address}"  # its flag ":wait" spaces the attempts
        (pair_slot,) = await self.limiter.hit(PAIR_WINDOW_SECONDS, pair)
        slots: tuple[Slot, ...] = (pair_slot,)
        if not await self.limiter.marked(f"login:known:{mailbox}:{address}"):
            by_email, by_address = await self.limiter.hit(
                limits.window_seconds, "login:email:" + mailbox, "login:addr:" + address
            )
            slots = (pair_slot, by_email, by_address)
            if by_email.count > limits.per_email or by_address.count > limits.per_address:
                await self.limiter.release(pair_slot)
                raise RateLimited(TOO_MANY_SIGN_INS)
        # This attempt, if it fails, is failure number `count`: the pair's next attempt comes
        # that much later. Parallel attempts race for the pair's flag, and one wins.
        wait = limits.delay(pair_slot.count)
        if wait and not await self.limiter.acquire(pair + ":wait", wait):
            await self.limiter.release(pair_slot)
            raise RateLimited(TOO_MANY_SIGN_INS)
        return SignInAttempt(mailbox, address, slots)

    async def signed_in(self, attempt: SignInAttempt) -> None:
        """The attempt succeeded: it does not count, the pair's failures are forgotten, and
        the address is one the member signs in from."""
        await self.limiter.reset(attempt.slots[0])
        await self.limiter.unmark(f"login:pair:{attempt.mailbox}:{attempt.address}:wait")
        for slot in attempt.slots[1:]:
            await self.limiter.release(slot)
        await self.known(attempt.mailbox, attempt.address)

    async def known(self, email: str, address: str) -> None:
        await self.limiter.mark(f"login:known:{canonical_email(email)}:{address}",
                                self.limits.known_address_days * 86400)

    async def sign_up(self, address: str, device_id: str | None) -> None:
        limits = self.limits
        keys = [("signup:addr:" + address, limits.signups_per_address)]
        if device_id:
            keys.append(("signup:device:" + _device(device_id), limits.signups_per_device))
        await self._count(limits.signup_window_seconds, keys, TOO_MANY_SIGN_UPS)

    async def password_reset(self, email: str, address: str) -> None:
        limits = self.limits
        await self._count(limits.reset_window_seconds, [
            ("reset:addr:" + address, limits.resets_per_address),
            ("reset:email:" + canonical_email(email), limits.resets_per_email),
        ], TOO_MANY_RESETS)

    async def password_check(self, member_id: int) -> Slot:
        """A password given to change the password or the address: failures per member are
        capped like sign-in failures per email."""
        (slot,) = await self.limiter.hit(self.limits.window_seconds, f"password:member:{member_id}")
        if slot.count > self.limits.per_email:
            raise RateLimited(TOO_MANY_SIGN_INS)
        return slot

    async def _count(self, window: int, keys: list[tuple[str, int]], message: str) -> None:
        slots = await self.limiter.hit(window, *(key for key, _ in keys))
        if any(slot.count > limit for slot, (_, limit) in zip(slots, keys)):
            raise RateLimited(message)

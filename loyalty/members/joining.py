"""Joining the program: the member and their welcome points, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from loyalty import changes, idempotency
from loyalty.auth.passwords import Passwords
from loyalty.charity import donations
from loyalty.charity.choices import choose_charity
from loyalty.errors import IdempotencyConflict, NotFound
from loyalty.members import service as members
from loyalty.members import verification
from loyalty.members.models import Member, SignupRequest
from loyalty.program.spec import Program
from loyalty.referrals import signup as referrals

DEFAULT_VERIFICATION_TTL_SECONDS = 48 * 3600


@dataclass(frozen=True)
class Joined:
    member: Member
    replayed: bool = False  # a retry under an idempotency key: the member made before


def _request_hash(data: members.NewMember, **joining: str | None) -> str:
    # The password is left out: a fast hash of it must not be stored. A retry proves it
    # against the member's argon2 hash instead.
    return idempotency.fingerprint(
        email=data.email, display_name=data.display_name, birthday=data.birthday, locale=data.locale,
        marketing_consent=data.marketing_consent, **joining,
    )


async def _replay(key: str, request_hash: str, password: str, passwords: Passwords) -> Member | None:
    """The member an earlier sign-up under `key` made, or None when there was none."""
    found = await SignupRequest.get_or_none(key=key)
    if found is None:
        return None
    member = await Member.get(id=found.member_id)
    same_password = await passwords.verify(member.password_hash, password)
    if found.request_hash != request_hash or not same_password:
        raise IdempotencyConflict("This sign-up was already made with other details.", field="idempotency_key")
    return member


async def join(
    data: members.NewMember, passwords: Passwords, program: Program, *,
    referral_code: str | None = None, device_id: str | None = None, charity_code: str | None = None,
    idempotency_key: str | None = None, verification_ttl_seconds: int = DEFAULT_VERIFICATION_TTL_SECONDS,
) -> Joined:
    """Validates the form, then creates the member and awards the program's SIGN_UP rule
    together: a member never exists without their welcome points, nor the other way round
    (unless the program gives them once the address is verified). A verification link goes
    to the address. A referral code is checked before anything is created; a charity chosen
    on joining receives the program's join donation.

    The password is hashed (or, for a retry, verified) before anything is looked up, so an
    address with an account (EMAIL_TAKEN) answers as slowly as a new one."""
    data = members.validate_new_member(data, program.program.default_locale)
    key = None if idempotency_key is None else idempotency.check_key(idempotency_key, "idempotency_key")
    request_hash = _request_hash(data, referral_code=referral_code, device_id=device_id, charity_code=charity_code)
    if key is not None:
        earlier = await _replay(key, request_hash, data.password, passwords)
        if earlier is not None:
            return Joined(earlier, replayed=True)
    password_hash = await passwords.hash(data.password)
    try:
        return Joined(await _create(data, password_hash, program, key, request_hash, referral_code=referral_code,
                                    device_id=device_id, charity_code=charity_code,
                                    verification_ttl_seconds=verification_ttl_seconds))
    except (members.EmailTaken, IntegrityError):
        # A retry that ran while the first attempt was still being written.
        earlier = None if key is None else await _replay(key, request_hash, data.password, passwords)
        if earlier is None:
            raise
        return Joined(earlier, replayed=True)


async def _create(
    data: members.NewMember, password_hash: str, program: Program, key: str | None, request_hash: str, *,
    referral_code: str | None, device_id: str | None, charity_code: str | None, verification_ttl_seconds: int,
) -> Member:
    # An address with an account is EMAIL_TAKEN before the referral code is looked at: the
    # code's owner's own address answers as every taken address does (see referrals.check_code).
    if await members.email_taken(data.email):
        raise members.EmailTaken()
    referrer = None
    if referral_code is not None and referral_code.strip():
        referrer = await referrals.check_code(referral_code, data.email, device_id)
    if charity_code is not None and donations.find_charity(program, charity_code) is None:
        raise NotFound("No charity with that id.", field="charity_id")
    welcome_now = not program.program.welcome_after_verification
    async with changes.member_change():
        member = await members.create_member(data, password_hash)
        if key is not None:
            await SignupRequest.create(key=key, request_hash=request_hash, member=member, created_at=member.joined_at)
        await referrals.joined(program, member, member.joined_at, referrer=referrer, device_id=device_id,
                               welcome=welcome_now)
        if charity_code is not None:
            await choose_charity(program, member.id, charity_code, None)
            await donations.donate_on_join(program, member.id, charity_code, member.joined_at)
        if welcome_now:
            await verification.welcome(program, member, referred=False)
        await verification.send_link(member, member.email, verification_ttl_seconds)
    return member

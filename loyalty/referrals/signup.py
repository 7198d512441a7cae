"""Signing up with a referral code: checked before anything is created, recorded with the
new member, who gets the program's welcome coupon."""
from __future__ import annotations

from datetime import datetime

from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.members.models import Member
from loyalty.members.validation import canonical_email
from loyalty.program.spec import Program
from loyalty.referrals.codes import create_code, device_hash, find_code
from loyalty.referrals.models import Referral, ReferralCode, ReferralStatus
from loyalty.rewards import coupons

class SelfReferral(LoyaltyError):
    code = ErrorCode.SELF_REFERRAL

    def __init__(self) -> None:
        super().__init__("You cannot use your own referral code.", field="referral_code")


async def check_code(referral_code: str, email: str, device_id: str | None) -> ReferralCode:
    """The referrer's code, or INVALID_REFERRAL_CODE / SELF_REFERRAL (the device the referrer
    signed up on, or their own mailbox).

    The referrer's own mailbox is an account already, so joining checks EMAIL_TAKEN first
    and answers that, as for any address with an account: a code never tells whether an
    address is its owner's. The mailbox comparison here is a second line behind it."""
    found = await find_code(referral_code)
    if found is None:
        raise LoyaltyError("This referral code is not known.", field="referral_code",
                           code=ErrorCode.INVALID_REFERRAL_CODE)
    referrer = await Member.get(id=found.member_id)
    if canonical_email(referrer.email) == canonical_email(email):
        raise SelfReferral()
    if found.device_hash is not None and found.device_hash == device_hash(device_id):
        raise SelfReferral()
    return found


async def joined(
    program: Program, member: Member, now: datetime, *, referrer: ReferralCode | None, device_id: str | None,
    welcome: bool = True,
) -> None:
    """Inside the joining transaction: the new member's own code, and when they came with a
    code, the referral and (unless it waits for a verified address) the welcome coupon."""
    await create_code(member.id, now, device_id)
    if referrer is None:
        return
    await Referral.create(
        referrer_id=referrer.member_id, friend_id=member.id, status=ReferralStatus.PENDING.value, created_at=now
    )
    if welcome and program.referral is not None and program.referral.welcome_reward is not None:
        await coupons.give(program, program.referral.welcome_reward, member.id, "referral-welcome", now)

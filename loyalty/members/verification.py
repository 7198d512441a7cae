"""Verifying a member's email address, and the welcome that may wait for it.

A link with a single-use token goes to the address (an `account.verify_email` event, sent by
the worker). Until the address is verified, only account emails go to it (see
`loyalty.notifications.fanout`). When the program says `welcome_after_verification`, the
SIGN_UP points and the referral welcome coupon are given when the address is first verified
instead of on joining. A new address (`changeEmail`) takes effect only once verified.
"""
from __future__ import annotations

from loyalty import changes, clock, events, outbox
from loyalty.actions.service import award_action
from loyalty.auth import email_tokens
from loyalty.errors import LoyaltyError
from loyalty.members import service as members
from loyalty.members import validation
from loyalty.members.models import Member
from loyalty.program.spec import ActionKind, Program
from loyalty.referrals.models import Referral
from loyalty.rewards import coupons


async def send_link(member: Member, email: str, ttl_seconds: int, *, change: bool = False) -> None:
    """The verification email for `email` (the member's, or the new one they asked for).
    Inside the caller's transaction."""
    purpose = email_tokens.CHANGE_EMAIL if change else email_tokens.VERIFY_EMAIL
    token = await email_tokens.issue(member.id, purpose, email, ttl_seconds)
    await outbox.emit(events.ACCOUNT_VERIFY_EMAIL, member.id, {
        "token": token, "to": email, "hours": max(1, ttl_seconds // 3600), "change": change,
    })


async def welcome(program: Program, member: Member, *, referred: bool = True) -> None:
    """The SIGN_UP points and, for a referred member (unless `referred` is false: joining
    gives the coupon with the referral), the program's welcome coupon, given once (the
    coupon's reason says so)."""
    now = clock.now()
    referral = await Referral.filter(friend_id=member.id).first() if referred else None
    if referral is not None and program.referral is not None and program.referral.welcome_reward is not None:
        await coupons.give(program, program.referral.welcome_reward, member.id, "referral-welcome", now)
    if program.earning_rule(ActionKind.SIGN_UP) is not None:
        await award_action(program, member.id, ActionKind.SIGN_UP, member.member_number, now)


async def mark_verified(program: Program, member: Member) -> None:
    """The member's current address is theirs (a verification link, or a password reset
    link, which reached it). Inside the caller's transaction, the member locked."""
    if member.email_verified_at is not None:
        return
    member.email_verified_at = clock.now()
    member.updated_at = member.email_verified_at
    await member.save(update_fields=["email_verified_at", "updated_at"])
    if program.program.welcome_after_verification:
        await welcome(program, member)


async def verify_email(program: Program, token: str) -> Member:
    """Uses a verification link: the address is verified, or a new address replaces the old
    one. INVALID_TOKEN for a link that is unknown, used or expired, or for an address that is
    no longer the member's; EMAIL_TAKEN when another account took the new address meanwhile."""
    async with changes.member_change():
        used = await email_tokens.use(token, (email_tokens.VERIFY_EMAIL, email_tokens.CHANGE_EMAIL))
        member = await Member.filter(id=used.member_id).select_for_update().get()
        changes.touch(member.id)
        canonical = validation.canonical_email(used.email)
        if used.purpose == email_tokens.CHANGE_EMAIL:
            other = await Member.filter(email_canonical=canonical).exclude(id=member.id).exists()
            if other or await Member.filter(email_normalized=validation.normalized_email(used.email)).exclude(
                    id=member.id).exists():
                raise members.EmailTaken()
            await email_tokens.retire(member.id, email_tokens.CHANGE_EMAIL)
            await email_tokens.retire(member.id, email_tokens.VERIFY_EMAIL)
            member.email, member.email_canonical = used.email, canonical
            member.email_normalized = validation.normalized_email(used.email)
            member.updated_at = clock.now()
            await member.save(update_fields=["email", "email_normalized", "email_canonical", "updated_at"])
        elif validation.canonical_email(member.email) != canonical:
            raise email_tokens.InvalidToken()
        await mark_verified(program, member)
    return member


async def resend(member: Member, ttl_seconds: int) -> None:
    """A new verification link for the member's current address."""
    if member.email_verified_at is not None:
        raise LoyaltyError("Your email address is verified already.")
    async with changes.member_change():
        await email_tokens.retire(member.id, email_tokens.VERIFY_EMAIL)
        await send_link(member, member.email, ttl_seconds)

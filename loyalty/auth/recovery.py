"""Changing what a member signs in with: a forgotten password (reset by a link sent by
email), a known one (changed with the old one), the email address (changed once the new
address is verified)."""
from __future__ import annotations

import uuid

from loyalty import changes, events, outbox
from loyalty.auth import email_tokens
from loyalty.auth.login import MemberAuth
from loyalty.errors import LoyaltyError
from loyalty.members import service as members
from loyalty.members import validation, verification
from loyalty.members.models import Member
from loyalty.program.spec import Program


async def request_password_reset(auth: MemberAuth, email: str, *, client_address: str) -> None:
    """Sends a reset link when the address has an account, and nothing otherwise: the
    answer is the same either way. Counted per client address and per address asked for
    (RATE_LIMITED past either, for unknown addresses too)."""
    await auth.throttle.password_reset(email, client_address)
    if len(email) > validation.MAX_EMAIL_LENGTH * 2:
        return
    member = await members.find_by_email(email)
    if member is None:
        return
    async with changes.member_change():
        token = await email_tokens.issue(member.id, email_tokens.RESET_PASSWORD, member.email, auth.reset_ttl_seconds)
        await outbox.emit(events.ACCOUNT_PASSWORD_RESET, member.id, {
            "token": token, "to": member.email, "minutes": max(1, auth.reset_ttl_seconds // 60),
        })


async def reset_password(auth: MemberAuth, program: Program, token: str, new_password: str) -> Member:
    """Uses a reset link: the new password is set, every session of the member ends (and
    their devices go with them), every other reset link stops working, a notice goes to the
    address. The link reached the
    member's address, so it counts as verified. INVALID_TOKEN for a link that is unknown,
    used or expired; nothing changes on any error."""
    new_password = _new_password(new_password)
    password_hash = await auth.passwords.hash(new_password)
    async with changes.member_change():
        used = await email_tokens.use(token, (email_tokens.RESET_PASSWORD,))
        member = await Member.filter(id=used.member_id).select_for_update().get()
        changes.touch(member.id)
        if validation.canonical_email(member.email) != validation.canonical_email(used.email):
            raise email_tokens.InvalidToken()  # sent to an address the member has left
        await email_tokens.retire(member.id, email_tokens.RESET_PASSWORD)
        await _set_password(member, password_hash)
        await auth.sessions.revoke_member(member.id, reason="password_reset")
        await verification.mark_verified(program, member)
        await _tell_changed(member, reset=True)
    return member


async def change_password(
    auth: MemberAuth, member: Member, old_password: str, new_password: str, *, session_id: uuid.UUID | None,
) -> None:
    """Sets a new password, given the current one (INVALID_CREDENTIALS on oldPassword when it
    is not right): every other session ends (and its devices go); the caller's own goes on; a
    notice goes to the address."""
    await auth.check_password(member, old_password, "oldPassword")
    new_password = _new_password(new_password)
    password_hash = await auth.passwords.hash(new_password)
    async with changes.member_change():
        locked = await Member.filter(id=member.id).select_for_update().get()
        changes.touch(locked.id)
        await _set_password(locked, password_hash)
        await email_tokens.retire(locked.id, email_tokens.RESET_PASSWORD)
        await auth.sessions.revoke_member(locked.id, reason="password_change", keep=session_id)
        await _tell_changed(locked, reset=False)


async def change_email(auth: MemberAuth, member: Member, new_email: str, password: str) -> None:
    """Sends a verification link to the new address, given the password; the account's
    address changes only when the link is used (`verification.verify_email`), and until then
    the old one stays in use. EMAIL_TAKEN when the address has an account."""
    await auth.check_password(member, password, "password")
    try:
        cleaned = validation.email(new_email)
    except LoyaltyError as exc:
        exc.field = "newEmail"
        raise
    if validation.canonical_email(cleaned) == validation.canonical_email(member.email):
        raise LoyaltyError("This is your email address already.", field="new_email")
    if await members.email_taken(cleaned):
        raise members.EmailTaken(field="new_email")
    async with changes.member_change():
        await email_tokens.retire(member.id, email_tokens.CHANGE_EMAIL)
        await verification.send_link(member, cleaned, auth.verification_ttl_seconds, change=True)


def _new_password(value: str) -> str:
    try:
        return validation.password(value)
    except LoyaltyError as exc:
        exc.field = "newPassword"
        raise


async def _tell_changed(member: Member, *, reset: bool) -> None:
    """A notice to the account's address, so that an owner whose password someone else
    changed finds out."""
    await outbox.emit(events.ACCOUNT_PASSWORD_CHANGED, member.id, {"to": member.email, "reset": reset})


async def _set_password(member: Member, password_hash: str) -> None:
    member.password_hash = password_hash
    await member.save(update_fields=["password_hash"])

"""Joining the program: the member and their welcome points, in one transaction."""
from __future__ import annotations


from loyalty import changes
from loyalty.actions.service import award_action
from loyalty.auth.passwords import Passwords
from loyalty.charity import donations
from loyalty.charity.choices import choose_charity
from loyalty.errors import NotFound
from loyalty.members import service as members
from loyalty.members.models import Member
from loyalty.program.spec import ActionKind, Program
from loyalty.referrals import signup as referrals


async def join(
    data: members.NewMember, passwords: Passwords, program: Program, *,
    referral_code: str | None = None, device_id: str | None = None, charity_code: str | None = None,
) -> Member:
    """Validates the form, then creates the member and awards the program's SIGN_UP rule
    together: a member never exists without their welcome points, nor the other way round.
    A referral code is checked before anything is created; a charity chosen on joining
    receives the program's join donation."""
    data = members.validate_new_member(data, program.program.default_locale)
    referrer = None
    if referral_code is not None and referral_code.strip():
        referrer = await referrals.check_code(referral_code, data.email, device_id)
    if charity_code is not None and donations.find_charity(program, charity_code) is None:
        raise NotFound("No charity with that id.", field="charity_id")
    if await members.find_by_email(data.email) is not None:
        raise members.EmailTaken()
    password_hash = await passwords.hash(data.password)
    async with changes.member_change():
        member = await members.create_member(data, password_hash)
        await referrals.joined(program, member, member.joined_at, referrer=referrer, device_id=device_id)
        if charity_code is not None:
            await choose_charity(program, member.id, charity_code, None)
            await donations.donate_on_join(program, member.id, charity_code, member.joined_at)
        if program.earning_rule(ActionKind.SIGN_UP) is not None:
            await award_action(program, member.id, ActionKind.SIGN_UP, member.member_number, member.joined_at)
    return member

"""Joining the program: the member and their welcome points, in one transaction."""
from __future__ import annotations


from loyalty import changes
from loyalty.actions.service import award_action
from loyalty.auth.passwords import Passwords
from loyalty.members import service as members
from loyalty.members.models import Member
from loyalty.program.spec import ActionKind, Program


async def join(data: members.NewMember, passwords: Passwords, program: Program) -> Member:
    """Validates the form, then creates the member and awards the program's SIGN_UP rule
    together: a member never exists without their welcome points, nor the other way round."""
    data = members.validate_new_member(data, program.program.default_locale)
    if await members.find_by_email(data.email) is not None:
        raise members.EmailTaken()
    password_hash = await passwords.hash(data.password)
    async with changes.member_change():
        member = await members.create_member(data, password_hash)
        if program.earning_rule(ActionKind.SIGN_UP) is not None:
            await award_action(program, member.id, ActionKind.SIGN_UP, member.member_number, member.joined_at)
    return member

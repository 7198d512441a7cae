"""Members made directly in the domain, for tests that do not go through the API."""
from __future__ import annotations

from datetime import date

from loyalty.members import service as members
from loyalty.members.models import Member


async def new_member(email: str = "ann@example.com", birthday: date | None = None) -> int:
    """A member who joins now (by the clock), without welcome points."""
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    member = await members.create_member(data, "hash")
    if birthday is not None:
        await Member.filter(id=member.id).update(birthday=birthday)
    return member.id

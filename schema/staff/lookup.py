"""The member a staff input names by card number, and who is acting."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.audit.record import Actor
from loyalty.errors import NotFound
from loyalty.members import service
from loyalty.members.models import Member
from schema.permissions import require_scope

STAFF_WRITE = "staff:write"


def staff_actor(info: Info) -> Actor:
    """The API key acting, which needs the staff:write scope (admin implies it)."""
    principal = require_scope(info, STAFF_WRITE)
    return Actor(principal.name, principal.api_key_id)


async def member_by_number(member_number: str) -> Member:
    row = await service.find_by_number(member_number)
    if row is None:
        raise NotFound("No member with that number.", field="member_number")
    return row

"""Finding the member an input names, by id or by card number."""
from __future__ import annotations

from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.members import service
from schema.relay import from_global_id, int_key


async def member_id_from_input(member_id: str | None, member_number: str | None) -> int:
    """The member's row id. An id is only decoded here: the domain operation that receives it
    checks that the member exists (NOT_FOUND on memberId), saving a query."""
    if (member_id is None) == (member_number is None):
        raise LoyaltyError("Give either memberId or memberNumber.", field="memberId", code=ErrorCode.REQUIRED)
    if member_id is not None:
        parsed = from_global_id(member_id, "Member")
        pk = None if parsed is None else int_key(parsed[1])
        if pk is None:
            raise NotFound("No member with that id.", field="memberId")
        return pk
    assert member_number is not None
    row = await service.find_by_number(member_number)
    if row is None:
        raise NotFound("No member with that number.", field="memberNumber")
    return row.id

from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.audit.listing import entries
from loyalty.members.models import Member as MemberRow
from schema.audit.types import AuditEntry, AuditEntryConnection
from schema.connection import after_key
from schema.permissions import require_scope
from schema.staff.lookup import member_by_number


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Staff actions and program changes, newest first (scope members:read); "
                                  "only those about one member when `memberNumber` is given.")
    async def audit_log(
        self, info: Info, member_number: str | None = None, first: int | None = None, after: str | None = None,
    ) -> AuditEntryConnection:
        require_scope(info, "members:read")
        member_id = None if member_number is None else (await member_by_number(member_number)).id
        page = await entries(member_id, first, after_key(after))
        ids = {row.member_id for row in page.items if row.member_id is not None}
        numbers = dict(await MemberRow.filter(id__in=ids).values_list("id", "member_number")) if ids else {}
        return AuditEntryConnection.build(page, lambda row: AuditEntry.from_row(row, numbers), after)

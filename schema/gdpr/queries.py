from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty.members import service
from schema.gdpr.resolvers import export_of
from schema.permissions import require_scope


@strawberry.type
class GdprQueries:
    @strawberry.field(description=(
        "Staff (scope members:read): every datum held about the member, as one JSON document "
        "(the format of docs/gdpr.md); null when no member has the number."
    ))
    async def export_member_data(self, info: Info, member_number: str) -> JSON | None:
        require_scope(info, "members:read")
        row = await service.find_by_number(member_number)
        return JSON(await export_of(info, row)) if row else None

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from loyalty.gdpr.export import export_member_data
from loyalty.members.models import Member as MemberRow
from schema.context import context_of


async def export_of(info: Info, row: MemberRow) -> dict[str, Any]:
    return await export_member_data(row, context_of(info).runtime.program.program.program.currency)

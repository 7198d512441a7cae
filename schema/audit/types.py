from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from loyalty.audit.models import AuditEntry as AuditEntryRow
from schema.connection import Connection
from schema.relay import PageInfo


@strawberry.type
class AuditEntry:
    """One staff action or program change. The log is append-only."""

    occurred_at: datetime
    actor: str = strawberry.field(description='The API key\'s name, or "cli" for the loyalty command.')
    action: str = strawberry.field(description="What was done, e.g. member.adjust_points, member.block, program.apply.")
    member_number: str | None = strawberry.field(description="The member it was done to; null for a program change.")
    reason: str | None
    before: JSON | None = strawberry.field(description="The values it changed, as they were.")
    after: JSON | None = strawberry.field(description="The values it changed, as they became.")

    @classmethod
    def from_row(cls, row: AuditEntryRow, numbers: dict[int, str]) -> AuditEntry:
        return cls(occurred_at=row.occurred_at, actor=row.actor, action=row.action,
                   member_number=numbers.get(row.member_id) if row.member_id is not None else None,
                   reason=row.reason, before=row.before, after=row.after)


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditEntryConnection(Connection):
    edges: list[AuditEntryEdge]
    page_info: PageInfo
    edge = AuditEntryEdge

"""Reading the audit log: newest first, for one member or for the whole program."""
from __future__ import annotations

from loyalty import paging
from loyalty.audit.models import AuditEntry


async def entries(member_id: int | None, first: int | None, after: paging.Key | None) -> paging.Page[AuditEntry]:
    query = AuditEntry.all() if member_id is None else AuditEntry.filter(member_id=member_id)
    return await paging.newest_first(query, first, after)

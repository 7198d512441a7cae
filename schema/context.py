"""The per-request context: who is calling, the runtime, and this request's loaders."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from loyalty.auth.principal import Principal
from loyalty.members.models import Member
from loyalty.runtime import Runtime


async def _load_members(ids: list[int]) -> list[Member | None]:
    rows = {m.id: m for m in await Member.filter(id__in=ids)}
    return [rows.get(i) for i in ids]


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    client_address: str
    request: Any = None
    response: Any = None
    # Why credentials were refused, when the request carried some that did not verify.
    credential_error: str | None = None
    members: DataLoader[int, Member | None] = field(default_factory=lambda: DataLoader(_load_members))


def context_of(info: Info) -> Context:
    return info.context

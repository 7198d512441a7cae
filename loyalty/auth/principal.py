"""Who is calling: a member (access token), a server (API key), or nobody."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

SCOPES = frozenset({"purchases:write", "members:read", "visits:write", "admin", "payments:write", "staff:write",
                    "reports:read"})


@dataclass(frozen=True)
class MemberPrincipal:
    member_id: int
    session_id: UUID | None = None


@dataclass(frozen=True)
class ServicePrincipal:
    api_key_id: int
    name: str
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


Principal = MemberPrincipal | ServicePrincipal | None

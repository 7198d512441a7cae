"""Who may call what. Unauthenticated access is a top-level error; the wrong kind of
caller is FORBIDDEN (a UserError in a mutation's payload, a top-level error on a query)."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.auth.principal import MemberPrincipal, ServicePrincipal
from loyalty.errors import Forbidden
from loyalty.members.models import Member
from schema.context import context_of
from schema.errors import TopLevelCode, top_level_error


def _unauthenticated(info: Info):
    reason = context_of(info).credential_error
    message = f"Authentication required: {reason}." if reason else "Authentication required."
    return top_level_error(TopLevelCode.UNAUTHENTICATED, message)


def require_member(info: Info) -> MemberPrincipal:
    principal = context_of(info).principal
    if principal is None:
        raise _unauthenticated(info)
    if not isinstance(principal, MemberPrincipal):
        raise Forbidden("This operation is for signed-in members; an API key cannot act as a member.")
    return principal


async def current_member(info: Info) -> Member:
    """The signed-in member's row; a token whose member no longer exists is unauthenticated."""
    principal = require_member(info)
    member = await context_of(info).members.load(principal.member_id)
    if member is None:
        raise _unauthenticated(info)
    return member


def require_scope(info: Info, scope: str) -> ServicePrincipal:
    principal = context_of(info).principal
    if principal is None:
        raise _unauthenticated(info)
    if not isinstance(principal, ServicePrincipal):
        raise Forbidden("This operation is for the shop's backend and staff: it needs an API key.")
    if not principal.has_scope(scope):
        raise Forbidden(f"This API key lacks the scope {scope}.")
    return principal


def viewer_member_id(info: Info) -> int | None:
    """The signed-in member's id; None for a request without credentials or with an API key.
    Credentials that were refused (an expired or forged token) are UNAUTHENTICATED, so that
    a client can tell "signed out" from "sign in again"."""
    refuse_rejected_credentials(info)
    principal = context_of(info).principal
    return principal.member_id if isinstance(principal, MemberPrincipal) else None


def refuse_rejected_credentials(info: Info) -> None:
    """For fields that are null to an anonymous caller: credentials that were sent and
    refused are an error instead."""
    context = context_of(info)
    if context.principal is None and context.credential_error:
        raise _unauthenticated(info)


def may_read_member(info: Info, member_id: int) -> bool:
    """A member reads only themself; a key with members:read reads anyone."""
    principal = context_of(info).principal
    if isinstance(principal, MemberPrincipal):
        return principal.member_id == member_id
    return isinstance(principal, ServicePrincipal) and principal.has_scope("members:read")


async def readable_member(info: Info, member_id: int) -> Member:
    """A member reached through another object (a purchase, a payload): only for callers who
    may read that member; an API key needs members:read."""
    if not may_read_member(info, member_id):
        raise top_level_error(TopLevelCode.FORBIDDEN, "Reading a member needs the members:read scope.")
    member = await context_of(info).members.load(member_id)
    if member is None:
        raise top_level_error(TopLevelCode.NOT_FOUND, "The member no longer exists.")
    return member

"""Checking an access token: its signature and claims (`TokenService.verify`), then that its
member was not erased. An erased member's tokens are refused from the erasure's commit on,
although their signature and lifetime are still good."""
from __future__ import annotations

from loyalty.auth.principal import MemberPrincipal
from loyalty.auth.tokens import InvalidToken, TokenService
from loyalty.members.models import Member


async def verify_access(tokens: TokenService, token: str) -> MemberPrincipal:
    principal = tokens.verify(token)
    if await Member.filter(id=principal.member_id, erased_at__isnull=False).exists():
        raise InvalidToken("the member was erased")
    return principal

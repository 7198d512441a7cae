"""Checking an access token: its signature and claims (`TokenService.verify`), then that its
member was not erased. An erased member's tokens are refused from the erasure's commit on,
although their signature and lifetime are still good. The member's row is read only when this
process has not seen the member not erased since the last change to them
(`loyalty.auth.not_erased`)."""
from __future__ import annotations

from loyalty.auth.not_erased import seen
from loyalty.auth.principal import MemberPrincipal
from loyalty.auth.tokens import InvalidToken, TokenService
from loyalty.members.models import Member


async def verify_access(tokens: TokenService, token: str) -> MemberPrincipal:
    principal = tokens.verify(token)
    if await seen.holds(principal.member_id):
        return principal
    mark = seen.mark()  # a change heard during the read wins over what the read says
    if await Member.filter(id=principal.member_id, erased_at__isnull=False).exists():
        raise InvalidToken("the member was erased")
    seen.saw(principal.member_id, mark)
    return principal

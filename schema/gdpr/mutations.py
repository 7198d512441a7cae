from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.gdpr import erasure
from schema.context import context_of
from schema.gdpr.types import DeleteAccountInput, DeleteAccountPayload, EraseMemberInput, EraseMemberPayload
from schema.permissions import current_member, require_scope


@strawberry.type
class GdprMutations:
    @strawberry.mutation(description="Removes or anonymises the member's personal data; the ledger is kept, balanced.")
    async def erase_member(self, info: Info, input: EraseMemberInput) -> EraseMemberPayload:
        actor = f"api_key:{require_scope(info, 'staff:write').name}"
        done = await erasure.erase_member(input.member_number, input.idempotency_key, actor, clock.now())
        return EraseMemberPayload(erased_at=done.erased_at)

    @strawberry.mutation(description=(
        "The signed-in member deletes their account: erased as eraseMember does, given their password."
    ))
    async def delete_account(self, info: Info, input: DeleteAccountInput) -> DeleteAccountPayload:
        member = await current_member(info)
        done = await erasure.delete_account(context_of(info).runtime.auth, member, input.password, clock.now())
        return DeleteAccountPayload(erased_at=done.erased_at)

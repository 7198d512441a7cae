from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.actions.service import record_action
from schema.context import context_of
from schema.errors import UserError
from schema.members.lookup import member_id_from_input
from schema.members.types import Member
from schema.permissions import readable_member, require_scope
from schema.program.types import ActionKind


@strawberry.input
class RecordActionInput:
    member_id: strawberry.ID | None = None
    member_number: str | None = None
    action: ActionKind
    reference: str = strawberry.field(
        description="The external id of the action (a review id, a share id): its idempotency key."
    )


@strawberry.type
class RecordActionPayload:
    points_awarded: int = strawberry.field(
        default=0, description="Points awarded; 0 when the rule's limit was already reached."
    )
    limit_reached: bool = strawberry.field(
        default=False, description="True when the rule's limit was reached and nothing was awarded."
    )
    member_id: strawberry.Private[int | None] = None

    @strawberry.field
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        return Member.from_row(await readable_member(info, self.member_id))

    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ActionMutations:
    @strawberry.mutation
    async def record_action(self, info: Info, input: RecordActionInput) -> RecordActionPayload:
        context = context_of(info)
        require_scope(info, "purchases:write")
        member_id = await member_id_from_input(input.member_id, input.member_number)
        result = await record_action(context.runtime.program.program, member_id, input.action, input.reference)
        return RecordActionPayload(
            points_awarded=result.points_awarded, limit_reached=result.limit_reached, member_id=member_id
        )

from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.visits import record
from schema.context import context_of
from schema.members.lookup import member_id_from_input
from schema.passes.ids import pass_pk
from schema.passes.types import Pass
from schema.permissions import require_scope
from schema.rewards.types import IssuedReward
from schema.visits.types import RecordVisitInput, RecordVisitPayload


@strawberry.type
class VisitMutations:
    @strawberry.mutation
    async def record_visit(self, info: Info, input: RecordVisitInput) -> RecordVisitPayload:
        program = context_of(info).runtime.program.program
        require_scope(info, "visits:write")
        request = record.VisitRequest(
            member_id=await member_id_from_input(None, input.member_number), reference=input.reference,
            location=input.location, pass_id=pass_pk(input.pass_id), occurred_at=input.occurred_at,
        )
        result = await record.record_visit(program, request)
        return RecordVisitPayload(
            pass_=await Pass.from_row(result.pass_row, program),
            issued_reward=IssuedReward.from_row(result.issued_reward) if result.issued_reward else None,
        )

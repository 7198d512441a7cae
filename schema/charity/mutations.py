from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.charity import choices, donations
from schema.charity.types import ChooseCharityInput, DonatePointsInput, DonatePointsPayload, Donation
from schema.context import context_of
from schema.ledger.resolvers import wallet_of
from schema.members.types import Member, MemberPayload
from schema.permissions import current_member
from schema.relay import from_global_id


def charity_code(global_id: str | None) -> str | None:
    """The charity's code; an id of another type names no charity (NOT_FOUND)."""
    if global_id is None:
        return None
    parsed = from_global_id(global_id, "Charity")
    return parsed[1] if parsed else ""


@strawberry.type
class CharityMutations:
    @strawberry.mutation
    async def choose_charity(self, info: Info, input: ChooseCharityInput) -> MemberPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        await choices.choose_charity(program, member.id, charity_code(input.charity_id), input.auto_donate_percent)
        return MemberPayload(member=Member.from_row(member))

    @strawberry.mutation
    async def donate_points(self, info: Info, input: DonatePointsInput) -> DonatePointsPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await donations.donate_points(
            program, member.id, charity_code(input.charity_id), input.points, input.idempotency_key
        )
        return DonatePointsPayload(donation=Donation.from_row(row, program), wallet=await wallet_of(info, member))

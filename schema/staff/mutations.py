from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.staff import adjustments, blocks, operations
from schema.context import context_of
from schema.ledger.resolvers import wallet_of
from schema.members.types import Member, MemberPayload
from schema.rewards.types import IssuedReward, IssuedRewardPayload
from schema.staff.lookup import member_by_number, staff_actor
from schema.staff.types import (
    AdjustCreditInput, AdjustmentPayload, AdjustPointsInput, BlockMemberInput, CancelIssuedRewardInput,
    SetTierInput, UnblockMemberInput,
)


@strawberry.type
class StaffMutations:
    @strawberry.mutation(description="Gives (positive) or takes (negative) points with a reason the member sees; "
                                     "never below zero.")
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> AdjustmentPayload:
        actor, program = staff_actor(info), context_of(info).runtime.program.program
        member = await member_by_number(input.member_number)
        await adjustments.adjust_points(program, actor, member.id, input.points, input.reason, input.idempotency_key)
        return AdjustmentPayload(wallet=await wallet_of(info, member))

    @strawberry.mutation(description="Gives (positive) or takes (negative) store credit with a reason the member "
                                     "sees; never below zero.")
    async def adjust_credit(self, info: Info, input: AdjustCreditInput) -> AdjustmentPayload:
        actor, program = staff_actor(info), context_of(info).runtime.program.program
        member = await member_by_number(input.member_number)
        await adjustments.adjust_credit(program, actor, member.id, input.amount, input.currency_code, input.reason,
                                        input.idempotency_key)
        return AdjustmentPayload(wallet=await wallet_of(info, member))

    @strawberry.mutation(description="Sets the member's tier until a date, when it lapses to the tier they earned.")
    async def set_tier(self, info: Info, input: SetTierInput) -> MemberPayload:
        actor, program = staff_actor(info), context_of(info).runtime.program.program
        member = await member_by_number(input.member_number)
        await operations.set_tier(program, actor, member.id, input.tier, input.until, input.reason, clock.now())
        return MemberPayload(member=Member.from_row(member))

    @strawberry.mutation(description="Cancels an issued reward that was not used: its points come back to the member.")
    async def cancel_issued_reward(self, info: Info, input: CancelIssuedRewardInput) -> IssuedRewardPayload:
        row = await operations.cancel_reward(staff_actor(info), input.code, input.reason, clock.now())
        return IssuedRewardPayload(issued_reward=IssuedReward.from_row(row))

    @strawberry.mutation(description="Blocks the member for review: earning continues, spending, redeeming, donating "
                                     "and transferring do not.")
    async def block_member(self, info: Info, input: BlockMemberInput) -> MemberPayload:
        actor = staff_actor(info)
        member = await member_by_number(input.member_number)
        await blocks.block_member(actor, member.id, input.reason, clock.now())
        return MemberPayload(member=Member.from_row(member))

    @strawberry.mutation(description="Lifts the member's block: they can spend again.")
    async def unblock_member(self, info: Info, input: UnblockMemberInput) -> MemberPayload:
        actor = staff_actor(info)
        member = await member_by_number(input.member_number)
        await blocks.unblock_member(actor, member.id, input.reason, clock.now())
        return MemberPayload(member=Member.from_row(member))

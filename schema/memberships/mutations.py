from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.errors import NotFound
from loyalty.memberships import payments, subscriptions
from schema.context import context_of
from schema.memberships.types import (
    CancelMembershipInput, MembershipPayload, PaidMembership, RecordPlanPaymentInput, RefundPlanPaymentInput,
    SubscribeToPlanInput,
)
from schema.permissions import current_member, require_scope
from schema.relay import from_global_id, int_key


def _key(global_id: str, type_name: str, field: str) -> str:
    parsed = from_global_id(global_id, type_name)
    if parsed is None:
        raise NotFound(f"No {type_name} with that id.", field=field)
    return parsed[1]


def _membership_id(global_id: str) -> int:
    pk = int_key(_key(global_id, "PaidMembership", "membershipId"))
    if pk is None:
        raise NotFound("No membership with that id.", field="membershipId")
    return pk


def _actor(info: Info) -> str:
    return f"api_key:{require_scope(info, 'payments:write').name}"


@strawberry.type
class MembershipMutations:
    @strawberry.mutation
    async def subscribe_to_plan(self, info: Info, input: SubscribeToPlanInput) -> MembershipPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await subscriptions.subscribe(
            program, member.id, _key(input.plan_id, "Plan", "planId"), input.idempotency_key, clock.now()
        )
        return MembershipPayload(membership=PaidMembership.from_row(row, program))

    @strawberry.mutation
    async def cancel_membership(self, info: Info, input: CancelMembershipInput) -> MembershipPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await subscriptions.cancel(program, member.id, input.at_period_end, clock.now())
        return MembershipPayload(membership=PaidMembership.from_row(row, program))

    @strawberry.mutation(description="Confirms a plan payment: activates or renews the membership.")
    async def record_plan_payment(self, info: Info, input: RecordPlanPaymentInput) -> MembershipPayload:
        program = context_of(info).runtime.program.program
        actor = _actor(info)
        payment = payments.Payment(_membership_id(input.membership_id), input.payment_id, input.amount,
                                   input.currency_code, actor)
        row = await payments.record_payment(program, payment, clock.now())
        return MembershipPayload(membership=PaidMembership.from_row(row, program))

    @strawberry.mutation(description="Records a refund of a plan payment: ends the period it paid for.")
    async def refund_plan_payment(self, info: Info, input: RefundPlanPaymentInput) -> MembershipPayload:
        program = context_of(info).runtime.program.program
        actor = _actor(info)
        row = await payments.refund_payment(program, input.payment_id, input.refund_id, clock.now(), actor)
        return MembershipPayload(membership=PaidMembership.from_row(row, program))

from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.passes import buying, payments
from schema.context import context_of
from schema.passes.ids import pass_pk, product_code
from schema.passes.types import BuyPassInput, Pass, PassPayload, RecordPassPaymentInput, RefundPassPaymentInput
from schema.permissions import current_member, require_scope


@strawberry.type
class PassMutations:
    @strawberry.mutation
    async def buy_pass(self, info: Info, input: BuyPassInput) -> PassPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await buying.buy_pass(program, member.id, product_code(input.pass_product_id), input.idempotency_key,
                                    clock.now())
        return PassPayload(pass_=await Pass.from_row(row, program))

    @strawberry.mutation(description="Confirms a pass payment: activates the pass.")
    async def record_pass_payment(self, info: Info, input: RecordPassPaymentInput) -> PassPayload:
        program = context_of(info).runtime.program.program
        require_scope(info, "payments:write")
        payment = payments.Payment(pass_pk(input.pass_id) or 0, input.payment_id, input.amount, input.currency_code)
        row = await payments.record_payment(program, payment, clock.now())
        return PassPayload(pass_=await Pass.from_row(row, program))

    @strawberry.mutation(description=(
        "Records a refund of a pass payment: cancels the pass; visitsUsed tells what was used. The money "
        "refunded is the shop's decision, made in its payment system."
    ))
    async def refund_pass_payment(self, info: Info, input: RefundPassPaymentInput) -> PassPayload:
        program = context_of(info).runtime.program.program
        require_scope(info, "payments:write")
        row = await payments.refund_payment(program, input.payment_id, input.refund_id, clock.now())
        return PassPayload(pass_=await Pass.from_row(row, program))

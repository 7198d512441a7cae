from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.purchases import refunds, service
from schema.context import context_of
from schema.members.lookup import member_id_from_input
from schema.passes.ids import pass_pk
from schema.permissions import require_scope
from schema.purchases.types import PurchasePayload, Purchase, RecordPurchaseInput, RefundPurchaseInput


def _items(items) -> tuple[service.Item, ...]:
    return tuple(service.Item(i.sku, i.quantity, i.amount, i.category) for i in items or ())


@strawberry.type
class PurchaseMutations:
    @strawberry.mutation
    async def record_purchase(self, info: Info, input: RecordPurchaseInput) -> PurchasePayload:
        program = context_of(info).runtime.program.program
        require_scope(info, "purchases:write")
        request = service.PurchaseRequest(
            member_id=await member_id_from_input(input.member_id, input.member_number),
            order_id=input.order_id, amount=input.amount, currency=input.currency_code, brand=input.brand,
            occurred_at=input.occurred_at, items=_items(input.items), points_to_spend=input.points_to_spend,
            credit_to_spend=input.credit_to_spend, pass_id=pass_pk(input.pass_id),
            pass_credit_to_spend=input.pass_credit_to_spend,
        )
        row = await service.record_purchase(program, request)
        return PurchasePayload(purchase=Purchase.from_row(row, program))

    @strawberry.mutation
    async def refund_purchase(self, info: Info, input: RefundPurchaseInput) -> PurchasePayload:
        program = context_of(info).runtime.program.program
        require_scope(info, "purchases:write")
        row = await refunds.refund_purchase(
            program, refunds.RefundRequest(input.order_id, input.refund_id, input.amount, _items(input.items))
        )
        return PurchasePayload(purchase=Purchase.from_row(row, program))

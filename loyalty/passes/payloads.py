"""What the pass events carry, and the pass's product."""
from __future__ import annotations

from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.passes.models import Pass
from loyalty.program.spec import PassProduct, Program


def product_of(program: Program, row: Pass) -> PassProduct:
    product = program.pass_product(row.product_code)
    if product is None:
        raise LoyaltyError("The pass's product is no longer offered.", field="pass_id", code=ErrorCode.PASS_NOT_VALID)
    return product


def pass_name(program: Program, row: Pass) -> str:
    """The name of the pass's product (its code when the program no longer offers it)."""
    product = program.pass_product(row.product_code)
    return product.name if product else row.product_code


def payload(program: Program, row: Pass, **extra: object) -> dict[str, object]:
    return {"pass_id": row.id, "product": row.product_code, "product_name": pass_name(program, row),
            "kind": row.kind, **extra}

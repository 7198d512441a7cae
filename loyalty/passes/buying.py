"""A member buys a paid pass (buyPass): it waits in PENDING_PAYMENT, not usable, until the
payment system records its payment. Exactly once per idempotency key; a punch card is free
and is not bought (it starts with the first visit)."""
from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.money import to_minor
from loyalty.passes import history
from loyalty.passes.models import Pass, PassStatus
from loyalty.program.spec import PassKind, Program


async def _replay(key: str, request_hash: str) -> Pass | None:
    existing = await Pass.get_or_none(idempotency_key=key)
    if existing is not None:
        check_replay(existing.request_hash or "", request_hash, "pass purchase")
    return existing


async def buy_pass(program: Program, member_id: int, product_code: str, key: str, now: datetime) -> Pass:
    key = f"{member_id}:{check_key(key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, product=product_code)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    product = program.pass_product(product_code)
    if product is None:
        raise NotFound("No pass product with that id.", field="pass_product_id")
    if product.kind is PassKind.PUNCH_CARD:
        raise LoyaltyError("A punch card is free: it starts with the first visit.", field="pass_product_id",
                           code=ErrorCode.NOT_AVAILABLE)
    try:
        async with changes.member_change():
            await lock_member_account(member_id, Asset.POINTS)
            if (existing := await _replay(key, request_hash)) is not None:
                return existing
            row = await Pass.create(
                member_id=member_id, product_code=product.code, kind=product.kind.value,
                status=PassStatus.PENDING_PAYMENT.value,
                visits_total=(product.visits or 0) + (product.bonus_visits or 0)
                if product.kind is PassKind.VISIT_PACK else None,
                valid_from=now, idempotency_key=key, request_hash=request_hash, created_at=now,
            )
            settings = program.program
            await history.record(program, row, history.Code.PASS_BOUGHT, now, currency=settings.currency,
                                 amount_minor=to_minor(product.price, settings.minor_units) if product.price else None)
            changes.touch(member_id)
            return row
    except IntegrityError:  # the same key, committed by a concurrent request first
        if (existing := await _replay(key, request_hash)) is not None:
            return existing
        raise

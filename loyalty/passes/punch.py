"""Punch cards: a member holds one open card per product. A visit stamps it (the card is
made on the first visit); the stamp that completes it (`visits` stamps, counting only
those younger than `stamp_valid_days` when the product sets it) issues the product's
reward as a coupon (no points spent; stock taken only when the reward has stock), closes
the card (USED_UP) and opens a new one. Inside the visit's transaction."""
from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import events, outbox
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.payloads import payload
from loyalty.program.spec import PassKind, PassProduct, Program
from loyalty.rewards import coupons, stock
from loyalty.rewards.models import IssuedReward, IssuedSource
from loyalty.visits.models import Visit


def open_key(member_id: int, product: PassProduct) -> str:
    return f"{member_id}:{product.code}"


def card_product(program: Program, location: str | None) -> PassProduct | None:
    """The program's punch card for a visit at `location` (the first that names it or names none)."""
    return next((p for p in program.pass_products if p.kind is PassKind.PUNCH_CARD
                 and (not p.locations or location in p.locations)), None)


async def open_card(member_id: int, product: PassProduct, now: datetime) -> Pass:
    key = open_key(member_id, product)
    card = await Pass.get_or_none(open_card_key=key)
    if card is None:
        card = await Pass.create(
            member_id=member_id, product_code=product.code, kind=PassKind.PUNCH_CARD.value,
            status=PassStatus.ACTIVE.value, visits_total=product.visits, valid_from=now, open_card_key=key,
            created_at=now,
        )
    return card


async def stamp(program: Program, card: Pass, product: PassProduct, at: datetime,
                now: datetime) -> tuple[Pass, IssuedReward | None]:
    """Adds the visit's stamp to `card` (the visit row is written after, by the caller)."""
    if product.stamp_valid_days:
        since = at - timedelta(days=product.stamp_valid_days)
        card.visits_used = await Visit.filter(pass_id=card.id, occurred_at__gt=since).count() + 1
    else:
        card.visits_used += 1
    total = product.visits or 0
    if card.visits_used < total:
        await card.save(update_fields=["visits_used"])
        reward = program.reward(product.reward) if product.reward else None
        await outbox.emit(events.PASS_STAMPED, card.member_id, payload(
            program, card, stamps=card.visits_used, visits=total, remaining=total - card.visits_used,
            reward_name=reward.name if reward else "",
        ))
        return card, None
    reward = program.reward(product.reward or "")
    await stock.take_one(reward)
    issued = await coupons.issue(reward, card.member_id, now, source=IssuedSource.GIFT,
                                 idempotency_key=f"punch-card:{card.id}")
    card.status, card.open_card_key, card.ended_at = PassStatus.USED_UP.value, None, now
    await card.save(update_fields=["visits_used", "status", "open_card_key", "ended_at"])
    await open_card(card.member_id, product, now)
    await outbox.emit(events.PASS_CARD_COMPLETED, card.member_id, payload(
        program, card, **coupons.payload(issued, expires_at=issued.expires_at.isoformat() if issued.expires_at else None),
    ))
    return card, issued

"""Using a pass for a visit, inside the visit's transaction (the member's lock held).

Without a pass named, the visit goes to the member's active pass that fits: a time pass
first, then the visit pack that expires soonest; with none, it stamps the program's punch
card for the location (made on the first visit); with neither it is NO_VALID_PASS. A named
pass is used or the visit is refused (PASS_NOT_VALID, PASS_USED_UP; NOT_FOUND for a pass of
another member). A visit pack's visit is taken with a guarded UPDATE, so it is never used
past its total: the last one makes it USED_UP."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty import events, outbox, sql
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.passes import punch
from loyalty.passes.admission import refusal
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.payloads import payload, product_of
from loyalty.program.spec import PassKind, Program
from loyalty.rewards.models import IssuedReward

LOW_VISITS = 2  # a visit pack with this many visits left or fewer says so, once


@dataclass(frozen=True)
class Use:
    pass_row: Pass
    issued_reward: IssuedReward | None = None


async def use_for_visit(program: Program, member_id: int, pass_id: int | None, location: str | None,
                        at: datetime, now: datetime) -> Use:
    if pass_id is not None:
        row = await Pass.get_or_none(id=pass_id)
        if row is None or row.member_id != member_id:
            raise NotFound("No pass of this member with that id.", field="pass_id")
        product = product_of(program, row)
        if (refused := await refusal(program, row, product, location, at)) is not None:
            raise refused
        return await _apply(program, row, at, now)
    chosen = await _choose(program, member_id, location, at)
    if chosen is not None:
        return await _apply(program, chosen, at, now)
    card_product = punch.card_product(program, location)
    if card_product is None:
        raise LoyaltyError("The member holds no pass that admits this visit.", field="pass_id",
                           code=ErrorCode.NO_VALID_PASS)
    card = await punch.open_card(member_id, card_product, now)
    return await _apply(program, card, at, now)


async def _choose(program: Program, member_id: int, location: str | None, at: datetime) -> Pass | None:
    rows = await Pass.filter(member_id=member_id, status=PassStatus.ACTIVE.value,
                             kind__in=[PassKind.TIME_PASS.value, PassKind.VISIT_PACK.value])
    far = datetime.max.replace(tzinfo=at.tzinfo)
    rows.sort(key=lambda r: (r.kind != PassKind.TIME_PASS.value, r.valid_until or far, r.id))
    for row in rows:
        product = program.pass_product(row.product_code)
        if product is not None and await refusal(program, row, product, location, at) is None:
            return row
    return None


async def _apply(program: Program, row: Pass, at: datetime, now: datetime) -> Use:
    product = product_of(program, row)
    if product.kind is PassKind.PUNCH_CARD:
        card, issued = await punch.stamp(program, row, product, at, now)
        return Use(card, issued)
    if product.kind is PassKind.VISIT_PACK:
        taken = await sql.execute(
            "UPDATE passes SET visits_used = visits_used + 1, status = CASE WHEN visits_used + 1 >= visits_total "
            "THEN ? ELSE status END WHERE id = ? AND status = ? AND visits_used < visits_total",
            PassStatus.USED_UP.value, row.id, PassStatus.ACTIVE.value,
        )
        if taken != 1:
            raise LoyaltyError("Every visit of the pass is used.", field="pass_id", code=ErrorCode.PASS_USED_UP)
    else:
        await sql.execute("UPDATE passes SET visits_used = visits_used + 1 WHERE id = ?", row.id)
    row = await Pass.get(id=row.id)
    left = None if row.visits_total is None else row.visits_total - row.visits_used
    await outbox.emit(events.PASS_VISIT_USED, row.member_id, payload(
        program, row, visits_used=row.visits_used, visits_left=left))
    if left is not None and 0 < left <= LOW_VISITS and not row.reminded_low:
        row.reminded_low = True
        await row.save(update_fields=["reminded_low"])
        await outbox.emit(events.PASS_VISITS_LOW, row.member_id, payload(program, row, visits_left=left))
    return Use(row)

"""Recording an action: the program's earning rule for it, within the rule's limit,
exactly once per (action, reference). Past the limit the action is recorded with 0 points."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox
from loyalty.actions.models import ActionRecord
from loyalty.actions.periods import period_start
from loyalty.charity import donations
from loyalty.errors import ErrorCode, IdempotencyConflict, LoyaltyError, NotFound
from loyalty.idempotency import check_key
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.ledger.models import Asset
from loyalty.members import service as members
from loyalty.members.models import Member
from loyalty.program.spec import ActionKind, Program
from loyalty.tiers import progress


@dataclass(frozen=True)
class ActionResult:
    record: ActionRecord
    replayed: bool = False

    @property
    def points_awarded(self) -> int:
        return int(self.record.points_awarded)

    @property
    def limit_reached(self) -> bool:
        return self.record.limit_reached


async def _replay(action: ActionKind, reference: str, member_id: int) -> ActionResult | None:
    existing = await ActionRecord.get_or_none(action=action.value, reference=reference)
    if existing is None:
        return None
    if existing.member_id != member_id:
        raise IdempotencyConflict("This action reference was already recorded for another member.")
    return ActionResult(existing, replayed=True)


async def record_action(program: Program, member_id: int, action: ActionKind, reference: str) -> ActionResult:
    reference = check_key(reference, "reference")
    if program.earning_rule(action) is None:
        raise LoyaltyError(f"The program has no earning rule for {action.value}.", field="action",
                           code=ErrorCode.NOT_AVAILABLE)
    if (replayed := await _replay(action, reference, member_id)) is not None:
        return replayed
    if not await Member.exists(id=member_id, erased_at=None):
        raise NotFound("No member with that id or number.", field="member_id")
    try:
        async with changes.member_change():
            return ActionResult(await award_action(program, member_id, action, reference, clock.now()))
    except IntegrityError:
        if (replayed := await _replay(action, reference, member_id)) is not None:
            return replayed
        raise


async def award_action(
    program: Program, member_id: int, action: ActionKind, reference: str, now: datetime,
    memo: dict[str, object] | None = None,
) -> ActionRecord:
    """Inside the caller's transaction (sign-up calls it in the one that creates the member).
    `memo` adds to the points transfer's memo (what describes it: a visit's pass)."""
    rule = program.earning_rule(action)
    assert rule is not None, "an action is recorded only when the program has its rule"
    account = await lock_member_account(member_id, Asset.POINTS)
    await members.refuse_erased(member_id)
    record = await ActionRecord.create(
        member_id=member_id, action=action.value, reference=reference, occurred_at=now
    )
    if rule.limit is not None:
        start = period_start(rule.limit.per, now, program.program.zone)
        earlier = ActionRecord.filter(member_id=member_id, action=action.value, points_awarded__gt=0)
        if start is not None:
            earlier = earlier.filter(occurred_at__gte=start)
        if await earlier.count() >= rule.limit.count:
            record.limit_reached = True
            await record.save(update_fields=["limit_reached"])
            return record
    award = await book.credit_member(
        account, rule.points,
        book.Entry(TransferCode.EARN_ACTION, f"action:{action.value}:{reference}", member_id, now, reference,
                   memo={**(memo or {}), "action": action.value}),
        ISSUANCE, lot_expires_at=lot_expiry(program, now),
    )
    await donations.after_award(program, account, award)
    record.points_awarded = rule.points
    await record.save(update_fields=["points_awarded"])
    await outbox.emit(events.POINTS_EARNED, member_id, {"points": rule.points, "action": action.value})
    await progress.track(program, member_id, now)
    return record

"""recordVisit: a visit reported by the booking or check-in system, exactly once per
reference (the same reference with another member, pass, location or time is
IDEMPOTENCY_CONFLICT). It uses a pass (loyalty.passes.using), earns the VISIT earning rule's
points within its limit, and counts for the VISITS tier metric. A refused visit changes
nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock
from loyalty.actions.service import award_action
from loyalty.errors import LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.members.models import Member
from loyalty.passes import history
from loyalty.passes.models import Pass
from loyalty.passes.using import use_for_visit
from loyalty.program.spec import ActionKind, Program
from loyalty.rewards.models import IssuedReward
from loyalty.tiers import progress
from loyalty.visits.models import Visit

FUTURE_LEEWAY = timedelta(minutes=5)  # as for purchases: the booking system's clock may run fast


@dataclass(frozen=True)
class VisitRequest:
    member_id: int
    reference: str
    location: str | None = None
    pass_id: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class VisitResult:
    visit: Visit
    pass_row: Pass | None
    issued_reward: IssuedReward | None


def _request_hash(request: VisitRequest) -> str:
    at = request.occurred_at
    return fingerprint(member=request.member_id, location=request.location, pass_id=request.pass_id,
                       occurred_at=at.astimezone(timezone.utc).isoformat() if at and at.tzinfo else at)


async def _result(visit: Visit) -> VisitResult:
    row = await Pass.get_or_none(id=visit.pass_id) if visit.pass_id else None
    issued = await IssuedReward.get_or_none(id=visit.issued_reward_id) if visit.issued_reward_id else None
    return VisitResult(visit, row, issued)


async def _replay(reference: str, request_hash: str) -> VisitResult | None:
    existing = await Visit.get_or_none(reference=reference)
    if existing is None:
        return None
    check_replay(existing.request_hash, request_hash, "visit")
    return await _result(existing)


def _instant(occurred_at: datetime | None, now: datetime) -> datetime:
    at = occurred_at or now
    if at.tzinfo is None:
        raise LoyaltyError("Give the time of the visit with a time zone offset.", field="occurred_at")
    at = at.astimezone(timezone.utc)
    if at > now + FUTURE_LEEWAY:
        raise LoyaltyError("A visit cannot happen in the future.", field="occurred_at")
    return at


async def record_visit(program: Program, request: VisitRequest) -> VisitResult:
    reference = check_key(request.reference, "reference")
    request_hash = _request_hash(request)
    if (replayed := await _replay(reference, request_hash)) is not None:
        return replayed
    now = clock.now()
    at = _instant(request.occurred_at, now)
    location = request.location.strip() if request.location and request.location.strip() else None
    if not await Member.exists(id=request.member_id):
        raise NotFound("No member with that number.", field="member_id")
    try:
        async with changes.member_change():
            await lock_member_account(request.member_id, Asset.POINTS)
            if (replayed := await _replay(reference, request_hash)) is not None:  # committed while we waited
                return replayed
            use = await use_for_visit(program, request.member_id, request.pass_id, location, at, now)
            entry = history.visit_entry(program, use.pass_row, location)
            points = 0
            if program.earning_rule(ActionKind.VISIT) is not None:  # its points entry describes the visit
                points = (await award_action(program, request.member_id, ActionKind.VISIT, reference, now,
                                             memo={"visit": entry[0].value, **entry[1]})).points_awarded
            await history.visit(program, use.pass_row, use.issued_reward, entry, at, reference, shown=points > 0)
            visit = await Visit.create(
                reference=reference, member_id=request.member_id, pass_id=use.pass_row.id, location=location,
                occurred_at=at, recorded_at=now, request_hash=request_hash,
                issued_reward_id=use.issued_reward.id if use.issued_reward else None, points_awarded=points,
            )
            changes.touch(request.member_id)
            await progress.track(program, request.member_id, now)
            return VisitResult(visit, use.pass_row, use.issued_reward)
    except IntegrityError:  # the same reference, recorded by a concurrent request first
        if (replayed := await _replay(reference, request_hash)) is not None:
            return replayed
        raise

"""Taking a membership through one step of its lifecycle (`states`): the new status, the
record of the step (who, when, why) and its outbox event, in the caller's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty import events, outbox, sql
from loyalty.memberships.models import Membership, MembershipTransition
from loyalty.memberships.states import FINAL, Event, Status, transition
from loyalty.program.spec import Program

# The event each step emits; a renewal is a PAY that finds the membership ACTIVE or PAST_DUE.
_TOPICS = {
    Event.PERIOD_END: events.MEMBERSHIP_PAST_DUE,
    Event.PAYMENT_FAILED: events.MEMBERSHIP_PAYMENT_FAILED,
    Event.GRACE_END: events.MEMBERSHIP_EXPIRED,
    Event.REFUND: events.MEMBERSHIP_EXPIRED,
    Event.CANCEL: events.MEMBERSHIP_CANCELED,
    Event.CANCEL_DUE: events.MEMBERSHIP_CANCELED,
    Event.REPLACE: events.MEMBERSHIP_CANCELED,
    Event.SUBSCRIBE: events.MEMBERSHIP_CHANGED,
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def payload(program: Program, membership: Membership, **extra: Any) -> dict[str, Any]:
    plan = program.plan(membership.plan_code)
    return {
        "membership_id": membership.id, "plan": membership.plan_code, "plan_name": plan.name if plan else "",
        "status": membership.status, "period_end": _iso(membership.current_period_end), **extra,
    }


async def lock(membership_id: int) -> Membership | None:
    """The membership row, locked until the transaction ends (after the member's account lock)."""
    row = await sql.fetch_one(f"SELECT * FROM memberships WHERE id = ?{sql.for_update()}", membership_id)
    return Membership._init_from_db(**row) if row else None


async def record(
    membership: Membership, from_status: Status | None, event: str, actor: str, reason: str, now: datetime,
) -> None:
    await MembershipTransition.create(
        membership_id=membership.id, from_status=from_status.value if from_status else None,
        to_status=membership.status, event=event, actor=actor[:128], reason=reason[:255], occurred_at=now,
    )


async def step(
    program: Program, membership: Membership, event: Event, *, actor: str, reason: str, now: datetime,
    topic: str | None = None, **extra: Any,
) -> Membership:
    """Moves `membership` by `event` (NotAllowed when the table has no such step), saves it,
    records the step and emits its event. Callers set the period fields before or after."""
    before = Status(membership.status)
    membership.status = transition(before, event).value
    if Status(membership.status) in FINAL:
        membership.live_member_id = None
        membership.ended_at = now
        membership.cancel_at_period_end = False if event is not Event.CANCEL_DUE else membership.cancel_at_period_end
        membership.next_plan_code = None
    await membership.save()
    await record(membership, before, event.value, actor, reason, now)
    chosen = topic or _TOPICS.get(event)
    if chosen:
        await outbox.emit(chosen, membership.member_id, payload(program, membership, **extra))
    return membership

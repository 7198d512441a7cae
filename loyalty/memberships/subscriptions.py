"""What the member does: subscribe to a plan (or change plan), cancel, and read it.

A member has at most one live membership (PENDING_PAYMENT, ACTIVE or PAST_DUE). Subscribing
again to the plan they have is ALREADY_MEMBER. Subscribing to another plan is a change of
plan on the live membership: to a MONTH or YEAR plan it takes effect when the paid period
ends (the next payment is the new plan's price); to LIFETIME it takes effect when the
lifetime price is paid, at once, and what is left of the running period is not refunded.
A pending membership that was never paid simply switches plan.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, outbox
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.memberships import lifecycle
from loyalty.memberships.models import Membership
from loyalty.memberships.states import Event, Status, transition
from loyalty.program.spec import PlanInterval, Program


def _member_actor(member_id: int) -> str:
    return f"member:{member_id}"


async def live_membership(member_id: int) -> Membership | None:
    return await Membership.get_or_none(live_member_id=member_id)


async def latest_membership(member_id: int) -> Membership | None:
    """The live membership, else the most recent one (what Member.membership shows)."""
    return await live_membership(member_id) or await Membership.filter(member_id=member_id).order_by("-id").first()


async def _replay(key: str, request_hash: str) -> Membership | None:
    existing = await Membership.get_or_none(idempotency_key=key)
    if existing is not None:
        check_replay(existing.request_hash, request_hash, "subscription")
    return existing


async def subscribe(program: Program, member_id: int, plan_code: str, key: str, now: datetime) -> Membership:
    key = f"{member_id}:{check_key(key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, plan=plan_code)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    plan = program.plan(plan_code)
    if plan is None:
        raise NotFound("No plan with that id.", field="plan_id")
    try:
        async with changes.member_change():
            await lock_member_account(member_id, Asset.POINTS)  # one member's operations run one at a time
            if (existing := await _replay(key, request_hash)) is not None:  # a double tap that committed first
                return existing
            live = await live_membership(member_id)
            if live is None:
                membership = await Membership.create(
                    member_id=member_id, live_member_id=member_id, plan_code=plan.code,
                    status=transition(None, Event.SUBSCRIBE).value, started_at=now, idempotency_key=key,
                    request_hash=request_hash,
                )
                await lifecycle.record(membership, None, Event.SUBSCRIBE.value, _member_actor(member_id),
                                       f"subscribed to {plan.code}", now)
                await outbox.emit(events.MEMBERSHIP_CHANGED, member_id, lifecycle.payload(program, membership))
                return membership
            return await _change_plan(program, live, plan.code, now)
    except IntegrityError:  # a concurrent subscription with the same key, or another, committed first
        if (existing := await _replay(key, request_hash)) is not None:
            return existing
        raise LoyaltyError("The member already has a membership.", field="plan_id", code=ErrorCode.ALREADY_MEMBER) from None


async def _change_plan(program: Program, live: Membership, plan_code: str, now: datetime) -> Membership:
    if plan_code == (live.next_plan_code or live.plan_code):
        raise LoyaltyError("The member already has this plan.", field="plan_id", code=ErrorCode.ALREADY_MEMBER)
    current = program.plan(live.plan_code)
    if current is not None and current.interval is PlanInterval.LIFETIME and live.status == Status.ACTIVE:
        raise LoyaltyError("A lifetime membership is kept for life.", field="plan_id", code=ErrorCode.ALREADY_MEMBER)
    status = Status(live.status)
    if status is Status.PENDING_PAYMENT:
        live.plan_code, reason = plan_code, f"changed to {plan_code} before payment"
    else:
        live.next_plan_code = None if plan_code == live.plan_code else plan_code
        live.cancel_at_period_end = False
        reason = f"change to {plan_code} scheduled" if live.next_plan_code else "plan change withdrawn"
    await live.save()
    await lifecycle.record(live, status, "change_plan", _member_actor(live.member_id), reason, now)
    await outbox.emit(events.MEMBERSHIP_CHANGED, live.member_id, lifecycle.payload(program, live, next_plan=plan_code))
    return live


async def cancel(program: Program, member_id: int, at_period_end: bool, now: datetime, actor: str | None = None) -> Membership:
    """Cancels the member's live membership: at the period's end (it stays ACTIVE until then)
    or now. An unpaid or past-due membership has no paid period to keep: it ends now."""
    actor = actor or _member_actor(member_id)
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        live = await live_membership(member_id)
        if live is None:
            raise NotFound("The member has no membership to cancel.")
        membership = await lifecycle.lock(live.id)
        assert membership is not None
        plan = program.plan(membership.plan_code)
        lifetime = plan is not None and plan.interval is PlanInterval.LIFETIME
        if at_period_end and membership.status == Status.ACTIVE and not lifetime:
            if not membership.cancel_at_period_end:
                membership.cancel_at_period_end, membership.next_plan_code = True, None
                await membership.save()
                await lifecycle.record(membership, Status.ACTIVE, "cancel_at_period_end", actor,
                                       "canceled at the period's end", now)
                await outbox.emit(events.MEMBERSHIP_CHANGED, member_id,
                                  lifecycle.payload(program, membership, at_period_end=True))
            return membership
        return await lifecycle.step(program, membership, Event.CANCEL, actor=actor, reason="canceled now", now=now,
                                    at_period_end=False)

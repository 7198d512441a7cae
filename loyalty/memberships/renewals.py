"""The daily `renew-memberships` job. In one run, for every membership it concerns:

1. a period that ended with a cancel at its end: CANCELED;
2. a period that ended unpaid: PAST_DUE (a scheduled change of plan takes effect first: the
   next payment is the new plan's price), grace until the period's end plus `grace_days`;
3. past due beyond grace: EXPIRED;
4. paid periods that have started: their plan credit, once;
5. periods ending within the plan's `reminder_days`: one renewal reminder per period.

Each set is selected by one query; each membership then changes in its own transaction
under the member's lock, rechecked there, so a payment racing the job leaves one consistent
state and a second run the same day changes nothing. Returns how many changes it made.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import changes, events, outbox, sql
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.expiry import current_program
from loyalty.ledger.models import Asset
from loyalty.memberships import lifecycle, perks
from loyalty.memberships.models import Membership, PlanPayment
from loyalty.memberships.states import Event, Status
from loyalty.program.spec import PlanInterval, Program

JOB = "renew-memberships"


async def _ids(query: str, *params: object) -> list[int]:
    return [int(r["id"]) for r in await sql.fetch(query, *params)]


async def _locked(membership_id: int) -> Membership | None:
    row = await Membership.get_or_none(id=membership_id)
    if row is None:
        return None
    await lock_member_account(row.member_id, Asset.POINTS)
    return await lifecycle.lock(membership_id)


async def _end_period(program: Program, membership_id: int, now: datetime) -> int:
    async with changes.member_change():
        m = await _locked(membership_id)
        if m is None or m.status != Status.ACTIVE or m.current_period_end is None or m.current_period_end > now:
            return 0
        if m.cancel_at_period_end:
            await lifecycle.step(program, m, Event.CANCEL_DUE, actor=JOB, reason="canceled at the period's end",
                                 now=now, at_period_end=True)
            return 1
        if m.next_plan_code and (nxt := program.plan(m.next_plan_code)) and nxt.interval is not PlanInterval.LIFETIME:
            m.plan_code, m.next_plan_code = nxt.code, None
        plan = program.plan(m.plan_code)
        m.grace_ends_at = m.current_period_end + timedelta(days=plan.grace_days if plan else 7)
        await lifecycle.step(program, m, Event.PERIOD_END, actor=JOB, reason="the period ended unpaid", now=now,
                             grace_ends_at=m.grace_ends_at.isoformat())
        return 1


async def _end_grace(program: Program, membership_id: int, now: datetime) -> int:
    async with changes.member_change():
        m = await _locked(membership_id)
        if m is None or m.status != Status.PAST_DUE or m.grace_ends_at is None or m.grace_ends_at > now:
            return 0
        await lifecycle.step(program, m, Event.GRACE_END, actor=JOB, reason="unpaid past the grace period", now=now)
        return 1


async def _post_credit(program: Program, payment_id: int, now: datetime) -> int:
    async with changes.member_change():
        row = await PlanPayment.get(id=payment_id)
        m = await _locked(row.membership_id)
        row = await PlanPayment.get(id=payment_id)  # reread under the lock
        if m is None or m.status != Status.ACTIVE:
            return 0
        return 1 if await perks.post_period_credit(program, row, now) is not None else 0


async def _remind(program: Program, membership_id: int, now: datetime) -> int:
    async with changes.member_change():
        m = await _locked(membership_id)
        if m is None or m.status != Status.ACTIVE or m.cancel_at_period_end or m.current_period_end is None:
            return 0
        if m.reminded_for == m.current_period_end or m.current_period_end <= now:
            return 0
        m.reminded_for = m.current_period_end
        await m.save(update_fields=["reminded_for"])
        plan = program.plan(m.next_plan_code or m.plan_code)
        await outbox.emit(events.MEMBERSHIP_RENEWAL_DUE, m.member_id, lifecycle.payload(
            program, m, price=str(plan.price) if plan else "", currency=program.program.currency,
        ))
        return 1


async def renew_memberships(now: datetime, program: Program | None = None) -> int:
    program = program or await current_program()
    changed = 0
    active, past_due = Status.ACTIVE.value, Status.PAST_DUE.value
    for mid in await _ids("SELECT id FROM memberships WHERE status = ? AND current_period_end <= ? ORDER BY id",
                          active, now):
        changed += await _end_period(program, mid, now)
    for mid in await _ids("SELECT id FROM memberships WHERE status = ? AND grace_ends_at <= ? ORDER BY id",
                          past_due, now):
        changed += await _end_grace(program, mid, now)
    for pid in await _ids(
        "SELECT p.id FROM plan_payments p JOIN memberships m ON m.id = p.membership_id WHERE p.credit_minor > 0 "
        "AND p.credit_transfer_id IS NULL AND p.refund_id IS NULL AND p.period_start <= ? AND m.status = ? "
        "ORDER BY p.id", now, active,
    ):
        changed += await _post_credit(program, pid, now)
    for plan in program.plans:
        if plan.interval is PlanInterval.LIFETIME or not plan.reminder_days:
            continue
        for mid in await _ids(
            "SELECT id FROM memberships WHERE status = ? AND COALESCE(next_plan_code, plan_code) = ? "
            "AND cancel_at_period_end = ? AND current_period_end > ? AND current_period_end <= ? "
            "AND (reminded_for IS NULL OR reminded_for <> current_period_end) ORDER BY id",
            active, plan.code, False, now, now + timedelta(days=plan.reminder_days),
        ):
            changed += await _remind(program, mid, now)
    return changed

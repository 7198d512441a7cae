"""The tier level a paid plan grants (`grants_tier`): while its membership is ACTIVE and inside
a paid period, the member is at least that level."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.memberships.active import perks_in_force
from loyalty.memberships.models import Membership
from loyalty.memberships.states import Status
from loyalty.program.spec import Program


@dataclass(frozen=True)
class Grant:
    rank: int  # the level granted at the moment asked about; 0 (the entry level) when none
    plan_code: str | None  # the plan granting it, None when none does
    until: datetime | None  # when the grant stops unless the membership is renewed; None for lifetime
    changes_at: datetime | None  # the next moment the grant starts or stops on its own, if any


NONE = Grant(0, None, None, None)


async def grant_at(program: Program, member_id: int, now: datetime) -> Grant:
    """The grant `member_id` holds at `now`. A change of the membership itself (a payment, a
    cancel, the renewal job) is a member change and invalidates what was read; `changes_at` is
    the moment the grant changes without one (the paid period's end, or a paid period's start)."""
    if not any(plan.grants_tier for plan in program.plans):
        return NONE
    membership = await Membership.get_or_none(live_member_id=member_id)
    if membership is None:
        return NONE
    return grant_from(program, membership.plan_code, membership.status, membership.period_start,
                      membership.current_period_end, now)


def grant_from(
    program: Program, plan_code: str, status: str, period_start: datetime | None,
    current_period_end: datetime | None, now: datetime,
) -> Grant:
    """`grant_at` from the values of the member's live membership."""
    if status != Status.ACTIVE:
        return NONE
    plan = program.plan(plan_code)
    if plan is None or plan.grants_tier is None:
        return NONE
    if not perks_in_force(status, period_start, current_period_end, now):
        return Grant(0, None, None, period_start if period_start is not None and period_start > now else None)
    return Grant(program.tiers.rank(plan.grants_tier), plan.code, current_period_end, current_period_end)

"""Which plan's perks a member has at a moment: its membership ACTIVE and inside a paid period."""
from __future__ import annotations

from datetime import datetime

from loyalty.memberships.models import Membership
from loyalty.memberships.states import Status
from loyalty.program.spec import Plan, Program


def perks_apply(membership: Membership | None, at: datetime) -> bool:
    """Whether the membership gives its perks at `at`: ACTIVE and inside a paid period."""
    if membership is None:
        return False
    return perks_in_force(membership.status, membership.period_start, membership.current_period_end, at)


def perks_in_force(status: str, period_start: datetime | None, current_period_end: datetime | None,
                   at: datetime) -> bool:
    """`perks_apply` from a membership's values."""
    if status != Status.ACTIVE or period_start is None or period_start > at:
        return False
    return current_period_end is None or at < current_period_end


async def active_plan(program: Program, member_id: int, at: datetime) -> Plan | None:
    """The plan whose perks the member has at `at`, if any."""
    membership = await Membership.get_or_none(live_member_id=member_id)
    if membership is None or not perks_apply(membership, at):
        return None
    return program.plan(membership.plan_code)

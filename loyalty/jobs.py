"""The scheduled domain jobs, in the order a day runs them. Each is idempotent and
set-based, and takes "now" explicitly (operators replay a missed day with --now)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from loyalty.bonuses.rewards import birthday_rewards, yearly_rewards
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.daily_check import check_ledger
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.warnings import expiry_warnings
from loyalty.memberships.dividends import plan_dividends
from loyalty.memberships.renewals import renew_memberships
from loyalty.passes.expiry import expire_passes
from loyalty.referrals.completion import complete_referrals
from loyalty.rewards.coupons import expire_rewards
from loyalty.segments.scoring import score_members
from loyalty.tiers.review import review_tiers

Job = Callable[[datetime], Awaitable[int]]

# The daily order: pending points first (they may be spent or expire), then tier periods,
# then expiry, then rewards and warnings; paid memberships (their periods end, their credit
# and dividends post), then passes (their validity ends, credit passes' breakage), then the
# members' segments, from everything the day recorded; last, the ledger is checked over what
# the day did. Each job is entered at its place in this order.
JOBS: dict[str, Job] = {
    "activate-pending": activate_pending,
    "tier-review": review_tiers,
    "expire-points": expire_points,
    "birthday-rewards": birthday_rewards,
    "yearly-rewards": yearly_rewards,
    "complete-referrals": complete_referrals,
    "expire-rewards": expire_rewards,
    "expiry-warnings": expiry_warnings,
    "renew-memberships": renew_memberships,
    "plan-dividends": plan_dividends,
    "expire-passes": expire_passes,
    "score-segments": score_members,
    "verify-ledger": check_ledger,
}

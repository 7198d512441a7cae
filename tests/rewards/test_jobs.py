"""The jobs of rewards and referrals, at their place in the day."""
from __future__ import annotations

from loyalty.jobs import JOBS


def test_referrals_complete_after_points_post_and_coupons_expire_after_them():
    names = list(JOBS)
    order = [names.index(name) for name in ("activate-pending", "expire-points", "complete-referrals", "expire-rewards")]
    assert order == sorted(order)

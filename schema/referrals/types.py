from __future__ import annotations

import strawberry

from loyalty.referrals.codes import link
from loyalty.referrals.summary import ReferralSummary


@strawberry.type(name="ReferralStatus")
class ReferralStatus:
    code: str
    link: str = strawberry.field(description="A link the member can share; it carries the code.")
    invited: int = strawberry.field(description="Sign-ups made with the code.")
    completed: int = strawberry.field(description="Invitees who made their first qualifying purchase.")
    points_earned: int

    @classmethod
    def from_summary(cls, summary: ReferralSummary, public_url: str) -> ReferralStatus:
        return cls(
            code=summary.code, link=link(public_url, summary.code), invited=summary.invited,
            completed=summary.completed, points_earned=summary.points_earned,
        )

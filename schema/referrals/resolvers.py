"""A member's referral code, link and results."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from loyalty.referrals.summary import summary
from schema.context import context_of
from schema.referrals.types import ReferralStatus


async def referral_of(info: Info, member: MemberRow) -> ReferralStatus:
    return ReferralStatus.from_summary(await summary(member.id), context_of(info).runtime.settings.public_url)

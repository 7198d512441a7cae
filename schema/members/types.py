from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from loyalty.segments.conditions import segment_of
from schema.bonuses.resolvers import bonus_day_of
from schema.charity.resolvers import auto_donate_percent_of, charity_of, donations_of
from schema.charity.types import Charity, DonationConnection
from schema.errors import UserError
from schema.gdpr.resolvers import export_of
from schema.ledger.resolvers import activity_of, wallet_of
from schema.ledger.types import ActivityConnection, Wallet
from schema.memberships.resolvers import benefits_of, membership_of
from schema.memberships.types import Benefit, PaidMembership
from schema.passes.resolvers import passes_of
from schema.passes.types import Pass
from schema.referrals.resolvers import referral_of
from schema.referrals.types import ReferralStatus
from schema.relay import Node, to_global_id
from schema.rewards.resolvers import issued_rewards_of
from schema.rewards.types import IssuedRewardConnection
from schema.segments.resolvers import rfm_of
from schema.segments.types import RfmScores
from schema.tiers.types import TierStatus, tier_of

if TYPE_CHECKING:
    from schema.purchases.types import PurchaseConnection
    from schema.staff.types import MemberNotificationConnection


@strawberry.type
class NotificationSettings:
    email: bool
    push: bool
    marketing: bool = strawberry.field(description="Offers and newsletters; requires marketingConsent.")


@strawberry.type(name="Member")
class Member(Node):
    member_number: str = strawberry.field(
        description="Stable, human-readable, printed on the member card and encoded in its QR code."
    )
    email: str
    email_verified: bool = strawberry.field(
        description="Whether the member confirmed the address by the emailed link; until then only account "
                    "emails (verification, password reset) go to it."
    )
    display_name: str
    birthday: date | None
    locale: str = strawberry.field(
        description="BCP 47 language tag, e.g. nl-NL; notifications and messages use it."
    )
    joined_at: datetime
    marketing_consent: bool
    notification_settings: NotificationSettings
    row: strawberry.Private[MemberRow]

    @strawberry.field
    async def wallet(self, info: Info) -> Wallet:
        return await wallet_of(info, self.row)

    @strawberry.field
    async def tier(self, info: Info) -> TierStatus:
        return await tier_of(info, self.row)

    @strawberry.field(description="The wallet's history, newest first.")
    async def activity(self, info: Info, first: int | None = None, after: str | None = None) -> ActivityConnection:
        return await activity_of(info, self.row, first, after)

    @strawberry.field
    async def referral(self, info: Info) -> ReferralStatus:
        return await referral_of(info, self.row)

    @strawberry.field
    async def charity(self, info: Info) -> Charity | None:
        return await charity_of(info, self.row)

    @strawberry.field(description="Share of every points award donated to the chosen charity, 0 to 100.")
    async def auto_donate_percent(self) -> int:
        return await auto_donate_percent_of(self.row)

    @strawberry.field
    async def issued_rewards(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> IssuedRewardConnection:
        return await issued_rewards_of(info, self.row, first, after)

    @strawberry.field
    async def donations(self, info: Info, first: int | None = None, after: str | None = None) -> DonationConnection:
        return await donations_of(info, self.row, first, after)

    @strawberry.field(
        description="The bonus day the member chose for the current qualification period; null when none."
    )
    async def bonus_day(self, info: Info) -> date | None:
        return await bonus_day_of(info, self.row)

    @strawberry.field(description="The paid membership: the live one, else the most recent; null when none.")
    async def membership(self, info: Info) -> PaidMembership | None:
        return await membership_of(info, self.row)

    @strawberry.field(description="What the shop applies at checkout, from the tier and the active plan.")
    async def benefits(self, info: Info) -> list[Benefit]:
        return await benefits_of(info, self.row)

    @strawberry.field(description=(
        "Every datum held about the member, as one JSON document (the format of docs/gdpr.md)."
    ))
    async def export(self, info: Info) -> JSON:
        return JSON(await export_of(info, self.row))

    @strawberry.field(description="The member's purchases, newest first.")
    async def purchases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[PurchaseConnection, strawberry.lazy("schema.purchases.types")]:
        from schema.staff.resolvers import purchases_of

        return await purchases_of(info, self.row, first, after)

    @strawberry.field(description="The notifications made for the member (push and email), newest first.")
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[MemberNotificationConnection, strawberry.lazy("schema.staff.types")]:
        from schema.staff.resolvers import notifications_of

        return await notifications_of(info, self.row, first, after)

    @strawberry.field(description="When the member was blocked for review (earning continues, spending does not); "
                                  "null when not blocked.")
    async def blocked_at(self) -> datetime | None:
        from schema.staff.resolvers import blocked_at_of

        return await blocked_at_of(self.row)

    @strawberry.field(description="The member's passes: active and pending first, then ended ones, newest first.")
    async def passes(self, info: Info) -> list[Pass]:
        return await passes_of(info, self.row)

    @strawberry.field(description=(
        "The member's segment (a code of the program's segments rules) from the nightly RFM scoring; "
        "null before the first scoring or when no rule matches."
    ))
    async def segment(self) -> str | None:
        return await segment_of(self.row.id)

    @strawberry.field(description="The scores behind `segment`; null before the first scoring.")
    async def rfm(self) -> RfmScores | None:
        return await rfm_of(self.row)

    @classmethod
    def from_row(cls, row: MemberRow) -> Member:
        return cls(
            id=to_global_id("Member", row.id), member_number=row.member_number, email=row.email,
            email_verified=row.email_verified_at is not None,
            display_name=row.display_name, birthday=row.birthday, locale=row.locale,
            joined_at=row.joined_at, marketing_consent=row.marketing_consent,
            notification_settings=NotificationSettings(
                email=row.notify_email, push=row.notify_push, marketing=row.notify_marketing
            ),
            row=row,
        )


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RegisterDevicePayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)

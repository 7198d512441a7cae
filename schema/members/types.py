from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from schema.bonuses.resolvers import bonus_day_of
from schema.errors import UserError
from schema.ledger.resolvers import activity_of, wallet_of
from schema.ledger.types import ActivityConnection, Wallet
from schema.relay import Node, to_global_id


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

    @strawberry.field(description="The wallet's history, newest first.")
    async def activity(self, info: Info, first: int | None = None, after: str | None = None) -> ActivityConnection:
        return await activity_of(info, self.row, first, after)

    @strawberry.field(
        description="The bonus day the member chose for the current qualification period; null when none."
    )
    async def bonus_day(self, info: Info) -> date | None:
        return await bonus_day_of(info, self.row)

    @classmethod
    def from_row(cls, row: MemberRow) -> Member:
        return cls(
            id=to_global_id("Member", row.id), member_number=row.member_number, email=row.email,
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

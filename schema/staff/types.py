from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from loyalty.notifications.models import Notification as NotificationRow
from schema.connection import Connection
from schema.errors import UserError
from schema.ledger.types import Wallet
from schema.relay import PageInfo


@strawberry.input
class AdjustPointsInput:
    member_number: str
    points: int
    reason: str
    idempotency_key: str


@strawberry.input
class AdjustCreditInput:
    member_number: str
    amount: Decimal = strawberry.field(description="Positive gives store credit, negative takes it.")
    currency_code: str
    reason: str = strawberry.field(description="Shown to the member in their history.")
    idempotency_key: str


@strawberry.type
class AdjustmentPayload:
    wallet: Wallet | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetTierInput:
    member_number: str
    tier: str = strawberry.field(description="A tier code of the program, e.g. gold.")
    until: date = strawberry.field(description="The date it lapses, in the program's time zone.")
    reason: str


@strawberry.input
class CancelIssuedRewardInput:
    code: str = strawberry.field(description="The coupon code.")
    reason: str


@strawberry.input
class BlockMemberInput:
    member_number: str
    reason: str


@strawberry.input
class UnblockMemberInput:
    member_number: str
    reason: str


@strawberry.type
class MemberNotification:
    """A message made for the member about one event, on one channel."""

    topic: str
    channel: str
    status: str = strawberry.field(description="pending, sent, dead or dropped.")
    attempts: int
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: NotificationRow) -> MemberNotification:
        return cls(topic=row.topic, channel=row.channel, status=row.status, attempts=row.attempts,
                   created_at=row.created_at, sent_at=row.sent_at)


@strawberry.type
class MemberNotificationEdge:
    cursor: str
    node: MemberNotification


@strawberry.type
class MemberNotificationConnection(Connection):
    edges: list[MemberNotificationEdge]
    page_info: PageInfo
    edge = MemberNotificationEdge

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.program import spec
from loyalty.program.spec import Program as ProgramSpec
from loyalty.program.spec import Reward as RewardSpec
from loyalty.rewards import catalog, stock
from loyalty.rewards.models import IssuedReward as IssuedRow
from loyalty.rewards.models import IssuedStatus
from schema.connection import Connection
from schema.context import context_of
from schema.errors import UserError
from schema.ledger.types import Wallet
from schema.money import Money, money
from schema.permissions import viewer_member_id
from schema.program.types import Tier
from schema.relay import Node, PageInfo, to_global_id

RewardKind = strawberry.enum(spec.RewardKind, name="RewardKind")
IssuedRewardStatus = strawberry.enum(IssuedStatus, name="IssuedRewardStatus")
RewardUnavailableReason = strawberry.enum(
    catalog.UnavailableReason, name="RewardUnavailableReason",
    description="Why the signed-in member cannot redeem a reward now, in the order redeeming checks.",
)


@strawberry.type
class Reward(Node):
    name: str
    description: str
    kind: RewardKind
    cost_points: int
    percent_off: int | None = strawberry.field(description="PERCENT_OFF only.")
    value: Money | None = strawberry.field(description="AMOUNT_OFF and STORE_CREDIT only.")
    minimum_tier: Tier | None
    limit: str | None = strawberry.field(
        description='How often one member can redeem it, e.g. "1 per month"; null when unlimited.'
    )
    valid_days: int | None = strawberry.field(description="Days an issued coupon can be used; null when always.")
    spec: strawberry.Private[spec.Reward | None]
    reason_task: strawberry.Private[asyncio.Future[catalog.UnavailableReason | None] | None] = None

    @strawberry.field(description="null when unlimited.")
    async def remaining_stock(self) -> int | None:
        return None if self.spec is None else await stock.remaining(self.spec)

    @strawberry.field(description="Whether the signed-in member can redeem it now (false when signed out).")
    async def available(self, info: Info) -> bool:
        return await self._reason(info) is None

    @strawberry.field(description="Why the signed-in member cannot redeem it now; null when `available`.")
    async def unavailable_reason(self, info: Info) -> RewardUnavailableReason | None:
        return await self._reason(info)  # type: ignore[return-value]

    async def _reason(self, info: Info) -> catalog.UnavailableReason | None:
        """The catalog's answer, asked once per reward and request however many fields need it."""
        if self.reason_task is None:
            program = context_of(info).runtime.program.program
            self.reason_task = asyncio.ensure_future(
                catalog.unavailable_reason(program, self.spec, viewer_member_id(info), clock.now()))
        return await self.reason_task

    @classmethod
    def from_spec(cls, program: ProgramSpec, reward: RewardSpec) -> Reward:
        settings = program.program
        tier = None
        if reward.minimum_tier is not None:
            tier = Tier.from_spec(program, program.tiers.rank(reward.minimum_tier))
        return cls(
            id=to_global_id("Reward", reward.code), name=reward.name, description=reward.description,
            kind=reward.kind, cost_points=reward.cost_points, percent_off=reward.percent_off,
            value=None if reward.value is None else money(reward.value, settings.currency, settings.minor_units),
            minimum_tier=tier, limit=reward.limit_text(), valid_days=reward.valid_days, spec=reward,
        )

    @classmethod
    def withdrawn(cls, row: IssuedRow) -> Reward:
        """A reward the program no longer offers, as its coupons remember it."""
        return cls(
            id=to_global_id("Reward", row.reward_code), name=row.reward_name, description=row.reward_name,
            kind=spec.RewardKind(row.reward_kind), cost_points=row.points, percent_off=None, value=None,
            minimum_tier=None, limit=None, valid_days=None, spec=None,
        )


def reward_of(program: spec.Program, row: IssuedRow) -> Reward:
    try:
        return Reward.from_spec(program, program.reward(row.reward_code))
    except KeyError:
        return Reward.withdrawn(row)


@strawberry.type
class RewardEdge:
    cursor: str
    node: Reward


@strawberry.type
class RewardConnection(Connection):
    edges: list[RewardEdge]
    page_info: PageInfo
    edge = RewardEdge


@strawberry.type
class IssuedReward(Node):
    code: str = strawberry.field(description="The coupon code the member shows or types at checkout; unique.")
    status: IssuedRewardStatus
    issued_at: datetime
    expires_at: datetime | None
    used_at: datetime | None
    order_id: str | None = strawberry.field(description="The order it was used with, if any.")
    points_spent: int
    row: strawberry.Private[IssuedRow]

    @strawberry.field
    def reward(self, info: Info) -> Reward:
        return reward_of(context_of(info).runtime.program.program, self.row)

    @classmethod
    def from_row(cls, row: IssuedRow) -> IssuedReward:
        return cls(
            id=to_global_id("IssuedReward", row.id), code=row.code, status=IssuedStatus(row.status),
            issued_at=row.issued_at, expires_at=row.expires_at, used_at=row.used_at, order_id=row.order_id,
            points_spent=row.points, row=row,
        )


@strawberry.type
class IssuedRewardEdge:
    cursor: str
    node: IssuedReward


@strawberry.type
class IssuedRewardConnection(Connection):
    edges: list[IssuedRewardEdge]
    page_info: PageInfo
    edge = IssuedRewardEdge


@strawberry.input
class RedeemRewardInput:
    reward_id: strawberry.ID
    idempotency_key: str


@strawberry.type
class RedeemRewardPayload:
    issued_reward: IssuedReward | None = None
    wallet: Wallet | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UseIssuedRewardInput:
    code: str
    order_id: str | None = None


@strawberry.type
class IssuedRewardPayload:
    issued_reward: IssuedReward | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

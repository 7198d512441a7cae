from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.passes.types import Pass
from schema.rewards.types import IssuedReward


@strawberry.input
class RecordVisitInput:
    member_number: str
    reference: str = strawberry.field(description="The visit's external id (a booking or check-in id): its idempotency key.")
    location: str | None = None
    pass_id: strawberry.ID | None = strawberry.field(
        default=None, description="The pass to use; defaults to the member's active pass that fits."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When the visit happened (with an offset); now when left out."
    )


@strawberry.type
class RecordVisitPayload:
    pass_: Pass | None = strawberry.field(default=None, name="pass")
    issued_reward: IssuedReward | None = strawberry.field(
        default=None, description="A reward issued because the visit completed a punch card."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

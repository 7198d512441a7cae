from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError


@strawberry.input
class EraseMemberInput:
    member_number: str
    idempotency_key: str


@strawberry.type
class EraseMemberPayload:
    erased_at: datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteAccountInput:
    password: str = strawberry.field(description="The member's current password.")


@strawberry.type
class DeleteAccountPayload:
    erased_at: datetime | None = strawberry.field(
        default=None, description="When the account was erased: its tokens stop working from then on."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from loyalty.bonuses.days import choose_bonus_day
from schema.context import context_of
from schema.errors import UserError
from schema.members.types import Member
from schema.permissions import current_member


@strawberry.input
class ChooseBonusDayInput:
    day: date = strawberry.field(
        description="The date, in the program's time zone, on which purchases earn the tier's bonus-day multiple."
    )


@strawberry.type
class BonusDayPayload:
    "The member with the bonus day they chose."

    bonus_day: date | None = None
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BonusMutations:
    @strawberry.mutation(
        description="The signed-in member picks the bonus day of the current qualification period (once per period)."
    )
    async def choose_bonus_day(self, info: Info, input: ChooseBonusDayInput) -> BonusDayPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await choose_bonus_day(program, member.id, input.day)
        return BonusDayPayload(bonus_day=row.day, member=Member.from_row(member))

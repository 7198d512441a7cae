from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from loyalty.charity.models import Donation as DonationRow
from loyalty.charity.totals import total_donated_minor
from loyalty.program import spec
from schema.connection import Connection
from schema.context import context_of
from schema.errors import UserError
from schema.ledger.types import Wallet
from schema.money import Money, from_minor
from schema.relay import Node, PageInfo, to_global_id


@strawberry.type
class Charity(Node):
    name: str
    description: str
    code: strawberry.Private[str]

    @strawberry.field(description="All members' donations to it so far.")
    async def total_donated(self, info: Info) -> Money:
        settings = context_of(info).runtime.program.settings
        return from_minor(await total_donated_minor(self.code), settings.currency, settings.minor_units)

    @classmethod
    def from_spec(cls, charity: spec.Charity) -> Charity:
        return cls(id=to_global_id("Charity", charity.code), name=charity.name, description=charity.description,
                   code=charity.code)

    @classmethod
    def by_code(cls, program: spec.Program, code: str) -> Charity:
        """A charity the program no longer lists keeps its code as its name."""
        found = next((c for c in program.charities if c.code == code), None)
        if found is None:
            return cls(id=to_global_id("Charity", code), name=code, description="", code=code)
        return cls.from_spec(found)




@strawberry.type
class Donation(Node):
    points: int
    value: Money
    donated_at: datetime
    source: str = strawberry.field(
        description="MEMBER (given by the member), AUTOMATIC (their share of an award), JOIN or PLAN "
                    "(given by the program for the member)."
    )
    row: strawberry.Private[DonationRow]

    @strawberry.field
    def charity(self, info: Info) -> Charity:
        return Charity.by_code(context_of(info).runtime.program.program, self.row.charity_code)

    @classmethod
    def from_row(cls, row: DonationRow, program: spec.Program) -> Donation:
        return cls(
            id=to_global_id("Donation", row.id), points=row.points,
            value=from_minor(row.value_minor, row.currency, program.program.minor_units),
            donated_at=row.donated_at, source=row.source, row=row,
        )


@strawberry.type
class DonationEdge:
    cursor: str
    node: Donation


@strawberry.type
class DonationConnection(Connection):
    edges: list[DonationEdge]
    page_info: PageInfo
    edge = DonationEdge


@strawberry.input
class ChooseCharityInput:
    charity_id: strawberry.ID | None = strawberry.field(default=None, description="null clears the choice.")
    auto_donate_percent: int | None = strawberry.field(
        default=None,
        description="Share of every future points award donated automatically to the chosen charity, 0 to 100.",
    )


@strawberry.input
class DonatePointsInput:
    charity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to the member's chosen charity."
    )
    points: int
    idempotency_key: str


@strawberry.type
class DonatePointsPayload:
    donation: Donation | None = None
    wallet: Wallet | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.charity.models import Donation as DonationRow
from schema.charity.types import Charity, Donation
from schema.context import context_of
from schema.permissions import may_read_member
from schema.relay import int_key, register_node


def _program(info: Info):
    return context_of(info).runtime.program.program


async def _charity_node(info: Info, code: str) -> Charity | None:
    charity = next((c for c in _program(info).charities if c.code == code), None)
    return Charity.from_spec(charity) if charity else None


async def _donation_node(info: Info, key: str) -> Donation | None:
    donation_id = int_key(key)
    row = None if donation_id is None else await DonationRow.get_or_none(id=donation_id)
    if row is None or not may_read_member(info, row.member_id):
        return None
    return Donation.from_row(row, _program(info))


register_node("Charity", _charity_node)
register_node("Donation", _donation_node)


@strawberry.type
class CharityQueries:
    @strawberry.field
    def charities(self, info: Info) -> list[Charity]:
        return [Charity.from_spec(c) for c in _program(info).charities]

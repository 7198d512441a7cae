"""Money: an exact Decimal amount with its ISO 4217 currency."""
from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from loyalty import i18n
from schema.context import context_of
from schema.permissions import viewer_member_id


@strawberry.type
class Money:
    amount: Decimal
    currency_code: str

    @strawberry.field(
        description='The amount written for people, e.g. "EUR 1,234.50" (en), "1.234,50 EUR" (de), '
                    '"JPY 1,234": the currency\'s decimals and the language\'s way with numbers. In the '
                    "language of `locale` (a BCP 47 tag), else the signed-in member's, else English."
    )
    async def formatted(self, info: Info, locale: str | None = None) -> str:
        return i18n.money(self.amount, self.currency_code, locale if locale is not None else await _viewer_locale(info))


async def _viewer_locale(info: Info) -> str | None:
    member_id = viewer_member_id(info)
    member = await context_of(info).members.load(member_id) if member_id is not None else None
    return member.locale if member is not None else None


def money(amount: Decimal | int, currency: str, minor_units: int = 2) -> Money:
    exponent = Decimal(1).scaleb(-minor_units)
    return Money(amount=Decimal(amount).quantize(exponent), currency_code=currency)


def from_minor(amount_minor: int, currency: str, minor_units: int = 2) -> Money:
    return money(Decimal(amount_minor).scaleb(-minor_units), currency, minor_units)

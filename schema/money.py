"""Money: an exact Decimal amount with its ISO 4217 currency."""
from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type
class Money:
    amount: Decimal
    currency_code: str


def money(amount: Decimal | int, currency: str, minor_units: int = 2) -> Money:
    exponent = Decimal(1).scaleb(-minor_units)
    return Money(amount=Decimal(amount).quantize(exponent), currency_code=currency)


def from_minor(amount_minor: int, currency: str, minor_units: int = 2) -> Money:
    return money(Decimal(amount_minor).scaleb(-minor_units), currency, minor_units)

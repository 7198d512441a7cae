"""Money in the program's currency: Decimal amounts in, whole minor units inside."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from loyalty.errors import LoyaltyError

MAX_AMOUNT_MINOR = 10**13  # far above any real order, far below 64-bit limits
MAX_AMOUNT_DIGITS = len(str(MAX_AMOUNT_MINOR))


def to_minor(amount: Decimal, minor_units: int, *, field: str = "amount", allow_zero: bool = False) -> int:
    """The amount in minor units; refuses amounts that are not positive, not finite, or
    more precise than the currency."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise LoyaltyError("Enter an amount such as 12.50.", field=field) from None
    if not value.is_finite():
        raise LoyaltyError("Enter an amount such as 12.50.", field=field)
    # The magnitude first: scaling or rounding 1E+300000 takes seconds, 1E+999999 overflows.
    if value and value.adjusted() + minor_units > MAX_AMOUNT_DIGITS:
        raise LoyaltyError("The amount is too large.", field=field)
    scaled = value.scaleb(minor_units)
    whole = scaled.to_integral_value()
    if scaled != whole:
        raise LoyaltyError(f"The amount has more than {minor_units} decimals.", field=field)
    minor = int(whole)
    if minor < 0 or (minor == 0 and not allow_zero):
        raise LoyaltyError("The amount must be greater than zero.", field=field)
    if minor > MAX_AMOUNT_MINOR:
        raise LoyaltyError("The amount is too large.", field=field)
    return minor


def from_minor(minor: int, minor_units: int) -> Decimal:
    return Decimal(minor).scaleb(-minor_units)

"""Money in the program's currency: Decimal amounts in, whole minor units inside."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from loyalty.errors import LoyaltyError

MAX_AMOUNT_MINOR = 10**13  # far above any real order, far below 64-bit limits


def to_minor(amount: Decimal, minor_units: int, *, field: str = "amount", allow_zero: bool = False) -> int:
    """The amount in minor units; refuses amounts that are not positive, not finite, or
    more precise than the currency."""
    try:
        scaled = Decimal(amount).scaleb(minor_units)
        whole = scaled.to_integral_value()
    except (InvalidOperation, TypeError, ValueError):
        raise LoyaltyError("Enter an amount such as 12.50.", field=field) from None
    if not scaled.is_finite() or scaled != whole:
        raise LoyaltyError(f"The amount has more than {minor_units} decimals.", field=field)
    minor = int(whole)
    if minor < 0 or (minor == 0 and not allow_zero):
        raise LoyaltyError("The amount must be greater than zero.", field=field)
    if minor > MAX_AMOUNT_MINOR:
        raise LoyaltyError("The amount is too large.", field=field)
    return minor


def from_minor(minor: int, minor_units: int) -> Decimal:
    return Decimal(minor).scaleb(-minor_units)
